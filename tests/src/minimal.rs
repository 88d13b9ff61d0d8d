//! A driver that implements [`cairn::Driver`] alone, over SQLite, with none of the optional
//! roles: what a team adding a fourth backend writes. The protocol scenarios run on it
//! (`tests/tests/driver_only.rs`) to show the engine needs nothing more.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cairn::{BackendError, Dialect, Driver, Param, Rows};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

/// One SQLite file, driven through the core [`Driver`] methods only.
pub struct MinimalSqlite {
    conn: Connection,
    path: PathBuf,
    /// The lock file while this connection holds the migration lock.
    lock: Option<(PathBuf, File)>,
}

impl MinimalSqlite {
    /// Opens (creating) the SQLite file at `path`.
    pub fn open(path: &Path) -> Result<MinimalSqlite, BackendError> {
        let conn = Connection::open(path).map_err(other)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(other)?;
        Ok(MinimalSqlite {
            conn,
            path: path.to_path_buf(),
            lock: None,
        })
    }
}

fn other(e: rusqlite::Error) -> BackendError {
    BackendError::Other(e.to_string())
}

fn refused(e: rusqlite::Error) -> BackendError {
    BackendError::Sql {
        code: e.sqlite_error().map(|f| f.extended_code.to_string()),
        message: e.to_string(),
        position: None,
    }
}

struct Bound<'a>(&'a Param<'a>);

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Param::Text(Some(t)) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Param::Int(Some(n)) => ToSqlOutput::from(*n),
            Param::Text(None) | Param::Int(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl Driver for MinimalSqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn describe(&self) -> String {
        format!("minimal:{}", self.path.display())
    }

    /// A lock file created exclusively: whoever creates it holds the lock.
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        if self.lock.is_some() {
            return Ok(());
        }
        let path = self.path.with_extension("minimal-lock");
        let start = Instant::now();
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    self.lock = Some((path, file));
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed() >= timeout {
                        return Err(BackendError::LockTimeout {
                            waited: start.elapsed(),
                            holder: None,
                        });
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(e) => return Err(BackendError::Other(e.to_string())),
            }
        }
    }

    fn unlock(&mut self) -> Result<(), BackendError> {
        match self.lock.take() {
            Some((path, _)) => {
                std::fs::remove_file(path).map_err(|e| BackendError::Other(e.to_string()))
            }
            None => Ok(()),
        }
    }

    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        self.conn.execute_batch(sql).map_err(refused)
    }

    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        self.conn
            .execute(sql, rusqlite::params_from_iter(params.iter().map(Bound)))
            .map(|_| ())
            .map_err(refused)
    }

    fn query(&mut self, sql: &str) -> Result<Rows, BackendError> {
        let mut stmt = self.conn.prepare(sql).map_err(refused)?;
        let width = stmt.column_count();
        let mut rows = stmt.query([]).map_err(refused)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(refused)? {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(match row.get_ref(i).map_err(other)? {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(x) => Some(x.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn begin(&mut self) -> Result<(), BackendError> {
        self.execute("BEGIN IMMEDIATE")
    }

    fn commit(&mut self) -> Result<(), BackendError> {
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), BackendError> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.execute("ROLLBACK")
    }
}
