//! [`TestDb`]: a fresh database per test, deleted on drop.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher as _, Hasher as _};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tempfile::TempDir;

use crate::Kind;
use crate::conn::Conn;
use crate::url::with_database;

/// A fresh, empty database on one backend, deleted when dropped.
pub struct TestDb {
    /// The backend.
    pub kind: Kind,
    /// URL of this database, for Cairn (`sqlite:/tmp/.../test.db`,
    /// `postgres://.../cairn_t_<hex>`, `mysql://.../cairn_t_<hex>`).
    pub url: String,
    target: Target,
}

/// Where the database lives.
enum Target {
    /// A SQLite file; the directory is removed on drop.
    Sqlite { path: PathBuf, _dir: TempDir },
    /// A database created on a server, dropped on drop through `admin_url`.
    Server { name: String, admin_url: String },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("kind", &self.kind)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// One [`TestDb`] per available backend (SQLite always; PostgreSQL and MySQL when their URL is
/// set; under `CI=true` a missing URL panics).
pub fn all() -> Vec<TestDb> {
    Kind::ALL.into_iter().filter_map(TestDb::new).collect()
}

impl TestDb {
    /// A fresh database on `kind`, or `None` when that server's URL is not set (a note goes to
    /// stderr). Panics when the URL is missing and `CI=true`, or when the server refuses.
    pub fn new(kind: Kind) -> Option<TestDb> {
        match kind {
            Kind::Sqlite => Some(TestDb::sqlite()),
            Kind::Postgres | Kind::Mysql => {
                let admin_url = server_url(kind)?;
                Some(TestDb::on_server(kind, admin_url))
            }
        }
    }

    fn sqlite() -> TestDb {
        let dir = tempfile::Builder::new()
            .prefix("cairn-test-")
            .tempdir()
            .expect("cannot create a temporary directory");
        let path = dir.path().join("test.db");
        TestDb {
            kind: Kind::Sqlite,
            url: format!("sqlite:{}", path.display()),
            target: Target::Sqlite { path, _dir: dir },
        }
    }

    fn on_server(kind: Kind, admin_url: String) -> TestDb {
        let name = format!("cairn_t_{:016x}", random_u64());
        let mut admin = connect(kind, &admin_url);
        let create = match kind {
            Kind::Postgres => format!("CREATE DATABASE \"{name}\""),
            _ => format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
        };
        // PostgreSQL refuses concurrent CREATE DATABASE from a busy template: retry a little.
        let mut attempt = 0;
        while let Err(e) = admin.try_execute(&create) {
            attempt += 1;
            assert!(attempt < 10, "cannot create test database on {kind}: {e}");
            std::thread::sleep(Duration::from_millis(100 * attempt));
        }
        TestDb {
            kind,
            url: with_database(&admin_url, &name),
            target: Target::Server { name, admin_url },
        }
    }

    /// The database name on the server, or the file path for SQLite.
    pub fn name(&self) -> String {
        match &self.target {
            Target::Sqlite { path, .. } => path.display().to_string(),
            Target::Server { name, .. } => name.clone(),
        }
    }

    /// A new driver connection to this database (rusqlite, postgres or mysql).
    pub fn connect(&self) -> Conn {
        match &self.target {
            Target::Sqlite { path, .. } => Conn::sqlite(path),
            Target::Server { .. } => connect(self.kind, &self.url),
        }
    }

    /// Runs one or more SQL statements; panics on error.
    pub fn execute(&self, sql: &str) {
        self.connect().execute(sql);
    }

    /// The first column of the first row of `sql` as an integer; panics on no row or NULL.
    pub fn scalar_i64(&self, sql: &str) -> i64 {
        self.connect().scalar_i64(sql)
    }

    /// User tables (base tables, including `cairn_migrations`, not its audit log), sorted by
    /// name.
    pub fn tables(&self) -> Vec<String> {
        self.connect().tables()
    }

    /// Ids in `cairn_migrations` ordered by `installed_rank`; empty if there is no such table.
    pub fn history_ids(&self) -> Vec<String> {
        self.connect().history_ids()
    }

    /// `(status, failed_statement)` of migration `id` in `cairn_migrations`; `None` if there is
    /// no such table or row.
    pub fn history_status(&self, id: &str) -> Option<(String, Option<i64>)> {
        self.connect().history_status(id)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Target::Server { name, admin_url } = &self.target else {
            return;
        };
        let kind = self.kind;
        let name = name.clone();
        let admin_url = admin_url.clone();
        // Errors are ignored: the server is throwaway. A panic in a driver must not turn into
        // a double panic while a failing test unwinds.
        let _ = std::panic::catch_unwind(move || {
            let mut admin = connect(kind, &admin_url);
            match kind {
                Kind::Postgres => {
                    let force = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    if admin.try_execute(&force).is_err() {
                        let _ = admin.try_execute(&format!("DROP DATABASE IF EXISTS \"{name}\""));
                    }
                }
                _ => {
                    let _ = admin.try_execute("SET SESSION lock_wait_timeout = 10");
                    let _ = admin.try_execute(&format!("DROP DATABASE IF EXISTS `{name}`"));
                }
            }
        });
    }
}

fn connect(kind: Kind, url: &str) -> Conn {
    match kind {
        Kind::Postgres => Conn::postgres(url),
        Kind::Mysql => Conn::mysql(url),
        Kind::Sqlite => panic!("SQLite has no server URL"),
    }
}

/// The server URL for `kind` from its environment variable; `None` (with a note) when unset,
/// a panic when unset under CI (see [`crate::native::in_ci`]).
fn server_url(kind: Kind) -> Option<String> {
    let var = kind.env_var()?;
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if crate::native::in_ci() {
                panic!("{var} is not set: run the tests with `cargo xtask test`");
            }
            eprintln!(
                "note: {var} is not set, skipping {kind} (run the tests with `cargo xtask test`)"
            );
            None
        }
    }
}

/// 64 random-enough bits for database names, without a rand dependency.
fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.finish()
}
