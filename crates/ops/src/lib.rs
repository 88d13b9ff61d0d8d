//! Cairn's database operations beside migrating (backup, restore, health, optimize,
//! Prometheus metrics) and `cairn.toml` settings.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{Dialect, ENGINE_VERSION, driver, error, history, model, origin};
use cairn_lint::lint;
use cairn_load::load;
use cairn_run::{ConnectOptions, protocol, registry, status};
use cairn_schema::schema;

pub mod config;
pub mod ops;
