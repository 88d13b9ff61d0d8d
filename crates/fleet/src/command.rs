//! The commands a fleet runs on each target: `up`, `status` and `drift`, each on a
//! connection of its own with the target's lock and history.

use std::time::{Duration, Instant};

use cairn_core::{Driver, Error, UpTarget};
use cairn_load::MigrationSet;
use cairn_run::{
    ConnectOptions, DriftReport, Expected, MigrationState, Options, Registry, StatusRow,
};
use cairn_schema::schema::Schema;
use serde::Serialize;

use crate::pool::{self, Plan, TargetResult};
use crate::target::Target;

/// The targets and how to reach them: the backends, the connection options every target
/// shares (history table, `init_sql`; a target's own `init_sql` runs after), and the [`Plan`].
pub struct Fleet<'a> {
    /// The backends.
    pub registry: &'a Registry,
    /// Options for every target's connection.
    pub options: ConnectOptions,
    /// Parallelism, canaries, stopping.
    pub plan: Plan,
}

/// A fleet command's results, in the targets' order.
#[derive(Debug, Clone, Serialize)]
pub struct Report<T> {
    /// One per target.
    pub targets: Vec<TargetResult<T>>,
    /// The whole run.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<T> Report<T> {
    /// Targets that failed or whose lock was held.
    pub fn failed(&self) -> usize {
        self.targets.iter().filter(|r| r.failed()).count()
    }
}

/// What `up` did on a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Migrations applied, in order; empty when it was up to date.
    pub applied: Vec<String>,
    /// Migrations an interrupted earlier run left, finished by this one.
    pub recovered: Vec<String>,
}

/// Where a target stands (`status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Migrations applied and unchanged.
    pub applied: usize,
    /// Migrations not applied yet.
    pub pending: Vec<String>,
    /// Migrations changed, missing, failed or interrupted.
    pub problems: Vec<StatusRow>,
}

impl Standing {
    /// Applied through the last migration, nothing wrong.
    pub fn current(&self) -> bool {
        self.pending.is_empty() && self.problems.is_empty()
    }
}

impl Fleet<'_> {
    /// Opens `target`'s connection.
    pub fn connect(&self, target: &Target) -> Result<Box<dyn Driver>, Error> {
        let mut options = self.options.clone();
        if !target.init_sql.is_empty() {
            options.append_init_sql(&target.init_sql);
        }
        self.registry.connect_with(&target.url, &options)
    }

    /// Runs `job` on a connection to each target, as the plan says.
    pub fn each<T: Send>(
        &self,
        targets: &[Target],
        job: &(dyn Fn(&mut dyn Driver) -> Result<T, Error> + Sync),
        on_result: &mut dyn FnMut(&TargetResult<T>),
    ) -> Report<T> {
        let start = Instant::now();
        let targets = pool::run(
            targets,
            &self.plan,
            &|target| job(self.connect(target)?.as_mut()),
            on_result,
        );
        Report {
            targets,
            elapsed: start.elapsed(),
        }
    }

    /// Applies `set` to every target (`migrate up`, each under its own lock). A target whose
    /// history shows every migration applied costs one history query, without the lock.
    pub fn up(
        &self,
        targets: &[Target],
        set: &MigrationSet,
        options: &Options,
        on_result: &mut dyn FnMut(&TargetResult<Applied>),
    ) -> Report<Applied> {
        let job = |db: &mut dyn Driver| -> Result<Applied, Error> {
            if !options.dry_run
                && current(&cairn_run::status(set, &cairn_run::Migrate::history(db)?))
            {
                return Ok(Applied {
                    applied: Vec::new(),
                    recovered: Vec::new(),
                });
            }
            let report = cairn_run::up(db, set, &UpTarget::All, options, &mut |_| {})?;
            Ok(Applied {
                applied: report.migrations.iter().map(|m| m.id.clone()).collect(),
                recovered: report.recovered.iter().map(|r| r.id.clone()).collect(),
            })
        };
        self.each(targets, &job, on_result)
    }

    /// Where each target stands against `set` (one history query each).
    pub fn status(
        &self,
        targets: &[Target],
        set: &MigrationSet,
        on_result: &mut dyn FnMut(&TargetResult<Standing>),
    ) -> Report<Standing> {
        let job = |db: &mut dyn Driver| -> Result<Standing, Error> {
            let rows = cairn_run::status(set, &cairn_run::Migrate::history(db)?);
            let mut standing = Standing {
                applied: 0,
                pending: Vec::new(),
                problems: Vec::new(),
            };
            for row in rows {
                match row.state {
                    MigrationState::Applied => standing.applied += 1,
                    MigrationState::Pending => standing.pending.push(row.id),
                    _ => standing.problems.push(row),
                }
            }
            Ok(standing)
        };
        self.each(targets, &job, on_result)
    }

    /// Compares each target's schema with `expected` (computed once by the caller, e.g. with
    /// [`cairn_run::replay`]); `ignore` as for `drift`.
    pub fn drift(
        &self,
        targets: &[Target],
        expected: &Schema,
        ignore: &[String],
        on_result: &mut dyn FnMut(&TargetResult<DriftReport>),
    ) -> Report<DriftReport> {
        let job = |db: &mut dyn Driver| -> Result<DriftReport, Error> {
            cairn_run::drift(db, Expected::Declared(expected.clone()), ignore)
        };
        self.each(targets, &job, on_result)
    }
}

fn current(rows: &[StatusRow]) -> bool {
    rows.iter().all(|r| r.state == MigrationState::Applied)
}
