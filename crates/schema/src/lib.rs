//! Cairn's schemas at work: DDL in foreign-key order, declared-schema files, canonical diffs,
//! and the `cairn:rebuild` directive of a SQLite table rebuild.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{Dialect, error, schema_model, source};

#[doc(hidden)]
pub mod rebuild;
pub mod schema;

pub use rebuild::{Rebuild, RebuildEdit};
