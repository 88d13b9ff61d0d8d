//! The backup `migrate up`/`down` take before running a plan that destroys data.
//!
//! On by default for SQLite files (a copy is cheap and local); opt-in with `--backup` for
//! servers, where a dump can take long and the team usually has its own backups. Only plans
//! with a destructive lint finding (see `cairn::ops::DESTRUCTIVE_RULES`) trigger it.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use anyhow::Result;
use cairn::ops::{self, BackupFile, Compression};
use cairn::{Backend, Dialect, Direction, DownTarget, HistoryStatus, MigrationSet, UpTarget};
use clap::Args;

use crate::Context;

/// `--backup`, `--no-backup`, `--backup-dir` of `migrate up`/`down`.
#[derive(Debug, Clone, Args)]
pub struct AutoBackup {
    /// Back up the database first when a migration to run destroys data (drop, truncate,
    /// delete/update without WHERE, column type change). Default on SQLite; opt-in on servers.
    #[arg(long, conflicts_with = "no_backup")]
    pub backup: bool,
    /// Do not back up first, even on SQLite.
    #[arg(long)]
    pub no_backup: bool,
    /// Where that backup goes.
    #[arg(long, value_name = "DIR", default_value = "backups")]
    pub backup_dir: PathBuf,
}

impl AutoBackup {
    /// Whether a destructive plan on `db` is backed up first.
    fn enabled(&self, db: &dyn Backend) -> bool {
        if self.no_backup {
            return false;
        }
        // An in-memory database vanishes with the process: a backup of it helps no one.
        self.backup || (db.dialect() == Dialect::Sqlite && db.describe() != "sqlite::memory:")
    }
}

/// What the plan would run, in terms of migrations.
pub enum Plan<'a> {
    /// `migrate up` to this target.
    Up(&'a UpTarget),
    /// `migrate down` to this target.
    Down(&'a DownTarget),
}

/// Backs up `db` when `flags` allow and `plan` runs a migration with a destructive lint
/// finding; prints where the backup is (on stderr when stdout carries JSON). Returns it.
pub fn before_migrate(
    ctx: &Context,
    db: &mut dyn Backend,
    set: &MigrationSet,
    plan: Plan<'_>,
    flags: &AutoBackup,
    json: bool,
) -> Result<Option<BackupFile>> {
    if !flags.enabled(db) {
        return Ok(None);
    }
    // History or plan errors are reported by the run itself, which comes next.
    let Ok(history) = db.history() else {
        return Ok(None);
    };
    let applied = history
        .into_iter()
        .filter(|h| h.status == HistoryStatus::Applied);
    let (direction, ids) = match plan {
        Plan::Up(target) => {
            let applied: HashSet<String> = applied.map(|h| h.id).collect();
            let Ok(ids) = cairn::plan_up(set.graph(), &applied, target) else {
                return Ok(None);
            };
            (Direction::Up, ids)
        }
        Plan::Down(target) => {
            let applied: HashMap<String, i64> = applied.map(|h| (h.id, h.rank)).collect();
            let Ok(steps) = cairn::plan_down(set.graph(), &applied, target) else {
                return Ok(None);
            };
            (Direction::Down, steps.into_iter().map(|s| s.id).collect())
        }
    };
    let findings = ops::destructive_findings(
        &ctx.linter,
        ids.iter().filter_map(|id| set.get(id)),
        set.dialect(),
        direction,
    );
    if findings.is_empty() {
        return Ok(None);
    }
    let made = ops::backup(db, &flags.backup_dir, Compression::Gzip)?;
    let mut why: Vec<String> = findings
        .iter()
        .map(|f| format!("{} ({})", f.migration, f.rule))
        .collect();
    why.dedup();
    let note = format!(
        "Backed up {} to {} before running destructive migrations: {}",
        made.manifest.database,
        made.path.display(),
        why.join(", ")
    );
    if json {
        eprintln!("{note}");
    } else {
        println!("{note}");
    }
    Ok(Some(made))
}
