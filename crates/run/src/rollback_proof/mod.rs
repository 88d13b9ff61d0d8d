//! Proving every rollback on a scratch database: for each migration in plan order, apply `up`,
//! apply `down`, check that the schema is the one before `up` (canonical form, as drift
//! compares), apply `up` again and go on.
//!
//! The schema is read twice per migration: after `down` (the state being judged) and after the
//! second `up` (the state the next migration starts from, and the "before" it is judged
//! against); the first `up` is never read. Reusing a reading taken after the first `up` as the
//! next "before" would cost the same, but is exact only when the second `up` rebuilds the same
//! schema, which a `down` that leaves something behind breaks; the reading after the second
//! `up` always describes the database the next `up` runs on. A migration without `down` is read
//! once (after `up`). What a reading costs is `snapshot.rs`'s business: on SQLite the
//! `sqlite_schema` text, introspected only when it differs; elsewhere an introspection (and the
//! last migration skips the one nobody would compare with).

mod report;
mod snapshot;

use std::path::PathBuf;

pub use report::{ProofEvent, RollbackCheck, RollbackOutcome, RollbackReport, Stopped};

use crate::driver::Driver;
use crate::error::{Direction, Error, Result, StatementFailure};
use crate::load::MigrationSet;
use crate::model::{Migration, Script};
use crate::run::{Options, locked, record_for, run_step};
use crate::step::Step;
use snapshot::{Snapshot, text_snapshots};

/// Applies, reverts and re-applies each migration of `set`, in plan order, on `scratch` (an
/// empty database of the set's dialect, which the caller drops afterwards), and reports every
/// `down` that fails or does not restore the schema. Stops at a failing `up` (later migrations
/// depend on it) or when a failure leaves the database in a state nothing later can be judged
/// against. Errors are for what is not a finding: an unreachable database, a failed
/// introspection, a scratch database that is not empty. `options.dry_run` and
/// `options.resume` are ignored.
pub fn prove_rollbacks(
    scratch: &mut dyn Driver,
    set: &MigrationSet,
    options: &Options,
    on_event: &mut dyn FnMut(ProofEvent<'_>),
) -> Result<RollbackReport> {
    if scratch.dialect() != set.dialect() {
        return Err(crate::scratch_error::ScratchError::WrongDialect {
            database: scratch.describe(),
            found: scratch.dialect(),
            expected: set.dialect(),
        }
        .into());
    }
    // Every script is run here: one that cannot be split is reported before anything runs.
    set.split(None)?;
    let options = Options {
        dry_run: false,
        resume: false,
        ..options.clone()
    };
    let order: Vec<&Migration> = set
        .graph()
        .order()
        .map(|id| {
            set.get(id)
                .ok_or_else(|| Error::UnknownMigration(id.into()))
        })
        .collect::<Result<_>>()?;
    locked(scratch, &options, |db| {
        crate::scratch::refuse_non_empty(db)?;
        let text = text_snapshots(db);
        let mut before = Snapshot::take(db, text, true)?;
        on_event(ProofEvent::Planned { total: order.len() });
        let mut report = RollbackReport {
            database: db.describe(),
            checks: Vec::with_capacity(order.len()),
            stopped: None,
            untested: Vec::new(),
        };
        for (index, m) in order.iter().enumerate() {
            on_event(ProofEvent::Started { id: &m.id, index });
            let rank = i64::try_from(index + 1).unwrap_or(i64::MAX);
            let last = index + 1 == order.len();
            let (check, next) = prove_one(db, m, &before, &options, rank, last, text)?;
            on_event(ProofEvent::Checked(&check));
            report.checks.push(check);
            match next {
                Next::Continue(schema) => before = schema,
                Next::Stop(stopped) => {
                    report.stopped = Some(stopped);
                    report.untested = order[index + 1..].iter().map(|m| m.id.clone()).collect();
                    break;
                }
            }
        }
        Ok(report)
    })
}

/// What follows one migration's proof.
enum Next {
    /// The schema the next migration starts from.
    Continue(Snapshot),
    /// Nothing later can be tested.
    Stop(Stopped),
}

/// Proves `m`'s rollback, starting from a database whose schema is `before`; `last` says it is
/// the last migration, `text` that snapshots are SQLite text.
fn prove_one(
    db: &mut dyn Driver,
    m: &Migration,
    before: &Snapshot,
    options: &Options,
    rank: i64,
    last: bool,
    text: bool,
) -> Result<(RollbackCheck, Next)> {
    let record = record_for(m, options, rank);
    let mut check = RollbackCheck {
        id: m.id.clone(),
        file: m.down_path().clone(),
        down_line: m.down.as_ref().map_or(0, |d| d.first_line),
        outcome: RollbackOutcome::NoDown,
        up_ms: 0,
        down_ms: None,
    };
    let up = Step::new(Direction::Up, m.up.statements()?, m.transaction, &record);
    match attempt(db, options, &up, &m.up, &m.file)? {
        Ok(ms) => check.up_ms = ms,
        Err(failure) => {
            check.file = m.file.clone();
            check.outcome = RollbackOutcome::UpFailed { failure };
            let next = stop(m, last, "its up failed, so later migrations were not run");
            return Ok((check, next));
        }
    }
    let after = |db: &mut dyn Driver| Snapshot::take(db, text, !last);
    let Some(down) = &m.down else {
        return Ok((check, Next::Continue(after(db)?)));
    };
    let revert = Step::new(Direction::Down, down.statements()?, m.transaction, &record);
    match attempt(db, options, &revert, down, m.down_path())? {
        Ok(ms) => check.down_ms = Some(ms),
        Err(failure) => {
            // Nothing of the down took effect when it was rolled back or failed at its first
            // statement: the database is as `up` left it, and the next migration can run.
            let untouched = failure.rolled_back || failure.statement == 1;
            let next = if untouched {
                Next::Continue(after(db)?)
            } else {
                stop(
                    m,
                    last,
                    &format!(
                        "its down failed outside a transaction after {} took effect, so the scratch database is in no known state",
                        match failure.statement {
                            2 => "statement 1".to_string(),
                            k => format!("statements 1–{}", k - 1),
                        }
                    ),
                )
            };
            check.outcome = RollbackOutcome::DownFailed { failure };
            return Ok((check, next));
        }
    }
    let differences = before.differences(db)?;
    let again = attempt(db, options, &up, &m.up, &m.file)?;
    check.outcome = match (differences.is_empty(), again) {
        (true, Ok(_)) => RollbackOutcome::Restored,
        (false, Ok(_)) => RollbackOutcome::NotRestored {
            differences,
            up_again: None,
        },
        (true, Err(failure)) => RollbackOutcome::NotRepeatable { failure },
        (false, Err(failure)) => RollbackOutcome::NotRestored {
            differences,
            up_again: Some(failure),
        },
    };
    let next = match &check.outcome {
        RollbackOutcome::NotRepeatable { .. }
        | RollbackOutcome::NotRestored {
            up_again: Some(_), ..
        } => stop(
            m,
            last,
            "its up failed when applied again after its down, so later migrations cannot run",
        ),
        _ => Next::Continue(after(db)?),
    };
    Ok((check, next))
}

/// Runs `step`: `Ok(Ok(ms))` when it ran, `Ok(Err(failure))` when one of its statements failed
/// (a finding), `Err` for anything else (the connection, the history table).
fn attempt(
    db: &mut dyn Driver,
    options: &Options,
    step: &Step<'_>,
    script: &Script,
    file: &PathBuf,
) -> Result<std::result::Result<u64, Box<StatementFailure>>> {
    match run_step(db, options, step, script, Some(file)) {
        Ok(ms) => Ok(Ok(ms)),
        Err(Error::Statement(failure)) => Ok(Err(failure)),
        Err(other) => Err(other),
    }
}

/// The end of the proof after `m`; after the last migration there is nothing left to stop.
fn stop(m: &Migration, last: bool, reason: &str) -> Next {
    if last {
        return Next::Continue(Snapshot::Unread);
    }
    Next::Stop(Stopped {
        id: m.id.clone(),
        reason: reason.to_string(),
    })
}
