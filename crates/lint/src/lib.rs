//! Cairn's migration lint: safety rules over SQL parsed with sqlparser (kept private unless
//! the `lint-ast` feature is on), under a `cairn.toml` policy.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{Dialect, driver, error, model, source, split};
use cairn_load::load;
use cairn_schema::schema;

pub mod lint;
