//! `fleet` flags: which targets, how many at once, what to do after a failure.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

use super::Out;

/// `fleet` subcommands: one migration set over many databases or schemas.
#[derive(Debug, Subcommand)]
pub enum FleetCmd {
    /// Apply pending migrations on every target, each under its own lock; a target already
    /// up to date costs one history query. Exit 1 when a target failed, was locked by
    /// another runner, or was not started after a failure.
    Up {
        /// The targets and how to go through them.
        #[command(flatten)]
        on: FleetArgs,
        /// Show what would run on each target; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Where each target stands (applied, pending, failed, changed); exit 1 unless every
    /// target has every migration applied.
    Status {
        /// The targets and how to go through them.
        #[command(flatten)]
        on: FleetArgs,
    },
    /// Each target's schema against the migrations (replayed once into a scratch database);
    /// exit 1 when any target drifted or could not be read.
    Drift {
        /// The targets and how to go through them.
        #[command(flatten)]
        on: FleetArgs,
        /// Tables (`table`) or columns (`table.column`) to leave out, glob patterns.
        #[arg(long, value_name = "PATTERN")]
        ignore: Vec<String>,
        /// Empty database to replay the migrations into (default: in memory for SQLite, a
        /// temporary database on the first target's server).
        #[arg(long, value_name = "URL")]
        scratch_url: Option<String>,
    },
    /// Prove every rollback once per server the targets are on (a scratch database on each,
    /// so servers of different versions are each proved); exit 1 when one fails.
    Test {
        /// The targets and how to go through them.
        #[command(flatten)]
        on: FleetArgs,
    },
}

impl FleetCmd {
    /// The targets' flags.
    pub fn on(&self) -> &FleetArgs {
        match self {
            FleetCmd::Up { on, .. }
            | FleetCmd::Status { on }
            | FleetCmd::Drift { on, .. }
            | FleetCmd::Test { on } => on,
        }
    }
}

/// Which targets, and how to go through them.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["targets", "targets_query", "schemas"])))]
pub struct FleetArgs {
    /// A targets file: `[[target]]` tables with `name`, `url` (or a `url = "...{name}..."`
    /// template at the top) and `tags`.
    #[arg(long, value_name = "FILE")]
    pub targets: Option<PathBuf>,
    /// A query on --database-url (the control database) listing the targets: name, then URL
    /// (or NULL with --url-template), then optional tags as `key=value,key=value`.
    #[arg(long, value_name = "SQL")]
    pub targets_query: Option<String>,
    /// Every schema (PostgreSQL, with `search_path` set to it) or database (MySQL) on
    /// --database-url whose name matches this SQL LIKE pattern, e.g. `tenant_%`.
    #[arg(long, value_name = "PATTERN")]
    pub schemas: Option<String>,
    /// URL of a target the query gives no URL for: `{name}` and `{tag}` are replaced.
    #[arg(long, value_name = "TEMPLATE", requires = "targets_query")]
    pub url_template: Option<String>,
    /// Targets worked on at once (default: twice the cores, 2 to 16).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Run the first K targets before the others, and stop if any of them fails.
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub canary: usize,
    /// Go on with the other targets after one fails (they are not started otherwise).
    #[arg(long)]
    pub continue_on_error: bool,
    /// Only targets with this tag (repeat: all must match), e.g. `--only region=eu`.
    #[arg(long, value_name = "KEY=VALUE")]
    pub only: Vec<String>,
    /// Output format.
    #[command(flatten)]
    pub out: Out,
}
