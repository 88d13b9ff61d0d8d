//! MySQL and MariaDB backend for Cairn, on the `mysql` driver with rustls (no C libraries).
//!
//! URLs: `mysql://user:password@host:port/database?options` (or `mariadb://`); see
//! [`parse_url`] for the options. The password is percent-decoded and appears in no message.
//!
//! ## TLS
//!
//! `ssl-mode` takes MySQL's names. `DISABLED`: plain. `PREFERRED` (the default): TLS without
//! verification, or plain only when the server has no TLS at all (the driver cannot negotiate
//! this itself, so it is a second connection attempt; a failed handshake is not retried in
//! plain text). `REQUIRED`: TLS, certificate not checked. `VERIFY_CA`: chain checked against
//! `ssl-ca` (or public roots), host name not. `VERIFY_IDENTITY`: chain and host name checked.
//! Giving `ssl-ca` without a mode means `VERIFY_CA`. Unix socket connections (`socket=`) are
//! local and never encrypted.
//!
//! ## No atomic migrations
//!
//! MySQL and MariaDB commit DDL implicitly, so a migration cannot be rolled back as a whole,
//! and `transaction: true` cannot be honoured: a `START TRANSACTION` around the statements would
//! make pure-DML scripts atomic but leave it unknowable, after a failure, which statements took
//! effect. Every migration therefore runs statement by statement, each committing on its own,
//! with its history row as the record of progress: written `running` first, then `applied`
//! (or deleted, for a revert), or `failed` with the 1-based failing statement and the server's
//! message. A runner that dies mid-way leaves `running`; either way the next run refuses to
//! start until `repair`, so a half-applied migration is never mistaken for a finished one.
//!
//! The migration lock is `GET_LOCK` on the backend's session, held for the whole run.
//!
//! ```no_run
//! let mut registry = cairn::Registry::new();
//! cairn_mysql::register(&mut registry);
//! let db = registry.connect("mysql://app:secret@127.0.0.1:3306/shop?ssl-mode=REQUIRED")?;
//! # Ok::<(), cairn::Error>(())
//! ```

mod backup;
mod connect;
mod errors;
mod exec;
mod history;
mod introspect;
mod lock;
mod maintenance;
mod query;
mod tls;
mod url;

use std::fmt;
use std::time::{Duration, Instant};

use cairn::schema::Schema;
use cairn::{
    AppliedMigration, Backend, BackendError, ConnectOptions, Dialect, Registry, Step, scrub,
};
use mysql::Conn;
use mysql::prelude::Queryable;

use connect::{init_session, open_conn};

pub use lock::name as lock_name;
pub use url::{DEFAULT_PORT, MysqlUrl, SslMode, parse as parse_url};

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["mysql", "mariadb"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Mysql, connect);
}

/// Opens `url` as a boxed [`Backend`].
pub fn connect(url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>, BackendError> {
    Ok(Box::new(Mysql::open_with(url, options)?))
}

/// A session on one MySQL or MariaDB database. Its `Debug` output hides the password.
pub struct Mysql {
    conn: Conn,
    url: MysqlUrl,
    lock_name: String,
    options: ConnectOptions,
    locked: bool,
    /// Catalog queries run by [`Backend::introspect`] on this session so far.
    introspection_queries: usize,
    /// Which query gives table sizes here, once a health or optimize call has found out.
    size_source: maintenance::SizeSource,
}

impl fmt::Debug for Mysql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mysql")
            .field("url", &self.url.describe())
            .field("locked", &self.locked)
            .finish_non_exhaustive()
    }
}

impl Mysql {
    /// Connects to the database `url` names, with default options.
    pub fn open(url: &str) -> Result<Mysql, BackendError> {
        Mysql::open_with(url, &ConnectOptions::default())
    }

    /// Connects to the database `url` names and runs `options.init_sql` on the session.
    pub fn open_with(url: &str, options: &ConnectOptions) -> Result<Mysql, BackendError> {
        options.validate()?;
        let url = url::parse(url)?;
        let mut conn = open_conn(&url)?;
        init_session(&mut conn, options)?;
        Ok(Mysql {
            conn,
            lock_name: lock::name(&url.database, &options.history_table),
            options: options.clone(),
            url,
            locked: false,
            introspection_queries: 0,
            size_source: maintenance::SizeSource::default(),
        })
    }

    /// The underlying session, for callers that need to query the database directly.
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The parsed URL.
    pub fn url(&self) -> &MysqlUrl {
        &self.url
    }

    /// How many catalog queries [`Backend::introspect`] has run on this session: six per
    /// call, whatever the number of tables.
    pub fn introspection_queries(&self) -> usize {
        self.introspection_queries
    }

    /// A driver error after connecting, as a [`BackendError`].
    fn db_error(&self, e: &mysql::Error) -> BackendError {
        let cause = errors::cause(e);
        if errors::is_lost(e) {
            self.connection_error(format!(
                "lost connection to MySQL at {}: {cause}",
                self.url.address()
            ))
        } else {
            BackendError::Other(cause)
        }
    }

    fn connection_error(&self, message: String) -> BackendError {
        BackendError::Connection(scrub(&message, self.url.password.as_deref().unwrap_or("")))
    }
}

impl Backend for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn history_table(&self) -> &str {
        &self.options.history_table
    }

    fn describe(&self) -> String {
        self.url.describe()
    }

    fn atomic_migrations(&self) -> bool {
        // DDL commits implicitly; every statement runs on its own (see the crate docs).
        false
    }

    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        if self.locked {
            return Ok(());
        }
        let start = Instant::now();
        if lock::acquire(&mut self.conn, &self.lock_name, timeout).map_err(|e| self.db_error(&e))? {
            self.locked = true;
            return Ok(());
        }
        // The timeout is the error; not knowing the holder only makes it less precise.
        let holder = lock::holder(&mut self.conn, &self.lock_name).ok().flatten();
        Err(BackendError::LockTimeout {
            waited: start.elapsed(),
            holder,
        })
    }

    fn unlock(&mut self) -> Result<(), BackendError> {
        if !std::mem::take(&mut self.locked) {
            return Ok(());
        }
        let released =
            lock::release(&mut self.conn, &self.lock_name).map_err(|e| self.db_error(&e))?;
        if released {
            Ok(())
        } else {
            Err(BackendError::Other(format!(
                "the migration lock `{}` was no longer held by this session when the run ended (did a migration call RELEASE_LOCK?); another runner may have run at the same time",
                self.lock_name
            )))
        }
    }

    fn ensure_history(&mut self) -> Result<(), BackendError> {
        let missing = history::ensure(&mut self.conn, &self.options.history_table)
            .map_err(|e| self.db_error(&e))?;
        if missing.is_empty() {
            Ok(())
        } else {
            Err(BackendError::Other(format!(
                "table {}.{} exists but lacks the columns {}: it was not created by this version of Cairn; rename it or add the columns",
                self.url.database,
                self.options.history_table,
                missing.join(", ")
            )))
        }
    }

    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        history::read(&mut self.conn, &self.options.history_table).map_err(|e| self.db_error(&e))
    }

    fn execute(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        self.run_step(step)
    }

    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        history::delete(&mut self.conn, &self.options.history_table, id)
            .map_err(|e| self.db_error(&e))
    }

    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        history::insert_applied(&mut self.conn, &self.options.history_table, rows)
            .map_err(|e| self.db_error(&e))
    }

    fn query(&mut self, sql: &str) -> Result<cairn::Rows, BackendError> {
        query::rows(&mut self.conn, sql).map_err(|e| self.db_error(&e))
    }

    fn backup(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::backup(&self.url, path)
    }

    fn restore(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::restore(&self.url, path)
    }

    fn scratch(&mut self) -> Result<Box<dyn Backend>, BackendError> {
        let name = cairn::scratch_name();
        self.conn
            .query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            .map_err(|e| self.db_error(&e))?;
        let mut url = self.url.clone();
        url.database.clone_from(&name);
        let admin = self.url.clone();
        let drop_it = move || {
            // Best effort: what could be left behind is an empty cairn_scratch_* database.
            if let Ok(mut c) = open_conn(&admin) {
                let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {name}"));
            }
        };
        match open_conn(&url).and_then(|mut conn| {
            init_session(&mut conn, &self.options)?;
            Ok(conn)
        }) {
            Ok(conn) => {
                let db = Mysql {
                    conn,
                    lock_name: lock_name(&url.database, &self.options.history_table),
                    options: self.options.clone(),
                    url,
                    locked: false,
                    introspection_queries: 0,
                    size_source: maintenance::SizeSource::default(),
                };
                Ok(Box::new(cairn::Scratch::new(
                    Box::new(db),
                    Box::new(drop_it),
                )))
            }
            Err(e) => {
                drop_it();
                Err(e)
            }
        }
    }

    fn introspect(&mut self) -> Result<Schema, BackendError> {
        let mut schema = introspect::read(&mut self.conn, &mut self.introspection_queries)
            .map_err(|e| self.db_error(&e))?;
        schema
            .tables
            .retain(|t| t.name != self.options.history_table);
        Ok(schema)
    }

    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check(self)
    }

    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check_of(self, tables)
    }

    fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<cairn::ops::ForeignKeyViolation>, BackendError> {
        maintenance::foreign_key_violations(self)
    }

    fn table_sizes(&mut self) -> Result<cairn::ops::StorageSizes, BackendError> {
        maintenance::table_sizes(self)
    }

    fn optimize(&mut self, vacuum: bool) -> Result<Vec<cairn::ops::TableAction>, BackendError> {
        maintenance::optimize(self, vacuum)
    }
}
