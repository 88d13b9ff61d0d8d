//! Resuming a migration that failed part-way outside a transaction (MySQL DDL, or
//! `transaction: false`): run it again from the statement that failed, after the user fixed the
//! cause. The failed statement is run again because the database rejected it, so it had no
//! effect; the statements before it took effect and must not run twice.

use std::collections::HashSet;

use crate::backend::{Backend, Step};
use crate::error::{Direction, Error, Result};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::run::{Event, Options, RunReport, entry, record_for, run_step};
use crate::split::split;

/// Resumes every failed migration in `history`; returns their ids.
pub(crate) fn resume_failed(
    backend: &mut dyn Backend,
    set: &MigrationSet,
    history: &[AppliedMigration],
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    let failed: Vec<&AppliedMigration> = history
        .iter()
        .filter(|h| h.status != HistoryStatus::Applied)
        .collect();
    if failed.is_empty() {
        return Err(Error::Plan(
            "nothing to resume: no migration failed part-way".to_string(),
        ));
    }
    let mut resumed = HashSet::new();
    for row in failed {
        let id = row.id.as_str();
        let Some(k) = row
            .failed_statement
            .filter(|_| row.status == HistoryStatus::Failed)
        else {
            return Err(Error::Plan(format!(
                "migration {id} stopped while running (the runner died), so which statements took effect is unknown; check the database, then `migrate repair {id}`"
            )));
        };
        let m = set.get(id).ok_or_else(|| Error::Plan(format!("migration {id} failed but its file is gone: it cannot be resumed; fix the database, then `migrate repair {id}`")))?;
        let first = usize::try_from(k.max(1) - 1).unwrap_or(usize::MAX);
        if first > m.up.statements.len() {
            return Err(Error::Plan(format!(
                "migration {id} failed at statement {k}, but its file now has {} statements",
                m.up.statements.len()
            )));
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
            return Err(Error::Plan(format!(
                "statements 1-{} of migration {id} changed since they ran: resuming would skip SQL that never ran; restore them, or fix the database and `migrate repair {id}`",
                first
            )));
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
