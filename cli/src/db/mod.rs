//! `db`: operations on the database beside migrating (backup, restore, health, optimize).

pub(crate) mod auto_backup;
pub(crate) mod backup;
mod health;
pub(crate) mod integrity;
pub(crate) mod location;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Subcommand, ValueEnum};

use crate::cli::{Format, Out};
use crate::{Context, Outcome};

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Back up the database, with a manifest (checksum, history head, row counts) beside it.
    Backup {
        /// Directory for backups (default: cairn.toml's `backup_dir`, else beside a SQLite
        /// file as `<file>-backups`, else ~/.local/state/cairn/backups).
        #[arg(long, value_name = "DIR", conflicts_with = "output")]
        backup_dir: Option<PathBuf>,
        /// Write the backup to exactly this file (its manifest beside it, as
        /// `FILE.manifest.json`); refused if it exists.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// Compression of the backup file.
        #[arg(long, value_enum, default_value_t = Compress::Gzip)]
        compress: Compress,
        /// After backing up, delete all but the newest N backups of this database there.
        #[arg(long, value_name = "N", conflicts_with = "output")]
        keep: Option<usize>,
        #[command(flatten)]
        out: Out,
    },
    /// List backups, newest first, with why each was taken (backup, auto, pre_restore).
    Backups {
        /// Directory of backups (default: where `db backup` puts them).
        #[arg(long, value_name = "DIR")]
        backup_dir: Option<PathBuf>,
        #[command(flatten)]
        out: Out,
        #[command(subcommand)]
        action: Option<BackupsCmd>,
    },
    /// Check a backup against its manifest (and, for SQLite, its integrity); exit 1 if bad.
    /// (To check the database's schema against the migrations, `db verify-schema`.)
    #[command(visible_alias = "verify-backup")]
    Verify {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        out: Out,
    },
    /// Replace the database with a backup, after verifying it and backing up the current one.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Confirm replacing the database's contents.
        #[arg(long)]
        yes: bool,
        /// Directory for the pre-restore backup (default: where `db backup` puts them).
        #[arg(long, value_name = "DIR")]
        backup_dir: Option<PathBuf>,
        #[command(flatten)]
        out: Out,
    },
    /// Check the live schema against what the migrations produce; exit 1 on drift. The same
    /// as `cairn drift` (Alembic's `verify_schema`).
    VerifySchema(crate::cli::DriftArgs),
    /// Check connection, integrity, foreign keys, migration state, sizes; exit 1 if unhealthy.
    Health {
        /// Output format.
        #[arg(long, value_enum, default_value_t = HealthFormat::Text)]
        format: HealthFormat,
    },
    /// Refresh planner statistics, compact tables and rebuild indexes on request; report what
    /// was done per table.
    Optimize {
        /// Also rewrite tables to reclaim space, and report the bytes reclaimed. SQLite: VACUUM
        /// (rewrites the whole file; needs free disk space as large as the database).
        /// PostgreSQL: VACUUM (FULL, ANALYZE) per table, which holds an ACCESS EXCLUSIVE lock on
        /// each table while it is rewritten (reads and writes wait). MySQL: OPTIMIZE TABLE per
        /// table (InnoDB rebuilds the table; brief metadata locks).
        #[arg(long)]
        vacuum: bool,
        /// Also rebuild every index, and report which tables. SQLite: REINDEX (one statement).
        /// PostgreSQL: REINDEX SCHEMA of the current schema (each table in its own
        /// transaction, writes to it wait; needs the schema's owner, else REINDEX TABLE per
        /// table). MySQL: OPTIMIZE TABLE t1, t2, ... (InnoDB rebuilds each table with its
        /// indexes; done once with --vacuum).
        #[arg(long)]
        reindex: bool,
        #[command(flatten)]
        out: Out,
    },
}

/// `db backups` subcommands.
#[derive(Debug, Subcommand)]
pub enum BackupsCmd {
    /// Delete a backup and its manifest.
    Delete {
        /// The backup: its file name as `db backups` lists it (with or without its
        /// extensions), or its path.
        id: String,
    },
}

/// Backup compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compress {
    /// gzip (`.gz`).
    Gzip,
    /// None.
    None,
}

/// `db health --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HealthFormat {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// Prometheus text exposition format.
    Prometheus,
}

impl DbCmd {
    /// Whether the command prints JSON (errors are then printed as JSON too).
    pub fn json(&self) -> bool {
        match self {
            DbCmd::Backup { out, .. }
            | DbCmd::Backups { out, .. }
            | DbCmd::Verify { out, .. }
            | DbCmd::Restore { out, .. }
            | DbCmd::Optimize { out, .. } => out.format == Format::Json,
            DbCmd::Health { format } => *format == HealthFormat::Json,
            DbCmd::VerifySchema(args) => args.out.format == crate::cli::DriftFormat::Json,
        }
    }
}

/// Runs a `db` subcommand.
pub fn run(ctx: &Context, cmd: &DbCmd) -> Result<Outcome> {
    match cmd {
        DbCmd::Health { .. } | DbCmd::Optimize { .. } => health::run(ctx, cmd),
        DbCmd::VerifySchema(args) => crate::schema::drift(ctx, args),
        DbCmd::Backup { .. }
        | DbCmd::Backups { .. }
        | DbCmd::Verify { .. }
        | DbCmd::Restore { .. } => backup::run(ctx, cmd),
    }
}
