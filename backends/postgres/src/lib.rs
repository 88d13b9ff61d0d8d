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
mod exec;
mod history;
mod introspect;
mod lock;
mod maintenance;
mod query;
mod tls;
mod url;

use std::time::Duration;

use cairn::schema::Schema;
use cairn::{AppliedMigration, Backend, BackendError, ConnectOptions, Dialect, Registry, Step};
use postgres::{Client, NoTls};

use url::Target;

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["postgres", "postgresql"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Postgres, connect);
}

/// Opens `url` as a boxed [`Backend`].
pub fn connect(url: &str, options: &ConnectOptions) -> Result<Box<dyn Backend>, BackendError> {
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
    /// Set once `ensure_history` has made or checked the table, to spare `history` a query.
    history_ready: bool,
    /// Catalog queries run by [`Backend::introspect`] on this connection so far.
    introspection_queries: usize,
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
            history_ready: false,
            introspection_queries: 0,
        })
    }

    /// The underlying client, for callers that need to query the database directly.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// How many catalog queries [`Backend::introspect`] has run on this connection: three per
    /// call, whatever the number of tables.
    pub fn introspection_queries(&self) -> usize {
        self.introspection_queries
    }
}

impl Backend for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn history_table(&self) -> &str {
        &self.options.history_table
    }

    fn describe(&self) -> String {
        self.description.clone()
    }

    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
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
                    .query_one("SELECT current_database()::text", &[])
                    .map_err(fail)?;
                lock::key(row.try_get(0).map_err(fail)?, &self.options.history_table)
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
        match self.lock_key {
            Some(key) if self.locked => {
                self.locked = false;
                lock::release(&mut self.client, key).map_err(|e| errors::other(&self.target, &e))
            }
            _ => Ok(()),
        }
    }

    fn ensure_history(&mut self) -> Result<(), BackendError> {
        let missing = history::ensure(&mut self.client, &self.options.history_table)
            .map_err(|e| errors::other(&self.target, &e))?;
        if !missing.is_empty() {
            return Err(history::incompatible(&missing, &self.options.history_table));
        }
        self.history_ready = true;
        Ok(())
    }

    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        let target = &self.target;
        let fail = |e: postgres::Error| errors::other(target, &e);
        if !self.history_ready
            && !history::exists(&mut self.client, &self.options.history_table).map_err(fail)?
        {
            return Ok(Vec::new());
        }
        history::read(&mut self.client, &self.options.history_table).map_err(fail)
    }

    fn execute(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        if step.transaction {
            self.execute_in_transaction(step)
        } else {
            self.execute_outside_transaction(step)
        }
    }

    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        history::delete(&mut self.client, &self.options.history_table, id)
            .map_err(|e| errors::other(&self.target, &e))
    }

    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        let target = &self.target;
        let fail = |e: postgres::Error| errors::other(target, &e);
        let mut tx = self.client.transaction().map_err(fail)?;
        history::insert_applied(&mut tx, &self.options.history_table, rows).map_err(fail)?;
        tx.commit().map_err(fail)
    }

    fn query(&mut self, sql: &str) -> Result<cairn::Rows, BackendError> {
        query::rows(&mut self.client, sql).map_err(|e| errors::other(&self.target, &e))
    }

    fn backup(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::backup(&self.target, path)
    }

    fn restore(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::restore(&self.target, path)
    }

    fn scratch(&mut self) -> Result<Box<dyn Backend>, BackendError> {
        let name = cairn::scratch_name();
        self.client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| errors::other(&self.target, &e))?;
        let mut target = self.target.clone();
        target.dbname.clone_from(&name);
        let admin = self.target.clone();
        let drop_it = move || {
            // Best effort: what could be left behind is an empty cairn_scratch_* database.
            if let Ok(mut a) = Postgres::connect_to(admin, String::new(), ConnectOptions::default())
            {
                let _ = a
                    .client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        };
        match Postgres::connect_to(
            target,
            format!("a scratch database beside {}", self.description),
            self.options.clone(),
        ) {
            Ok(db) => Ok(Box::new(cairn::Scratch::new(
                Box::new(db),
                Box::new(drop_it),
            ))),
            Err(e) => {
                drop_it();
                Err(e)
            }
        }
    }

    fn introspect(&mut self) -> Result<Schema, BackendError> {
        let mut schema = introspect::read(&mut self.client, &mut self.introspection_queries)
            .map_err(|e| errors::other(&self.target, &e))?;
        schema
            .tables
            .retain(|t| t.name != self.options.history_table);
        Ok(schema)
    }

    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check(self)
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
