//! Cairn's core: dialects, the migration model, checksums, statement splitting, the dependency
//! graph and plans, the history table, the [`Driver`] interface a backend implements, and the
//! errors every other crate reports with.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

#[doc(hidden)]
pub mod adopt_error;
#[doc(hidden)]
pub mod checksum;
#[doc(hidden)]
pub mod dialect;
#[doc(hidden)]
pub mod driver;
#[doc(hidden)]
pub mod effect;
#[doc(hidden)]
pub mod error;
mod excerpt;
#[doc(hidden)]
pub mod finding;
#[doc(hidden)]
pub mod graph;
#[doc(hidden)]
pub mod history;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod origin;
#[doc(hidden)]
pub mod plan;
#[doc(hidden)]
pub mod plan_error;
#[doc(hidden)]
pub mod redact;
#[doc(hidden)]
pub mod schema_model;
#[doc(hidden)]
pub mod scratch_error;
#[doc(hidden)]
pub mod source;
#[doc(hidden)]
pub mod split;
#[doc(hidden)]
pub mod tool_tables;
#[doc(hidden)]
pub mod url;

pub use checksum::{Checksum, normalize};
pub use dialect::{Dialect, UnknownDialect};
pub use driver::{
    Backup, Driver, Introspect, Maintain, Param, Rows, ScratchDatabases, execute_each,
};
pub use error::{
    BackendError, Direction, Error, LoadErrors, Problem, ProblemKind, ReadOnlyReason, Refused,
    Result, StatementFailure,
};
pub use finding::Finding;
pub use graph::{Graph, GraphProblem};
pub use history::batch::{insert_batches, put_back_failed};
pub use history::log::LogEntry;
pub use history::sql::mysql_text;
pub use history::{
    AppliedMigration, HISTORY_COLUMNS, HISTORY_TABLE, HistoryStatus, decode_depends_on,
    encode_depends_on,
};
pub use model::{Allow, LintSettings, Migration, Origin, Script, Splitter};
pub use origin::ToolOrigin;
pub use plan::{DownTarget, RevertStep, UpTarget, plan_down, plan_up};
pub use plan_error::PlanError;
pub use redact::{redact_url, scrub};
pub use scratch_error::ScratchError;
pub use source::SourceFile;
pub use split::{SplitError, Statement, split};
pub use url::with_database;

/// This engine's version, recorded in the history table with every migration it applies.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");
