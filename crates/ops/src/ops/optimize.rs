//! [`optimize`]: refresh the planner's statistics and, on request, compact the database;
//! report what was done to each table and how many bytes it gave back.

use std::time::Instant;

use serde::Serialize;

use super::maintenance::TableAction;
use crate::driver::Driver;
use crate::error::BackendError;

/// What [`optimize`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Optimization {
    /// The database, without its password.
    pub database: String,
    /// Whether compaction was asked for (SQLite `VACUUM`, PostgreSQL `VACUUM FULL`, MySQL
    /// `OPTIMIZE TABLE`).
    pub vacuum: bool,
    /// What was done to each table, sorted by name.
    pub tables: Vec<TableAction>,
    /// Bytes of the database before.
    pub bytes_before: u64,
    /// Bytes of the database after.
    pub bytes_after: u64,
    /// `bytes_before - bytes_after`, 0 when it grew.
    pub bytes_reclaimed: u64,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Runs the backend's maintenance: SQLite `ANALYZE` and `PRAGMA optimize` (with `vacuum`:
/// `VACUUM`); PostgreSQL `VACUUM (ANALYZE)` (with `vacuum`: `VACUUM (FULL, ANALYZE)`, which
/// locks each table while it is rewritten); MySQL `ANALYZE TABLE` (with `vacuum`:
/// `OPTIMIZE TABLE`, which rebuilds each table). Each is one statement over all tables.
/// Sizes are measured before and after with [`cairn_core::Maintain::table_sizes`].
pub fn optimize(db: &mut dyn Driver, vacuum: bool) -> Result<Optimization, BackendError> {
    let started = Instant::now();
    let maintain = db.as_maintain()?;
    let before = maintain.table_sizes()?.database_bytes;
    let mut tables = maintain.optimize(vacuum)?;
    tables.sort_by(|a, b| a.table.cmp(&b.table));
    let after = maintain.table_sizes()?.database_bytes;
    Ok(Optimization {
        database: db.describe(),
        vacuum,
        tables,
        bytes_before: before,
        bytes_after: after,
        bytes_reclaimed: before.saturating_sub(after),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}
