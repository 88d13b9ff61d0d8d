//! Cairn's runner: `up`, `down`, `repair`, `validate`, `status`, `drift` and rollback proofs
//! over any `Driver`, with the step protocol and the history table written once.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{
    Dialect, ENGINE_VERSION, HISTORY_TABLE, Rows, driver, effect, error, finding, graph, history,
    model, plan, plan_error, scratch_error, split, tool_tables,
};
use cairn_load::load;
use cairn_schema::{rebuild, schema};

mod catalog;
#[doc(hidden)]
pub mod drift;
#[doc(hidden)]
pub mod protocol;
#[doc(hidden)]
pub mod registry;
#[doc(hidden)]
pub mod rollback_proof;
#[doc(hidden)]
pub mod run;
#[doc(hidden)]
pub mod scratch;
#[doc(hidden)]
pub mod status;
#[doc(hidden)]
pub mod step;
#[doc(hidden)]
pub mod validate;

pub use drift::{DriftReport, Expected, drift, glob, replay};
pub use protocol::Migrate;
pub use registry::{ConnectOptions, Connector, DEFAULT_LOCK_TIMEOUT, Registry};
pub use rollback_proof::{
    ProofEvent, RollbackCheck, RollbackOutcome, RollbackReport, Stopped, prove_rollbacks,
};
pub use run::{
    BeforeRun, Event, InDoubt, MigrationReport, Options, Recovery, RunReport, down, down_with,
    repair, repair_from, up, up_with,
};
pub use scratch::{Scratch, scratch_name};
pub use status::{MigrationState, StatusRow, status};
pub use step::Step;
pub use validate::validate;
