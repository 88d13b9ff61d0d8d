//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Cairn: versioned migrations and schema checks for SQLite, PostgreSQL and MySQL.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Database URL: sqlite:path, sqlite::memory:, postgres://..., mysql://...
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite:cairn.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
    /// Directory of migration files.
    #[arg(long, default_value = "migrations", global = true)]
    pub dir: PathBuf,
    /// Colour: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Seconds to wait for another runner's migration lock.
    #[arg(long, default_value_t = 60, global = true, value_name = "SECONDS")]
    pub lock_timeout: u64,
}

/// `--format` of commands that report.
#[derive(Debug, Clone, Copy, Args)]
pub struct Out {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// One JSON document on stdout.
    Json,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply, roll back and inspect migrations.
    #[command(subcommand)]
    Migrate(Migrate),
    /// Print the dependency graph.
    Graph {
        /// Graph format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Benchmark applying generated migrations against raw rusqlite.
    Bench(BenchArgs),
    /// Run the whole test suite, starting throwaway PostgreSQL and MariaDB servers on loopback.
    Test(TestArgs),
}

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
        /// Print the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        out: Out,
    },
    /// Show each migration: applied, pending, changed, missing or failed.
    Status(Out),
    /// Show the history table.
    History(Out),
    /// Check files (and applied migrations' checksums); exit 1 on any problem.
    Validate(Out),
    /// Create a new migration file depending on the current heads.
    New {
        /// Name, e.g. add_users_phone.
        name: String,
        /// Write JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Clear a failed migration's history row after fixing the database by hand.
    Repair {
        /// The failed migration.
        id: String,
        #[command(flatten)]
        out: Out,
    },
}

/// Graph formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid flowchart.
    Mermaid,
    /// Graphviz dot.
    Dot,
    /// Nodes and edges as JSON.
    Json,
}

/// `bench` options.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which backend to measure (`all` starts throwaway servers unless CAIRN_TEST_*_URL are set).
    #[arg(long, value_enum, default_value_t = BenchBackend::Sqlite)]
    pub backend: BenchBackend,
    /// Number of generated migrations.
    #[arg(long, default_value_t = 1000)]
    pub migrations: usize,
    /// Runs of each side; the median is reported.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

impl Command {
    /// Whether the command was asked for JSON, so errors are printed as JSON too.
    pub fn json(&self) -> bool {
        let out = match self {
            Command::Migrate(
                Migrate::Up { out, .. }
                | Migrate::Down { out, .. }
                | Migrate::Status(out)
                | Migrate::History(out)
                | Migrate::Validate(out)
                | Migrate::Repair { out, .. },
            ) => Some(out),
            Command::Graph { format } => return *format == GraphFormat::Json,
            _ => None,
        };
        out.is_some_and(|o| o.format == Format::Json)
    }
}

/// `test` options.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Arguments passed on to `cargo test` (after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub cargo_args: Vec<String>,
}

/// Backends `bench` can measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchBackend {
    /// SQLite file against rusqlite.
    Sqlite,
    /// PostgreSQL against psql.
    Postgres,
    /// MariaDB/MySQL against the mariadb client.
    Mysql,
    /// All three.
    All,
}
