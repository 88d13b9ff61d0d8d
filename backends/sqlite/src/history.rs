//! The history table in SQLite.

use cairn::{
    AppliedMigration, HISTORY_COLUMNS, HistoryStatus, decode_depends_on, encode_depends_on,
};
use rusqlite::{Connection, OptionalExtension, params};

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Columns of [`HISTORY_COLUMNS`] the existing table lacks (one catalog query).
pub fn missing_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<&'static str>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let have: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(HISTORY_COLUMNS
        .into_iter()
        .filter(|c| !have.iter().any(|h| h == c))
        .collect())
}

/// Creates the table if absent.
pub fn ensure(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            id TEXT PRIMARY KEY NOT NULL,
            checksum TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            applied_at TEXT NOT NULL DEFAULT ({NOW}),
            execution_ms INTEGER NOT NULL DEFAULT 0,
            applied_by TEXT NOT NULL DEFAULT '',
            engine_version TEXT NOT NULL,
            up_sql TEXT,
            down_sql TEXT,
            depends_on TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'applied',
            installed_rank INTEGER NOT NULL,
            failed_statement INTEGER,
            error TEXT
        )"
    ))
}

/// Every row, by rank; empty when the table does not exist.
pub fn read(conn: &Connection, table: &str) -> rusqlite::Result<Vec<AppliedMigration>> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT id, checksum, description, applied_at, execution_ms, applied_by, engine_version,
                up_sql, down_sql, depends_on, status, installed_rank, failed_statement, error
         FROM {table} ORDER BY installed_rank, id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(AppliedMigration {
            id: r.get(0)?,
            checksum: r.get(1)?,
            description: r.get(2)?,
            applied_at: r.get(3)?,
            execution_ms: r.get(4)?,
            applied_by: r.get(5)?,
            engine_version: r.get(6)?,
            up_sql: r.get(7)?,
            down_sql: r.get(8)?,
            depends_on: decode_depends_on(&r.get::<_, String>(9)?),
            status: HistoryStatus::parse(&r.get::<_, String>(10)?),
            rank: r.get(11)?,
            failed_statement: r.get(12)?,
            error: r.get(13)?,
        })
    })?;
    rows.collect()
}

/// Inserts `row` with `status` and `execution_ms`.
pub fn insert(
    conn: &Connection,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO {table} (id, checksum, description, applied_at, execution_ms, applied_by,
             engine_version, up_sql, down_sql, depends_on, status, installed_rank)
         VALUES (?1, ?2, ?3, {NOW}, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?;
    stmt.execute(params![
        row.id,
        row.checksum,
        row.description,
        execution_ms,
        row.applied_by,
        row.engine_version,
        row.up_sql,
        row.down_sql,
        encode_depends_on(&row.depends_on),
        status.as_str(),
        row.rank,
    ])?;
    Ok(())
}

/// Marks `id` applied after a non-transactional run.
pub fn finish(conn: &Connection, table: &str, id: &str, execution_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        &format!("UPDATE {table} SET status = 'applied', execution_ms = ?2, applied_at = {NOW} WHERE id = ?1"),
        params![id, execution_ms],
    )?;
    Ok(())
}

/// Marks a failed row as running again for a resumed run, with the file's current checksum
/// and SQL (the user may have fixed the failing statement).
pub fn mark_running(
    conn: &Connection,
    table: &str,
    row: &AppliedMigration,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE {table} SET status = 'running', failed_statement = NULL, error = NULL,
                 checksum = ?2, description = ?3, up_sql = ?4, down_sql = ?5 WHERE id = ?1"
        ),
        params![
            row.id,
            row.checksum,
            row.description,
            row.up_sql,
            row.down_sql
        ],
    )?;
    Ok(())
}

/// Marks `id` failed at 1-based `statement` with the database's message.
pub fn fail(
    conn: &Connection,
    table: &str,
    id: &str,
    statement: usize,
    message: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "UPDATE {table} SET status = 'failed', failed_statement = ?2, error = ?3 WHERE id = ?1"
        ),
        params![id, i64::try_from(statement).unwrap_or(i64::MAX), message],
    )?;
    Ok(())
}

/// Deletes `id`'s row.
pub fn delete(conn: &Connection, table: &str, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
        .execute([id])?;
    Ok(())
}

/// Replaces the row of `row.id` (a changed repeatable's previous run) with `row`, as
/// [`insert`] writes it; inside the caller's transaction when there is one.
pub fn replace(
    conn: &Connection,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> rusqlite::Result<()> {
    delete(conn, table, &row.id)?;
    insert(conn, table, row, status, execution_ms)
}

/// Puts `previous` back exactly as it was read (time, status, rank and all) in place of the
/// row a failed re-run of the same repeatable migration wrote, in one transaction.
pub fn put_back(
    conn: &Connection,
    table: &str,
    previous: &AppliedMigration,
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    delete(&tx, table, &previous.id)?;
    tx.execute(
        &format!(
            "INSERT INTO {table} (id, checksum, description, applied_at, execution_ms, applied_by,
                 engine_version, up_sql, down_sql, depends_on, status, installed_rank,
                 failed_statement, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ),
        params![
            previous.id,
            previous.checksum,
            previous.description,
            previous.applied_at,
            previous.execution_ms,
            previous.applied_by,
            previous.engine_version,
            previous.up_sql,
            previous.down_sql,
            encode_depends_on(&previous.depends_on),
            previous.status.as_str(),
            previous.rank,
            previous.failed_statement,
            previous.error,
        ],
    )?;
    tx.commit()
}

/// Inserts `rows` as applied (adoption), all in one transaction: every row or none.
pub fn insert_applied(
    conn: &Connection,
    table: &str,
    rows: &[AppliedMigration],
) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    for row in rows {
        // One prepared statement, run per row: SQLite has no round trips to save.
        insert(&tx, table, row, HistoryStatus::Applied, 0)?;
    }
    tx.commit()
}
