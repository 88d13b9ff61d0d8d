//! A driver wrapper that counts the calls the engine makes into it, by method: how tests prove
//! round trips are constant (history read once, catalogs in a fixed number of queries).

use std::collections::BTreeMap;
use std::time::Duration;

use cairn::ops::{ForeignKeyViolation, StorageSizes, TableAction};
use cairn::schema::Schema;
use cairn::{BackendError, Dialect, Driver, Introspect, Maintain, Param, Rows};

/// Forwards the [`Driver`] core and the [`Introspect`] and [`Maintain`] roles to `inner`,
/// counting each call by name. Queries of the history table are counted apart: `history` for
/// the read of its rows, `history_columns` for the catalog check of its columns.
pub struct Counted<'a> {
    /// The real driver.
    pub inner: &'a mut dyn Driver,
    /// Calls per method name.
    pub calls: BTreeMap<&'static str, usize>,
}

impl<'a> Counted<'a> {
    /// Wraps `inner` with every count at zero.
    pub fn new(inner: &'a mut dyn Driver) -> Self {
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

    /// The name a query is counted under: the engine's read of the history rows, its
    /// catalog query of the history table's columns, or any other query.
    fn kind_of(&self, sql: &str) -> &'static str {
        let table = self.inner.history_table();
        let columns_catalog = ["pragma_table_info(", "attname", "COLUMN_NAME"]
            .iter()
            .any(|c| sql.contains(c));
        if sql.contains("installed_rank, failed_statement, error FROM") {
            "history"
        } else if columns_catalog && sql.contains(&format!("'{table}'")) {
            "history_columns"
        } else {
            "query"
        }
    }
}

impl Driver for Counted<'_> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn history_table(&self) -> &str {
        self.inner.history_table()
    }
    fn atomic_ddl(&self) -> bool {
        self.inner.atomic_ddl()
    }
    fn check_writable(&mut self) -> Result<(), BackendError> {
        self.note("check_writable");
        self.inner.check_writable()
    }
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.note("lock");
        self.inner.lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.note("unlock");
        self.inner.unlock()
    }
    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        self.note("execute");
        self.inner.execute(sql)
    }
    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        self.note("execute_with");
        self.inner.execute_with(sql, params)
    }
    fn execute_all(&mut self, parts: &[(&str, &[Param<'_>])]) -> Result<(), (usize, BackendError)> {
        self.note("execute_all");
        self.inner.execute_all(parts)
    }
    fn query(&mut self, sql: &str) -> Result<Rows, BackendError> {
        let kind = self.kind_of(sql);
        self.note(kind);
        self.inner.query(sql)
    }
    fn begin(&mut self) -> Result<(), BackendError> {
        self.note("begin");
        self.inner.begin()
    }
    fn commit(&mut self) -> Result<(), BackendError> {
        self.note("commit");
        self.inner.commit()
    }
    fn rollback(&mut self) -> Result<(), BackendError> {
        self.note("rollback");
        self.inner.rollback()
    }
    fn settle(&mut self, commit: bool) -> Result<(), BackendError> {
        self.note("settle");
        self.inner.settle(commit)
    }
    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        Some(self)
    }
    fn maintenance(&mut self) -> Option<&mut dyn Maintain> {
        Some(self)
    }
}

impl Introspect for Counted<'_> {
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        self.note("introspect");
        self.inner.as_introspect()?.introspect()
    }
}

impl Maintain for Counted<'_> {
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        self.note("integrity_check");
        self.inner.as_maintain()?.integrity_check()
    }
    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        self.note("integrity_check_of");
        self.inner.as_maintain()?.integrity_check_of(tables)
    }
    fn foreign_key_violations(&mut self) -> Result<Vec<ForeignKeyViolation>, BackendError> {
        self.note("foreign_key_violations");
        self.inner.as_maintain()?.foreign_key_violations()
    }
    fn table_sizes(&mut self) -> Result<StorageSizes, BackendError> {
        self.note("table_sizes");
        self.inner.as_maintain()?.table_sizes()
    }
    fn optimize(&mut self, vacuum: bool) -> Result<Vec<TableAction>, BackendError> {
        self.note("optimize");
        self.inner.as_maintain()?.optimize(vacuum)
    }
}
