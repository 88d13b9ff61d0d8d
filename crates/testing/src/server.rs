//! Server backends (PostgreSQL, MySQL/MariaDB): the template as a database on the server,
//! created and checked under a server-wide named lock, and each test's database made from it.

use std::time::Duration;

use cairn_core::{BackendError, Dialect, Driver, Error, HistoryStatus, UpTarget};
use cairn_load::MigrationSet;
use cairn_run::{ConnectOptions, Migrate, Options, Registry};

use crate::admin::Admin;
use crate::mysql_copy::CopyPlan;
use crate::names;

/// The comment a complete PostgreSQL template carries.
const SEALED: &str = "cairn-testing: complete";

/// How a test's database is made from the template.
pub(crate) enum CloneBy {
    /// PostgreSQL: `CREATE DATABASE ... TEMPLATE`, a file-level copy on the server.
    Template,
    /// MySQL/MariaDB: the template's tables re-created and filled from it.
    Tables(CopyPlan),
    /// MySQL/MariaDB with views, triggers, routines or events (which name their database):
    /// the migrations applied again.
    Replay(Box<MigrationSet>),
}

/// A server and the template on it.
pub(crate) struct Server {
    pub registry: Registry,
    pub options: ConnectOptions,
    pub dialect: Dialect,
    /// The URL the user gave: where new databases are created from and dropped.
    pub admin_url: String,
    pub template: String,
    pub clone: CloneBy,
    /// Creates and drops the test databases.
    pub admin: Admin,
}

impl Server {
    /// Makes sure the template for `set` exists and is complete on the server at `admin_url`
    /// (building it when not), and reads how to copy it.
    pub fn open(
        registry: &Registry,
        admin_url: &str,
        set: &MigrationSet,
        options: ConnectOptions,
    ) -> Result<Server, Error> {
        let template = names::template(names::fingerprint(set, &options.history_table));
        let mut server = Server {
            registry: registry.clone(),
            options,
            dialect: set.dialect(),
            admin_url: admin_url.to_string(),
            template,
            clone: CloneBy::Template,
            admin: Admin::start(registry, admin_url)?,
        };
        server.url(&server.template)?;
        let mut admin = server.connect_admin()?;
        if server.dialect == Dialect::Postgres {
            server.ensure_renamed(admin.as_mut(), set)?;
        } else {
            server.locked(admin.as_mut(), |server, admin| server.ensure(admin, set))?;
        }
        if server.dialect == Dialect::Mysql {
            server.clone = match CopyPlan::read(admin.as_mut(), &server.template)? {
                Some(plan) => CloneBy::Tables(plan),
                None => CloneBy::Replay(Box::new(set.clone())),
            };
        }
        Ok(server)
    }

    /// The URL of database `name` on this server.
    pub fn url(&self, name: &str) -> Result<String, Error> {
        cairn_core::with_database(&self.admin_url, name).ok_or_else(|| {
            BackendError::Url(format!(
                "a database per test needs a server URL of the form scheme://user@host/database, not `{}`",
                cairn_core::redact_url(&self.admin_url)
            ))
            .into()
        })
    }

    fn connect_admin(&self) -> Result<Box<dyn Driver>, Error> {
        self.registry
            .connect_with(&self.admin_url, &ConnectOptions::default())
    }

    /// PostgreSQL: reuses the sealed template, or builds one under a name of its own, seals it
    /// and renames it into place. No lock: PostgreSQL's advisory locks are per database, so two
    /// processes administering from different databases would not see each other's; with the
    /// rename, the first complete build wins and a later one is dropped.
    fn ensure_renamed(&self, admin: &mut dyn Driver, set: &MigrationSet) -> Result<(), Error> {
        if self.exists(admin, &self.template)? {
            if self.ready(admin, set)? {
                return Ok(());
            }
            // Unsealed under the final name: left by an older build that worked in place.
            self.drop_database(admin, &self.template)?;
        }
        let building = names::building(&self.template);
        self.create(admin, &building)?;
        let built = self
            .migrate(&building, set)
            .map(drop)
            .and_then(|()| self.seal(admin, &building))
            .and_then(|()| {
                let rename = format!(
                    "ALTER DATABASE \"{building}\" RENAME TO \"{}\"",
                    self.template
                );
                Ok(admin.execute(&rename)?)
            });
        let Err(error) = built else {
            return Ok(());
        };
        let _ = self.drop_database(admin, &building);
        // Another process renamed its build into place first: that one is used.
        if self.exists(admin, &self.template)? && self.ready(admin, set)? {
            return Ok(());
        }
        Err(error)
    }

    /// `f` under a server-wide lock named after the template, so two test processes do not
    /// build it at once (MySQL/MariaDB, whose named locks are server-wide).
    fn locked<T>(
        &self,
        admin: &mut dyn Driver,
        f: impl FnOnce(&Server, &mut dyn Driver) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let key = lock_key(&self.template);
        let (lock, unlock) = match self.dialect {
            Dialect::Postgres => (
                format!("SELECT pg_advisory_lock({key})"),
                format!("SELECT pg_advisory_unlock({key})"),
            ),
            _ => (
                format!("SELECT GET_LOCK('{}', 600)", self.template),
                format!("SELECT RELEASE_LOCK('{}')", self.template),
            ),
        };
        let got = admin.query(&lock)?;
        if self.dialect == Dialect::Mysql && first(&got).as_deref() != Some("1") {
            return Err(BackendError::Other(format!(
                "timed out waiting for the lock on template {}",
                self.template
            ))
            .into());
        }
        let result = f(self, admin);
        admin.query(&unlock)?;
        result
    }

    /// MySQL/MariaDB: reuses a complete template (same fingerprint, every migration applied), or
    /// builds it in place under the lock.
    fn ensure(&self, admin: &mut dyn Driver, set: &MigrationSet) -> Result<(), Error> {
        if self.exists(admin, &self.template)? {
            if self.ready(admin, set)? {
                return Ok(());
            }
            self.drop_database(admin, &self.template)?;
        }
        self.create(admin, &self.template)?;
        let built = self.migrate(&self.template, set).map(drop);
        if built.is_err() {
            let _ = self.drop_database(admin, &self.template);
        }
        built
    }

    /// Whether the existing template is complete. On PostgreSQL it carries [`SEALED`] once
    /// built (a template accepts no connections, so its history is not read); elsewhere every
    /// migration of `set` is in its history.
    fn ready(&self, admin: &mut dyn Driver, set: &MigrationSet) -> Result<bool, Error> {
        if self.dialect == Dialect::Postgres {
            let sql = format!(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{}'",
                self.template
            );
            return Ok(first(&admin.query(&sql)?).as_deref() == Some(SEALED));
        }
        self.complete(set)
    }

    /// PostgreSQL: marks the built template complete and closes it to connections. A
    /// database that accepts connections is visited by autovacuum after the migrations'
    /// writes, and `CREATE DATABASE ... TEMPLATE` fails while anything is connected to its
    /// source; one that does not is left alone (as `template0` is).
    fn seal(&self, admin: &mut dyn Driver, name: &str) -> Result<(), Error> {
        admin.execute(&format!("COMMENT ON DATABASE \"{name}\" IS '{SEALED}'"))?;
        admin.execute(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"
        ))?;
        Ok(())
    }

    fn exists(&self, admin: &mut dyn Driver, name: &str) -> Result<bool, Error> {
        Ok(!admin.query(&self.exists_sql(name))?.is_empty())
    }

    fn exists_sql(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
            _ => format!("SELECT 1 FROM information_schema.schemata WHERE schema_name = '{name}'"),
        }
    }

    /// Whether the template's history shows every migration of `set` applied.
    fn complete(&self, set: &MigrationSet) -> Result<bool, Error> {
        let mut db = self
            .registry
            .connect_with(&self.url(&self.template)?, &self.options)?;
        Ok(complete(db.as_mut(), set))
    }

    /// Applies `set` to database `name`; returns the open connection.
    pub fn migrate(&self, name: &str, set: &MigrationSet) -> Result<Box<dyn Driver>, Error> {
        let mut db = self
            .registry
            .connect_with(&self.url(name)?, &self.options)?;
        cairn_run::up(
            db.as_mut(),
            set,
            &UpTarget::All,
            &Options::default(),
            &mut |_| {},
        )?;
        Ok(db)
    }

    /// Creates an empty database `name`.
    pub fn create(&self, admin: &mut dyn Driver, name: &str) -> Result<(), Error> {
        Ok(admin.execute(&self.create_sql(name))?)
    }

    /// Creates an empty database `name` through the admin thread.
    pub fn create_now(&self, name: &str) -> Result<(), Error> {
        let sql = self.create_sql(name);
        self.admin.run(move |admin| Ok(admin.execute(&sql)?))
    }

    fn create_sql(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CREATE DATABASE \"{name}\""),
            _ => match &self.clone {
                CloneBy::Tables(plan) => plan.create_database(name),
                _ => format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            },
        }
    }

    /// PostgreSQL: database `name` as a copy of the template. The server refuses while
    /// another session is connected to the template (a process checking it): retried for a
    /// few seconds.
    pub fn create_from_template(&self, name: &str) -> Result<(), Error> {
        let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{}\"", self.template);
        self.admin.run(move |admin| {
            let mut attempt = 0;
            loop {
                match admin.execute(&sql) {
                    Ok(()) => return Ok(()),
                    Err(e) if attempt < 300 && e.to_string().contains("being accessed") => {
                        attempt += 1;
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        })
    }

    /// Drops database `name`, closing what is still connected to it (PostgreSQL).
    pub fn drop_database(&self, admin: &mut dyn Driver, name: &str) -> Result<(), Error> {
        Ok(admin.execute(&self.drop_sql(name))?)
    }

    /// Drops database `name` through the admin thread.
    pub fn drop_now(&self, name: &str) -> Result<(), Error> {
        let sql = self.drop_sql(name);
        self.admin.run(move |admin| Ok(admin.execute(&sql)?))
    }

    fn drop_sql(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS `{name}`"),
        }
    }

    /// Whether database `name` exists on the server.
    pub fn database_exists(&self, name: &str) -> Result<bool, Error> {
        let sql = self.exists_sql(name);
        self.admin
            .run(move |admin| Ok(!admin.query(&sql)?.is_empty()))
    }
}

/// Whether `db`'s history shows every migration of `set` applied, with its checksum (a
/// template whose build stopped part-way does not).
pub(crate) fn complete(db: &mut dyn Driver, set: &MigrationSet) -> bool {
    let Ok(history) = db.history() else {
        return false;
    };
    set.iter().all(|m| {
        history.iter().any(|h| {
            h.id == m.id && h.status == HistoryStatus::Applied && h.checksum == m.checksum.to_hex()
        })
    })
}

/// The first cell of the first row.
pub(crate) fn first(rows: &cairn_core::Rows) -> Option<String> {
    rows.first()?.first()?.clone()
}

/// A PostgreSQL advisory-lock key for `name` (FNV-1a, as a signed 64-bit integer).
fn lock_key(name: &str) -> i64 {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    i64::from_ne_bytes(hash.to_ne_bytes())
}
