//! The interface between the engine and a database, and the registry of backends by URL scheme.

use std::path::Path;
use std::time::Duration;

use crate::Dialect;
use crate::error::{BackendError, Direction, Error};
use crate::history::{AppliedMigration, HISTORY_TABLE};
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
    /// For `up` of a changed repeatable migration: its current history row (same `id`), which
    /// `record` replaces. The backend deletes it and inserts `record` in the step's own
    /// transaction, so a failing re-run leaves it untouched; where the step cannot be atomic
    /// (MySQL, `transaction: false`), it swaps the rows before the statements and puts this
    /// row back, unchanged, when a statement fails.
    pub replaces: Option<&'a AppliedMigration>,
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
            replaces: None,
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

    /// The name of the history table this connection reads and writes.
    fn history_table(&self) -> &str {
        HISTORY_TABLE
    }

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

    /// Records `rows` as applied without running any SQL (what adoption, `stamp` and
    /// `baseline` write), in order, each with `applied_at` now and `execution_ms` 0. The
    /// default runs one [`Backend::execute`] of an empty step per row; the backends override
    /// it with one transaction for all rows and one `INSERT` per [`crate::insert_batches`] slice, so
    /// adopting a thousand migrations takes a handful of round trips, not thousands, and a
    /// failure records none of them.
    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        for row in rows {
            self.execute(&Step::new(Direction::Up, &[], true, row))?;
        }
        Ok(())
    }

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

    /// Problems the database's own integrity check finds; empty when it finds none. SQLite:
    /// `PRAGMA integrity_check`; PostgreSQL: invalid indexes (a failed `CREATE INDEX
    /// CONCURRENTLY`); MySQL: `CHECK TABLE ... QUICK` over every table in one statement.
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        Err(BackendError::Other(format!(
            "{} has no integrity check",
            self.describe()
        )))
    }

    /// [`Backend::integrity_check`] for a caller that has just listed the base tables (the
    /// names [`Backend::table_sizes`] returned), so a check that names every table (MySQL's
    /// `CHECK TABLE`) need not list them again. The default ignores `tables`.
    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        let _ = tables;
        self.integrity_check()
    }

    /// Rows whose foreign key references a missing row, per key, for the keys the database
    /// does not guarantee (SQLite: `PRAGMA foreign_key_check`, every key; PostgreSQL: keys
    /// `NOT VALID` or with their triggers disabled; MySQL: every declared key, since
    /// `foreign_key_checks = 0` lets any session insert orphans). A fixed number of queries.
    fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<crate::ops::ForeignKeyViolation>, BackendError> {
        Err(BackendError::Other(format!(
            "{} cannot check foreign keys",
            self.describe()
        )))
    }

    /// Bytes used by the database and by each base table with its indexes, from the catalog
    /// in a fixed number of queries.
    fn table_sizes(&mut self) -> Result<crate::ops::StorageSizes, BackendError> {
        Err(BackendError::Other(format!(
            "{} cannot report its size",
            self.describe()
        )))
    }

    /// Refreshes planner statistics of every table and, with `vacuum`, compacts them; returns
    /// what was done per table. See [`crate::ops::optimize()`].
    fn optimize(&mut self, vacuum: bool) -> Result<Vec<crate::ops::TableAction>, BackendError> {
        let _ = vacuum;
        Err(BackendError::Other(format!(
            "{} cannot be optimized",
            self.describe()
        )))
    }

    /// Writes a consistent copy of the whole database to `path` (a new file), while other
    /// clients may keep writing: SQLite through the online backup API, PostgreSQL through
    /// `pg_dump` (custom format), MySQL through `mariadb-dump`/`mysqldump`
    /// (`--single-transaction`). Use [`crate::ops::backup`] for a checksummed backup with a
    /// manifest.
    fn backup(&mut self, path: &Path) -> Result<(), BackendError> {
        let _ = path;
        Err(BackendError::Other(format!(
            "{} cannot be backed up",
            self.describe()
        )))
    }

    /// Replaces the database's contents with the copy at `path`, as written by
    /// [`Backend::backup`]. Use [`crate::ops::restore`], which verifies the file and takes a
    /// backup of the current contents first.
    fn restore(&mut self, path: &Path) -> Result<(), BackendError> {
        let _ = path;
        Err(BackendError::Other(format!(
            "{} cannot be restored from a backup",
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

/// Opens a backend for a URL it registered for, with the given options.
pub type Connector = fn(&str, &ConnectOptions) -> Result<Box<dyn Backend>, BackendError>;

/// What every backend honours when it opens a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// SQL run on every new connection before anything else, e.g. `SET SESSION
    /// foreign_key_checks = 0` or `SET search_path TO app, public`; split into statements by
    /// the backend's dialect. Empty for none.
    pub init_sql: String,
    /// The history table's name (a plain identifier; [`HISTORY_TABLE`] by default).
    pub history_table: String,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            init_sql: String::new(),
            history_table: HISTORY_TABLE.to_string(),
        }
    }
}

impl ConnectOptions {
    /// Checks that `history_table` is a plain identifier: lower-case letters, digits and `_`,
    /// not starting with a digit, not a reserved word, at most 63 characters. It is spliced
    /// into SQL unquoted, and only such a name means the same table on every database
    /// (PostgreSQL folds unquoted names to lower case; `order` is a syntax error everywhere).
    pub fn validate(&self) -> Result<(), BackendError> {
        let t = &self.history_table;
        if t.len() <= 63 && crate::schema::ident(t, crate::Dialect::Postgres) == *t {
            Ok(())
        } else {
            Err(BackendError::Options(format!(
                "history table name `{t}` must be a plain lower-case identifier (a-z, 0-9 and _, not starting with a digit, not a reserved word, at most 63 characters)"
            )))
        }
    }

    /// The error for `init_sql` statement `index` (0-based) failing with `message`, quoting
    /// the statement so the user finds it in `cairn.toml`.
    pub fn init_failed(&self, index: usize, sql: &str, message: &str) -> BackendError {
        BackendError::InitSql {
            index,
            sql: sql.trim().to_string(),
            message: message.to_string(),
        }
    }

    /// `init_sql` split into statements for `dialect`: what a backend runs after connecting.
    pub fn init_statements(&self, dialect: crate::Dialect) -> Vec<String> {
        if self.init_sql.trim().is_empty() {
            return Vec::new();
        }
        match crate::split(&self.init_sql, dialect) {
            Ok(statements) => statements.into_iter().map(|s| s.sql).collect(),
            Err(_) => vec![self.init_sql.clone()],
        }
    }
}

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

    /// Opens `url` with the backend registered for its scheme and default options.
    pub fn connect(&self, url: &str) -> Result<Box<dyn Backend>, Error> {
        self.connect_with(url, &ConnectOptions::default())
    }

    /// Opens `url` with the backend registered for its scheme, running `options.init_sql` on
    /// the new connection and using `options.history_table`.
    pub fn connect_with(
        &self,
        url: &str,
        options: &ConnectOptions,
    ) -> Result<Box<dyn Backend>, Error> {
        let (_, connector) = self.entry(url)?;
        options.validate()?;
        Ok(connector(url, options)?)
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
