//! The migration protocol over any [`Driver`]: the history table and the steps, written once.
//! Backends do not implement it; every driver has it.

use crate::driver::Driver;
use crate::error::BackendError;
use crate::history::AppliedMigration;
use crate::history::log::{self, LogEntry, LogSql};
use crate::history::sql::HistorySql;
use crate::history::table;
use crate::step::{self, Step};

/// What the engine does with a [`Driver`] to migrate it: read and write the history table and
/// run steps. Implemented for every driver (bring it into scope with `use cairn::Migrate`).
pub trait Migrate {
    /// Creates the history table if it is absent; refuses one that lacks columns this version
    /// writes.
    fn ensure_history(&mut self) -> Result<(), BackendError>;

    /// Every history row, ordered by rank; empty when the table does not exist.
    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError>;

    /// [`Migrate::ensure_history`] then [`Migrate::history`], for a run that writes next: one
    /// query when the table is there.
    fn ensured_history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        self.ensure_history()?;
        self.history()
    }

    /// The audit log (every up, down, repair, stamp, adopt, baseline and restore), oldest
    /// first; empty before the first.
    fn log(&mut self) -> Result<Vec<LogEntry>, BackendError>;

    /// Runs `step` and records it (insert for up, delete for down); returns the SQL's run time
    /// in milliseconds. On failure returns [`BackendError::Statement`] with the failing index,
    /// after rolling back where the step ran in a transaction.
    fn apply(&mut self, step: &Step<'_>) -> Result<u64, BackendError>;

    /// Deletes the history row of `id` (for `repair` of a failed migration).
    fn forget(&mut self, id: &str) -> Result<(), BackendError>;

    /// Records `rows` as applied without running any SQL (what adoption, `stamp` and
    /// `baseline` write), in order, each with `applied_at` now and `execution_ms` 0, in one
    /// transaction with one `INSERT` per [`cairn_core::insert_batches`] slice: a thousand rows take
    /// a handful of round trips, and a failure records none of them.
    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError>;
}

fn history_sql(db: &dyn Driver) -> HistorySql {
    HistorySql::new(db.dialect(), db.history_table())
}

impl Migrate for dyn Driver + '_ {
    fn ensure_history(&mut self) -> Result<(), BackendError> {
        let sql = history_sql(self);
        table::ensure(self, &sql)
    }

    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        let sql = history_sql(self);
        table::read(self, &sql)
    }

    fn ensured_history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        let sql = history_sql(self);
        table::read_or_create(self, &sql)
    }

    fn log(&mut self) -> Result<Vec<LogEntry>, BackendError> {
        let sql = LogSql::new(self.dialect(), self.history_table());
        log::read(self, &sql)
    }

    fn apply(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        step::apply(self, step)
    }

    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        let sql = history_sql(self);
        table::delete(self, &sql, id)
    }

    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        step::record_applied(self, rows)
    }
}

impl<D: Driver> Migrate for D {
    fn ensure_history(&mut self) -> Result<(), BackendError> {
        (self as &mut dyn Driver).ensure_history()
    }

    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        (self as &mut dyn Driver).history()
    }

    fn ensured_history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        (self as &mut dyn Driver).ensured_history()
    }

    fn log(&mut self) -> Result<Vec<LogEntry>, BackendError> {
        (self as &mut dyn Driver).log()
    }

    fn apply(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        (self as &mut dyn Driver).apply(step)
    }

    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        (self as &mut dyn Driver).forget(id)
    }

    fn record_applied(&mut self, rows: &[AppliedMigration]) -> Result<(), BackendError> {
        (self as &mut dyn Driver).record_applied(rows)
    }
}
