//! Running a migration's statements and recording it: in one transaction (with the
//! rebuild directive's foreign-key check), or statement by statement with progress in the
//! history row.

use std::time::Instant;

use cairn::{BackendError, Direction, HistoryStatus, Step};

use crate::{Sqlite, elapsed_ms, history, other, rebuild};

impl Sqlite {
    pub(crate) fn record(&self, step: &Step<'_>, ms: i64) -> rusqlite::Result<()> {
        match step.direction {
            Direction::Up if step.replaces.is_some() => history::replace(
                &self.conn,
                &self.options.history_table,
                step.record,
                HistoryStatus::Applied,
                ms,
            ),
            Direction::Up => history::insert(
                &self.conn,
                &self.options.history_table,
                step.record,
                HistoryStatus::Applied,
                ms,
            ),
            Direction::Down => {
                history::delete(&self.conn, &self.options.history_table, &step.record.id)
            }
        }
    }

    pub(crate) fn run_statements(&self, step: &Step<'_>) -> Result<(), BackendError> {
        for (index, statement) in step
            .statements
            .iter()
            .enumerate()
            .skip(step.first_statement)
        {
            let fail = |message: String| BackendError::Statement {
                index,
                message,
                position: None,
                code: None,
            };
            match cairn::Rebuild::parse(&statement.sql) {
                Some(directive) => {
                    rebuild::run(&self.conn, &directive.map_err(fail)?).map_err(fail)?
                }
                None => self.conn.execute_batch(&statement.sql).map_err(|e| {
                    BackendError::Statement {
                        index,
                        message: e.to_string(),
                        position: None,
                        code: e.sqlite_error().map(|f| f.extended_code.to_string()),
                    }
                })?,
            }
        }
        Ok(())
    }

    pub(crate) fn execute_in_transaction(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        let rebuilds = step
            .statements
            .iter()
            .any(|s| cairn::Rebuild::parse(&s.sql).is_some());
        if rebuilds {
            // SQLite's rebuild procedure needs foreign keys off, which only works outside a
            // transaction; they are checked before commit and turned back on after.
            self.conn
                .execute_batch("PRAGMA foreign_keys = OFF")
                .map_err(other)?;
        }
        let result = self.transaction(step, rebuilds);
        if rebuilds {
            self.conn
                .execute_batch("PRAGMA foreign_keys = ON")
                .map_err(other)?;
        }
        result
    }

    pub(crate) fn transaction(
        &mut self,
        step: &Step<'_>,
        check_keys: bool,
    ) -> Result<u64, BackendError> {
        let start = Instant::now();
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(other)?;
        let result = self.run_statements(step).and_then(|()| {
            if check_keys {
                let broken = rebuild::violations(&self.conn).map_err(other)?;
                if !broken.is_empty() {
                    return Err(BackendError::Statement {
                        index: step.statements.len().saturating_sub(1),
                        message: format!(
                            "foreign key violations after rebuilding: {}",
                            broken.join(", ")
                        ),
                        position: None,
                        code: None,
                    });
                }
            }
            let ms = elapsed_ms(start);
            self.record(step, i64::try_from(ms).unwrap_or(i64::MAX))
                .map_err(other)?;
            self.conn.execute_batch("COMMIT").map_err(other)?;
            Ok(ms)
        });
        if result.is_err() && !self.conn.is_autocommit() {
            // The statement error is what the user needs; a failed rollback adds nothing to it.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }

    pub(crate) fn execute_outside_transaction(
        &mut self,
        step: &Step<'_>,
    ) -> Result<u64, BackendError> {
        if step
            .statements
            .iter()
            .any(|s| cairn::Rebuild::parse(&s.sql).is_some())
        {
            return Err(BackendError::Other(format!(
                "migration {} rebuilds a table, which SQLite can only do inside a transaction: remove `transaction: false`",
                step.record.id
            )));
        }
        let start = Instant::now();
        match (step.direction, step.resume) {
            (Direction::Up, false) if step.replaces.is_some() => {
                let tx = self.conn.unchecked_transaction().map_err(other)?;
                history::replace(
                    &tx,
                    &self.options.history_table,
                    step.record,
                    HistoryStatus::Running,
                    0,
                )
                .and_then(|()| tx.commit())
                .map_err(other)?
            }
            (Direction::Up, false) => history::insert(
                &self.conn,
                &self.options.history_table,
                step.record,
                HistoryStatus::Running,
                0,
            )
            .map_err(other)?,
            (_, true) => {
                history::mark_running(&self.conn, &self.options.history_table, step.record)
                    .map_err(other)?
            }
            (Direction::Down, false) => {}
        }
        if let Err(e) = self.run_statements(step) {
            if let (BackendError::Statement { .. }, Some(previous)) = (&e, step.replaces) {
                // A repeatable's re-run: the next `up` runs it again from the start, so its
                // previous row is the truth, not a `failed` row to repair or resume.
                history::put_back(&self.conn, &self.options.history_table, previous)
                    .map_err(|failed| cairn::put_back_failed(&step.record.id, &e, &failed))?;
            } else if let BackendError::Statement { index, message, .. } = &e {
                history::fail(
                    &self.conn,
                    &self.options.history_table,
                    &step.record.id,
                    index + 1,
                    message,
                )
                .map_err(other)?;
            }
            return Err(e);
        }
        let ms = elapsed_ms(start);
        match step.direction {
            Direction::Up => history::finish(
                &self.conn,
                &self.options.history_table,
                &step.record.id,
                i64::try_from(ms).unwrap_or(i64::MAX),
            ),
            Direction::Down => {
                history::delete(&self.conn, &self.options.history_table, &step.record.id)
            }
        }
        .map_err(other)?;
        Ok(ms)
    }
}
