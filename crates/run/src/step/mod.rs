//! Running one migration's statements and recording it: the step state machine, written once
//! for every driver.
//!
//! Where DDL is transactional (SQLite, PostgreSQL) and the migration allows it, the statements
//! and the history change commit as one transaction. Otherwise (MySQL, `transaction: false`)
//! the history row is written first as `running`, and records after each statement how far
//! the run got ([`progress`]), so a later run knows which statements took effect.

use std::time::Instant;

use crate::Dialect;
use crate::driver::Driver;
use crate::error::{BackendError, Direction};
use crate::history::sql::HistorySql;
use crate::history::table::{self, in_transaction};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::rebuild::Rebuild;
use crate::split::Statement;

mod progress;
mod quick;
mod whole;

use progress::with_progress;
pub use progress::{Mode, modes};

/// One migration to apply or revert.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// Applying or reverting.
    pub direction: Direction,
    /// The statements to run, in order.
    pub statements: &'a [Statement],
    /// Whether the statements and the history change must commit as one transaction.
    /// When false, each statement commits on its own and the history row records progress
    /// (`running`, then `applied` or `failed` with the statement index).
    pub transaction: bool,
    /// For `up`: the row to insert (the backend sets `applied_at` and `execution_ms`).
    /// For `down`: the row to delete.
    pub record: &'a AppliedMigration,
    /// Resuming a migration that failed outside a transaction: its history row already exists
    /// (status `failed`) and is updated instead of inserted (status `running`, and `checksum`,
    /// `description`, `up_sql`, `down_sql` from `record`, since the user may have fixed the
    /// failing statement in the file), and only `statements` from `first_statement` on are run.
    pub resume: bool,
    /// 0-based index of the first statement to run (non-zero only when resuming).
    pub first_statement: usize,
    /// For `up` of a changed repeatable migration: its current history row (same `id`), which
    /// `record` replaces. The backend deletes it and inserts `record` in the step's own
    /// transaction, so a failing re-run leaves it untouched; where the step cannot be atomic
    /// (MySQL, `transaction: false`), it swaps the rows before the statements and puts this
    /// row back, unchanged, when a statement fails.
    pub replaces: Option<&'a AppliedMigration>,
    /// Send the statements to the database together, in one call: the caller runs them again
    /// one by one when they fail, which names the statement. Left unset, a step in a
    /// transaction of its own does the same itself.
    pub joined: bool,
    /// The step runs inside a transaction its caller owns (`--single-transaction`), so its
    /// own `BEGIN`/`COMMIT` do nothing and a failure cannot be tried again within it.
    pub grouped: bool,
}

impl<'a> Step<'a> {
    /// A step that runs every statement and inserts (up) or deletes (down) `record`.
    pub fn new(
        direction: Direction,
        statements: &'a [Statement],
        transaction: bool,
        record: &'a AppliedMigration,
    ) -> Self {
        Step {
            direction,
            statements,
            transaction,
            record,
            resume: false,
            first_statement: 0,
            replaces: None,
            joined: false,
            grouped: false,
        }
    }
}

/// Runs `step` on `db` and records it; returns the SQL's run time in milliseconds. A statement
/// the database refuses is [`BackendError::Statement`] with its index, after the transaction
/// was rolled back where there is one.
pub(crate) fn apply(db: &mut dyn Driver, step: &Step<'_>) -> Result<u64, BackendError> {
    let sql = HistorySql::new(db.dialect(), db.history_table());
    let rebuilds = db.dialect() == Dialect::Sqlite
        && step
            .statements
            .iter()
            .any(|s| Rebuild::parse(&s.sql).is_some());
    if step.transaction && db.atomic_ddl() {
        if !rebuilds {
            // The statements together cost one round trip instead of one each. If they fail,
            // the transaction is rolled back and they run again one by one, so the failure
            // names its statement: only for statements that are quick to run twice.
            if !step.joined && !step.grouped && sent_together(step.statements, step.first_statement)
            {
                let together = Step {
                    joined: true,
                    ..*step
                };
                match in_one_transaction(db, &sql, &together, false) {
                    Err(BackendError::Statement { .. }) => {}
                    done => return done,
                }
            }
            return in_one_transaction(db, &sql, step, false);
        }
        // SQLite's rebuild procedure needs foreign keys off, which only works outside a
        // transaction; they are checked before commit and turned back on after.
        db.execute("PRAGMA foreign_keys = OFF")?;
        let result = in_one_transaction(db, &sql, step, true);
        db.execute("PRAGMA foreign_keys = ON")?;
        return result;
    }
    if rebuilds {
        return Err(BackendError::Other(format!(
            "migration {} rebuilds a table, which SQLite can only do inside a transaction: remove `transaction: false`",
            step.record.id
        )));
    }
    with_progress(db, &sql, step)
}

/// A driver error of statement `index` as the engine reports it.
fn at(index: usize, e: BackendError) -> BackendError {
    match e {
        BackendError::Sql {
            message,
            position,
            code,
        } => BackendError::Statement {
            index,
            message,
            position,
            code,
        },
        other => other,
    }
}

/// Runs the step's statements from `first_statement` on; a failure comes with the index of
/// the statement that failed.
/// Whether a step's `statements`, run from index `first`, go to the database in one call when
/// it is [`Step::joined`]: from the first, more than one, and all quick to run again
/// ([`quick`]).
pub(crate) fn sent_together(statements: &[Statement], first: usize) -> bool {
    first == 0 && statements.len() > 1 && quick::quick(statements)
}

fn run_statements(db: &mut dyn Driver, step: &Step<'_>) -> Result<(), (usize, BackendError)> {
    if step.joined && sent_together(step.statements, step.first_statement) {
        // A line break before each `;`: a statement may end in a `--` comment.
        let sql: Vec<&str> = step.statements.iter().map(|s| s.sql.as_str()).collect();
        return db.execute(&sql.join("\n;\n")).map_err(|e| (0, at(0, e)));
    }
    for (index, statement) in step
        .statements
        .iter()
        .enumerate()
        .skip(step.first_statement)
    {
        db.execute(&statement.sql)
            .map_err(|e| (index, at(index, e)))?;
    }
    Ok(())
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// The statements and the history change in one transaction.
fn in_one_transaction(
    db: &mut dyn Driver,
    sql: &HistorySql,
    step: &Step<'_>,
    check_keys: bool,
) -> Result<u64, BackendError> {
    let start = Instant::now();
    in_transaction(db, |db| {
        run_statements(db, step).map_err(|(_, e)| e)?;
        if check_keys {
            let broken = key_violations(db)?;
            if !broken.is_empty() {
                return Err(BackendError::Statement {
                    index: step.statements.len().saturating_sub(1),
                    message: format!(
                        "foreign key violations after rebuilding: {}",
                        broken.join(", ")
                    ),
                    position: None,
                    code: None,
                });
            }
        }
        let ms = elapsed_ms(start);
        let record = step.record;
        match step.direction {
            Direction::Up if step.replaces.is_some() => {
                table::replace(db, sql, record, HistoryStatus::Applied, ms_i64(ms))
            }
            Direction::Up => table::insert(db, sql, record, HistoryStatus::Applied, ms_i64(ms)),
            Direction::Down => table::delete(db, sql, &record.id),
        }?;
        Ok(ms)
    })
}

/// Rows that break a foreign key after a SQLite rebuild, as `table row N -> parent`.
fn key_violations(db: &mut dyn Driver) -> Result<Vec<String>, BackendError> {
    Ok(db
        .query("PRAGMA foreign_key_check")?
        .into_iter()
        .map(|row| {
            let cell = |i: usize| row.get(i).cloned().flatten();
            format!(
                "{} row {} -> {}",
                cell(0).unwrap_or_default(),
                cell(1).unwrap_or_else(|| "?".to_string()),
                cell(2).unwrap_or_default()
            )
        })
        .collect())
}

/// `rows` recorded as applied without running any SQL.
pub(crate) fn record_applied(
    db: &mut dyn Driver,
    rows: &[AppliedMigration],
) -> Result<(), BackendError> {
    let sql = HistorySql::new(db.dialect(), db.history_table());
    table::insert_applied(db, &sql, rows)
}

#[cfg(test)]
mod tests;
