//! Cairn's loader: migration files (YAML/JSON) into a checked `MigrationSet`, portable
//! `changes` rendered per dialect, and the built-in migrations.
//!
//! An implementation crate of Cairn: depend on `cairn-engine` (lib `cairn`), which re-exports
//! the public API; items hidden from these docs are shared between Cairn's crates only.

use cairn_core::{Checksum, Dialect, error, graph, model, source, split};
use cairn_schema::{rebuild, schema};

#[doc(hidden)]
pub mod builtin;
#[doc(hidden)]
pub mod changes;
pub mod embed;
#[doc(hidden)]
pub mod load;

pub use builtin::{builtin_files, builtin_modules};
pub use changes::{Change, render as render_changes, reverse as reverse_changes};
pub use embed::{Embedded, EmbeddedFile};
pub use load::{MigrationSet, load_dir, load_files, load_sources, read_dir};
