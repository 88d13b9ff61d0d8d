//! A backend wrapper that counts the calls the engine makes into it, by method: how tests
//! prove round trips are constant (history read once, catalogs in a fixed number of queries).

use std::collections::BTreeMap;
use std::time::Duration;

use cairn::{AppliedMigration, Backend, BackendError, Dialect, Rows, Step};

/// Forwards every required [`Backend`] method to `inner`, counting each by name; methods with
/// defaults keep them (so they are reached through the counted ones).
pub struct Counted<'a> {
    /// The real backend.
    pub inner: &'a mut dyn Backend,
    /// Calls per method name.
    pub calls: BTreeMap<&'static str, usize>,
}

impl<'a> Counted<'a> {
    /// Wraps `inner` with every count at zero.
    pub fn new(inner: &'a mut dyn Backend) -> Self {
        Counted {
            inner,
            calls: BTreeMap::new(),
        }
    }

    /// How often `method` was called.
    pub fn count(&self, method: &str) -> usize {
        self.calls.get(method).copied().unwrap_or(0)
    }

    fn note(&mut self, method: &'static str) {
        *self.calls.entry(method).or_default() += 1;
    }
}

impl Backend for Counted<'_> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn history_table(&self) -> &str {
        self.inner.history_table()
    }
    fn atomic_migrations(&self) -> bool {
        self.inner.atomic_migrations()
    }
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.note("lock");
        self.inner.lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.note("unlock");
        self.inner.unlock()
    }
    fn ensure_history(&mut self) -> Result<(), BackendError> {
        self.note("ensure_history");
        self.inner.ensure_history()
    }
    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        self.note("history");
        self.inner.history()
    }
    fn execute(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        self.note("execute");
        self.inner.execute(step)
    }
    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        self.note("forget");
        self.inner.forget(id)
    }
    fn query(&mut self, sql: &str) -> Result<Rows, BackendError> {
        self.note("query");
        self.inner.query(sql)
    }
}
