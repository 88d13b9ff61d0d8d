//! Running a plan on a backend: lock, read history once, check, apply or revert migration by
//! migration, unlock on every path.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::driver::Driver;
use crate::error::{Direction, Error, Refused, Result};
use crate::graph::Graph;
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;
use crate::model::{Migration, Script};
use crate::plan::{DownTarget, UpTarget, changed_repeatables, plan_down, plan_up};
use crate::plan_error::PlanError;
use crate::protocol::Migrate;
use crate::split::split;
use crate::step::Step;
use crate::validate::{Finding, validate};

mod audit;
pub mod execute;
mod grouped;
mod interrupted;
mod repair;
mod report;
mod resume;

pub use audit::Audit;
use execute::locked_then;
pub use execute::{entry, locked, record_for, run_step};
use interrupted::resume_interrupted;
pub use repair::{repair, repair_from};
pub use report::{Event, InDoubt, MigrationReport, Options, Recovery, RunReport};
use resume::{resume_failed, resume_reverts};

/// What runs under the migration lock once the plan is known and before its first statement:
/// it gets the database and the ids the plan runs, in order (an automatic backup, a check of
/// its own). An error stops the run before anything ran.
pub type BeforeRun<'a> = dyn FnMut(&mut dyn Driver, &[String]) -> Result<()> + 'a;

/// Applies what `target` needs. Refuses to start when an applied migration changed or an
/// earlier run failed part-way; stops at the first failing migration, whose own changes are
/// rolled back where the dialect allows.
pub fn up(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &UpTarget,
    opts: &Options,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    up_with(backend, set, target, opts, &mut |_, _| Ok(()), on_event)
}

/// [`up`], calling `before` under the same lock once the plan is known (see [`BeforeRun`]):
/// nothing can migrate between it and the run.
pub fn up_with(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &UpTarget,
    opts: &Options,
    before: &mut BeforeRun<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    // The history table is made, when missing, by the history read that starts the run.
    locked_then(backend, opts, false, |backend| {
        Audit::new("up", opts).around(backend, on_event, |backend, on_event| {
            up_locked(backend, set, target, opts, before, on_event)
        })
    })
}

/// [`up_with`]'s run, under the lock.
fn up_locked(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &UpTarget,
    opts: &Options,
    before: &mut BeforeRun<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    let mut history = if opts.dry_run {
        backend.history()?
    } else {
        backend.ensured_history()?
    };
    let warnings = checked(set, &history, Finding::is_error, |f| {
        interrupted(f, Direction::Up) || (opts.resume && matches!(f, Finding::Failed { .. }))
    })?;
    // What an earlier run left unfinished is finished below, before the plan.
    let unfinished: Vec<String> = history
        .iter()
        .filter(|h| h.status != HistoryStatus::Applied)
        .map(|h| h.id.clone())
        .collect();
    all_read(set, &unfinished)?;
    let mut report = RunReport {
        direction: Direction::Up,
        dry_run: opts.dry_run,
        migrations: Vec::new(),
        warnings,
        recovered: Vec::new(),
    };
    let mut done = resume_interrupted(
        backend,
        set,
        &history,
        Direction::Up,
        opts,
        &mut report,
        on_event,
    )?;
    if opts.resume {
        let resumed = resume_failed(backend, set, &history, &done, opts, &mut report, on_event)?;
        done.extend(resumed);
    }
    history.retain(|h| h.status == HistoryStatus::Applied || done.contains(&h.id));
    let rerun = changed_repeatables(|id| set.get(id), &history);
    let applied: HashSet<String> = history
        .iter()
        .map(|h| h.id.clone())
        .filter(|id| !rerun.contains(id))
        .collect();
    let ids = plan_up(set.graph(), &applied, target).map_err(plan_error)?;
    // Statements are split on first use: a pending script that cannot be split is reported,
    // with its file and line, before anything runs.
    set.split(Some(&ids))?;
    all_read(set, &ids)?;
    before(backend, &ids)?;
    on_event(Event::Planned {
        direction: Direction::Up,
        total: ids.len(),
    });
    let last_rank = history.iter().map(|h| h.rank).max().unwrap_or(0);
    let applying = Applying {
        set,
        ids: &ids,
        history: &history,
        rerun: &rerun,
        last_rank,
        opts,
        joined: false,
        grouped: false,
    };
    if opts.single_transaction && !opts.dry_run && !ids.is_empty() {
        grouped::check(backend, set, &ids)?;
        grouped::run_joined(backend, &applying, &mut report, on_event)?;
    } else {
        applying.run(backend, &mut report, on_event)?;
    }
    Ok(report)
}

/// Refuses to apply a migration whose down file was left unread (`cairn::layout::read_up`):
/// its history row keeps the down SQL. Nothing has run yet.
fn all_read(set: &MigrationSet, ids: &[String]) -> Result<()> {
    let unread: Vec<&Migration> = ids
        .iter()
        .filter_map(|id| set.get(id))
        .filter(|m| m.down.is_none() && m.down_file.is_some())
        .collect();
    match unread.first() {
        Some(m) => Err(Error::DownNotRead {
            id: m.id.clone(),
            file: m.down_path().clone(),
            ids: unread.iter().map(|m| m.id.clone()).collect(),
        }),
        None => Ok(()),
    }
}

/// The migrations an `up` applies, in order, once the plan is known.
#[derive(Clone, Copy)]
struct Applying<'a> {
    set: &'a MigrationSet,
    ids: &'a [String],
    history: &'a [AppliedMigration],
    rerun: &'a HashSet<String>,
    last_rank: i64,
    opts: &'a Options,
    /// Each migration's statements sent together ([`Step::joined`]).
    joined: bool,
    /// Inside the run's one transaction ([`Step::grouped`]).
    grouped: bool,
}

impl Applying<'_> {
    fn run(
        &self,
        backend: &mut dyn Driver,
        report: &mut RunReport,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<()> {
        let Applying {
            set,
            ids,
            history,
            rerun,
            last_rank,
            opts,
            joined,
            grouped,
        } = *self;
        for (index, id) in ids.iter().enumerate() {
            let m = set
                .get(id)
                .ok_or_else(|| Error::UnknownMigration(id.clone()))?;
            on_event(Event::Started { id, index });
            let rank = last_rank + 1 + i64::try_from(index).unwrap_or(i64::MAX - last_rank - 1);
            let record = record_for(m, opts, rank);
            // A changed repeatable is re-applied like a new migration, with a new row at a new
            // rank (as Flyway does). Its old row is replaced by the backend in the step's own
            // transaction, so if the new SQL fails the history still holds the previous run.
            let previous = history
                .iter()
                .find(|h| h.id == *id)
                .filter(|_| rerun.contains(id));
            let step = Step {
                replaces: previous,
                joined,
                grouped,
                ..Step::new(Direction::Up, m.up.statements()?, m.transaction, &record)
            };
            let ms = run_step(backend, opts, &step, &m.up, Some(&m.file))?;
            on_event(Event::Finished {
                id,
                execution_ms: ms,
            });
            report.migrations.push(entry(id, &m.up, ms, opts.dry_run));
        }
        Ok(())
    }
}

/// Reverts what `target` names, dependents first. Every migration in the plan must have down
/// SQL (from its file, or stored in the history when the file is gone) before anything runs.
/// With `opts.resume`, first finishes every revert that failed part-way outside a transaction,
/// from its failed statement (`DownTarget::Steps(0)` then reverts nothing more).
pub fn down(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &DownTarget,
    opts: &Options,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    down_with(backend, set, target, opts, &mut |_, _| Ok(()), on_event)
}

/// [`down`], calling `before` under the same lock once the plan is known (see
/// [`BeforeRun`]), after any `--resume` finished.
pub fn down_with(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &DownTarget,
    opts: &Options,
    before: &mut BeforeRun<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    locked(backend, opts, |backend| {
        Audit::new("down", opts).around(backend, on_event, |backend, on_event| {
            down_locked(backend, set, target, opts, before, on_event)
        })
    })
}

/// [`down_with`]'s run, under the lock.
fn down_locked(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    target: &DownTarget,
    opts: &Options,
    before: &mut BeforeRun<'_>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<RunReport> {
    let mut history = backend.history()?;
    let stops = |f: &Finding| {
        matches!(
            f,
            Finding::Failed { .. } | Finding::RevertFailed { .. } | Finding::Interrupted { .. }
        )
    };
    let warnings = checked(set, &history, stops, |f| {
        interrupted(f, Direction::Down)
            || (opts.resume && matches!(f, Finding::RevertFailed { .. }))
    })?;
    let mut report = RunReport {
        direction: Direction::Down,
        dry_run: opts.dry_run,
        migrations: Vec::new(),
        warnings,
        recovered: Vec::new(),
    };
    let mut done = resume_interrupted(
        backend,
        set,
        &history,
        Direction::Down,
        opts,
        &mut report,
        on_event,
    )?;
    // The interrupted reverts were steps of the run that stopped: `--steps N` counts them.
    let target = match target {
        DownTarget::Steps(n) => DownTarget::Steps(n.saturating_sub(done.len())),
        other => other.clone(),
    };
    if opts.resume {
        let resumed = resume_reverts(backend, set, &history, &done, opts, &mut report, on_event)?;
        done.extend(resumed);
    }
    history.retain(|h| !done.contains(&h.id));
    let graph = graph_with_history(set, &history)?;
    let applied: HashMap<String, i64> = history.iter().map(|h| (h.id.clone(), h.rank)).collect();
    let steps = plan_down(&graph, &applied, &target).map_err(plan_error)?;
    let rows: HashMap<&str, &AppliedMigration> =
        history.iter().map(|h| (h.id.as_str(), h)).collect();

    let mut scripts = Vec::with_capacity(steps.len());
    for step in &steps {
        let row = rows
            .get(step.id.as_str())
            .ok_or_else(|| Error::UnknownMigration(step.id.clone()))?;
        scripts.push(down_script(set, row)?);
    }
    let unsplittable: Vec<_> = scripts
        .iter()
        .filter_map(|(script, _, _)| script.statements().err())
        .flat_map(|e| e.0)
        .collect();
    if !unsplittable.is_empty() {
        return Err(cairn_core::LoadErrors(unsplittable).into());
    }
    let ids: Vec<String> = steps.iter().map(|s| s.id.clone()).collect();
    before(backend, &ids)?;
    on_event(Event::Planned {
        direction: Direction::Down,
        total: steps.len(),
    });
    let resumed = report.migrations.len();
    for (index, (step, (script, transaction, file))) in steps.iter().zip(&scripts).enumerate() {
        on_event(Event::Started {
            id: &step.id,
            index: resumed + index,
        });
        let row = rows[step.id.as_str()];
        let exec = Step::new(Direction::Down, script.statements()?, *transaction, row);
        let ms = run_step(backend, opts, &exec, script, file.as_ref())?;
        on_event(Event::Finished {
            id: &step.id,
            execution_ms: ms,
        });
        report
            .migrations
            .push(entry(&step.id, script, ms, opts.dry_run));
    }
    Ok(report)
}

/// Whether `f` is a run interrupted in `direction`, which a run that way finishes first.
fn interrupted(f: &Finding, direction: Direction) -> bool {
    matches!(f, Finding::Interrupted { direction: d, .. } if *d == direction)
}

/// The history checked against the files before a run: the findings that `stop` it refuse
/// the run, except those `resumed` (continued by `--resume`, so neither refused nor warned
/// about); the rest come back as the run's warnings.
fn checked(
    set: &MigrationSet,
    history: &[AppliedMigration],
    stop: impl Fn(&Finding) -> bool,
    resumed: impl Fn(&Finding) -> bool,
) -> Result<Vec<Finding>> {
    let (errors, warnings): (Vec<Finding>, Vec<Finding>) =
        validate(set, history).into_iter().partition(stop);
    let errors: Vec<Finding> = errors.into_iter().filter(|f| !resumed(f)).collect();
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(Error::Validation(errors))
    }
}

/// The down script for an applied migration: from its file, else from the history.
pub(crate) fn down_script(
    set: &MigrationSet,
    row: &AppliedMigration,
) -> Result<(Script, bool, Option<PathBuf>)> {
    if let Some(m) = set.get(&row.id)
        && let Some(d) = &m.down
    {
        return Ok((d.clone(), m.transaction, Some(m.down_path().clone())));
    }
    let transaction = set.get(&row.id).is_none_or(|m| m.transaction);
    let Some(sql) = &row.down_sql else {
        return Err(Refused::NoDownSql { id: row.id.clone() }.into());
    };
    let statements = split(sql, set.dialect()).map_err(|e| Refused::StoredDownUnsplittable {
        id: row.id.clone(),
        message: e.to_string(),
    })?;
    Ok((
        Script::new(sql.clone(), statements, 1, true),
        transaction,
        None,
    ))
}

/// The files' graph plus applied migrations whose files are gone, so they can be rolled back.
fn graph_with_history(set: &MigrationSet, history: &[AppliedMigration]) -> Result<Graph> {
    let mut nodes: Vec<(String, Vec<String>)> = set
        .iter()
        .map(|m| (m.id.clone(), m.depends_on.clone()))
        .collect();
    let known: HashSet<&str> = set
        .iter()
        .map(|m| m.id.as_str())
        .chain(history.iter().map(|h| h.id.as_str()))
        .collect();
    for h in history.iter().filter(|h| set.get(&h.id).is_none()) {
        let deps = h
            .depends_on
            .iter()
            .filter(|d| known.contains(d.as_str()))
            .cloned()
            .collect();
        nodes.push((h.id.clone(), deps));
    }
    Graph::build(nodes).map_err(|problems| Refused::InvalidGraph { problems }.into())
}

fn plan_error(e: PlanError) -> Error {
    match e {
        PlanError::Unknown(id) => Error::UnknownMigration(id),
        other => Refused::Plan(other).into(),
    }
}
