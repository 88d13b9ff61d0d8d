//! Resuming a migration that failed part-way outside a transaction (MySQL DDL, or
//! `transaction: false`), applying (`up --resume`) or reverting (`down --resume`): run it again
//! from the statement that failed, after the user fixed the cause. The failed statement is run again because the database rejected it, so it had no
//! effect; the statements before it took effect and must not run twice.

use std::collections::HashSet;

use super::down_script;
use super::execute::{entry, record_for, run_step};
use super::report::{Event, Options, RunReport};
use crate::driver::Driver;
use crate::error::{Direction, Refused, Result};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::split::split;
use crate::step::Step;

/// Resumes every failed migration in `history`; returns their ids.
pub(crate) fn resume_failed(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    history: &[AppliedMigration],
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    // Reverts that failed are finished by `down --resume`, never by running their up again.
    let failed: Vec<&AppliedMigration> = history
        .iter()
        .filter(|h| matches!(h.status, HistoryStatus::Failed | HistoryStatus::Running))
        .collect();
    if failed.is_empty() {
        return Err(Refused::NothingToResume.into());
    }
    let mut resumed = HashSet::new();
    for row in failed {
        let id = row.id.as_str();
        let Some(k) = row
            .failed_statement
            .filter(|_| row.status == HistoryStatus::Failed)
        else {
            return Err(Refused::RunnerDied { id: id.to_string() }.into());
        };
        let m = set
            .get(id)
            .ok_or_else(|| Refused::ResumeWithoutFile { id: id.to_string() })?;
        let first = usize::try_from(k.max(1) - 1).unwrap_or(usize::MAX);
        if first > m.up.statements.len() {
            return Err(Refused::FileShorter {
                id: id.to_string(),
                failed_at: k,
                statements: m.up.statements.len(),
            }
            .into());
        }
        let ran =
            split(row.up_sql.as_deref().unwrap_or_default(), set.dialect()).unwrap_or_default();
        let same_prefix = ran.len() >= first
            && ran
                .iter()
                .zip(&m.up.statements)
                .take(first)
                .all(|(a, b)| a.sql == b.sql);
        if !same_prefix {
            return Err(Refused::RanStatementsChanged {
                id: id.to_string(),
                ran: first,
            }
            .into());
        }
        on_event(Event::Started {
            id,
            index: report.migrations.len(),
        });
        let record = record_for(m, opts, row.rank);
        let step = Step {
            resume: true,
            first_statement: first,
            ..Step::new(Direction::Up, &m.up.statements, false, &record)
        };
        let ms = run_step(backend, opts, &step, &m.up, Some(&m.file))?;
        on_event(Event::Finished {
            id,
            execution_ms: ms,
        });
        let mut done = entry(id, &m.up, ms, opts.dry_run);
        done.statements = m.up.statements.len() - first;
        report.migrations.push(done);
        resumed.insert(id.to_string());
    }
    Ok(resumed)
}

/// Finishes every revert in `history` that failed part-way, from its failed statement (the
/// statements before it took effect and must not run twice); returns their ids, whose rows are
/// gone now.
pub(crate) fn resume_reverts(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    history: &[AppliedMigration],
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    let failed: Vec<&AppliedMigration> = history
        .iter()
        .filter(|h| {
            matches!(
                h.status,
                HistoryStatus::RevertFailed | HistoryStatus::Reverting
            )
        })
        .collect();
    if failed.is_empty() {
        return Err(Refused::NothingToResume.into());
    }
    let mut resumed = HashSet::new();
    for row in failed {
        let id = row.id.as_str();
        let Some(k) = row
            .failed_statement
            .filter(|_| row.status == HistoryStatus::RevertFailed)
        else {
            return Err(Refused::RunnerDied { id: id.to_string() }.into());
        };
        let (script, _, file) = down_script(set, row)?;
        let first = usize::try_from(k.max(1) - 1).unwrap_or(usize::MAX);
        if first > script.statements.len() {
            return Err(Refused::FileShorter {
                id: id.to_string(),
                failed_at: k,
                statements: script.statements.len(),
            }
            .into());
        }
        on_event(Event::Started {
            id,
            index: report.migrations.len(),
        });
        let step = Step {
            resume: true,
            first_statement: first,
            ..Step::new(Direction::Down, &script.statements, false, row)
        };
        let ms = run_step(backend, opts, &step, &script, file.as_ref())?;
        on_event(Event::Finished {
            id,
            execution_ms: ms,
        });
        let mut done = entry(id, &script, ms, opts.dry_run);
        done.statements = script.statements.len() - first;
        report.migrations.push(done);
        resumed.insert(id.to_string());
    }
    Ok(resumed)
}
