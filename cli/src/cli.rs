//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod fleet;
mod migrate;
pub use fleet::{FleetArgs, FleetCmd};
pub use migrate::Migrate;

/// Cairn: versioned migrations and schema checks for SQLite, PostgreSQL and MySQL.
#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Cairn: versioned migrations and schema checks for SQLite, PostgreSQL and MySQL.",
    propagate_version = true
)]
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
    /// Built-in modules to include (auth, audit, scan), embedded in this binary; combined with
    /// --dir when that directory exists, and your migrations may depend on their ids.
    #[arg(long, value_delimiter = ',', global = true, value_name = "MODULES")]
    pub builtin: Vec<String>,
    /// Colour: auto (only on a terminal, never with NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Seconds to wait for another runner's migration lock.
    #[arg(long, default_value_t = 60, global = true, value_name = "SECONDS")]
    pub lock_timeout: u64,
    /// Name of the history table (default cairn_migrations).
    #[arg(long, global = true, value_name = "NAME")]
    pub history_table: Option<String>,
    /// Settings file to use instead of the nearest cairn.toml in the working directory or its
    /// parents. Flags and DATABASE_URL override what it says.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How --dir is laid out: auto (detect, and say what was found), cairn, diesel, sqlx,
    /// flyway, refinery, golang-migrate, goose, dbmate, pop, sql-migrate, liquibase, sqitch.
    #[arg(long, default_value = "auto", global = true, value_name = "LAYOUT")]
    pub layout: LayoutChoice,
}

/// `--layout`: a folder convention, or `auto` to detect it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutChoice {
    /// Detect from the folder's files.
    Auto,
    /// This one.
    Fixed(cairn::layout::Layout),
}

impl std::str::FromStr for LayoutChoice {
    type Err = cairn::layout::UnknownLayout;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("auto") {
            Ok(LayoutChoice::Auto)
        } else {
            s.parse().map(LayoutChoice::Fixed)
        }
    }
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

/// `--format` of `migrate lint`, `migrate validate` and `migrate test`.
#[derive(Debug, Clone, Copy, Args)]
pub struct LintOut {
    /// Output format: `github` prints GitHub Actions annotations (`::error file=...`), so a CI
    /// job marks the lines in a pull request; `junit` a JUnit XML report for test reporters
    /// (GitLab, Jenkins); `sarif` a SARIF 2.1.0 log for code scanning.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
}

/// How `lint`, `validate` and `migrate test` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// For people: each finding with its file line underlined.
    Text,
    /// One JSON document on stdout.
    Json,
    /// GitHub Actions workflow commands, one annotation per finding.
    Github,
    /// JUnit XML on stdout: a test case per migration, a failure per one that fails.
    Junit,
    /// SARIF 2.1.0 on stdout: a result per finding, at its file line.
    Sarif,
}

impl LintFormat {
    /// The CI report format, when it is one.
    pub fn ci(self) -> Option<crate::report::CiFormat> {
        match self {
            LintFormat::Junit => Some(crate::report::CiFormat::Junit),
            LintFormat::Sarif => Some(crate::report::CiFormat::Sarif),
            _ => None,
        }
    }
}

/// `--format` of `drift`.
#[derive(Debug, Clone, Copy, Args)]
pub struct DriftOut {
    /// Output format: `junit` a JUnit XML report (a test case per table that differs), `sarif`
    /// a SARIF 2.1.0 log (a result per difference) for CI.
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

/// How `drift` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftFormat {
    /// For people.
    Text,
    /// One JSON document on stdout.
    Json,
    /// JUnit XML on stdout.
    Junit,
    /// SARIF 2.1.0 on stdout.
    Sarif,
}

impl DriftFormat {
    /// The CI report format, when it is one.
    pub fn ci(self) -> Option<crate::report::CiFormat> {
        match self {
            DriftFormat::Junit => Some(crate::report::CiFormat::Junit),
            DriftFormat::Sarif => Some(crate::report::CiFormat::Sarif),
            _ => None,
        }
    }
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
    /// Schemas: DDL from declared files, the live schema, differences between two schemas.
    #[command(subcommand)]
    Schema(SchemaCmd),
    /// Compare the live database with what the migrations (or declared schemas) produce;
    /// exit 1 on drift.
    Drift(DriftArgs),
    /// Database operations: backup, restore, health, optimize.
    #[command(subcommand)]
    Db(crate::db::DbCmd),
    /// One migration set over many databases or schemas (tenants): up, status, drift and
    /// rollback tests, in parallel, each target with its own lock and history.
    #[command(subcommand)]
    Fleet(FleetCmd),
    /// Print the effective settings (flags, environment, cairn.toml, defaults), each with
    /// where it came from; passwords redacted.
    Config(Out),
    /// Print a shell completion script on stdout (needs no database), e.g.
    /// `cairn completions bash > ~/.local/share/bash-completion/completions/cairn`.
    Completions {
        /// The shell: bash, zsh, fish, powershell, elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page cairn(1) (roff) on stdout, or write one page per subcommand into
    /// --out-dir (needs no database), e.g. `cairn man > ~/.local/share/man/man1/cairn.1`.
    Man {
        /// Write cairn.1 and a page per subcommand (cairn-migrate-up.1, ...) into this
        /// directory instead of printing cairn.1.
        #[arg(long = "out-dir", value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Print the dependency graph.
    Graph {
        /// Graph format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
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

impl Command {
    /// Whether the command writes to the database, so it may create one that does not exist
    /// yet (a SQLite file); the others say there is no database there.
    pub fn creates_database(&self) -> bool {
        matches!(
            self,
            Command::Migrate(
                Migrate::Up { .. }
                    | Migrate::Adopt { .. }
                    | Migrate::Stamp { .. }
                    | Migrate::Baseline { .. }
            ) | Command::Db(crate::db::DbCmd::Restore { .. })
                | Command::Fleet(FleetCmd::Up { .. })
        )
    }

    /// Whether the command was asked for JSON, so errors are printed as JSON too.
    pub fn json(&self) -> bool {
        let out = match self {
            Command::Migrate(
                Migrate::Up { out, .. }
                | Migrate::Down { out, .. }
                | Migrate::Status(out)
                | Migrate::History(out)
                | Migrate::Current(out)
                | Migrate::Repair { out, .. }
                | Migrate::Adopt { out, .. }
                | Migrate::Stamp { out, .. }
                | Migrate::Baseline { out, .. }
                | Migrate::Import { out, .. },
            ) => Some(out),
            Command::Migrate(
                Migrate::Validate(out) | Migrate::Lint { out, .. } | Migrate::Test { out, .. },
            ) => {
                return out.format == LintFormat::Json;
            }
            Command::Graph { format } => return *format == GraphFormat::Json,
            Command::Drift(a) => return a.out.format == DriftFormat::Json,
            Command::Config(out) => Some(out),
            Command::Fleet(cmd) => Some(&cmd.on().out),
            Command::Db(cmd) => return cmd.json(),
            Command::Schema(SchemaCmd::Diff { format, .. }) => return *format == DiffFormat::Json,
            Command::Schema(SchemaCmd::Dump { format }) => return *format == DumpFormat::Json,
            _ => None,
        };
        out.is_some_and(|o| o.format == Format::Json)
    }
}

/// `schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCmd {
    /// Print the DDL of declared schema files (tables in foreign-key order, then indexes).
    Sql {
        /// Target dialect.
        #[arg(long, value_enum)]
        dialect: DialectArg,
        /// Schema files or directories (default `schemas`).
        files: Vec<PathBuf>,
    },
    /// Print the live database's schema.
    Dump {
        /// Output format.
        #[arg(long, value_enum, default_value_t = DumpFormat::Yaml)]
        format: DumpFormat,
    },
    /// Show the differences between two schemas: each a schema file or directory, a
    /// migrations directory, or a database URL.
    Diff {
        /// The schema to start from.
        from: String,
        /// The schema to arrive at.
        to: String,
        /// Dialect to compare in (default: a URL side's, else that of --database-url).
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// Empty database to replay a migrations directory into (default: in memory for SQLite,
        /// a temporary database on a URL side's server otherwise).
        #[arg(long)]
        scratch_url: Option<String>,
        /// Output format: grouped text, JSON, the SQL that turns FROM into TO, or a unified
        /// diff of canonical DDL.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
}

/// `drift` options.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Compare with declared schema files instead of replaying the migrations.
    #[arg(long, value_name = "PATH")]
    pub against: Option<PathBuf>,
    /// An empty database of the same dialect to replay the migrations into (default: in memory
    /// for SQLite, a temporary database created and dropped on the server otherwise).
    #[arg(long)]
    pub scratch_url: Option<String>,
    /// Glob on `table` or `table.column` to leave out (objects owned outside migrations).
    #[arg(long, value_name = "PATTERN")]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub out: DriftOut,
}

/// A dialect on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
}

impl From<DialectArg> for cairn::Dialect {
    fn from(d: DialectArg) -> Self {
        match d {
            DialectArg::Sqlite => cairn::Dialect::Sqlite,
            DialectArg::Postgres => cairn::Dialect::Postgres,
            DialectArg::Mysql => cairn::Dialect::Mysql,
        }
    }
}

/// `schema dump` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// The declared-schema YAML format.
    Yaml,
    /// The same as JSON.
    Json,
    /// DDL of the live database's dialect.
    Sql,
}

/// `schema diff` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Grouped by table.
    Text,
    /// `{"dialect", "from", "to", "differences": [...]}`.
    Json,
    /// Statements that turn FROM into TO.
    Sql,
    /// Unified diff of canonical DDL.
    Diff,
}
