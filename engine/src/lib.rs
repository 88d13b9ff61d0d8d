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

pub mod adopt;
mod adopt_error;
mod builtin;
mod changes;
mod checksum;
pub mod config;
mod dialect;
mod drift;
mod driver;
mod error;
mod finding;
mod graph;
mod history;
pub mod layout;
pub mod lint;
mod load;
mod model;
pub mod ops;
mod origin;
mod plan;
mod plan_error;
mod protocol;
mod rebuild;
mod redact;
mod registry;
mod rollback_proof;
mod run;
pub mod schema;
mod schema_model;
mod scratch;
mod scratch_error;
mod source;
mod split;
mod status;
mod step;
mod tool_tables;
mod validate;

pub use builtin::{builtin_files, builtin_modules};
pub use changes::{Change, render as render_changes, reverse as reverse_changes};
pub use checksum::{Checksum, normalize};
pub use dialect::{Dialect, UnknownDialect};
pub use drift::{DriftReport, Expected, drift, glob, replay};
pub use driver::{Backup, Driver, Introspect, Maintain, Param, Rows, ScratchDatabases};
pub use error::{
    BackendError, Direction, Error, LoadErrors, Problem, ProblemKind, Refused, Result,
    StatementFailure,
};
pub use finding::Finding;
pub use graph::{Graph, GraphProblem};
pub use history::batch::{insert_batches, put_back_failed};
pub use history::{
    AppliedMigration, HISTORY_COLUMNS, HISTORY_TABLE, HistoryStatus, decode_depends_on,
    encode_depends_on,
};
pub use load::{MigrationSet, load_dir, load_files, load_sources, read_dir};
pub use model::{Allow, LintSettings, Migration, Origin, Script};
pub use origin::ToolOrigin;
pub use plan::{DownTarget, RevertStep, UpTarget, plan_down, plan_up};
pub use plan_error::PlanError;
pub use protocol::Migrate;
pub use rebuild::{Rebuild, RebuildEdit};
pub use redact::{redact_url, scrub};
pub use registry::{ConnectOptions, Connector, DEFAULT_LOCK_TIMEOUT, Registry};
pub use rollback_proof::{
    ProofEvent, RollbackCheck, RollbackOutcome, RollbackReport, Stopped, prove_rollbacks,
};
pub use run::{Event, MigrationReport, Options, RunReport, down, repair, up};
pub use scratch::{Scratch, scratch_name};
pub use scratch_error::ScratchError;
pub use source::SourceFile;
pub use split::{SplitError, Statement, split};
pub use status::{MigrationState, StatusRow, status};
pub use step::Step;
pub use validate::validate;

/// This engine's version, recorded in the history table with every migration it applies.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
