//! A backend wrapper that counts the calls the engine makes into it, by method: how tests
//! prove round trips are constant (history read once, catalogs in a fixed number of queries).

use std::collections::BTreeMap;
use std::time::Duration;

use cairn::ops::{ForeignKeyViolation, StorageSizes, TableAction};
use cairn::schema::Schema;
use cairn::{AppliedMigration, Backend, BackendError, Dialect, Rows, Step};

/// Forwards the [`Backend`] methods the engine's runs, catalog reads and health checks use to
/// `inner`, counting each by name; the others keep their defaults.
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
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        self.note("introspect");
        self.inner.introspect()
    }
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        self.note("integrity_check");
        self.inner.integrity_check()
    }
    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        self.note("integrity_check_of");
        self.inner.integrity_check_of(tables)
    }
    fn foreign_key_violations(&mut self) -> Result<Vec<ForeignKeyViolation>, BackendError> {
        self.note("foreign_key_violations");
        self.inner.foreign_key_violations()
    }
    fn table_sizes(&mut self) -> Result<StorageSizes, BackendError> {
        self.note("table_sizes");
        self.inner.table_sizes()
    }
    fn optimize(&mut self, vacuum: bool) -> Result<Vec<TableAction>, BackendError> {
        self.note("optimize");
        self.inner.optimize(vacuum)
    }
}
