//! # A database per test
//!
//! [`TestDatabases`] migrates a [`MigrationSet`] once into a template database, then gives
//! each test a [`TestDatabase`]: a fresh copy of the template (tables, indexes, rows the
//! migrations insert, Cairn's history), open and ready, dropped when the value is dropped —
//! at the end of the test, and also when the test panics.
//!
//! How a copy is made, per backend:
//!
//! - **SQLite**: the template is a file in the system's temporary directory, and each test's
//!   database is a copy of that file (whatever path the `sqlite:` URL names).
//! - **PostgreSQL**: `CREATE DATABASE ... TEMPLATE`, a file-level copy on the server.
//! - **MySQL/MariaDB**: the template's tables re-created from `SHOW CREATE TABLE` and filled with
//!   `INSERT ... SELECT` from it; when the template has views, triggers, routines or events,
//!   the migrations are applied again instead.
//!
//! On a server, the URL names the database to connect to for `CREATE DATABASE` and `DROP
//! DATABASE` (the user needs those rights); the template is `cairn_tpl_<fingerprint>` and a
//! test's database `cairn_test_<pid>_<n>_<nanos>`. The template is named after what it holds
//! (engine version, history table, each migration's id and checksum), so test processes of
//! the same migrations share it — built once under a server-wide lock, checked to be complete
//! and reused by the next run — and a changed migration makes a new one; [`TestDatabases::drop_template`]
//! removes it.
//!
//! Through the facade, `cairn::testing` (feature `testing`); `docs/library.md` has a complete
//! test file.
//!
//! ```no_run
//! use std::sync::OnceLock;
//! use cairn_testing::TestDatabases;
//!
//! fn databases() -> &'static TestDatabases {
//!     static DBS: OnceLock<TestDatabases> = OnceLock::new();
//!     DBS.get_or_init(|| {
//!         let mut registry = cairn_run::Registry::new();
//!         // cairn_sqlite::register(&mut registry); // and/or cairn_postgres, cairn_mysql
//!         let url = std::env::var("TEST_DATABASE_URL").unwrap_or("sqlite::memory:".into());
//!         let dialect = registry.dialect(&url).unwrap();
//!         let set = cairn_load::load_dir("migrations".as_ref(), dialect).unwrap();
//!         TestDatabases::new(&registry, &url, &set).unwrap()
//!     })
//! }
//!
//! #[test]
//! fn signs_up() {
//!     let mut db = databases().fresh().unwrap();
//!     db.driver().execute("INSERT INTO users (email) VALUES ('a@example.com')").unwrap();
//! }
//! ```

mod admin;
mod mysql_copy;
mod names;
mod server;
mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

use cairn_core::{BackendError, Dialect, Driver, Error};
use cairn_load::MigrationSet;
use cairn_run::{ConnectOptions, Registry};

use server::{CloneBy, Server};
use sqlite::SqliteTemplate;

/// The template of one migration set on one backend, and the factory of test databases made
/// from it. `Send + Sync`: keep one in a `static OnceLock` and call [`TestDatabases::fresh`]
/// from every test, on any thread.
pub struct TestDatabases {
    backend: Backend,
}

enum Backend {
    Sqlite(SqliteTemplate),
    Server(Arc<Server>),
}

impl TestDatabases {
    /// Migrates `set` into the template for `url` (or finds it there, complete, from an earlier
    /// run), with default connection options. `url` is any URL `registry` opens: a `sqlite:`
    /// URL (only its scheme counts), or a server URL whose database is used to create and drop
    /// the others.
    pub fn new(registry: &Registry, url: &str, set: &MigrationSet) -> Result<TestDatabases, Error> {
        TestDatabases::with_options(registry, url, set, ConnectOptions::default())
    }

    /// [`TestDatabases::new`] with connection options (history table, `init_sql`) for the
    /// template and every test database.
    pub fn with_options(
        registry: &Registry,
        url: &str,
        set: &MigrationSet,
        options: ConnectOptions,
    ) -> Result<TestDatabases, Error> {
        let dialect = registry.dialect(url)?;
        if dialect != set.dialect() {
            return Err(BackendError::Options(format!(
                "the migrations were loaded for {}, the URL is {}",
                set.dialect().name(),
                dialect.name()
            ))
            .into());
        }
        options.validate()?;
        let backend = match dialect {
            Dialect::Sqlite => Backend::Sqlite(SqliteTemplate::open(registry, set, options)?),
            _ => Backend::Server(Arc::new(Server::open(registry, url, set, options)?)),
        };
        Ok(TestDatabases { backend })
    }

    /// A new database with the migrations applied, open; dropped (closed, then removed from
    /// the server or the disk) when the returned value is dropped.
    pub fn fresh(&self) -> Result<TestDatabase, Error> {
        match &self.backend {
            Backend::Sqlite(template) => {
                let (path, db) = template.copy()?;
                Ok(TestDatabase {
                    url: format!("sqlite:{}", path.display()),
                    name: path.display().to_string(),
                    db,
                    _guard: Guard::File(path),
                })
            }
            Backend::Server(server) => fresh_on(server),
        }
    }

    /// The template's URL (a `sqlite:` file or a database on the server), to look at it.
    pub fn template_url(&self) -> String {
        match &self.backend {
            Backend::Sqlite(template) => format!("sqlite:{}", template.path().display()),
            Backend::Server(server) => server
                .url(&server.template)
                .unwrap_or_else(|_| server.template.clone()),
        }
    }

    /// Removes the template; the next [`TestDatabases::new`] builds it again. Test databases
    /// made from it stay until dropped.
    pub fn drop_template(&self) -> Result<(), Error> {
        match &self.backend {
            Backend::Sqlite(template) => template.remove(),
            Backend::Server(server) => server.drop_now(&server.template),
        }
    }

    /// Whether the database a [`TestDatabase`] was named [`TestDatabase::name`] still exists:
    /// for tests of the cleanup.
    pub fn exists(&self, name: &str) -> Result<bool, Error> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(std::path::Path::new(name).exists()),
            Backend::Server(server) => server.database_exists(name),
        }
    }
}

fn fresh_on(server: &Arc<Server>) -> Result<TestDatabase, Error> {
    let name = names::test_database();
    let url = server.url(&name)?;
    match &server.clone {
        CloneBy::Template => server.create_from_template(&name)?,
        _ => server.create_now(&name)?,
    }
    // From here on the database exists: the guard drops it on every path.
    let guard = Guard::Server {
        server: Arc::clone(server),
        name: name.clone(),
    };
    let db = match &server.clone {
        CloneBy::Replay(set) => server.migrate(&name, set)?,
        CloneBy::Template => server.registry.connect_with(&url, &server.options)?,
        CloneBy::Tables(plan) => {
            let mut db = server.registry.connect_with(&url, &server.options)?;
            plan.copy_into(db.as_mut(), &server.template)?;
            db
        }
    };
    Ok(TestDatabase {
        url,
        name,
        db,
        _guard: guard,
    })
}

/// One test's database: migrated, open, and dropped with this value (the connection is
/// closed first).
pub struct TestDatabase {
    url: String,
    name: String,
    // Fields drop in order: the connection before the guard that drops the database.
    db: Box<dyn Driver>,
    _guard: Guard,
}

impl TestDatabase {
    /// Its URL, for code under test that connects by itself (`sqlite:/tmp/...`,
    /// `postgres://.../cairn_test_...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name on the server, or the SQLite file's path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The open connection.
    pub fn driver(&mut self) -> &mut dyn Driver {
        self.db.as_mut()
    }
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("url", &cairn_core::redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

/// Removes a test's database when dropped (best effort: a failure is reported on stderr).
enum Guard {
    File(PathBuf),
    Server { server: Arc<Server>, name: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        let removed = match self {
            Guard::File(path) => sqlite::remove(path),
            Guard::Server { server, name } => server.drop_now(name),
        };
        if let Err(e) = removed {
            eprintln!("cairn::testing: could not drop a test database: {e}");
        }
    }
}
