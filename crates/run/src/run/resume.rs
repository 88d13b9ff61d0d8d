//! Resuming a migration that failed part-way outside a transaction (MySQL DDL, or
//! `transaction: false`), applying (`up --resume`) or reverting (`down --resume`): run it again
//! from the statement that failed, after the user fixed the cause. The failed statement is run again because the database rejected it, so it had no
//! effect; the statements before it took effect and must not run twice.

use std::collections::HashSet;
use std::path::PathBuf;

use super::down_script;
use super::execute::{entry, record_for, run_step};
use super::report::{Event, Options, RunReport};
use crate::driver::Driver;
use crate::error::{Direction, Refused, Result};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::model::Script;
use crate::split::split;
use crate::step::Step;

/// Resumes every failed migration in `history` except those `done` (interrupted runs this run
/// already finished); returns their ids.
pub(crate) fn resume_failed(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    history: &[AppliedMigration],
    done: &HashSet<String>,
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    // Reverts that failed are finished by `down --resume`, never by running their up again.
    let failed = interrupted(history, HistoryStatus::Failed, HistoryStatus::Running, done)?;
    let mut resumed = HashSet::new();
    for row in failed {
        let id = row.id.as_str();
        let k = failed_at(row, HistoryStatus::Failed)?;
        let m = set
            .get(id)
            .ok_or_else(|| Refused::ResumeWithoutFile { id: id.to_string() })?;
        let first = first_to_run(id, k, &m.up)?;
        let ran =
            split(row.up_sql.as_deref().unwrap_or_default(), set.dialect()).unwrap_or_default();
        let same_prefix = ran.len() >= first
            && ran
                .iter()
                .zip(m.up.statements()?)
                .take(first)
                .all(|(a, b)| a.sql == b.sql);
        if !same_prefix {
            return Err(Refused::RanStatementsChanged {
                id: id.to_string(),
                ran: first,
            }
            .into());
        }
        let record = record_for(m, opts, row.rank);
        let step = Step {
            resume: true,
            first_statement: first,
            ..Step::new(Direction::Up, m.up.statements()?, false, &record)
        };
        run_rest(
            backend,
            opts,
            (&step, &m.up, Some(&m.file)),
            report,
            on_event,
        )?;
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
    done: &HashSet<String>,
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    let failed = interrupted(
        history,
        HistoryStatus::RevertFailed,
        HistoryStatus::Reverting,
        done,
    )?;
    let mut resumed = HashSet::new();
    for row in failed {
        let k = failed_at(row, HistoryStatus::RevertFailed)?;
        let (script, _, file) = down_script(set, row)?;
        let first = first_to_run(&row.id, k, &script)?;
        let step = Step {
            resume: true,
            first_statement: first,
            ..Step::new(Direction::Down, script.statements()?, false, row)
        };
        run_rest(
            backend,
            opts,
            (&step, &script, file.as_ref()),
            report,
            on_event,
        )?;
        resumed.insert(row.id.clone());
    }
    Ok(resumed)
}

/// The rows a run stopped in (`failed` at a statement, or `running` when its runner died),
/// apart from those `done`; none, and none done, is nothing to resume.
fn interrupted<'h>(
    history: &'h [AppliedMigration],
    failed: HistoryStatus,
    running: HistoryStatus,
    done: &HashSet<String>,
) -> Result<Vec<&'h AppliedMigration>> {
    let rows: Vec<&AppliedMigration> = history
        .iter()
        .filter(|h| (h.status == failed || h.status == running) && !done.contains(&h.id))
        .collect();
    if rows.is_empty() && done.is_empty() {
        return Err(Refused::NothingToResume.into());
    }
    Ok(rows)
}

/// The 1-based statement `row` failed at; a row whose runner died (still running) recorded
/// none, so how far it got is unknown.
fn failed_at(row: &AppliedMigration, failed: HistoryStatus) -> Result<i64> {
    row.failed_statement
        .filter(|_| row.status == failed)
        .ok_or_else(|| Refused::RunnerDied { id: row.id.clone() }.into())
}

/// The 0-based statement of `script` to resume from, after a failure at 1-based `k`.
pub(super) fn first_to_run(id: &str, k: i64, script: &Script) -> Result<usize> {
    let first = usize::try_from(k.max(1) - 1).unwrap_or(usize::MAX);
    if first > script.statements()?.len() {
        return Err(Refused::FileShorter {
            id: id.to_string(),
            failed_at: k,
            statements: script.statements()?.len(),
        }
        .into());
    }
    Ok(first)
}

/// Runs the resumed `step` (from its first statement on) and reports it.
pub(super) fn run_rest(
    backend: &mut dyn Driver,
    opts: &Options,
    (step, script, file): (&Step<'_>, &Script, Option<&PathBuf>),
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<()> {
    let id = step.record.id.as_str();
    on_event(Event::Started {
        id,
        index: report.migrations.len(),
    });
    let ms = run_step(backend, opts, step, script, file)?;
    on_event(Event::Finished {
        id,
        execution_ms: ms,
    });
    let mut done = entry(id, script, ms, opts.dry_run);
    done.statements = script.statements()?.len() - step.first_statement;
    report.migrations.push(done);
    Ok(())
}
