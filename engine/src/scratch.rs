//! A throwaway database: a backend that runs a cleanup (dropping the database) when dropped.

use std::path::Path;
use std::time::Duration;

use crate::Dialect;
use crate::adopt::TOOL_TABLES;
use crate::backend::{Backend, Step};
use crate::error::{BackendError, Error};
use crate::history::AppliedMigration;
use crate::schema::Schema;

/// Wraps the backend of a temporary database; `cleanup` runs after it is closed.
pub struct Scratch {
    inner: Option<Box<dyn Backend>>,
    cleanup: Option<Box<dyn FnOnce()>>,
}

impl Scratch {
    /// `inner` is the scratch database; `cleanup` removes it (errors are the cleanup's to log).
    pub fn new(inner: Box<dyn Backend>, cleanup: Box<dyn FnOnce()>) -> Scratch {
        Scratch {
            inner: Some(inner),
            cleanup: Some(cleanup),
        }
    }

    fn db(&mut self) -> Result<&mut Box<dyn Backend>, BackendError> {
        self.inner
            .as_mut()
            .ok_or_else(|| BackendError::Other("the scratch database is closed".to_string()))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Close the scratch connection first: a server will not drop a database in use.
        self.inner = None;
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

impl Backend for Scratch {
    fn dialect(&self) -> Dialect {
        self.inner.as_ref().map_or(Dialect::Sqlite, |d| d.dialect())
    }
    fn describe(&self) -> String {
        self.inner
            .as_ref()
            .map_or_else(String::new, |d| d.describe())
    }
    fn history_table(&self) -> &str {
        self.inner
            .as_ref()
            .map_or(crate::HISTORY_TABLE, |d| d.history_table())
    }
    fn atomic_migrations(&self) -> bool {
        self.inner.as_ref().is_none_or(|d| d.atomic_migrations())
    }
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.db()?.lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.db()?.unlock()
    }
    fn ensure_history(&mut self) -> Result<(), BackendError> {
        self.db()?.ensure_history()
    }
    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        self.db()?.history()
    }
    fn execute(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        self.db()?.execute(step)
    }
    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        self.db()?.forget(id)
    }
    fn query(&mut self, sql: &str) -> Result<crate::Rows, BackendError> {
        self.db()?.query(sql)
    }
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        self.db()?.introspect()
    }
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        self.db()?.integrity_check()
    }
    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        self.db()?.integrity_check_of(tables)
    }
    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        self.db()?.record_applied(rows)
    }
    fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<crate::ops::ForeignKeyViolation>, BackendError> {
        self.db()?.foreign_key_violations()
    }
    fn table_sizes(&mut self) -> Result<crate::ops::StorageSizes, BackendError> {
        self.db()?.table_sizes()
    }
    fn optimize(&mut self, vacuum: bool) -> Result<Vec<crate::ops::TableAction>, BackendError> {
        self.db()?.optimize(vacuum)
    }
    fn backup(&mut self, path: &Path) -> Result<(), BackendError> {
        self.db()?.backup(path)
    }
    fn restore(&mut self, path: &Path) -> Result<(), BackendError> {
        self.db()?.restore(path)
    }
}

/// A database name for a scratch database: `cairn_scratch_<pid>_<nanos>`.
pub fn scratch_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("cairn_scratch_{}_{nanos}", std::process::id())
}

/// Why a scratch database cannot be used; nothing was replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScratchError {
    /// The scratch database holds tables or history (a wrong URL, say the live database).
    #[error(
        "the scratch database {database} is not empty ({tables} tables, {rows} history rows): give an empty database"
    )]
    NotEmpty {
        /// The scratch database, described without password.
        database: String,
        /// Its tables (other tools' history tables not counted).
        tables: usize,
        /// Its Cairn history rows.
        rows: usize,
    },
    /// The scratch database is of another dialect than the migrations or the live database.
    #[error("the scratch database {database} is {found}, but {expected} is needed")]
    WrongDialect {
        /// The scratch database, described without password.
        database: String,
        /// Its dialect.
        found: Dialect,
        /// The dialect the migrations were loaded for (or the live database's).
        expected: Dialect,
    },
}

/// Refuses a scratch database that is not empty: a URL given by mistake (the live database,
/// say) must not be migrated, and a replay on top of earlier tables would not show what the
/// migrations alone make. Other tools' history tables do not count: the connection creates
/// them itself when a migration writes to one (see `layout::tool_history_table`).
pub(crate) fn refuse_non_empty(db: &mut dyn Backend) -> Result<(), Error> {
    let tables = db
        .introspect()?
        .tables
        .iter()
        .filter(|t| !TOOL_TABLES.iter().any(|tool| tool.table == t.name))
        .count();
    let history = db.history()?;
    if tables > 0 || !history.is_empty() {
        return Err(ScratchError::NotEmpty {
            database: db.describe(),
            tables,
            rows: history.len(),
        }
        .into());
    }
    Ok(())
}
