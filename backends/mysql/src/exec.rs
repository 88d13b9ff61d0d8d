//! Running a migration on MySQL/MariaDB: DDL commits implicitly, so the history row is
//! written first and records progress statement by statement.

use std::time::Instant;

use cairn::{BackendError, Direction, HistoryStatus, Step};
use mysql::prelude::Queryable;

use crate::{Mysql, errors, history};

impl Mysql {
    /// Ends any transaction the migration's SQL left open and turns autocommit back on, so the
    /// history updates that follow commit by themselves instead of joining (and dying with) an
    /// open transaction. Both are no-ops for a script that does not touch them.
    pub(crate) fn settle(&mut self, end: &str) -> Result<(), BackendError> {
        self.conn
            .query_drop(end)
            .and_then(|()| self.conn.query_drop("SET autocommit = 1"))
            .map_err(|e| self.db_error(&e))
    }

    /// Handles statement `index` failing with `e`: records the failure and returns the error.
    /// When the session is gone (before or while recording), nothing can be recorded: the row
    /// stays `running`, which the next run reports just the same.
    pub(crate) fn statement_failed(
        &mut self,
        step: &Step<'_>,
        index: usize,
        e: &mysql::Error,
    ) -> BackendError {
        let id = &step.record.id;
        let message = errors::cause(e);
        if !errors::is_lost(e) {
            // A script's own open transaction is rolled back, as the mysql client does when a
            // script fails; statements it committed (all DDL, all autocommit DML) stay.
            let recorded = self.settle("ROLLBACK").and_then(|()| {
                match step.replaces {
                    // A repeatable's re-run: the next `up` runs it again from the start, so its
                    // previous row is the truth, not a `failed` row to repair or resume.
                    Some(previous) => {
                        history::put_back(&mut self.conn, &self.options.history_table, previous)
                    }
                    None => history::fail(
                        &mut self.conn,
                        &self.options.history_table,
                        id,
                        index + 1,
                        &message,
                    ),
                }
                .map_err(|e| self.db_error(&e))
            });
            match recorded {
                Ok(()) => {
                    return BackendError::Statement {
                        index,
                        message,
                        position: None,
                        code: errors::code(e),
                    };
                }
                Err(BackendError::Connection(_)) => {}
                Err(other) if step.replaces.is_some() => {
                    let failure = format!("statement {} failed: {message}", index + 1);
                    return cairn::put_back_failed(id, &failure, &other);
                }
                Err(other) => {
                    return BackendError::Statement {
                        index,
                        message: format!(
                            "{message} (recording the failure failed too: {other}; the history row stays `running`)"
                        ),
                        position: None,
                        code: errors::code(e),
                    };
                }
            }
        }
        self.connection_error(format!(
            "lost connection to MySQL at {} during statement {} of migration {id} ({}): {message}; its history row stays `running`, so the next run stops until the migration is repaired",
            self.url.address(),
            index + 1,
            step.direction,
        ))
    }

    /// [`cairn::Backend::execute`]: the history row first (`running`, committed), then each
    /// statement, then the row `applied` (or deleted, for a rollback).
    pub(crate) fn run_step(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        let id = step.record.id.as_str();
        // Written (and committed) before any statement: whatever happens next, the database
        // says this migration was started.
        match (step.direction, step.resume) {
            (Direction::Up, false) if step.replaces.is_some() => history::replace(
                &mut self.conn,
                &self.options.history_table,
                step.record,
                HistoryStatus::Running,
            ),
            (Direction::Up, false) => history::insert(
                &mut self.conn,
                &self.options.history_table,
                step.record,
                HistoryStatus::Running,
            ),
            (Direction::Up, true) => history::mark_running(
                &mut self.conn,
                &self.options.history_table,
                id,
                Some(step.record),
            ),
            (Direction::Down, _) => {
                history::mark_running(&mut self.conn, &self.options.history_table, id, None)
            }
        }
        .map_err(|e| self.db_error(&e))?;
        let start = Instant::now();
        for (index, statement) in step
            .statements
            .iter()
            .enumerate()
            .skip(step.first_statement)
        {
            if let Err(e) = self.conn.query_drop(&statement.sql) {
                return Err(self.statement_failed(step, index, &e));
            }
        }
        let ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.settle("COMMIT")?;
        match step.direction {
            Direction::Up => history::finish(
                &mut self.conn,
                &self.options.history_table,
                id,
                i64::try_from(ms).unwrap_or(i64::MAX),
            ),
            Direction::Down => history::delete(&mut self.conn, &self.options.history_table, id),
        }
        .map_err(|e| self.db_error(&e))?;
        Ok(ms)
    }
}
