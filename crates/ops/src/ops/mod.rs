//! Database operations beside migrating: backup and restore, health, statistics, optimization.
//! Each is a function over a [`Driver`] returning a typed result, so a service can call it
//! (e.g. health from its `/health` endpoint) as well as the CLI.
//!
//! Backups ([`backup`], [`list_backups`], [`prune`], [`verify`], [`restore`]) are files in a
//! directory, each with a [`Manifest`] beside it:
//!
//! ```no_run
//! use cairn::ops::{self, Compression};
//!
//! # fn main() -> Result<(), cairn::Error> {
//! let mut registry = cairn::Registry::new();
//! // cairn_sqlite::register(&mut registry);
//! let mut db = registry.connect("sqlite:app.db")?;
//! let made = ops::backup(db.as_mut(), "backups".as_ref(), Compression::Gzip)?;
//! println!("{} ({} bytes, head {:?})", made.path.display(), made.manifest.size, made.manifest.head);
//! assert!(ops::verify(&made.path, &registry)?.ok());
//! ops::prune("backups".as_ref(), &made.manifest, 7)?;
//! let restored = ops::restore(db.as_mut(), &made.path, &registry, "backups".as_ref(), cairn::DEFAULT_LOCK_TIMEOUT)?;
//! println!("previous contents saved in {}", restored.pre_restore.path.display());
//! # Ok(()) }
//! ```
//!
//! [`Driver`]: cairn_core::Driver

mod backup;
mod destructive;
mod health;
mod indexes;
mod maintenance;
mod manifest;
mod optimize;
pub mod prometheus;
mod replication;
mod restore;
mod server_stats;
mod stats;
mod tool;
mod verify;

pub use crate::driver::cells::{number_cell, text_cell};
pub use backup::{
    BackupFile, BackupOptions, backup, backup_locked, backup_with, list_backups, place, prune,
};
pub use destructive::{DESTRUCTIVE_RULES, destructive_findings, is_destructive};
pub use health::{
    ConnectionHealth, ForeignKeyHealth, Health, IntegrityHealth, MigrationHealth, MigrationIssue,
    StorageHealth, TableHealth, health,
};
pub use indexes::{IndexAdvisory, UnindexedForeignKey, index_counts, unindexed_foreign_keys};
pub use maintenance::{
    DeclaredForeignKey, ForeignKeyViolation, StorageSizes, TableAction, TableSize, orphan_rows,
    orphan_rows_of_catalog,
};
pub use manifest::{
    BackupKind, Compression, MANIFEST_SUFFIX, MANIFEST_VERSION, Manifest, ManifestMigration,
    ManifestTable, manifest_path, sha256_file,
};
pub use optimize::{Optimization, OptimizeOptions, optimize, optimize_with};
pub use replication::Replication;
pub use restore::{Restored, restore};
pub use server_stats::{ClusterStats, Connections, SLOW_QUERY_MS, ServerStats, server_stats};
pub use stats::{TableRows, row_counts, row_counts_of};
pub use tool::{find_tool, run_tool};
pub use verify::{Verification, VerifyCheck, verify};
