//! # Cairn
//!
//! A migration and schema engine for SQLite, PostgreSQL and MySQL.
//!
//! The engine loads versioned migrations (YAML or JSON files), checks them (checksums,
//! dependency graph, cycles), plans what to apply or roll back, and drives a [`Driver`]
//! that executes the plan on a database. It holds no database driver itself: backends are
//! plugin crates (`cairn-sqlite`, `cairn-postgres`, `cairn-mysql`) registered in a
//! [`Registry`] by URL scheme.
//!
//! ```no_run
//! use cairn::{Options, Registry, UpTarget};
//!
//! # fn main() -> Result<(), cairn::Error> {
//! let mut registry = Registry::new();
//! // cairn_sqlite::register(&mut registry); // and/or cairn_postgres, cairn_mysql
//! let url = "sqlite:app.db";
//! let set = cairn::load_dir("migrations".as_ref(), registry.dialect(url)?)?;
//! let mut db = registry.connect(url)?;
//! let report = cairn::up(db.as_mut(), &set, &UpTarget::All, &Options::default(), &mut |_| {})?;
//! for m in &report.migrations {
//!     println!("applied {} in {} ms", m.id, m.execution_ms);
//! }
//! # Ok(()) }
//! ```
//!
//! Errors are typed ([`Error`]): load problems carry file, line and column
//! ([`Error::Load`]); a failed statement carries the migration, statement number, file line
//! and the database's message ([`Error::Statement`]). See `examples/apply.rs`.
//!
//! [`lint`] parses every statement for the dialect and runs safety rules (a public [`lint::Rule`]
//! trait, so a team adds its own) under a `cairn.toml` policy, without a database. See
//! `examples/lint_rule.rs`.
//!
//! ## Cargo features
//!
//! - `lint-ast` (off by default): makes sqlparser's AST part of the [`lint`] API
//!   (`cairn::lint::sql`, `ParsedStatement::ast`, `RuleContext::up_statements`, ...), for
//!   custom rules that match on parse trees. It is tied to the sqlparser version Cairn is built
//!   with and **may change in any minor release**; the rest of the API follows semver.

//! ## Crates
//!
//! This crate is the one a library user depends on; it re-exports the API of Cairn's crates by
//! job, each usable alone: `cairn-core` (dialect, model, checksum, split, graph, plan, history,
//! [`Driver`], errors), `cairn-schema` ([`schema`]), `cairn-load` (files to a
//! [`MigrationSet`]), `cairn-run` ([`up`], [`down`], [`status`], [`validate`], [`drift`], rollback
//! proofs), `cairn-lint` ([`lint`]), `cairn-adopt` ([`layout`], [`adopt`]) and `cairn-ops`
//! ([`ops`], [`config`]). The last three are the cargo features `lint`, `adopt` and `ops` (all on
//! by default).

pub use cairn_core::{
    Allow, AppliedMigration, BackendError, Backup, Checksum, Dialect, Direction, DownTarget,
    Driver, ENGINE_VERSION, Error, Finding, Graph, GraphProblem, HISTORY_COLUMNS, HISTORY_TABLE,
    HistoryStatus, Introspect, LintSettings, LoadErrors, LogEntry, Maintain, Migration, Origin,
    Param, PlanError, Problem, ProblemKind, ReadOnlyReason, Refused, Result, RevertStep, Rows,
    ScratchDatabases, ScratchError, Script, SourceFile, SplitError, Statement, StatementFailure,
    ToolOrigin, UnknownDialect, UpTarget, decode_depends_on, encode_depends_on, execute_each,
    insert_batches, mysql_text, normalize, plan_down, plan_up, put_back_failed, redact_url, scrub,
    split, with_database,
};
pub use cairn_load::{
    Change, Embedded, EmbeddedFile, MigrationSet, builtin_files, builtin_modules, load_dir,
    load_files, load_sources, read_dir, render_changes, reverse_changes,
};
pub use cairn_run::{
    BeforeRun, ConnectOptions, Connector, DEFAULT_LOCK_TIMEOUT, DriftReport, Event, Expected,
    InDoubt, Migrate, MigrationReport, MigrationState, Options, ProofEvent, Recovery, Registry,
    RollbackCheck, RollbackOutcome, RollbackReport, RunReport, Scratch, StatusRow, Step, Stopped,
    down, down_with, drift, glob, prove_rollbacks, repair, repair_from, replay, scratch_name,
    status, up, up_with, validate,
};
pub use cairn_schema::{Rebuild, RebuildEdit, schema};
pub use migrator::Migrator;

mod migrator;

#[cfg(feature = "adopt")]
pub use cairn_adopt::{adopt, layout};
#[cfg(feature = "fleet")]
pub use cairn_fleet as fleet;
#[cfg(feature = "lint")]
pub use cairn_lint::lint;
#[cfg(feature = "ops")]
pub use cairn_ops::{config, ops};
/// A database per test: [`testing::TestDatabases`] migrates once into a template and clones
/// it for each test (feature `testing`).
#[cfg(feature = "testing")]
pub use cairn_testing as testing;
