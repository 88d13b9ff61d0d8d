//! A throwaway database: a backend that runs a cleanup (dropping the database) when dropped.

use std::time::Duration;

use crate::Dialect;
use crate::driver::{Driver, Introspect, Param};
use crate::error::{BackendError, Error};
use crate::protocol::Migrate;
use crate::scratch_error::ScratchError;
use crate::tool_tables::TOOL_TABLES;

/// Wraps the backend of a temporary database; `cleanup` runs after it is closed.
pub struct Scratch {
    inner: Option<Box<dyn Driver>>,
    cleanup: Option<Box<dyn FnOnce()>>,
}

impl Scratch {
    /// `inner` is the scratch database; `cleanup` removes it (errors are the cleanup's to log).
    pub fn new(inner: Box<dyn Driver>, cleanup: Box<dyn FnOnce()>) -> Scratch {
        Scratch {
            inner: Some(inner),
            cleanup: Some(cleanup),
        }
    }

    /// The scratch database a connection attempt opened, wrapped so `cleanup` runs when it is
    /// dropped; when the attempt failed, `cleanup` runs at once and the error is returned.
    pub fn opened<D: Driver + 'static>(
        connected: Result<D, BackendError>,
        cleanup: impl FnOnce() + 'static,
    ) -> Result<Box<dyn Driver>, BackendError> {
        match connected {
            Ok(db) => Ok(Box::new(Scratch::new(Box::new(db), Box::new(cleanup)))),
            Err(e) => {
                cleanup();
                Err(e)
            }
        }
    }

    fn db(&mut self) -> Result<&mut Box<dyn Driver>, BackendError> {
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

/// Forwards the core and [`Introspect`] (what a replay reads); the scratch database needs no
/// other role.
impl Driver for Scratch {
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
    fn atomic_ddl(&self) -> bool {
        self.inner.as_ref().is_none_or(|d| d.atomic_ddl())
    }
    fn check_writable(&mut self) -> Result<(), BackendError> {
        self.db()?.check_writable()
    }
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.db()?.lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.db()?.unlock()
    }
    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        self.db()?.execute(sql)
    }
    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        self.db()?.execute_with(sql, params)
    }
    fn query(&mut self, sql: &str) -> Result<crate::Rows, BackendError> {
        self.db()?.query(sql)
    }
    fn query_each(
        &mut self,
        sql: &str,
        each: &mut dyn FnMut(Vec<Option<String>>) -> Result<(), BackendError>,
    ) -> Result<(), BackendError> {
        self.db()?.query_each(sql, each)
    }
    fn begin(&mut self) -> Result<(), BackendError> {
        self.db()?.begin()
    }
    fn commit(&mut self) -> Result<(), BackendError> {
        self.db()?.commit()
    }
    fn rollback(&mut self) -> Result<(), BackendError> {
        self.db()?.rollback()
    }
    fn settle(&mut self, commit: bool) -> Result<(), BackendError> {
        self.db()?.settle(commit)
    }
    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        self.inner.as_mut()?.introspection()
    }
}

/// A database name for a scratch database: `cairn_scratch_<pid>_<nanos>`.
pub fn scratch_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("cairn_scratch_{}_{nanos}", std::process::id())
}

/// Refuses a scratch database that is not empty: a URL given by mistake (the live database,
/// say) must not be migrated, and a replay on top of earlier tables would not show what the
/// migrations alone make. Other tools' history tables do not count: the connection creates
/// them itself when a migration writes to one (see `layout::tool_history_table`).
pub fn refuse_non_empty(db: &mut dyn Driver) -> Result<(), Error> {
    let tables = db
        .as_introspect()?
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
