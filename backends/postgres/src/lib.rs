//! PostgreSQL backend for Cairn, on the synchronous `postgres` driver.
//!
//! URLs: `postgres://user:password@host:port/database?option=value` (or `postgresql://`), with
//! the password percent-encoded. Options: `sslmode` (`disable`, `prefer` (default), `require`,
//! `verify-ca`, `verify-full`), `sslrootcert` (PEM file of CAs; the public web roots otherwise),
//! `connect_timeout` (seconds), `application_name` (default `cairn`), `options`, and `host`,
//! `port`, `user`, `password`, `dbname` as libpq accepts them; `host=/dir` names a Unix socket
//! directory. Any other option is an error.
//!
//! TLS is rustls with the ring provider: it is pure Rust apart from ring, and the MySQL
//! backend's driver uses the same stack (`rustls-tls-ring`), so the binary carries one TLS
//! implementation. As in libpq, `prefer` and `require` encrypt without checking the
//! certificate (`require` checks the chain when `sslrootcert` is given), `verify-ca` checks the
//! chain and `verify-full` the chain and the host name.
//!
//! Each transactional migration runs with its history row in one transaction (PostgreSQL has
//! transactional DDL); others (e.g. `CREATE INDEX CONCURRENTLY`) run statement by statement,
//! their row recording progress. A run holds a session-level advisory lock, so a second runner
//! waits, then finds nothing to do.
//!
//! ```no_run
//! let mut registry = cairn::Registry::new();
//! cairn_postgres::register(&mut registry);
//! let db = registry.connect("postgres://app:secret@localhost/shop")?;
//! # Ok::<(), cairn::Error>(())
//! ```

mod backup;
mod errors;
mod introspect;
mod lock;
mod maintenance;
mod pipeline;
mod query;
mod roles;
mod tls;
mod url;
mod writable;

use std::time::Duration;

use cairn::{
    BackendError, Backup, ConnectOptions, Dialect, Driver, Introspect, Maintain, Param, Registry,
    ScratchDatabases,
};
use postgres::types::ToSql;
use postgres::{Client, NoTls};

use url::Target;

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["postgres", "postgresql"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Postgres, connect);
}

/// Opens `url` as a boxed [`Driver`].
pub fn connect(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, BackendError> {
    Ok(Box::new(Postgres::open_with(url, options)?))
}

/// A connection to one PostgreSQL database.
pub struct Postgres {
    client: Client,
    target: Target,
    description: String,
    options: ConnectOptions,
    /// The advisory lock key, once known (it depends on the database's name).
    lock_key: Option<i64>,
    locked: bool,
    /// Catalog queries run by [`Introspect::introspect`] on this connection so far.
    introspection_queries: usize,
    /// `BEGIN` was asked for and not sent yet: it goes with the next statement (see
    /// [`pipeline`]).
    begin_pending: bool,
    /// Statements run with parameters (the history writes), prepared once per connection.
    prepared: pipeline::Prepared,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("database", &self.description)
            .field("locked", &self.locked)
            .finish_non_exhaustive()
    }
}

impl Postgres {
    /// Connects to the database `url` names, with default options.
    pub fn open(url: &str) -> Result<Postgres, BackendError> {
        Postgres::open_with(url, &ConnectOptions::default())
    }

    /// Connects to the database `url` names and runs `options.init_sql` on the session.
    pub fn open_with(url: &str, options: &ConnectOptions) -> Result<Postgres, BackendError> {
        options.validate()?;
        let target = url::parse(url)?;
        Postgres::connect_to(target, cairn::redact_url(url), options.clone())
    }

    fn connect_to(
        target: Target,
        description: String,
        options: ConnectOptions,
    ) -> Result<Postgres, BackendError> {
        let config = target.config();
        let client = match tls::connector(&target)? {
            None => config.connect(NoTls),
            Some(tls) => config.connect(tls),
        }
        .map_err(|e| errors::connect(&target, &e))?;
        let mut client = client;
        for (i, sql) in options
            .init_statements(Dialect::Postgres)
            .iter()
            .enumerate()
        {
            client.batch_execute(sql).map_err(|e| {
                options.init_failed(i, sql, &errors::other(&target, &e).to_string())
            })?;
        }
        Ok(Postgres {
            options,
            client,
            description,
            target,
            lock_key: None,
            locked: false,
            introspection_queries: 0,
            begin_pending: false,
            prepared: pipeline::Prepared::default(),
        })
    }

    /// Sends a `BEGIN` asked for and not sent yet.
    fn flush_begin(&mut self) -> Result<(), BackendError> {
        if std::mem::take(&mut self.begin_pending) {
            self.client
                .batch_execute("BEGIN")
                .map_err(|e| errors::sql(&self.target, &e))?;
        }
        Ok(())
    }

    /// The underlying client, for callers that need to query the database directly.
    pub fn client(&mut self) -> &mut Client {
        // Whoever uses the client directly sees the transaction that was begun.
        let _ = self.flush_begin();
        &mut self.client
    }

    /// How many catalog queries [`Introspect::introspect`] has run on this connection: three per
    /// call, whatever the number of tables.
    pub fn introspection_queries(&self) -> usize {
        self.introspection_queries
    }
}

impl Driver for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn history_table(&self) -> &str {
        &self.options.history_table
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn check_writable(&mut self) -> Result<(), BackendError> {
        self.flush_begin()?;
        let answer =
            writable::check(&mut self.client).map_err(|e| errors::other(&self.target, &e))?;
        // The lock that follows needs the database's name: asked here, not again there.
        self.lock_key = Some(lock::key(&answer.scope, &self.options.history_table));
        match answer.read_only {
            None => Ok(()),
            Some(reason) => Err(BackendError::ReadOnly {
                database: self.description.clone(),
                reason,
            }),
        }
    }

    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.flush_begin()?;
        // Session advisory locks nest: taking it twice would need two unlocks.
        if self.locked {
            return Ok(());
        }
        let target = &self.target;
        let fail = |e: postgres::Error| errors::other(target, &e);
        let key = match self.lock_key {
            Some(k) => k,
            None => {
                let row = self
                    .client
                    .query_one(
                        "SELECT current_database()::text, current_schema()::text",
                        &[],
                    )
                    .map_err(fail)?;
                let database: String = row.try_get(0).map_err(fail)?;
                let schema: Option<String> = row.try_get(1).map_err(fail)?;
                lock::key(
                    &lock::scope(database, schema.as_deref()),
                    &self.options.history_table,
                )
            }
        };
        self.lock_key = Some(key);
        match lock::acquire(&mut self.client, key, timeout).map_err(fail)? {
            lock::Outcome::Acquired => {
                self.locked = true;
                Ok(())
            }
            lock::Outcome::TimedOut { waited, holder } => {
                Err(BackendError::LockTimeout { waited, holder })
            }
        }
    }

    fn unlock(&mut self) -> Result<(), BackendError> {
        self.flush_begin()?;
        match self.lock_key {
            Some(key) if self.locked => {
                self.locked = false;
                lock::release(&mut self.client, key).map_err(|e| errors::other(&self.target, &e))
            }
            _ => Ok(()),
        }
    }

    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        // The simple query protocol, so any statement works (no parameters, several result
        // sets allowed); a pending `BEGIN` travels in the same message.
        if std::mem::take(&mut self.begin_pending) {
            return self
                .client
                .batch_execute(&pipeline::with_begin(sql))
                .map_err(|e| pipeline::unshift(errors::sql(&self.target, &e)));
        }
        self.client
            .batch_execute(sql)
            .map_err(|e| errors::sql(&self.target, &e))
    }

    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        self.flush_begin()?;
        let bound: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                Param::Text(t) => t as &(dyn ToSql + Sync),
                Param::Int(n) => n as &(dyn ToSql + Sync),
            })
            .collect();
        let statement = self
            .prepared
            .get(&mut self.client, sql)
            .map_err(|e| errors::sql(&self.target, &e))?;
        self.client
            .execute(&statement, &bound)
            .map(|_| ())
            .map_err(|e| {
                // A statement that failed is prepared afresh next time (the table may have
                // been dropped and made again).
                self.prepared.forget(sql);
                errors::sql(&self.target, &e)
            })
    }

    fn query(&mut self, sql: &str) -> Result<cairn::Rows, BackendError> {
        self.flush_begin()?;
        query::rows(&mut self.client, sql).map_err(|e| errors::sql(&self.target, &e))
    }

    fn begin(&mut self) -> Result<(), BackendError> {
        self.flush_begin()?;
        self.begin_pending = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), BackendError> {
        // A transaction in which nothing ran has nothing to commit.
        if std::mem::take(&mut self.begin_pending) {
            return Ok(());
        }
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), BackendError> {
        if std::mem::take(&mut self.begin_pending) {
            return Ok(());
        }
        self.execute("ROLLBACK")
    }

    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        // A failed BEGIN shows again as the first query's error.
        let _ = self.flush_begin();
        Some(self)
    }

    fn maintenance(&mut self) -> Option<&mut dyn Maintain> {
        // A failed BEGIN shows again as the first query's error.
        let _ = self.flush_begin();
        Some(self)
    }

    fn backups(&mut self) -> Option<&mut dyn Backup> {
        // A failed BEGIN shows again as the first query's error.
        let _ = self.flush_begin();
        Some(self)
    }

    fn scratch_databases(&mut self) -> Option<&mut dyn ScratchDatabases> {
        // A failed BEGIN shows again as the first query's error.
        let _ = self.flush_begin();
        Some(self)
    }
}
