//! Running one step and recording it, shared by `up`/`down`/`repair`, resuming a failed
//! migration, adopting and rollback proofs: the migration lock ([`locked`]), executing a step
//! with its statement errors located in the file ([`run_step`]), the history row `up` writes
//! ([`record_for`]) and a report entry ([`entry`]).

use std::path::PathBuf;

use super::report::{MigrationReport, Options};
use crate::ENGINE_VERSION;
use crate::driver::Driver;
use crate::error::{BackendError, Error, Result, StatementFailure};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::model::{Migration, Script};
use crate::protocol::Migrate;
use crate::step::Step;

/// Runs `f` holding the migration lock with the history table present (no lock and no table
/// in a dry run, which changes nothing); the lock is released on every path. A server that
/// takes no writes (a replica) is refused before the lock ([`Driver::check_writable`]).
pub fn locked<T>(
    backend: &mut dyn Driver,
    opts: &Options,
    f: impl FnOnce(&mut dyn Driver) -> Result<T>,
) -> Result<T> {
    locked_then(backend, opts, true, f)
}

/// [`locked`]; without `ensure`, `f` makes the history table itself
/// ([`Migrate::ensured_history`], one query where ensuring and reading took two).
pub fn locked_then<T>(
    backend: &mut dyn Driver,
    opts: &Options,
    ensure: bool,
    f: impl FnOnce(&mut dyn Driver) -> Result<T>,
) -> Result<T> {
    if opts.dry_run {
        return f(backend);
    }
    backend.check_writable()?;
    backend.lock(opts.lock_timeout)?;
    let ensured = if ensure {
        backend.ensure_history().map_err(Error::from)
    } else {
        Ok(())
    };
    let result = ensured.and_then(|()| f(backend));
    let released = backend.unlock();
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// Executes `step` (whose statements are `script`'s) and turns a statement error into a
/// [`StatementFailure`] located in the file.
pub fn run_step(
    backend: &mut dyn Driver,
    opts: &Options,
    step: &Step<'_>,
    script: &Script,
    file: Option<&PathBuf>,
) -> Result<u64> {
    if opts.dry_run {
        return Ok(0);
    }
    let (direction, record) = (step.direction, step.record);
    let atomic = step.transaction && backend.atomic_ddl();
    let replaces = step.replaces.is_some();
    // Split before it ran: the statements are there.
    let statements = script.statements().unwrap_or_default();
    backend.apply(step).map_err(|e| match e {
        BackendError::Statement {
            index,
            message,
            position,
            code,
        } => {
            let stmt = statements.get(index);
            let extra_lines = match (stmt, position) {
                (Some(s), Some(p)) if script.lines_match => s
                    .sql
                    .chars()
                    .take(p.saturating_sub(1))
                    .filter(|c| *c == '\n')
                    .count(),
                _ => 0,
            };
            Error::Statement(Box::new(StatementFailure {
                id: record.id.clone(),
                direction,
                file: file.cloned(),
                statement: index + 1,
                count: statements.len(),
                line: stmt.map_or(script.first_line, |s| script.file_line(s))
                    + u32::try_from(extra_lines).unwrap_or(0),
                sql: stmt.map(|s| s.sql.clone()).unwrap_or_default(),
                message,
                code,
                rolled_back: atomic,
                previous_row_kept: !atomic && replaces,
            }))
        }
        other => Error::Backend(other),
    })
}

/// The history row `up` writes for `m` at `rank`.
pub fn record_for(m: &Migration, opts: &Options, rank: i64) -> AppliedMigration {
    AppliedMigration {
        id: m.id.clone(),
        checksum: m.checksum.to_hex(),
        description: m.description.clone(),
        applied_at: String::new(),
        execution_ms: 0,
        applied_by: opts.applied_by.clone(),
        engine_version: ENGINE_VERSION.to_string(),
        up_sql: Some(m.up.sql.clone()),
        down_sql: m.down.as_ref().map(|d| d.sql.clone()),
        depends_on: m.depends_on.clone(),
        status: HistoryStatus::Applied,
        rank,
        failed_statement: None,
        error: None,
    }
}

/// The report entry for migration `id` run with `script` in `ms` milliseconds.
pub fn entry(id: &str, script: &Script, ms: u64, dry_run: bool) -> MigrationReport {
    // Split before it ran.
    let statements = script.statements().unwrap_or_default();
    MigrationReport {
        id: id.to_string(),
        execution_ms: ms,
        statements: statements.len(),
        sql: if dry_run {
            statements.iter().map(|s| s.sql.clone()).collect()
        } else {
            Vec::new()
        },
    }
}
