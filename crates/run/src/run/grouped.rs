//! `up --single-transaction`: the whole run in one transaction. Each migration's own
//! `BEGIN`/`COMMIT` (the step protocol's) becomes a no-op inside it, so the step code is the
//! same; the run commits once at the end or rolls everything back, history rows included.
//!
//! The history rows are written together before the commit, in multi-row `INSERT`s: nothing
//! outside the transaction sees them sooner either way, and a row written after each
//! migration's DDL was a round trip (PostgreSQL) or a re-prepared statement (SQLite, whose
//! schema change expires prepared statements) per migration. Anything that may read the
//! history table first gets the rows written.

use std::collections::HashSet;
use std::time::Duration;

use crate::driver::{Backup, Driver, Introspect, Maintain, Param, ScratchDatabases};
use crate::error::{BackendError, Error, Refused, Result};
use crate::history::sql::HistorySql;
use crate::load::MigrationSet;
use crate::rebuild::Rebuild;

/// Refuses a run that cannot be one transaction, before anything runs.
pub fn check(db: &dyn Driver, set: &MigrationSet, ids: &[String]) -> Result<()> {
    let refuse = |reason: String| Err(Refused::SingleTransaction { reason }.into());
    if !db.atomic_ddl() {
        return refuse(format!(
            "{} commits each DDL statement at once, so a run cannot be rolled back as a whole; run without --single-transaction",
            db.dialect().name()
        ));
    }
    for m in ids.iter().filter_map(|id| set.get(id)) {
        if !m.transaction {
            return refuse(format!(
                "migration {} ({}) has `transaction: false`",
                m.id,
                m.file.display()
            ));
        }
        let statements = m.up.statements()?;
        if let Some(s) = statements.iter().find(|s| controls_transaction(&s.sql)) {
            return refuse(format!(
                "migration {} ({}) controls its own transaction (`{}`)",
                m.id,
                m.file.display(),
                s.sql.trim()
            ));
        }
        if statements.iter().any(|s| Rebuild::parse(&s.sql).is_some()) {
            return refuse(format!(
                "migration {} ({}) rebuilds a SQLite table, which needs foreign keys off outside a transaction",
                m.id,
                m.file.display()
            ));
        }
    }
    Ok(())
}

/// Whether a statement begins or ends a transaction itself (it would commit the run's).
fn controls_transaction(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(|w| w.trim_end_matches(';').to_ascii_uppercase())
        .collect();
    matches!(
        words.first().map(String::as_str),
        Some("BEGIN" | "COMMIT" | "END" | "ROLLBACK")
    ) || words.first().map(String::as_str) == Some("START")
        && words.get(1).map(String::as_str) == Some("TRANSACTION")
}

/// `applying` in one transaction, each migration's statements sent together
/// ([`crate::step::Step::joined`]): a round trip per migration instead of one per statement.
/// When a statement fails, the run is rolled back and made again statement by statement, so
/// the failure names its statement; the migrations shown finished by the first try are not
/// shown again.
pub(super) fn run_joined(
    db: &mut dyn Driver,
    applying: &super::Applying<'_>,
    report: &mut super::RunReport,
    on_event: &mut dyn FnMut(super::Event<'_>),
) -> Result<()> {
    let reported = report.migrations.len();
    let mut shown: HashSet<String> = HashSet::new();
    let joined = super::Applying {
        joined: true,
        grouped: true,
        ..*applying
    };
    let one_by_one = super::Applying {
        joined: false,
        grouped: true,
        ..*applying
    };
    let first = run(db, |db| {
        joined.run(db, report, &mut |e| {
            if let super::Event::Finished { id, .. } = &e {
                shown.insert((*id).to_string());
            }
            on_event(e);
        })
    });
    // Only a migration whose statements went in one call needs them run again to name the
    // one that failed.
    let together = |id: &str| {
        applying.set.get(id).is_some_and(|m| {
            m.up.statements()
                .is_ok_and(|s| crate::step::sent_together(s, 0))
        })
    };
    match first {
        Err(Error::Statement(failure)) if together(&failure.id) => {
            report.migrations.truncate(reported);
            run(db, |db| {
                one_by_one.run(db, report, &mut |e| match &e {
                    super::Event::Started { id, .. } | super::Event::Finished { id, .. }
                        if shown.contains(*id) => {}
                    _ => on_event(e),
                })
            })
        }
        other => other,
    }
}

/// Runs `f` on `db` inside one transaction: committed when `f` succeeds, rolled back when it
/// fails.
pub fn run<T>(db: &mut dyn Driver, f: impl FnOnce(&mut dyn Driver) -> Result<T>) -> Result<T> {
    db.begin()?;
    let sql = HistorySql::new(db.dialect(), db.history_table());
    let mut grouped = Grouped {
        insert: sql.insert(1),
        sql,
        rows: Vec::new(),
        failed: None,
        inner: db,
    };
    let result = f(&mut grouped).and_then(|v| grouped.write_rows().map(|()| v).map_err(Into::into));
    let db = grouped.inner;
    match result {
        Ok(v) => {
            db.commit()?;
            Ok(v)
        }
        Err(e) => {
            // The error that stopped the run is the one to report.
            let _ = db.rollback();
            Err(e)
        }
    }
}

/// `inner` with transaction control left to [`run`], and the history rows kept until
/// something may read them.
struct Grouped<'a> {
    inner: &'a mut dyn Driver,
    /// The one-row history `INSERT` whose rows are kept.
    insert: String,
    sql: HistorySql,
    /// The kept rows' parameters, in order.
    rows: Vec<Vec<Owned>>,
    /// A write of the kept rows that failed where it could not be returned.
    failed: Option<BackendError>,
}

/// A [`Param`] that owns its text.
enum Owned {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Owned {
    fn of(param: &Param<'_>) -> Owned {
        match param {
            Param::Text(t) => Owned::Text(t.map(str::to_string)),
            Param::Int(i) => Owned::Int(*i),
        }
    }

    fn param(&self) -> Param<'_> {
        match self {
            Owned::Text(t) => Param::Text(t.as_deref()),
            Owned::Int(i) => Param::Int(*i),
        }
    }
}

impl Grouped<'_> {
    /// Writes the kept rows, at most 500 to an `INSERT` (well under every backend's limit on
    /// parameters), and returns an earlier write's failure.
    fn write_rows(&mut self) -> Result<(), BackendError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        const ROWS: usize = 500;
        let rows = std::mem::take(&mut self.rows);
        for batch in rows.chunks(ROWS) {
            let params: Vec<Param<'_>> = batch.iter().flatten().map(Owned::param).collect();
            self.inner
                .execute_with(&self.sql.insert(batch.len()), &params)?;
        }
        Ok(())
    }

    /// [`Grouped::write_rows`] before `sql` runs, if it may read the history table.
    fn write_rows_before(&mut self, sql: &str) -> Result<(), BackendError> {
        if !self.rows.is_empty() && sql.contains(self.sql.name()) {
            self.write_rows()?;
        }
        Ok(())
    }

    /// [`Grouped::write_rows`] before another role of the connection is handed out; a
    /// failure is returned by the next call that can.
    fn write_rows_for_role(&mut self) {
        if !self.rows.is_empty()
            && let Err(e) = self.write_rows()
        {
            self.failed = Some(e);
        }
    }
}

impl Driver for Grouped<'_> {
    fn dialect(&self) -> crate::Dialect {
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
    fn lock(&mut self, timeout: Duration) -> Result<(), BackendError> {
        self.inner.lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.inner.unlock()
    }
    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        self.write_rows_before(sql)?;
        self.inner.execute(sql)
    }
    fn execute_with(&mut self, sql: &str, params: &[Param<'_>]) -> Result<(), BackendError> {
        if sql == self.insert {
            self.rows.push(params.iter().map(Owned::of).collect());
            return Ok(());
        }
        self.write_rows_before(sql)?;
        self.inner.execute_with(sql, params)
    }
    fn query(&mut self, sql: &str) -> Result<crate::Rows, BackendError> {
        self.write_rows()?;
        self.inner.query(sql)
    }
    fn begin(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
    fn commit(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
    fn rollback(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
    fn settle(&mut self, commit: bool) -> Result<(), BackendError> {
        self.inner.settle(commit)
    }
    fn introspection(&mut self) -> Option<&mut dyn Introspect> {
        self.write_rows_for_role();
        self.inner.introspection()
    }
    fn maintenance(&mut self) -> Option<&mut dyn Maintain> {
        self.write_rows_for_role();
        self.inner.maintenance()
    }
    fn backups(&mut self) -> Option<&mut dyn Backup> {
        self.write_rows_for_role();
        self.inner.backups()
    }
    fn scratch_databases(&mut self) -> Option<&mut dyn ScratchDatabases> {
        self.write_rows_for_role();
        self.inner.scratch_databases()
    }
}

#[cfg(test)]
mod tests {
    use super::controls_transaction;

    #[test]
    fn statements_that_end_the_runs_transaction_are_found() {
        for sql in [
            "BEGIN",
            "begin;",
            "COMMIT",
            "END",
            "ROLLBACK",
            "start transaction",
        ] {
            assert!(controls_transaction(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t (id INT)",
            "BEGIN_TS",
            "START SLAVE",
            "UPDATE t SET a = 1",
        ] {
            assert!(!controls_transaction(sql), "{sql}");
        }
    }
}
