//! The flags of the development commands.

use clap::{Args, ValueEnum};

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
    /// Also time drift on a PostgreSQL database with this many tables (0: skip).
    #[arg(long, default_value_t = 0)]
    pub drift_tables: usize,
    /// Only time split + parse + lint of this many generated statements (a mixed corpus over
    /// the three dialects), in memory; no database.
    #[arg(long, value_name = "N")]
    pub lint_statements: Option<usize>,
    /// Time `db backup` (uncompressed and gzip), `db verify` and `db health` on a database of
    /// --rows rows against the raw copy (SQLite online backup, `pg_dump -Fc`, `mariadb-dump`)
    /// instead of applying migrations. (With the global `--layout LAYOUT`, bench writes the
    /// generated migrations in that tool's folder convention and loads them from there.)
    #[arg(long)]
    pub backup: bool,
    /// Time `migrate test` (every rollback proved on an in-memory SQLite scratch database)
    /// beside a plain `migrate up` of the same --migrations generated migrations.
    #[arg(long)]
    pub rollbacks: bool,
    /// Time a database per test instead: 100 tests each getting a database with the built-ins
    /// applied, cloned from a template (`cairn::testing`) against migrated from empty.
    #[arg(long)]
    pub test_databases: bool,
    /// Time `fleet up` (from empty, then no-op) over 500 SQLite tenant files and 200
    /// PostgreSQL schemas with the built-ins, against a shell loop of `migrate up` per tenant.
    #[arg(long)]
    pub fleet: bool,
    /// Time the same --migrations generated migrations through the tools a user would pick
    /// instead (dbmate, sqlx-cli, refinery: under $CAIRN_BENCH_PEERS, default
    /// ~/.cache/cairn-peers, or on PATH; missing ones are skipped), through the release
    /// `cairn` binary and the raw client, as whole processes: `up` from empty, no-op `up`,
    /// `status`.
    #[arg(long)]
    pub peers: bool,
    /// Time the commands every deploy runs on a long history instead: no-op `up`, `status`
    /// and `validate` of the release `cairn` binary over 1,000, 10,000 and 50,000 applied
    /// migrations (SQLite), with peak memory, to show how they grow.
    #[arg(long)]
    pub history: bool,
    /// Rows filled in before --backup, spread over 4 tables.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Kill trials instead: `migrate up` of a generated set killed with SIGKILL at a random
    /// instant, then a plain `migrate up`, compared with a clean run (see --trials, --seed).
    #[arg(long)]
    pub kill: bool,
    /// Kill trials per backend, a new generated set every 20.
    #[arg(long, default_value_t = 100, requires = "kill")]
    pub trials: usize,
    /// First seed of the --kill sets and instants (default: from the clock; printed).
    #[arg(long, requires = "kill")]
    pub seed: Option<u64>,
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
