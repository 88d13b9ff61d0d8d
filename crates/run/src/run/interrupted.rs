//! Finishing a migration whose runner stopped mid-way (killed, or its connection lost) while
//! it ran statement by statement: its row (`running`, or `reverting`) says which statement was
//! to run next, so every statement before it took effect and none after it ran. Only that
//! statement can be in doubt, when it commits on its own ([`Mode::uncertain`]); the catalog
//! decides it ([`catalog::decide`]), and a run that cannot decide stops and says what to check.

use std::collections::HashSet;

use super::down_script;
use super::execute::record_for;
use super::report::{Event, InDoubt, Options, Recovery, RunReport};
use super::resume::{first_to_run, run_rest};
use crate::catalog::{self, Decision};
use crate::driver::Driver;
use crate::error::{Direction, Refused, Result};
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::model::Script;
use crate::split::split;
use crate::step::{Mode, Step, modes};

/// Finishes every migration `history` shows interrupted in `direction` (rows of older
/// versions, which recorded no progress, are left to the check that refuses them); returns
/// their ids.
pub(crate) fn resume_interrupted(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    history: &[AppliedMigration],
    direction: Direction,
    opts: &Options,
    report: &mut RunReport,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<HashSet<String>> {
    let status = match direction {
        Direction::Up => HistoryStatus::Running,
        Direction::Down => HistoryStatus::Reverting,
    };
    let mut resumed = HashSet::new();
    for row in history.iter().filter(|h| h.status == status) {
        let Some(next) = row.failed_statement else {
            continue;
        };
        let id = row.id.as_str();
        let (script, record, file) = match direction {
            Direction::Up => {
                let m = set
                    .get(id)
                    .ok_or_else(|| Refused::ResumeWithoutFile { id: id.to_string() })?;
                (
                    m.up.clone(),
                    record_for(m, opts, row.rank),
                    Some(m.file.clone()),
                )
            }
            Direction::Down => {
                let (script, _, file) = down_script(set, row)?;
                (script, row.clone(), file)
            }
        };
        let first = first_to_run(id, next, &script)?;
        let modes = modes(script.statements()?, set.dialect(), backend.atomic_ddl());
        let uncertain = (first..script.statements()?.len())
            .find(|&i| modes[i].1 != Mode::Session)
            .filter(|&i| modes[i].1.uncertain());
        if direction == Direction::Up {
            same_statements(row, &script, uncertain.map_or(first, |u| u + 1), set)?;
        }
        let mut start = first;
        let mut running = None;
        if let Some(u) = uncertain
            && !opts.dry_run
        {
            let statement = &script.statements()?[u];
            match catalog::decide(backend, &modes[u].0, &statement.sql)? {
                Decision::Skip(found) => {
                    start = u + 1;
                    running = Some(InDoubt {
                        statement: u + 1,
                        took_effect: true,
                        found,
                    });
                }
                Decision::Run(found) => {
                    running = Some(InDoubt {
                        statement: u + 1,
                        took_effect: false,
                        found,
                    });
                }
                Decision::Refuse(check) => {
                    return Err(Refused::Uncertain {
                        id: id.to_string(),
                        direction,
                        statement: u + 1,
                        next: u + 2,
                        count: script.statements()?.len(),
                        sql: shortened(&statement.sql),
                        check,
                    }
                    .into());
                }
            }
        }
        let step = Step {
            resume: true,
            first_statement: start,
            ..Step::new(direction, script.statements()?, false, &record)
        };
        run_rest(
            backend,
            opts,
            (&step, &script, file.as_ref()),
            report,
            on_event,
        )?;
        report.recovered.push(Recovery {
            id: id.to_string(),
            direction,
            statements: script.statements()?.len(),
            done: first,
            running,
        });
        resumed.insert(id.to_string());
    }
    Ok(resumed)
}

/// Refuses to resume when the first `count` statements of the file differ from those that ran
/// (recorded in the row): the run would continue a different script.
fn same_statements(
    row: &AppliedMigration,
    script: &Script,
    count: usize,
    set: &MigrationSet,
) -> Result<()> {
    let ran = split(row.up_sql.as_deref().unwrap_or_default(), set.dialect()).unwrap_or_default();
    let same = ran.len() >= count
        && ran
            .iter()
            .zip(script.statements()?)
            .take(count)
            .all(|(a, b)| a.sql == b.sql);
    if same {
        Ok(())
    } else {
        Err(Refused::RanStatementsChanged {
            id: row.id.clone(),
            ran: count,
        }
        .into())
    }
}

/// The first line of `sql`, at most 80 characters, for a message.
fn shortened(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(80).collect();
    if out.len() < sql.len() {
        out.push_str(" …");
    }
    out
}
