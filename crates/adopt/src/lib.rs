//! Cairn's adoption of other tools: reading their migration folders (`layout`) and taking over
//! their history tables (`adopt`).
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{
    Checksum, Dialect, adopt_error, driver, error, history, model, origin, plan, source, split,
    tool_tables,
};
use cairn_load::load;
use cairn_run::{protocol, run, scratch};
use cairn_schema::schema;

pub mod adopt;
pub mod layout;
