//! The history table in MySQL and MariaDB.
//!
//! Same columns as every backend. `applied_at` is always written as `UTC_TIMESTAMP(6)`, never
//! through a column default: `DATETIME` has no time zone, and `CURRENT_TIMESTAMP` would store
//! the session's local time.

use cairn::{AppliedMigration, HistoryStatus, decode_depends_on, encode_depends_on};
use mysql::prelude::{FromValue, Queryable};
use mysql::{Conn, FromValueError, Params, Row, TxOpts, Value};

/// Every column with its type, in table order.
const COLUMNS: &[(&str, &str)] = &[
    // Binary collation: ids are compared exactly, as the engine does (no case folding, no
    // trailing-space padding).
    ("id", "VARCHAR(255) COLLATE utf8mb4_bin NOT NULL"),
    ("checksum", "CHAR(64) NOT NULL"),
    ("description", "TEXT NOT NULL"),
    ("applied_at", "DATETIME(6) NOT NULL"),
    ("execution_ms", "BIGINT NOT NULL DEFAULT 0"),
    ("applied_by", "VARCHAR(255) NOT NULL DEFAULT ''"),
    ("engine_version", "VARCHAR(32) NOT NULL"),
    ("up_sql", "LONGTEXT NULL"),
    ("down_sql", "LONGTEXT NULL"),
    ("depends_on", "TEXT NOT NULL"),
    ("status", "VARCHAR(16) NOT NULL DEFAULT 'applied'"),
    ("installed_rank", "BIGINT NOT NULL"),
    ("failed_statement", "BIGINT NULL"),
    ("error", "TEXT NULL"),
];

/// `applied_at` as ISO-8601 UTC with milliseconds, like the other backends.
const APPLIED_AT: &str = "CONCAT(LEFT(DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')";

const NOW: &str = "UTC_TIMESTAMP(6)";

/// Creates the table if absent; otherwise returns the columns it lacks (empty when complete).
pub fn ensure(conn: &mut Conn, table: &str) -> mysql::Result<Vec<&'static str>> {
    let rows: Vec<Row> = conn.exec(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (table,),
    )?;
    if rows.is_empty() {
        let columns: Vec<String> = COLUMNS.iter().map(|(n, t)| format!("`{n}` {t}")).collect();
        conn.query_drop(format!(
            "CREATE TABLE IF NOT EXISTS `{table}` (\n  {},\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            columns.join(",\n  ")
        ))?;
        return Ok(Vec::new());
    }
    let mut present = Vec::with_capacity(rows.len());
    for mut row in rows {
        present.push(col::<String>(&mut row, 0)?);
    }
    Ok(COLUMNS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !present.iter().any(|p| p.eq_ignore_ascii_case(n)))
        .collect())
}

/// Every row, by rank; empty when the table does not exist.
pub fn read(conn: &mut Conn, table: &str) -> mysql::Result<Vec<AppliedMigration>> {
    let exists: Option<Row> = conn.exec_first(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        (table,),
    )?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = conn.query(format!(
        "SELECT id, checksum, description, {APPLIED_AT}, execution_ms, applied_by, engine_version,
                up_sql, down_sql, depends_on, status, installed_rank, failed_statement, error
         FROM `{table}` ORDER BY installed_rank, id"
    ))?;
    rows.into_iter()
        .map(|mut r| {
            Ok(AppliedMigration {
                id: col(&mut r, 0)?,
                checksum: col(&mut r, 1)?,
                description: col(&mut r, 2)?,
                applied_at: col(&mut r, 3)?,
                execution_ms: col(&mut r, 4)?,
                applied_by: col(&mut r, 5)?,
                engine_version: col(&mut r, 6)?,
                up_sql: col(&mut r, 7)?,
                down_sql: col(&mut r, 8)?,
                depends_on: decode_depends_on(&col::<String>(&mut r, 9)?),
                status: HistoryStatus::parse(&col::<String>(&mut r, 10)?),
                rank: col(&mut r, 11)?,
                failed_statement: col(&mut r, 12)?,
                error: col(&mut r, 13)?,
            })
        })
        .collect()
}

/// Inserts `row` with `status` (its `applied_at` is now, `execution_ms` 0).
pub fn insert(
    conn: &mut impl Queryable,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
) -> mysql::Result<()> {
    conn.exec_drop(
        format!(
            "INSERT INTO `{table}` (id, checksum, description, applied_at, execution_ms,
                 applied_by, engine_version, up_sql, down_sql, depends_on, status, installed_rank)
             VALUES (?, ?, ?, {NOW}, 0, ?, ?, ?, ?, ?, ?, ?)"
        ),
        Params::Positional(vec![
            row.id.as_str().into(),
            row.checksum.as_str().into(),
            row.description.as_str().into(),
            row.applied_by.as_str().into(),
            row.engine_version.as_str().into(),
            row.up_sql.as_deref().into(),
            row.down_sql.as_deref().into(),
            encode_depends_on(&row.depends_on).into(),
            status.as_str().into(),
            row.rank.into(),
        ]),
    )
}

/// Inserts `rows` as applied now (adoption), one multi-row `INSERT` per
/// [`cairn::insert_batches`] slice, in one transaction: every row or none. The values are
/// written into the statement as literals (text as `_utf8mb4 X'<hex>'`, which no `sql_mode`
/// or escaping rule can change): a server-side prepared statement with thousands of
/// parameters costs more than the round trips it saves.
pub fn insert_applied(
    conn: &mut Conn,
    table: &str,
    rows: &[AppliedMigration],
) -> mysql::Result<()> {
    let mut tx = conn.start_transaction(TxOpts::default())?;
    let applied = text(HistoryStatus::Applied.as_str());
    for batch in cairn::insert_batches(rows) {
        let tuples: Vec<String> = batch
            .iter()
            .map(|row| {
                format!(
                    "({}, {}, {}, {NOW}, 0, {}, {}, {}, {}, {}, {applied}, {})",
                    text(&row.id),
                    text(&row.checksum),
                    text(&row.description),
                    text(&row.applied_by),
                    text(&row.engine_version),
                    row.up_sql.as_deref().map_or_else(|| "NULL".into(), text),
                    row.down_sql.as_deref().map_or_else(|| "NULL".into(), text),
                    text(&encode_depends_on(&row.depends_on)),
                    row.rank,
                )
            })
            .collect();
        tx.query_drop(format!(
            "INSERT INTO `{table}` (id, checksum, description, applied_at, execution_ms,
                 applied_by, engine_version, up_sql, down_sql, depends_on, status, installed_rank)
             VALUES {}",
            tuples.join(", ")
        ))?;
    }
    tx.commit()
}

/// `value` as a utf8mb4 string literal spelled in hex.
fn text(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 2 + 12);
    out.push_str("_utf8mb4 X'");
    for b in value.bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push('\'');
    out
}

/// Marks `id` applied now, with its run time.
pub fn finish(conn: &mut Conn, table: &str, id: &str, execution_ms: i64) -> mysql::Result<()> {
    conn.exec_drop(
        format!(
            "UPDATE `{table}` SET status = 'applied', execution_ms = ?, applied_at = {NOW},
                 failed_statement = NULL, error = NULL
             WHERE id = ?"
        ),
        (execution_ms, id),
    )
}

/// Marks `id` running: before reverting it, or when resuming it after a failure.
///
/// Resuming (`fixed` is the file's row now), the file's checksum, description and SQL are
/// recorded too, as the other backends do: the user may have fixed the failing statement, and
/// the row must describe what was applied.
pub fn mark_running(
    conn: &mut Conn,
    table: &str,
    id: &str,
    fixed: Option<&AppliedMigration>,
) -> mysql::Result<()> {
    match fixed {
        Some(row) => conn.exec_drop(
            format!(
                "UPDATE `{table}` SET status = 'running', failed_statement = NULL, error = NULL,
                     checksum = ?, description = ?, up_sql = ?, down_sql = ? WHERE id = ?"
            ),
            (
                &row.checksum,
                &row.description,
                &row.up_sql,
                &row.down_sql,
                id,
            ),
        ),
        None => conn.exec_drop(
            format!(
                "UPDATE `{table}` SET status = 'running', failed_statement = NULL, error = NULL
                 WHERE id = ?"
            ),
            (id,),
        ),
    }
}

/// Marks `id` failed at 1-based `statement` with the server's message.
pub fn fail(
    conn: &mut Conn,
    table: &str,
    id: &str,
    statement: usize,
    message: &str,
) -> mysql::Result<()> {
    conn.exec_drop(
        format!(
            "UPDATE `{table}` SET status = 'failed', failed_statement = ?, error = ?
             WHERE id = ?"
        ),
        (i64::try_from(statement).unwrap_or(i64::MAX), message, id),
    )
}

/// Deletes `id`'s row.
pub fn delete(conn: &mut impl Queryable, table: &str, id: &str) -> mysql::Result<()> {
    conn.exec_drop(format!("DELETE FROM `{table}` WHERE id = ?"), (id,))
}

/// Replaces the row of `row.id` (a changed repeatable's previous run) with `row`, as
/// [`insert`] writes it, in one transaction (the history table is InnoDB).
pub fn replace(
    conn: &mut Conn,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
) -> mysql::Result<()> {
    let mut tx = conn.start_transaction(TxOpts::default())?;
    delete(&mut tx, table, &row.id)?;
    insert(&mut tx, table, row, status)?;
    tx.commit()
}

/// Puts `previous` back exactly as it was read (time to the millisecond, status, rank and all)
/// in place of the row a failed re-run of the same repeatable migration wrote, in one
/// transaction.
pub fn put_back(conn: &mut Conn, table: &str, previous: &AppliedMigration) -> mysql::Result<()> {
    // Read back as `YYYY-MM-DDTHH:MM:SS.mmmZ`; a DATETIME takes it without the T and the Z.
    let applied_at = previous
        .applied_at
        .trim_end_matches('Z')
        .replacen('T', " ", 1);
    let mut tx = conn.start_transaction(TxOpts::default())?;
    delete(&mut tx, table, &previous.id)?;
    tx.exec_drop(
        format!(
            "INSERT INTO `{table}` (id, checksum, description, applied_at, execution_ms,
                 applied_by, engine_version, up_sql, down_sql, depends_on, status, installed_rank,
                 failed_statement, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ),
        Params::Positional(vec![
            previous.id.as_str().into(),
            previous.checksum.as_str().into(),
            previous.description.as_str().into(),
            applied_at.into(),
            previous.execution_ms.into(),
            previous.applied_by.as_str().into(),
            previous.engine_version.as_str().into(),
            previous.up_sql.as_deref().into(),
            previous.down_sql.as_deref().into(),
            encode_depends_on(&previous.depends_on).into(),
            previous.status.as_str().into(),
            previous.rank.into(),
            previous.failed_statement.into(),
            previous.error.as_deref().into(),
        ]),
    )?;
    tx.commit()
}

/// Column `index` of `row` as `T` (use `Option<T>` for nullable columns). Unlike the driver's
/// `Row::take`, an unexpected value is an error, not a panic.
pub(crate) fn col<T: FromValue>(row: &mut Row, index: usize) -> mysql::Result<T> {
    match row.take_opt::<T, _>(index) {
        Some(Ok(v)) => Ok(v),
        Some(Err(FromValueError(v))) => Err(mysql::Error::FromValueError(v)),
        None => Err(mysql::Error::FromValueError(Value::NULL)),
    }
}

#[cfg(test)]
mod columns_tests {
    #[test]
    fn columns_are_the_engines_history_columns_in_order() {
        let names: Vec<&str> = super::COLUMNS.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, cairn::HISTORY_COLUMNS);
    }
}
