//! The backup `migrate up`/`down` take before running a plan that destroys data.
//!
//! On by default for SQLite files (a copy is cheap and local); opt-in with `--backup` for
//! servers, where a dump can take long and the team usually has its own backups. Only plans
//! with a destructive lint finding (see `cairn::ops::DESTRUCTIVE_RULES`) trigger it.

use std::path::PathBuf;

use cairn::ops::{self, BackupFile, BackupKind, Compression};
use cairn::{Dialect, Direction, Driver, MigrationSet};
use clap::Args;

use crate::Context;

/// When `--backup` backs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackupWhen {
    /// Before a run with a migration that destroys data.
    Destructive,
    /// Before every run that has something to run.
    Always,
}

/// `--backup [always]`, `--no-backup`, `--backup-dir` of `migrate up`/`down`.
#[derive(Debug, Clone, Args)]
pub struct AutoBackup {
    /// Back up the database first when a migration to run destroys data (drop, truncate,
    /// delete/update without WHERE, column type change): the default on SQLite, opt-in on
    /// servers. `--backup always`: before every run that has something to run.
    #[arg(
        long,
        conflicts_with = "no_backup",
        value_enum,
        num_args = 0..=1,
        default_missing_value = "destructive",
        value_name = "WHEN"
    )]
    pub backup: Option<BackupWhen>,
    /// Do not back up first, even on SQLite.
    #[arg(long)]
    pub no_backup: bool,
    /// Where that backup goes (default: cairn.toml's `backup_dir`, else beside a SQLite file
    /// as `<file>-backups`, else ~/.local/state/cairn/backups).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
}

impl AutoBackup {
    /// Whether a destructive plan on `db` is backed up first.
    fn enabled(&self, db: &dyn Driver) -> bool {
        if self.no_backup {
            return false;
        }
        // An in-memory database vanishes with the process: a backup of it helps no one.
        self.backup.is_some()
            || (db.dialect() == Dialect::Sqlite && db.describe() != "sqlite::memory:")
    }
}

/// The `cairn::BeforeRun` hook of `migrate up`/`down`: the `--check` gate, then
/// [`before_migrate`] except in a dry run (`json`: stdout carries JSON).
pub fn hook<'a>(
    ctx: &'a Context,
    set: &'a MigrationSet,
    direction: Direction,
    (flags, gate): (&'a AutoBackup, super::integrity::IntegrityGate),
    (json, dry_run): (bool, bool),
) -> impl FnMut(&mut dyn Driver, &[String]) -> cairn::Result<()> + 'a {
    move |db, ids| {
        // The checks first: a database that fails them is neither backed up nor migrated.
        if gate.check {
            super::integrity::before(db)?;
        }
        if !dry_run {
            before_migrate(ctx, db, set, (direction, ids), flags, json)?;
        }
        Ok(())
    }
}

/// Backs up `db` when `flags` allow and the plan (`ids`, in `direction`) runs a migration with
/// a destructive lint finding; prints where the backup is (on stderr when stdout carries
/// JSON). Called by the run under its lock (a `cairn::BeforeRun` hook), so nothing migrates
/// between the backup and the run. Returns the backup.
pub fn before_migrate(
    ctx: &Context,
    db: &mut dyn Driver,
    set: &MigrationSet,
    (direction, ids): (Direction, &[String]),
    flags: &AutoBackup,
    json: bool,
) -> cairn::Result<Option<BackupFile>> {
    if !flags.enabled(db) || ids.is_empty() {
        return Ok(None);
    }
    let findings = ops::destructive_findings(
        &ctx.linter,
        ids.iter().filter_map(|id| set.get(id)),
        set.dialect(),
        direction,
    );
    let always = flags.backup == Some(BackupWhen::Always);
    if findings.is_empty() && !always {
        return Ok(None);
    }
    let dir = super::location::backup_dir(ctx, flags.backup_dir.as_deref())
        .map_err(|e| cairn::Error::Backend(cairn::BackendError::Other(e.to_string())))?;
    let made = ops::backup_locked(db, &dir, Compression::Gzip, BackupKind::Auto)?;
    let mut why: Vec<String> = findings
        .iter()
        .map(|f| format!("{} ({})", f.migration, f.rule))
        .collect();
    why.dedup();
    let note = if why.is_empty() {
        format!(
            "Backed up {} to {} before running {} migration(s) (--backup always)",
            made.manifest.database,
            made.path.display(),
            ids.len()
        )
    } else {
        format!(
            "Backed up {} to {} before running destructive migrations: {}",
            made.manifest.database,
            made.path.display(),
            why.join(", ")
        )
    };
    if json {
        eprintln!("{note}");
    } else {
        println!("{note}");
    }
    Ok(Some(made))
}
