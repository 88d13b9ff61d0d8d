//! A fresh database per tool and measurement (a new SQLite file, or a new PostgreSQL or
//! MariaDB database on the bench server), and the check that an `up` really created the
//! tables.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::Backend;

/// Where the databases of one backend are made.
pub struct Target {
    backend: Backend,
    /// The server's admin URL; `None` on SQLite.
    admin_url: Option<String>,
    /// The folder of the SQLite files.
    files: PathBuf,
}

/// One fresh database.
pub struct Database {
    /// Its URL, as every tool here spells it (`sqlite:/abs/path`, `postgres://...`, `mysql://...`).
    pub url: String,
    /// The SQLite file, on SQLite.
    pub file: Option<PathBuf>,
    /// The server database's name.
    name: String,
}

impl Target {
    /// Databases of `backend`: files under `work`, or databases on the server at `admin_url`.
    pub fn new(backend: Backend, admin_url: Option<&str>, work: &Path) -> Result<Target> {
        let files = work.join(format!("db-{}", backend.name()));
        std::fs::create_dir_all(&files)?;
        Ok(Target {
            backend,
            admin_url: admin_url.map(str::to_string),
            files,
        })
    }

    /// A new empty database named `name`, replacing any left by an earlier run.
    pub fn fresh(&self, name: &str) -> Result<Database> {
        let Some(admin_url) = &self.admin_url else {
            let file = self.files.join(format!("{name}.db"));
            remove_sqlite(&file);
            // An empty file is an empty SQLite database. refinery and sqlx open the file
            // without creating it, so every tool gets it made beforehand, the same for all.
            std::fs::write(&file, b"")
                .with_context(|| format!("cannot create {}", file.display()))?;
            return Ok(Database {
                url: format!("sqlite:{}", file.display()),
                file: Some(file),
                name: name.to_string(),
            });
        };
        let mut admin = cairn_cli::registry().connect(admin_url)?;
        admin.execute(&self.drop_sql(name))?;
        admin.execute(&format!("CREATE DATABASE {name}"))?;
        let url = cairn::with_database(admin_url, name).context("the admin URL has no host")?;
        Ok(Database {
            url,
            file: None,
            name: name.to_string(),
        })
    }

    /// Drops `db` (deletes the file), so a long run does not pile up thousands of tables.
    pub fn drop(&self, db: Database) -> Result<()> {
        match (&self.admin_url, &db.file) {
            (Some(admin_url), _) => {
                let mut admin = cairn_cli::registry().connect(admin_url)?;
                admin.execute(&self.drop_sql(&db.name))?;
            }
            (None, Some(file)) => remove_sqlite(file),
            (None, None) => {}
        }
        Ok(())
    }

    /// How many of the generated tables (`t0`, `t1`, ...) `db` holds: one catalog query.
    pub fn count_tables(&self, db: &Database) -> Result<usize> {
        let count = match (self.backend, &db.file) {
            (Backend::Sqlite, Some(file)) => {
                // rusqlite, not Cairn's driver, which would switch the file to WAL and so
                // change what the next tool measured on it finds.
                let conn = rusqlite::Connection::open(file)?;
                conn.query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'",
                    [],
                    |r| r.get::<_, i64>(0),
                )?
                .to_string()
            }
            (backend, _) => {
                let sql = match backend {
                    Backend::Postgres => {
                        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'"
                    }
                    _ => {
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name REGEXP '^t[0-9]+$'"
                    }
                };
                let mut conn = cairn_cli::registry().connect(&db.url)?;
                let rows = conn.query(sql)?;
                rows.first()
                    .and_then(|r| r.first())
                    .cloned()
                    .flatten()
                    .context("the catalog count returned no row")?
            }
        };
        count
            .parse()
            .with_context(|| format!("table count {count:?} is not a number"))
    }

    /// Waits until the server has finished the background work the last `up` left (MariaDB:
    /// InnoDB's purge of the undo history, which takes about a second after 1,000 migrations),
    /// at most 10 s, so a no-op `up` measures an up-to-date database, not the purge it shares
    /// the two cores with. Every tool gets the same wait; other backends have none to wait for.
    pub fn settle(&self, db: &Database) -> Result<()> {
        if self.backend != Backend::Mysql {
            return Ok(());
        }
        let mut conn = cairn_cli::registry().connect(&db.url)?;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            let rows = conn.query(
                "SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len'",
            )?;
            let pending = rows.first().and_then(|r| r.first()).cloned().flatten();
            if pending.as_deref().is_none_or(|n| n == "0") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(())
    }

    fn drop_sql(&self, name: &str) -> String {
        match self.backend {
            // FORCE: a tool that failed may have left a connection behind.
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {name}"),
        }
    }
}

/// Removes a SQLite file and its WAL companions; absent files are fine.
fn remove_sqlite(file: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}
