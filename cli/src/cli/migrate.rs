//! `migrate` subcommands' arguments.

use std::path::PathBuf;

use clap::Subcommand;

use super::{DialectArg, LayoutChoice, LintOut, Out};

/// `migrate` subcommands.
#[derive(Debug, Subcommand)]
pub enum Migrate {
    /// Apply pending migrations.
    Up {
        /// Apply only this migration and its ancestors.
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// First continue a migration that failed part-way outside a transaction, from the
        /// statement that failed (after you fixed its cause).
        #[arg(long)]
        resume: bool,
        /// Print the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Apply every pending migration in one transaction, history included: a failure
        /// anywhere leaves the database as before the run (SQLite, PostgreSQL; refused on
        /// MySQL, whose DDL commits at once, and for `transaction: false` migrations).
        #[arg(long, conflicts_with = "resume")]
        single_transaction: bool,
        #[command(flatten)]
        backup: crate::db::auto_backup::AutoBackup,
        #[command(flatten)]
        gate: crate::db::integrity::IntegrityGate,
        #[command(flatten)]
        out: Out,
    },
    /// Roll back applied migrations (dependents first).
    Down {
        /// Roll back everything applied that depends on ID; ID stays applied.
        #[arg(long, value_name = "ID", group = "target")]
        to: Option<String>,
        /// Roll back ID and everything applied that depends on it.
        #[arg(long, value_name = "ID", group = "target")]
        id: Option<String>,
        /// Roll back the last N applied.
        #[arg(long, value_name = "N", group = "target")]
        steps: Option<usize>,
        /// Roll back everything.
        #[arg(long, group = "target")]
        all: bool,
        /// First finish a revert that failed part-way outside a transaction, from the statement
        /// that failed (after you fixed its cause); alone, it reverts nothing more.
        #[arg(long)]
        resume: bool,
        /// Print the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        backup: crate::db::auto_backup::AutoBackup,
        #[command(flatten)]
        gate: crate::db::integrity::IntegrityGate,
        #[command(flatten)]
        out: Out,
    },
    /// Show each migration: applied, pending, changed, missing or failed.
    Status(Out),
    /// Show the history table.
    History(Out),
    /// Show where the database stands: the applied heads and the migration applied last.
    Current(Out),
    /// Check files, parse and lint their SQL, and check applied migrations' checksums; exit 1
    /// on any problem or deny-level lint finding.
    Validate(LintOut),
    /// Parse every statement and run the safety rules (policy: `[lint]` of the nearest
    /// cairn.toml), without a database; exit 1 on a deny-level finding.
    Lint {
        /// Dialect to parse and lint for (default: that of --database-url).
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// List the rules with their severity under the policy, and exit.
        #[arg(long)]
        rules: bool,
        #[command(flatten)]
        out: LintOut,
    },
    /// Create a new migration file depending on the current heads.
    New {
        /// Name, e.g. add_users_phone.
        name: String,
        /// Write JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Write a new migration that turns the schema the migrations produce into the declared
    /// schema (`--against`, default `schemas`), with the down that reverses it, proved on a
    /// scratch database; exit 1, writing nothing, when there is nothing to do.
    Diff(crate::migrate_diff::DiffArgs),
    /// Adopt a database another tool migrated (diesel, sqlx, flyway, refinery, golang-migrate,
    /// goose, dbmate, pop, sql-migrate, liquibase): read its history table, match the rows to the migrations (checking
    /// checksums where the tool stored them), record the matches as applied without running
    /// SQL; exit 1 when anything did not match or was refused.
    Adopt {
        /// The tool whose history to read (default: the one whose table exists; among several,
        /// the folder's layout).
        #[arg(long, value_name = "TOOL")]
        from: Option<cairn::layout::Layout>,
        /// The tool's history table, when it was renamed (needs --from).
        #[arg(long, value_name = "NAME", requires = "from")]
        table: Option<String>,
        /// Report what would be recorded; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        out: Out,
    },
    /// Record ID and the migrations it depends on as applied, without running their SQL.
    Stamp {
        /// The migration (`head` or `heads`: every migration, as with --all).
        #[arg(
            required_unless_present = "all",
            conflicts_with = "all",
            value_name = "ID|head"
        )]
        id: Option<String>,
        /// Record every migration as applied.
        #[arg(long)]
        all: bool,
        /// Report what would be recorded; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        out: Out,
    },
    /// Adopt a database whose schema exists without any history: record every migration (or
    /// --to ID and its ancestors) as applied after checking that the live schema equals their
    /// replay; exit 1 (nothing recorded) when it does not.
    Baseline {
        /// Baseline only this migration and its ancestors.
        #[arg(long, value_name = "ID")]
        to: Option<String>,
        /// Record without comparing the live schema with the replay.
        #[arg(long)]
        force: bool,
        /// Empty database to replay into (default: in memory for SQLite, a temporary database
        /// on the server otherwise).
        #[arg(long)]
        scratch_url: Option<String>,
        /// Report what would be recorded; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        out: Out,
    },
    /// Convert another tool's migration folder once into Cairn YAML files (SQL kept
    /// byte-for-byte, order kept by depends_on); exit 1 when something could not be carried
    /// over (listed).
    Import {
        /// The folder's layout (default: detect).
        #[arg(long, value_name = "LAYOUT", default_value = "auto")]
        from: LayoutChoice,
        /// The folder to convert.
        #[arg(value_name = "DIR")]
        source: PathBuf,
        /// Where to write the Cairn files (created if missing; existing files are never
        /// overwritten).
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        #[command(flatten)]
        out: Out,
    },
    /// Prove every rollback on a scratch database: for each migration in order, apply up,
    /// apply down, check the schema is the one before up, apply up again. Exit 1 when a down
    /// fails or does not restore the schema (migrations without down are listed, not failed).
    Test {
        /// Empty database to run the migrations on (default: in memory for SQLite, a temporary
        /// database created and dropped on the server otherwise).
        #[arg(long)]
        scratch_url: Option<String>,
        #[command(flatten)]
        out: LintOut,
    },
    /// Clear a failed migration's history row after fixing the database by hand.
    Repair {
        /// The failed migration.
        id: String,
        /// Keep what took effect and go on from this statement (1-based) with `--resume`,
        /// instead of clearing the row: for a run that stopped on a statement whose effect
        /// it could not read from the catalog, after checking it by hand.
        #[arg(long, value_name = "STATEMENT")]
        from: Option<usize>,
        #[command(flatten)]
        out: Out,
    },
}
