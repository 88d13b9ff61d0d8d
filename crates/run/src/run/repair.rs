//! `repair`: the history changes a user makes after fixing the database by hand, for the
//! cases a run refuses to decide alone.

use super::audit::Audit;
use super::down_script;
use super::execute::locked;
use super::report::Options;
use crate::driver::Driver;
use crate::error::{Error, Refused, Result};
use crate::history::sql::HistorySql;
use crate::history::table;
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::protocol::Migrate;

/// Clears a failed migration's history row after the user repaired the database by hand, so
/// the next `up` applies it again from the start.
pub fn repair(backend: &mut dyn Driver, id: &str, opts: &Options) -> Result<AppliedMigration> {
    locked(
        backend,
        &Options {
            dry_run: false,
            ..opts.clone()
        },
        |backend| {
            let history = backend.history()?;
            let row = history
                .into_iter()
                .find(|h| h.id == id)
                .ok_or_else(|| Error::UnknownMigration(id.to_string()))?;
            if row.status == HistoryStatus::Applied {
                return Err(Refused::NotFailed { id: id.to_string() }.into());
            }
            backend.forget(id)?;
            let mut audit = Audit::new("repair", opts);
            audit.push(
                Some(id),
                "ok",
                Some(format!("cleared its `{}` row", row.status.as_str())),
            );
            audit.write(backend)?;
            Ok(row)
        },
    )
}

/// Marks the failed or interrupted migration `id` to go on from 1-based statement `from` of
/// the script it was running (its up, or its down when it was being reverted), after the user
/// checked by hand which statements took effect: what a run that cannot decide the statement
/// in doubt asks for. `migrate up --resume` (`down --resume`) then runs it from there.
pub fn repair_from(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    id: &str,
    from: usize,
    opts: &Options,
) -> Result<AppliedMigration> {
    locked(
        backend,
        &Options {
            dry_run: false,
            ..opts.clone()
        },
        |backend| {
            let history = backend.history()?;
            let row = history
                .into_iter()
                .find(|h| h.id == id)
                .ok_or_else(|| Error::UnknownMigration(id.to_string()))?;
            let (status, count) = match row.status {
                HistoryStatus::Applied => {
                    return Err(Refused::NotFailed { id: id.to_string() }.into());
                }
                HistoryStatus::Running | HistoryStatus::Failed => {
                    let m = set
                        .get(id)
                        .ok_or_else(|| Refused::ResumeWithoutFile { id: id.to_string() })?;
                    (HistoryStatus::Failed, m.up.statements()?.len())
                }
                HistoryStatus::Reverting | HistoryStatus::RevertFailed => (
                    HistoryStatus::RevertFailed,
                    down_script(set, &row)?.0.statements()?.len(),
                ),
            };
            if from == 0 || from > count + 1 {
                return Err(Refused::FromOutOfRange {
                    id: id.to_string(),
                    from,
                    count,
                }
                .into());
            }
            let sql = HistorySql::new(backend.dialect(), backend.history_table());
            let message = format!(
                "statements before {from} took effect (recorded by `migrate repair --from {from}`)"
            );
            table::fail(backend, &sql, id, status, from, &message)?;
            let mut audit = Audit::new("repair", opts);
            audit.push(
                Some(id),
                "ok",
                Some(format!(
                    "`{}` row set to go on from statement {from}",
                    row.status.as_str()
                )),
            );
            audit.write(backend)?;
            Ok(AppliedMigration {
                status,
                failed_statement: i64::try_from(from).ok(),
                error: Some(message),
                ..row
            })
        },
    )
}
