//! What a database implements for the engine: a narrow [`Driver`] (run a statement, query rows,
//! transactions, the migration lock, capability answers), plus optional role traits
//! ([`Introspect`], [`Maintain`], [`Backup`], [`ScratchDatabases`]) that only the features
//! needing them ask for. The history table and the migration protocol are written once, over
//! any driver, in `cairn::Migrate`.

use std::time::Duration;

use crate::Dialect;
use crate::error::BackendError;

pub mod cells;
mod roles;

pub use roles::{
    Backup, ForeignKeyViolation, Introspect, Maintain, ScratchDatabases, StorageSizes, TableAction,
    TableSize,
};

// Defined with the driver (its default `history_table`) so that `history`, which reads and
// writes the table through a driver, depends on `driver` and not back; re-exported there.
/// Name of the table that records applied migrations.
pub const HISTORY_TABLE: &str = "cairn_migrations";

/// Rows of a [`Driver::query`], every value as text (NULL as `None`).
pub type Rows = Vec<Vec<Option<String>>>;

/// A parameter of [`Driver::execute_with`]: text or a 64-bit integer, either possibly NULL.
/// Typed even when NULL, because PostgreSQL binds parameters by type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// A text value.
    Text(Option<&'a str>),
    /// An integer value.
    Int(Option<i64>),
}

/// [`Driver::execute_all`] one part at a time: [`Driver::execute`] for a part without
/// parameters, [`Driver::execute_with`] otherwise. The trait's default, and a driver's own
/// fallback when it cannot send the parts together.
pub fn execute_each<D: Driver + ?Sized>(
    db: &mut D,
    parts: &[(&str, &[Param<'_>])],
) -> Result<(), (usize, BackendError)> {
    for (index, (sql, params)) in parts.iter().enumerate() {
        if params.is_empty() {
            db.execute(sql)
        } else {
            db.execute_with(sql, params)
        }
        .map_err(|e| (index, e))?;
    }
    Ok(())
}

/// A connection to one database, as the engine drives it.
///
/// Every method is one short exchange with the database. What a driver cannot do is answered
/// by a capability ([`Driver::atomic_ddl`]) or an absent role ([`Driver::introspection`] and
/// the others return `None` by default), never by a method that fails at run time.
///
/// Errors: a statement the database refuses is [`BackendError::Sql`] (with its code and
/// position where the database gives them); a connection that broke is
/// [`BackendError::Connection`]. The engine turns them into errors naming the migration and
/// statement.
pub trait Driver {
    /// The dialect of this database.
    fn dialect(&self) -> Dialect;

    /// The database, for messages, with any password removed.
    fn describe(&self) -> String;

    /// The name of the history table this connection reads and writes (a plain identifier).
    fn history_table(&self) -> &str {
        HISTORY_TABLE
    }

    /// Whether DDL runs inside a transaction, so a migration and its history row can commit
    /// as one. False on MySQL/MariaDB, where DDL commits implicitly: the engine then records
    /// progress statement by statement instead.
    fn atomic_ddl(&self) -> bool {
        true
    }

    /// Refuses with [`BackendError::ReadOnly`] when the server takes no writes (a replica in
    /// recovery, every transaction read-only by default). The engine calls it once per command
    /// that writes, before it takes the lock; read-only commands never do. A driver may answer
    /// with a query its lock needs anyway, so the normal path costs no extra round trip. The
    /// default answers `Ok`.
    fn check_writable(&mut self) -> Result<(), BackendError> {
        Ok(())
    }

    /// Takes the migration lock, waiting at most `timeout`. Held until [`Driver::unlock`].
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError>;

    /// Releases the migration lock. Safe to call when not held.
    fn unlock(&mut self) -> Result<(), BackendError>;

    /// Runs one statement of a migration script as written (no parameters; any result is
    /// discarded).
    fn execute(&mut self, sql: &str) -> Result<(), BackendError>;

    /// Runs one statement with `params` bound to its placeholders, which are in the dialect's
    /// style ([`Dialect::placeholder`]).
    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError>;

    /// Runs `sql`, then `then` with `params` (the history write that records it), as one
    /// exchange where the backend can: a statement that commits on its own and its record cost
    /// one round trip. On failure, the flag says whether `sql` ran (the error is `then`'s).
    /// The default is [`Driver::execute_all`] of the two.
    fn execute_then(
        &mut self,
        sql: &str,
        then: &str,
        params: &[Param<'_>],
    ) -> Result<(), (bool, BackendError)> {
        self.execute_all(&[(sql, &[]), (then, params)])
            .map_err(|(failed, e)| (failed > 0, e))
    }

    /// Runs `parts` (each a statement and its parameters) in order, as one exchange where the
    /// backend can, stopping at the first that fails: its index comes back with the error, and
    /// every part before it ran. The engine sends a migration that cannot be atomic (MySQL)
    /// this way, with its history writes between the statements, so the row says how far it
    /// got wherever the run stops. A part must be a single statement that returns at most one
    /// result. The default runs each with [`Driver::execute`] (no parameters) or
    /// [`Driver::execute_with`].
    fn execute_all(&mut self, parts: &[(&str, &[Param<'_>])]) -> Result<(), (usize, BackendError)> {
        execute_each(self, parts)
    }

    /// Runs one query and returns its rows, every value as text (NULL as `None`).
    fn query(&mut self, sql: &str) -> Result<Rows, BackendError>;

    /// [`Driver::query`], handing each row to `each` as it is read, so a long answer (the
    /// history of thousands of migrations) is converted without first being held whole as
    /// text. The first error of `each` stops the query and is returned. The default reads the
    /// rows with [`Driver::query`].
    fn query_each(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(Vec<Option<String>>) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        self.query(sql)?.into_iter().try_for_each(each)
    }

    /// Starts a transaction (SQLite: `BEGIN IMMEDIATE`, so it holds the write lock at once).
    fn begin(&mut self) -> Result<(), BackendError>;

    /// Commits the transaction [`Driver::begin`] started.
    fn commit(&mut self) -> Result<(), BackendError>;

    /// Rolls back the transaction [`Driver::begin`] started.
    fn rollback(&mut self) -> Result<(), BackendError>;

    /// Ends whatever transaction a migration's own SQL left open, committing it when
    /// `commit` is set and rolling it back otherwise, before the engine writes history rows
    /// outside a transaction. The default does nothing; MySQL, where a script may `START
    /// TRANSACTION` or turn autocommit off, ends it and turns autocommit back on.
    fn settle(&mut self, commit: bool) -> Result<(), BackendError> {
        let _ = commit;
        Ok(())
    }

    /// Reading the live schema, where the driver can.
    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        None
    }

    /// Integrity checks, sizes and optimizing, where the driver can.
    fn maintenance(&mut self) -> Option<&mut dyn Maintain> {
        None
    }

    /// Backups and restores, where the driver can.
    fn backups(&mut self) -> Option<&mut dyn Backup> {
        None
    }

    /// Throwaway databases of the same dialect, where the driver can create them.
    fn scratch_databases(&mut self) -> Option<&mut dyn ScratchDatabases> {
        None
    }
}

impl<'d> dyn Driver + 'd {
    /// The [`Introspect`] role, or [`BackendError::Unsupported`] naming the database.
    pub fn as_introspect(&mut self) -> Result<&mut dyn Introspect, BackendError> {
        let database = self.describe();
        self.introspection().ok_or(BackendError::Unsupported {
            database,
            feature: "reading its schema",
        })
    }

    /// The [`Maintain`] role, or [`BackendError::Unsupported`] naming the database.
    pub fn as_maintain(&mut self) -> Result<&mut dyn Maintain, BackendError> {
        let database = self.describe();
        self.maintenance().ok_or(BackendError::Unsupported {
            database,
            feature: "integrity checks, sizes and optimizing",
        })
    }

    /// The [`Backup`] role, or [`BackendError::Unsupported`] naming the database.
    pub fn as_backup(&mut self) -> Result<&mut dyn Backup, BackendError> {
        let database = self.describe();
        self.backups().ok_or(BackendError::Unsupported {
            database,
            feature: "backups",
        })
    }

    /// The [`ScratchDatabases`] role, or [`BackendError::Unsupported`] naming the database.
    pub fn as_scratch_databases(&mut self) -> Result<&mut dyn ScratchDatabases, BackendError> {
        let database = self.describe();
        self.scratch_databases().ok_or(BackendError::Unsupported {
            database,
            feature: "scratch databases (pass --scratch-url)",
        })
    }
}
