//! SQLite backend for Cairn, on rusqlite with SQLite bundled (no system library needed).
//!
//! URLs: `sqlite:path`, `sqlite://path`, `sqlite:///absolute/path`, `sqlite::memory:`.
//! Files are opened with a busy timeout and foreign keys on, and switched to WAL mode under the
//! migration lock (a new, empty file after its first commit). Each migration and its
//! history row commit in one `BEGIN IMMEDIATE` transaction (SQLite has transactional DDL); a
//! run holds an OS lock on `<db>-cairn-lock`, so a second runner waits, then finds nothing to do.
//!
//! ```no_run
//! let mut registry = cairn::Registry::new();
//! cairn_sqlite::register(&mut registry);
//! let db = registry.connect("sqlite:app.db")?;
//! # Ok::<(), cairn::Error>(())
//! ```

mod backup;
mod introspect;
mod lock;
mod maintenance;
mod query;
mod rebuild;
mod url;

use std::time::{Duration, Instant};

use cairn::schema::Schema;
use cairn::{
    BackendError, Backup, ConnectOptions, Dialect, Driver, Introspect, Maintain, Param, Registry,
    ScratchDatabases,
};
use rusqlite::Connection;

pub use lock::lock_path;
pub use url::{Location, parse as parse_url};

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["sqlite", "sqlite3"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Sqlite, connect);
}

/// Opens `url` as a boxed [`Driver`].
pub fn connect(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, BackendError> {
    Ok(Box::new(Sqlite::open_with(url, options)?))
}

/// A connection to one SQLite database.
#[derive(Debug)]
pub struct Sqlite {
    conn: Connection,
    location: Location,
    lock: Option<lock::FileLock>,
    options: ConnectOptions,
    /// Catalog queries run by [`Introspect::introspect`] on this connection so far.
    introspection_queries: usize,
    /// A new, empty file's switch to WAL, waiting for the first commit (with the lock's
    /// timeout): see [`Driver::lock`].
    wal_after_commit: Option<Duration>,
}

impl Sqlite {
    /// Opens (creating if absent) the database `url` names, with default options.
    pub fn open(url: &str) -> Result<Sqlite, BackendError> {
        Sqlite::open_with(url, &ConnectOptions::default())
    }

    /// Opens the database `url` names (creating it if absent, unless `options.create` is off)
    /// and runs `options.init_sql` on it.
    pub fn open_with(url: &str, options: &ConnectOptions) -> Result<Sqlite, BackendError> {
        options.validate()?;
        let location = url::parse(url)?;
        if let (Location::File(path), false) = (&location, options.create)
            && !path.exists()
        {
            return Err(BackendError::NoDatabase(format!(
                "there is no SQLite database at {} (no such file): check the path; `migrate up` creates it",
                path.display()
            )));
        }
        let conn = match &location {
            Location::Memory => Connection::open_in_memory(),
            Location::File(path) => Connection::open(path),
        }
        .map_err(|e| {
            BackendError::Connection(format!(
                "cannot open SQLite database {}: {e}",
                describe(&location)
            ))
        })?;
        conn.busy_timeout(cairn::DEFAULT_LOCK_TIMEOUT)
            .map_err(other)?;
        conn.execute_batch("PRAGMA foreign_keys = ON")
            .map_err(other)?;
        for (i, sql) in options.init_statements(Dialect::Sqlite).iter().enumerate() {
            conn.execute_batch(sql)
                .map_err(|e| options.init_failed(i, sql, &e.to_string()))?;
        }
        Ok(Sqlite {
            conn,
            location,
            options: options.clone(),
            lock: None,
            introspection_queries: 0,
            wal_after_commit: None,
        })
    }

    /// Puts the database file in WAL mode (persistent), retrying while another process is
    /// busy with it, for at most `timeout`.
    fn switch_to_wal(&self, timeout: Duration) -> Result<(), BackendError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match self
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
            {
                Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
                Ok(mode) => {
                    return Err(BackendError::Other(format!(
                        "cannot switch {} to WAL mode (it is in {mode} mode)",
                        self.describe()
                    )));
                }
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && start.elapsed() < timeout =>
                {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(e) => return Err(other(e)),
            }
        }
    }

    /// Pages in the main database: 0 for a new, empty file.
    fn page_count(&self) -> Result<i64, BackendError> {
        self.conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .map_err(other)
    }

    /// The switch to WAL a new file was waiting for, if any. Best effort: the run's work is
    /// committed either way, and a file left in rollback-journal mode (another process held it
    /// open) is switched by the next run's lock.
    fn wal_now(&mut self, timeout: impl FnOnce(Duration) -> Duration) {
        if let Some(wait) = self.wal_after_commit.take()
            && self.conn.is_autocommit()
        {
            let _ = self.switch_to_wal(timeout(wait));
        }
    }

    /// The underlying connection, for callers that need to query the database directly.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// How many catalog queries [`Introspect::introspect`] has run on this connection: three per
    /// call, whatever the number of tables.
    pub fn introspection_queries(&self) -> usize {
        self.introspection_queries
    }
}

/// A new file no run committed to (its migrations failed, or there were none) still leaves
/// in WAL mode, in one attempt: the migration lock may be gone, and another runner's writes
/// must not hold up this process's exit.
impl Drop for Sqlite {
    fn drop(&mut self) {
        self.wal_now(|_| Duration::ZERO);
    }
}

impl Driver for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&self) -> String {
        describe(&self.location)
    }

    fn history_table(&self) -> &str {
        &self.options.history_table
    }

    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.conn.busy_timeout(timeout).map_err(other)?;
        if let Location::File(path) = &self.location
            && self.lock.is_none()
        {
            self.lock = Some(lock::FileLock::acquire(
                path,
                &self.options.history_table,
                timeout,
            )?);
            // Switched under the migration lock: a journal-mode change can fail with
            // SQLITE_BUSY without going through the busy handler when another process is
            // writing, which an open of a waiting runner would otherwise race into. A new,
            // empty file is switched after its first commit instead: a `--single-transaction`
            // run of a fresh database then writes each page once, into the file, where WAL
            // writes it to the log and again at the checkpoint (a fifth of the run).
            // A run that stopped to read more files and runs again on this connection (or
            // made only its history table) is still waiting.
            if self.wal_after_commit.is_some() || self.page_count()? == 0 {
                self.wal_after_commit = Some(timeout);
            } else {
                self.switch_to_wal(timeout)?;
            }
        }
        Ok(())
    }

    fn unlock(&mut self) -> Result<(), BackendError> {
        match self.lock.take() {
            Some(l) => l.release(),
            None => Ok(()),
        }
    }

    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        // A `cairn:rebuild` directive is carried out here: SQLite's ALTER TABLE cannot make
        // the edit, so the table is rebuilt inside the step's transaction.
        if let Some(directive) = cairn::Rebuild::parse(sql) {
            let failed = |message: String| BackendError::Sql {
                message,
                position: None,
                code: None,
            };
            return rebuild::run(&self.conn, &directive.map_err(failed)?).map_err(failed);
        }
        self.conn.execute_batch(sql).map_err(sql_error)
    }

    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(sql_error)?;
        stmt.execute(rusqlite::params_from_iter(params.iter().map(query::Bound)))
            .map_err(sql_error)?;
        Ok(())
    }

    fn query(&mut self, sql: &str) -> Result<cairn::Rows, BackendError> {
        query::rows(&self.conn, sql).map_err(sql_error)
    }

    fn query_each(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(Vec<Option<String>>) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        let mut stopped = None;
        let read = query::each(&self.conn, sql, &mut |row| {
            each(row).map_err(|e| {
                stopped = Some(e);
                rusqlite::Error::InvalidQuery
            })
        });
        match stopped {
            Some(e) => Err(e),
            None => read.map_err(sql_error),
        }
    }

    fn begin(&mut self) -> Result<(), BackendError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(sql_error)
    }

    fn commit(&mut self) -> Result<(), BackendError> {
        self.conn.execute_batch("COMMIT").map_err(sql_error)?;
        self.wal_now(|lock_timeout| lock_timeout);
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), BackendError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.conn.execute_batch("ROLLBACK").map_err(sql_error)
    }

    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        Some(self)
    }

    fn maintenance(&mut self) -> Option<&mut dyn Maintain> {
        Some(self)
    }

    fn backups(&mut self) -> Option<&mut dyn Backup> {
        Some(self)
    }

    fn scratch_databases(&mut self) -> Option<&mut dyn ScratchDatabases> {
        Some(self)
    }
}

impl Introspect for Sqlite {
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        let mut schema =
            introspect::read(&self.conn, &mut self.introspection_queries).map_err(other)?;
        schema
            .tables
            .retain(|t| t.name != self.options.history_table);
        Ok(schema)
    }
}

impl Maintain for Sqlite {
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check(&self.conn).map_err(other)
    }

    fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<cairn::ops::ForeignKeyViolation>, BackendError> {
        maintenance::foreign_key_violations(&self.conn).map_err(other)
    }

    fn table_sizes(&mut self) -> Result<cairn::ops::StorageSizes, BackendError> {
        maintenance::table_sizes(&self.conn).map_err(other)
    }

    fn optimize(&mut self, vacuum: bool) -> Result<Vec<cairn::ops::TableAction>, BackendError> {
        maintenance::optimize(&self.conn, vacuum).map_err(other)
    }
}

impl Backup for Sqlite {
    fn backup(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::backup(&self.conn, path)
    }

    fn restore(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::restore(&mut self.conn, path)
    }
}

impl ScratchDatabases for Sqlite {
    fn scratch(&mut self) -> Result<Box<dyn Driver>, BackendError> {
        Ok(Box::new(Sqlite::open_with(
            "sqlite::memory:",
            &self.options,
        )?))
    }
}

fn describe(location: &Location) -> String {
    match location {
        Location::Memory => "sqlite::memory:".to_string(),
        Location::File(p) => format!("sqlite:{}", p.display()),
    }
}

fn other(e: rusqlite::Error) -> BackendError {
    BackendError::Other(e.to_string())
}

/// A refused statement, with SQLite's extended result code.
fn sql_error(e: rusqlite::Error) -> BackendError {
    BackendError::Sql {
        code: e.sqlite_error().map(|f| f.extended_code.to_string()),
        message: e.to_string(),
        position: None,
    }
}
