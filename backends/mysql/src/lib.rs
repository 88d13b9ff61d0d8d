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
//! message. A runner that dies mid-way leaves `running` with how far it got, which the next
//! `up` finishes (docs/commands.md, "When a deploy is killed"); a `failed` row waits for
//! `up --resume` or `repair`, so a half-applied migration is never mistaken for a finished one.
//!
//! A migration's first run of plain statements goes as one multi-statement query
//! ([`cairn::Driver::execute_all`]): the `running` row, each statement followed by its record,
//! and the `applied` record, whose `execution_ms` the server measures. The server stops at the
//! first error, and the count of results says which part failed.
//!
//! The migration lock is `GET_LOCK` on the backend's session, held for the whole run. On a
//! Galera node, where `GET_LOCK` is local to the node, it is a row in `<history>_lock`
//! instead, certified cluster-wide and kept alive by a lease (`lock-lease` in the URL; see
//! `cluster_lock`).
//!
//! ```no_run
//! let mut registry = cairn::Registry::new();
//! cairn_mysql::register(&mut registry);
//! let db = registry.connect("mysql://app:secret@127.0.0.1:3306/shop?ssl-mode=REQUIRED")?;
//! # Ok::<(), cairn::Error>(())
//! ```

mod backup;
mod cluster_lock;
mod connect;
mod errors;
mod heartbeat;
mod introspect;
mod lock;
mod maintenance;
mod query;
mod roles;
mod tls;
mod together;
mod url;

use std::fmt;
use std::time::{Duration, Instant};

use cairn::{
    BackendError, Backup, ConnectOptions, Dialect, Driver, Introspect, Maintain, Param, Registry,
    ScratchDatabases, scrub,
};
use mysql::Conn;
use mysql::prelude::Queryable;

use connect::{init_session, open_conn};
use heartbeat::ClusterLock;

pub use lock::name as lock_name;
pub use url::{DEFAULT_LOCK_LEASE, DEFAULT_PORT, MysqlUrl, SslMode, parse as parse_url};

/// The largest query [`Driver::execute_all`] sends at once (bytes): under the smallest
/// `max_allowed_packet` a server is likely to have (4 MiB on MySQL 5.7).
const ONE_QUERY_MAX: usize = 1 << 20;

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["mysql", "mariadb"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Mysql, connect);
}

/// Opens `url` as a boxed [`Driver`].
pub fn connect(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, BackendError> {
    Ok(Box::new(Mysql::open_with(url, options)?))
}

/// A session on one MySQL or MariaDB database. Its `Debug` output hides the password.
pub struct Mysql {
    conn: Conn,
    url: MysqlUrl,
    lock_name: String,
    options: ConnectOptions,
    locked: bool,
    /// Whether the server is a Galera node, once the lock has asked.
    galera: Option<bool>,
    /// The cluster-wide lock while held (Galera), instead of `GET_LOCK`.
    cluster_lock: Option<ClusterLock>,
    /// Catalog queries run by [`Introspect::introspect`] on this session so far.
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
            galera: None,
            cluster_lock: None,
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

    /// Whether the server is a Galera node (`wsrep_on` and a cluster), where the migration
    /// lock is a row in `<history>_lock` rather than `GET_LOCK`. Asked once per session.
    pub fn is_galera(&mut self) -> Result<bool, BackendError> {
        if let Some(galera) = self.galera {
            return Ok(galera);
        }
        let galera = lock::is_galera(&mut self.conn).map_err(|e| self.db_error(&e))?;
        self.galera = Some(galera);
        Ok(galera)
    }

    /// The run id of the cluster lock while this session holds it (Galera only).
    pub fn cluster_lock_run_id(&self) -> Option<&str> {
        self.cluster_lock.as_ref().map(|l| l.row.me.run_id.as_str())
    }

    /// While this session holds the cluster lock: the previous holder it took the row over
    /// from, described (run id, pid, host, node, lease), when that holder's lease had run out.
    pub fn cluster_lock_took_over(&self) -> Option<String> {
        self.cluster_lock
            .as_ref()
            .and_then(|l| l.took_over.as_ref())
            .map(ToString::to_string)
    }

    /// Takes the cluster-wide lock row on a connection of its own, which then renews the
    /// lease; this session then reads causally (`wsrep_sync_wait`), so that behind a load
    /// balancer that sends it to another node than the lock's, its history read still sees
    /// everything the previous holder committed.
    fn lock_cluster(&mut self, timeout: Duration) -> Result<(), BackendError> {
        let mut conn = open_conn(&self.url)?;
        init_session(&mut conn, &self.options)?;
        let row = heartbeat::Row {
            name: self.lock_name.clone(),
            sql: cluster_lock::LockSql::new(&self.options.history_table),
            me: heartbeat::Identity::new(),
            lease: self.url.lock_lease,
        };
        let acquired =
            cluster_lock::acquire(&mut conn, &row.sql, &row.name, &row.me, row.lease, timeout)
                .map_err(|e| self.db_error(&e))?;
        let took_over = match acquired {
            cluster_lock::Acquired::Held { took_over } => took_over,
            cluster_lock::Acquired::TimedOut { waited, holder } => {
                return Err(BackendError::LockTimeout {
                    waited,
                    holder: holder
                        .map(|h| format!("{h}; lock row `{}` in {}", row.name, row.sql.name)),
                });
            }
        };
        let lock = ClusterLock::start(conn, &self.url, &self.options, row, took_over)?;
        self.cluster_lock = Some(lock);
        self.locked = true;
        self.conn
            .query_drop("SET SESSION wsrep_sync_wait = @@session.wsrep_sync_wait | 1")
            .map_err(|e| self.db_error(&e))
    }

    /// Fails when the cluster lock was lost while held: nothing more may run.
    fn check_lock(&self) -> Result<(), BackendError> {
        self.cluster_lock
            .as_ref()
            .map_or(Ok(()), ClusterLock::check)
    }

    /// How many catalog queries [`Introspect::introspect`] has run on this session: six per
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

    /// A refused statement ([`BackendError::Sql`] with the server's error number), or a lost
    /// connection.
    fn sql_error(&self, e: &mysql::Error) -> BackendError {
        if errors::is_lost(e) {
            return self.db_error(e);
        }
        BackendError::Sql {
            message: errors::cause(e),
            position: None,
            code: errors::code(e),
        }
    }

    fn connection_error(&self, message: String) -> BackendError {
        BackendError::Connection(scrub(&message, self.url.password.as_deref().unwrap_or("")))
    }
}

impl Driver for Mysql {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn history_table(&self) -> &str {
        &self.options.history_table
    }

    fn describe(&self) -> String {
        self.url.describe()
    }

    fn atomic_ddl(&self) -> bool {
        // DDL commits implicitly; every statement runs on its own (see the crate docs).
        false
    }

    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        if self.locked {
            return Ok(());
        }
        if self.galera.is_none() {
            let (galera, locked) = lock::probe(&mut self.conn, Some(&self.lock_name))
                .map_err(|e| self.db_error(&e))?;
            self.galera = Some(galera);
            if locked {
                self.locked = true;
                return Ok(());
            }
        }
        if self.is_galera()? {
            return self.lock_cluster(timeout);
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
        if let Some(lock) = self.cluster_lock.take() {
            return lock.release(&self.url, &self.options);
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

    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        self.check_lock()?;
        self.conn.query_drop(sql).map_err(|e| self.sql_error(&e))
    }

    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        self.check_lock()?;
        let values: Vec<mysql::Value> = params
            .iter()
            .map(|p| match p {
                Param::Text(t) => t.map_or(mysql::Value::NULL, mysql::Value::from),
                Param::Int(n) => n.map_or(mysql::Value::NULL, mysql::Value::from),
            })
            .collect();
        self.conn
            .exec_drop(sql, mysql::Params::Positional(values))
            .map_err(|e| self.sql_error(&e))
    }

    fn execute_all(&mut self, parts: &[(&str, &[Param<'_>])]) -> Result<(), (usize, BackendError)> {
        let inlined: Option<Vec<String>> = parts
            .iter()
            .map(|(sql, params)| match params {
                [] => Some((*sql).to_string()),
                _ => together::inlined(sql, params),
            })
            .collect();
        // Under a cluster lock, each statement checks first that the lease is still held. A
        // query past any server's `max_allowed_packet` would be refused whole, and one of
        // this size gains nothing from being sent at once.
        let inlined =
            inlined.filter(|parts| parts.iter().map(String::len).sum::<usize>() < ONE_QUERY_MAX);
        let (Some(inlined), None) = (inlined, &self.cluster_lock) else {
            return cairn::execute_each(self, parts);
        };
        self.check_lock().map_err(|e| (0, e))?;
        together::run(&mut self.conn, &inlined).map_err(|(index, e)| (index, self.sql_error(&e)))
    }

    fn query(&mut self, sql: &str) -> Result<cairn::Rows, BackendError> {
        self.check_lock()?;
        query::rows(&mut self.conn, sql).map_err(|e| self.sql_error(&e))
    }

    fn begin(&mut self) -> Result<(), BackendError> {
        self.execute("START TRANSACTION")
    }

    fn commit(&mut self) -> Result<(), BackendError> {
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), BackendError> {
        self.execute("ROLLBACK")
    }

    /// Ends any transaction the migration's SQL left open and turns autocommit back on, so
    /// the history updates that follow commit by themselves instead of joining (and dying
    /// with) an open transaction. Both are no-ops for a script that does not touch them.
    fn settle(&mut self, commit: bool) -> Result<(), BackendError> {
        let end = if commit { "COMMIT" } else { "ROLLBACK" };
        self.conn
            .query_drop(end)
            .and_then(|()| self.conn.query_drop("SET autocommit = 1"))
            .map_err(|e| self.db_error(&e))
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
