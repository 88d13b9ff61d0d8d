//! The optional parts of a database driver, each its own trait so a driver implements only
//! what its database can do and a wrapper forwards only what it wraps.

use std::path::Path;

use serde::Serialize;

use super::Driver;
use crate::error::BackendError;
use crate::schema_model::Schema;

/// Reading the live schema.
pub trait Introspect {
    /// The live schema (every table but the history table), read with a fixed number of
    /// catalog queries whatever the number of tables.
    fn introspect(&mut self) -> Result<Schema, BackendError>;
}

/// The database's own checks and housekeeping, for `db health` and `db optimize`.
pub trait Maintain {
    /// Problems the database's own integrity check finds; empty when it finds none. SQLite:
    /// `PRAGMA integrity_check`; PostgreSQL: invalid indexes (a failed `CREATE INDEX
    /// CONCURRENTLY`); MySQL: `CHECK TABLE ... QUICK` over every table in one statement.
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError>;

    /// [`Maintain::integrity_check`] for a caller that has just listed the base tables (the
    /// names [`Maintain::table_sizes`] returned), so a check that names every table (MySQL's
    /// `CHECK TABLE`) need not list them again. The default ignores `tables`.
    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        let _ = tables;
        self.integrity_check()
    }

    /// Rows whose foreign key references a missing row, per key, for the keys the database
    /// does not guarantee (SQLite: `PRAGMA foreign_key_check`, every key; PostgreSQL: keys
    /// `NOT VALID` or with their triggers disabled; MySQL: every declared key, since
    /// `foreign_key_checks = 0` lets any session insert orphans). A fixed number of queries.
    fn foreign_key_violations(&mut self) -> Result<Vec<ForeignKeyViolation>, BackendError>;

    /// Bytes used by the database and by each base table with its indexes, from the catalog
    /// in a fixed number of queries.
    fn table_sizes(&mut self) -> Result<StorageSizes, BackendError>;

    /// Refreshes planner statistics of every table and, with `vacuum`, compacts them; returns
    /// what was done per table. See `cairn::ops::optimize()`.
    fn optimize(&mut self, vacuum: bool) -> Result<Vec<TableAction>, BackendError>;
}

/// Whole-database copies.
pub trait Backup {
    /// Writes a consistent copy of the whole database to `path` (a new file), while other
    /// clients may keep writing: SQLite through the online backup API, PostgreSQL through
    /// `pg_dump` (custom format), MySQL through `mariadb-dump`/`mysqldump`
    /// (`--single-transaction`). Use `cairn::ops::backup` for a checksummed backup with a
    /// manifest.
    fn backup(&mut self, path: &Path) -> Result<(), BackendError>;

    /// Replaces the database's contents with the copy at `path`, as written by
    /// [`Backup::backup`]. Use `cairn::ops::restore`, which verifies the file and takes a
    /// backup of the current contents first.
    fn restore(&mut self, path: &Path) -> Result<(), BackendError>;
}

/// Throwaway databases to replay migrations into.
pub trait ScratchDatabases {
    /// An empty database of the same dialect (SQLite: in memory; servers: a temporary
    /// database on the same server), removed when the returned driver is dropped.
    fn scratch(&mut self) -> Result<Box<dyn Driver>, BackendError>;
}

/// Rows of one foreign key whose referenced row does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKeyViolation {
    /// The referencing (child) table.
    pub table: String,
    /// The constraint's name, where the database has one.
    pub constraint: Option<String>,
    /// The referencing columns (empty when the database does not say).
    pub columns: Vec<String>,
    /// The referenced (parent) table.
    pub references: String,
    /// Number of child rows without a parent.
    pub rows: u64,
}

/// The size of one table on disk, its indexes included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSize {
    /// Table name.
    pub table: String,
    /// Bytes of the table and its indexes (on MySQL, the server's estimate).
    pub bytes: u64,
}

/// Storage used by the database and by each of its tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageSizes {
    /// Bytes of the whole database (SQLite: the main file's pages; PostgreSQL:
    /// `pg_database_size`; MySQL: the sum over its tables).
    pub database_bytes: u64,
    /// Each base table, sorted by name.
    pub tables: Vec<TableSize>,
}

/// What maintenance did to one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableAction {
    /// Table name.
    pub table: String,
    /// Operations run on it, in order (`analyze`, `vacuum`, `optimize`, ...).
    pub actions: Vec<String>,
    /// What the server said about it (MySQL's `Msg_text` lines), if anything.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}
