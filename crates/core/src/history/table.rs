//! Reading and writing the history table through any [`Driver`], with the statements of
//! [`HistorySql`]. Rows are read by column name, whatever the table's column order.

use super::sql::{HistorySql, INSERT_COLUMNS, mysql_text};
use super::{
    AppliedMigration, HISTORY_COLUMNS, HistoryStatus, decode_depends_on, encode_depends_on,
};
use crate::Dialect;
use crate::driver::{Driver, Param};
use crate::error::BackendError;
use crate::history::batch::insert_batches;

/// A history write or catalog read failing: the database's message, as any other error.
pub fn plain(e: BackendError) -> BackendError {
    match e {
        BackendError::Sql { message, .. } => BackendError::Other(message),
        other => other,
    }
}

/// The table's columns; empty when it does not exist.
pub fn columns(db: &mut dyn Driver, sql: &HistorySql) -> Result<Vec<String>, BackendError> {
    Ok(db
        .query(&sql.columns())
        .map_err(plain)?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect())
}

/// Refuses a table without every column this version writes: it was made by something else.
pub fn check_columns(
    db: &dyn Driver,
    sql: &HistorySql,
    present: &[String],
) -> Result<(), BackendError> {
    let missing: Vec<&str> = HISTORY_COLUMNS
        .into_iter()
        .filter(|c| !present.iter().any(|p| p.eq_ignore_ascii_case(c)))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(BackendError::Other(format!(
        "table {} in {} exists but lacks columns {}: it was not created by this version of Cairn; rename it or migrate it by hand",
        sql.name(),
        db.describe(),
        missing.join(", ")
    )))
}

/// Creates the table if absent; refuses one that lacks columns. One catalog query when the
/// table exists.
pub fn ensure(db: &mut dyn Driver, sql: &HistorySql) -> Result<(), BackendError> {
    let present = columns(db, sql)?;
    if present.is_empty() {
        return db.execute(&sql.create()).map_err(plain);
    }
    check_columns(db, sql, &present)
}

/// Every row by rank (then id); empty when the table does not exist. One query when the table is there
/// (every run but the first): the catalog is asked only when the select fails, to tell a
/// missing table (no history yet) or one made by something else from any other error.
pub fn read(db: &mut dyn Driver, sql: &HistorySql) -> Result<Vec<AppliedMigration>, BackendError> {
    read_then(db, sql, |_| Ok(()))
}

/// [`read`] for a run that writes next: a missing table is created, as [`ensure`] does, and
/// read as empty. One query when the table is there, where `ensure` and `read` took two.
pub fn read_or_create(
    db: &mut dyn Driver,
    sql: &HistorySql,
) -> Result<Vec<AppliedMigration>, BackendError> {
    read_then(db, sql, |db| db.execute(&sql.create()).map_err(plain))
}

/// [`read`], calling `missing` when the table does not exist.
fn read_then(
    db: &mut dyn Driver,
    sql: &HistorySql,
    missing: impl FnOnce(&mut dyn Driver) -> Result<(), BackendError>,
) -> Result<Vec<AppliedMigration>, BackendError> {
    let e = match select(db, sql) {
        Ok(Ok(history)) => return Ok(history),
        Ok(Err(bad_row)) => return Err(bad_row),
        Err(e) => e,
    };
    match columns(db, sql) {
        Ok(present) if present.is_empty() => {
            missing(db)?;
            Ok(Vec::new())
        }
        // Made meanwhile by another runner (its first run), or failing for another reason:
        // the select again says which.
        Ok(present) => {
            check_columns(db, sql, &present)?;
            select(db, sql).map_err(plain)?
        }
        // The catalog cannot be read either (a lost connection): the first error.
        Err(_) => Err(plain(e)),
    }
}

/// The history's rows, each converted as it is read (10,000 rows held as text first were
/// a sixth of a long `status`'s memory). The outer error is the query's, the inner a row
/// that is not a history row.
fn select(
    db: &mut dyn Driver,
    sql: &HistorySql,
) -> Result<Result<Vec<AppliedMigration>, BackendError>, BackendError> {
    let mut history = Vec::new();
    let mut bad_row = None;
    let read = db.query_each(&sql.select(), &mut |row| {
        match from_row(sql.name(), history.len() + 1, row) {
            Ok(applied) => history.push(applied),
            Err(e) => {
                let stop = BackendError::Other(e.to_string());
                bad_row = Some(e);
                return Err(stop);
            }
        }
        Ok(())
    });
    match (bad_row, read) {
        (Some(e), _) => Ok(Err(e)),
        (None, Ok(())) => {
            history.sort_unstable_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.id.cmp(&b.id)));
            Ok(Ok(history))
        }
        (None, Err(e)) => Err(e),
    }
}

/// One row of [`HistorySql::select`], by column name.
pub fn from_row(
    table: &str,
    number: usize,
    row: Vec<Option<String>>,
) -> Result<AppliedMigration, BackendError> {
    let mut values = row.into_iter();
    let mut cells: [Option<String>; 14] = Default::default();
    for cell in &mut cells {
        *cell = values.next().flatten();
    }
    let at = |name: &str| HISTORY_COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
    let mut take = |name: &str| cells[at(name)].take();
    let id = take("id").unwrap_or_default();
    // `number` is the order the rows were read in, which is not the rank: the id says which.
    let number_of = |name: &str, value: Option<String>| -> Result<Option<i64>, BackendError> {
        value
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    BackendError::Other(format!(
                        "history table {table}, row {number}: column {name} holds `{v}`, not a number (migration {id})"
                    ))
                })
            })
            .transpose()
    };
    let checksum = take("checksum").unwrap_or_default();
    let description = take("description").unwrap_or_default();
    let applied_at = take("applied_at").unwrap_or_default();
    let execution_ms = number_of("execution_ms", take("execution_ms"))?.unwrap_or(0);
    let applied_by = take("applied_by").unwrap_or_default();
    let engine_version = take("engine_version").unwrap_or_default();
    let up_sql = take("up_sql");
    let down_sql = take("down_sql");
    let depends_on = decode_depends_on(&take("depends_on").unwrap_or_default());
    let status = HistoryStatus::parse(&take("status").unwrap_or_default());
    let rank = number_of("installed_rank", take("installed_rank"))?.unwrap_or(0);
    let failed_statement = number_of("failed_statement", take("failed_statement"))?;
    let error = take("error");
    Ok(AppliedMigration {
        id,
        checksum,
        description,
        applied_at,
        execution_ms,
        applied_by,
        engine_version,
        up_sql,
        down_sql,
        depends_on,
        status,
        rank,
        failed_statement,
        error,
    })
}

pub fn text(value: &str) -> Param<'_> {
    Param::Text(Some(value))
}

/// The parameters of [`HistorySql::insert`] for one row.
pub fn inserted<'a>(
    row: &'a AppliedMigration,
    depends_on: &'a str,
    status: HistoryStatus,
    execution_ms: i64,
) -> [Param<'a>; INSERT_COLUMNS] {
    [
        text(&row.id),
        text(&row.checksum),
        text(&row.description),
        Param::Int(Some(execution_ms)),
        text(&row.applied_by),
        text(&row.engine_version),
        Param::Text(row.up_sql.as_deref()),
        Param::Text(row.down_sql.as_deref()),
        text(depends_on),
        text(status.as_str()),
        Param::Int(Some(row.rank)),
    ]
}

/// Inserts `row` with `status` and `execution_ms`, `applied_at` now.
pub fn insert(
    db: &mut dyn Driver,
    sql: &HistorySql,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> Result<(), BackendError> {
    let depends_on = encode_depends_on(&row.depends_on);
    db.execute_with(
        &sql.insert(1),
        &inserted(row, &depends_on, status, execution_ms),
    )
    .map_err(plain)
}

/// Inserts `row` as `running`, its next statement the first, `applied_at` now.
pub fn insert_running(
    db: &mut dyn Driver,
    sql: &HistorySql,
    row: &AppliedMigration,
) -> Result<(), BackendError> {
    let depends_on = encode_depends_on(&row.depends_on);
    db.execute_with(
        &sql.insert_running(),
        &inserted(row, &depends_on, HistoryStatus::Running, 0),
    )
    .map_err(plain)
}

/// Records that every statement of `id` before 1-based `next` took effect.
pub fn progress(
    db: &mut dyn Driver,
    sql: &HistorySql,
    id: &str,
    next: usize,
) -> Result<(), BackendError> {
    db.execute_with(&sql.progress(), &[statement(next), text(id)])
        .map_err(plain)
}

fn statement(n: usize) -> Param<'static> {
    Param::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)))
}

/// Marks `id` applied now after a run outside a transaction.
pub fn finish(
    db: &mut dyn Driver,
    sql: &HistorySql,
    id: &str,
    execution_ms: i64,
) -> Result<(), BackendError> {
    db.execute_with(&sql.finish(), &[Param::Int(Some(execution_ms)), text(id)])
        .map_err(plain)
}

/// Marks a failed or interrupted row running again for a resumed run from 1-based statement
/// `next`, with the file's current checksum and SQL (the user may have fixed the failing
/// statement).
pub fn resume(
    db: &mut dyn Driver,
    sql: &HistorySql,
    row: &AppliedMigration,
    next: usize,
) -> Result<(), BackendError> {
    db.execute_with(
        &sql.resume(),
        &[
            text(&row.checksum),
            text(&row.description),
            Param::Text(row.up_sql.as_deref()),
            Param::Text(row.down_sql.as_deref()),
            statement(next),
            text(&row.id),
        ],
    )
    .map_err(plain)
}

/// Marks `id` reverting, from 1-based statement `next` of its down, before it is reverted
/// outside a transaction.
pub fn reverting(
    db: &mut dyn Driver,
    sql: &HistorySql,
    id: &str,
    next: usize,
) -> Result<(), BackendError> {
    db.execute_with(&sql.reverting(), &[statement(next), text(id)])
        .map_err(plain)
}

/// Marks `id` applied again after its revert failed before any statement took effect,
/// keeping the database's message in `error`.
pub fn still_applied(
    db: &mut dyn Driver,
    sql: &HistorySql,
    id: &str,
    message: &str,
) -> Result<(), BackendError> {
    db.execute_with(&sql.still_applied(), &[text(message), text(id)])
        .map_err(plain)
}

/// Marks `id` failed (`status`: `Failed` applying, `RevertFailed` reverting) at 1-based
/// `statement` with the database's message.
pub fn fail(
    db: &mut dyn Driver,
    sql: &HistorySql,
    id: &str,
    status: HistoryStatus,
    statement: usize,
    message: &str,
) -> Result<(), BackendError> {
    db.execute_with(
        &sql.fail(status),
        &[self::statement(statement), text(message), text(id)],
    )
    .map_err(plain)
}

/// Deletes `id`'s row.
pub fn delete(db: &mut dyn Driver, sql: &HistorySql, id: &str) -> Result<(), BackendError> {
    db.execute_with(&sql.delete(), &[text(id)]).map_err(plain)
}

/// Runs `f` in a transaction: committed when it succeeds, rolled back when it fails.
pub fn in_transaction<T>(
    db: &mut dyn Driver,
    f: impl FnOnce(&mut dyn Driver) -> Result<T, BackendError>,
) -> Result<T, BackendError> {
    db.begin().map_err(plain)?;
    let result = f(db).and_then(|v| db.commit().map_err(plain).map(|()| v));
    if result.is_err() {
        // The first error is what the caller needs; a failed rollback adds nothing to it.
        let _ = db.rollback();
    }
    result
}

/// Replaces the row of `row.id` (a changed repeatable's previous run) with `row`; inside the
/// caller's transaction.
pub fn replace(
    db: &mut dyn Driver,
    sql: &HistorySql,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> Result<(), BackendError> {
    delete(db, sql, &row.id)?;
    insert(db, sql, row, status, execution_ms)
}

/// Puts `previous` back exactly as it was read (time, status, rank and all) in place of the
/// row a failed re-run of the same repeatable migration wrote, in one transaction.
pub fn put_back(
    db: &mut dyn Driver,
    sql: &HistorySql,
    previous: &AppliedMigration,
) -> Result<(), BackendError> {
    let applied_at = sql.applied_at(&previous.applied_at);
    let depends_on = encode_depends_on(&previous.depends_on);
    in_transaction(db, |db| {
        delete(db, sql, &previous.id)?;
        db.execute_with(
            &sql.restore(),
            &[
                text(&previous.id),
                text(&previous.checksum),
                text(&previous.description),
                text(&applied_at),
                Param::Int(Some(previous.execution_ms)),
                text(&previous.applied_by),
                text(&previous.engine_version),
                Param::Text(previous.up_sql.as_deref()),
                Param::Text(previous.down_sql.as_deref()),
                text(&depends_on),
                text(previous.status.as_str()),
                Param::Int(Some(previous.rank)),
                Param::Int(previous.failed_statement),
                Param::Text(previous.error.as_deref()),
            ],
        )
        .map_err(plain)
    })
}

/// Inserts `rows` as applied now (adoption, `stamp`), one multi-row `INSERT` per
/// [`insert_batches`] slice, in one transaction: every row or none.
pub fn insert_applied(
    db: &mut dyn Driver,
    sql: &HistorySql,
    rows: &[AppliedMigration],
) -> Result<(), BackendError> {
    in_transaction(db, |db| {
        for batch in insert_batches(rows) {
            if sql.dialect() == Dialect::Mysql {
                db.execute(&mysql_insert(sql, batch)).map_err(plain)?;
                continue;
            }
            let depends: Vec<String> = batch
                .iter()
                .map(|r| encode_depends_on(&r.depends_on))
                .collect();
            let params: Vec<Param<'_>> = batch
                .iter()
                .zip(&depends)
                .flat_map(|(row, d)| inserted(row, d, HistoryStatus::Applied, 0))
                .collect();
            db.execute_with(&sql.insert(batch.len()), &params)
                .map_err(plain)?;
        }
        Ok(())
    })
}

/// [`HistorySql::insert`] for `batch` with the values spelled as literals (MySQL).
pub fn mysql_insert(sql: &HistorySql, batch: &[AppliedMigration]) -> String {
    let statement = sql.insert(batch.len());
    let mut values = batch.iter().flat_map(|row| {
        let depends_on = encode_depends_on(&row.depends_on);
        [
            mysql_text(&row.id),
            mysql_text(&row.checksum),
            mysql_text(&row.description),
            "0".to_string(),
            mysql_text(&row.applied_by),
            mysql_text(&row.engine_version),
            row.up_sql
                .as_deref()
                .map_or_else(|| "NULL".into(), mysql_text),
            row.down_sql
                .as_deref()
                .map_or_else(|| "NULL".into(), mysql_text),
            mysql_text(&depends_on),
            mysql_text(HistoryStatus::Applied.as_str()),
            row.rank.to_string(),
        ]
    });
    // Every `?` of the statement is a parameter: the text around them is fixed SQL.
    let mut out = String::with_capacity(statement.len() + batch.len() * 256);
    for piece in statement.split('?').enumerate() {
        if piece.0 > 0 {
            out.push_str(&values.next().unwrap_or_else(|| "NULL".to_string()));
        }
        out.push_str(piece.1);
    }
    out
}
