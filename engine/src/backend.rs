//! The interface between the engine and a database, and the registry of backends by URL scheme.

use std::time::Duration;

use crate::Dialect;
use crate::error::{BackendError, Direction, Error};
use crate::history::AppliedMigration;
use crate::schema::Schema;
use crate::split::Statement;

/// Rows of a [`Backend::query`], every value as text (NULL as `None`).
pub type Rows = Vec<Vec<Option<String>>>;

/// One migration to apply or revert.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// Applying or reverting.
    pub direction: Direction,
    /// The statements to run, in order.
    pub statements: &'a [Statement],
    /// Whether the statements and the history change must commit as one transaction.
    /// When false, each statement commits on its own and the history row records progress
    /// (`running`, then `applied` or `failed` with the statement index).
    pub transaction: bool,
    /// For `up`: the row to insert (the backend sets `applied_at` and `execution_ms`).
    /// For `down`: the row to delete.
    pub record: &'a AppliedMigration,
    /// Resuming a migration that failed outside a transaction: its history row already exists
    /// (status `failed`) and is updated instead of inserted (status `running`, and `checksum`,
    /// `description`, `up_sql`, `down_sql` from `record`, since the user may have fixed the
    /// failing statement in the file), and only `statements` from `first_statement` on are run.
    pub resume: bool,
    /// 0-based index of the first statement to run (non-zero only when resuming).
    pub first_statement: usize,
}

impl<'a> Step<'a> {
    /// A step that runs every statement and inserts (up) or deletes (down) `record`.
    pub fn new(
        direction: Direction,
        statements: &'a [Statement],
        transaction: bool,
        record: &'a AppliedMigration,
    ) -> Self {
        Step {
            direction,
            statements,
            transaction,
            record,
            resume: false,
            first_statement: 0,
        }
    }
}

/// A database the engine can migrate. Implemented by the backend crates.
///
/// Every method is one short exchange with the database; the engine calls [`Backend::history`]
/// once per run and never asks per table or per migration for state it already has.
pub trait Backend {
    /// The dialect of this database.
    fn dialect(&self) -> Dialect;

    /// The database, for messages, with any password removed.
    fn describe(&self) -> String;

    /// Whether a `transaction: true` migration runs atomically with its history row. False on
    /// MySQL/MariaDB, where DDL commits implicitly: a failure there leaves earlier statements
    /// applied and the row `failed`.
    fn atomic_migrations(&self) -> bool {
        true
    }

    /// Takes the migration lock, waiting at most `timeout`. Held until [`Backend::unlock`].
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError>;

    /// Releases the migration lock. Safe to call when not held.
    fn unlock(&mut self) -> Result<(), BackendError>;

    /// Creates the history table if it is absent.
    fn ensure_history(&mut self) -> Result<(), BackendError>;

    /// Every history row, ordered by rank; empty when the table does not exist.
    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError>;

    /// Runs `step` and records it (insert for up, delete for down); returns the SQL's run time
    /// in milliseconds. On failure returns [`BackendError::Statement`] with the failing index,
    /// after rolling back when `step.transaction` is set.
    fn execute(&mut self, step: &Step<'_>) -> Result<u64, BackendError>;

    /// Deletes the history row of `id` (for `repair` of a failed migration).
    fn forget(&mut self, id: &str) -> Result<(), BackendError>;

    /// Runs one query and returns its rows, every value as text (NULL as `None`): for reading
    /// tables the engine does not own, such as another tool's history table, or small
    /// catalog and maintenance queries.
    fn query(&mut self, sql: &str) -> Result<Rows, BackendError>;

    /// The live schema (every table but the history table), read with a fixed number of
    /// catalog queries whatever the number of tables.
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        Err(BackendError::Other(format!(
            "{} cannot introspect its schema",
            self.describe()
        )))
    }

    /// An empty throwaway database of the same dialect to replay migrations into (SQLite: in
    /// memory; servers: a temporary database on the same server), removed when the returned
    /// backend is dropped.
    fn scratch(&mut self) -> Result<Box<dyn Backend>, BackendError> {
        Err(BackendError::Other(format!(
            "{} cannot create a scratch database; pass --scratch-url",
            self.describe()
        )))
    }
}

/// Opens a backend for a URL it registered for.
pub type Connector = fn(&str) -> Result<Box<dyn Backend>, BackendError>;

/// Backends by URL scheme.
#[derive(Default, Clone)]
pub struct Registry {
    entries: Vec<(String, Dialect, Connector)>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `connector`, which opens databases of `dialect`, for each of `schemes`
    /// (without the colon).
    pub fn register(&mut self, schemes: &[&str], dialect: Dialect, connector: Connector) {
        for s in schemes {
            self.entries
                .push((s.to_ascii_lowercase(), dialect, connector));
        }
    }

    /// Schemes this registry can open.
    pub fn schemes(&self) -> Vec<String> {
        self.entries.iter().map(|(s, _, _)| s.clone()).collect()
    }

    /// The dialect of `url`, known from its scheme without connecting, so migration files can
    /// be loaded and checked before (or without) reaching the database.
    pub fn dialect(&self, url: &str) -> Result<Dialect, Error> {
        self.entry(url).map(|(d, _)| d)
    }

    /// Opens `url` with the backend registered for its scheme.
    pub fn connect(&self, url: &str) -> Result<Box<dyn Backend>, Error> {
        let (_, connector) = self.entry(url)?;
        Ok(connector(url)?)
    }

    fn entry(&self, url: &str) -> Result<(Dialect, Connector), Error> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        self.entries
            .iter()
            .find(|(s, _, _)| *s == scheme)
            .map(|(_, d, c)| (*d, *c))
            .ok_or_else(|| Error::UnsupportedUrl {
                scheme,
                known: self.schemes(),
            })
    }
}

/// How long to wait for the lock when a caller does not say.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
