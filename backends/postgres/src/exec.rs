//! Running a migration's statements and recording it: in one transaction with its history
//! row, or statement by statement with progress in the history row.

use std::time::Instant;

use cairn::{BackendError, Direction, HistoryStatus, Step};
use postgres::GenericClient;

use crate::url::Target;
use crate::{Postgres, errors, history};

impl Postgres {
    pub(crate) fn execute_in_transaction(&mut self, step: &Step<'_>) -> Result<u64, BackendError> {
        let target = &self.target;
        let fail = |e: postgres::Error| errors::other(target, &e);
        // Dropping the transaction on any error path rolls it back.
        let mut tx = self.client.transaction().map_err(fail)?;
        let start = Instant::now();
        run_statements(&mut tx, target, step)?;
        let ms = elapsed_ms(start);
        match step.direction {
            Direction::Up if step.replaces.is_some() => history::replace(
                &mut tx,
                &self.options.history_table,
                step.record,
                HistoryStatus::Applied,
                ms_i64(ms),
            ),
            Direction::Up => history::insert(
                &mut tx,
                &self.options.history_table,
                step.record,
                HistoryStatus::Applied,
                ms_i64(ms),
            ),
            Direction::Down => {
                history::delete(&mut tx, &self.options.history_table, &step.record.id)
            }
        }
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(ms)
    }

    pub(crate) fn execute_outside_transaction(
        &mut self,
        step: &Step<'_>,
    ) -> Result<u64, BackendError> {
        let target = &self.target;
        let client = &mut self.client;
        let fail = |e: postgres::Error| errors::other(target, &e);
        let start = Instant::now();
        match (step.direction, step.resume) {
            (Direction::Up, false) if step.replaces.is_some() => {
                let mut tx = client.transaction().map_err(fail)?;
                history::replace(
                    &mut tx,
                    &self.options.history_table,
                    step.record,
                    HistoryStatus::Running,
                    0,
                )
                .and_then(|()| tx.commit())
                .map_err(fail)?
            }
            (Direction::Up, false) => history::insert(
                client,
                &self.options.history_table,
                step.record,
                HistoryStatus::Running,
                0,
            )
            .map_err(fail)?,
            (_, true) => history::mark_running(client, &self.options.history_table, step.record)
                .map_err(fail)?,
            (Direction::Down, false) => {}
        }
        if let Err(e) = run_statements(client, target, step) {
            // A lost connection leaves the row `running`, which the next run reports.
            if let (BackendError::Statement { .. }, Some(previous)) = (&e, step.replaces) {
                // A repeatable's re-run: the next `up` runs it again from the start, so its
                // previous row is the truth, not a `failed` row to repair or resume.
                let mut tx = client.transaction().map_err(fail)?;
                history::put_back(&mut tx, &self.options.history_table, previous)
                    .and_then(|()| tx.commit())
                    .map_err(|failed| cairn::put_back_failed(&step.record.id, &e, &failed))?;
            } else if let BackendError::Statement { index, message, .. } = &e {
                history::fail(
                    client,
                    &self.options.history_table,
                    &step.record.id,
                    index + 1,
                    message,
                )
                .map_err(fail)?;
            }
            return Err(e);
        }
        let ms = elapsed_ms(start);
        match step.direction {
            Direction::Up => history::finish(
                client,
                &self.options.history_table,
                &step.record.id,
                ms_i64(ms),
            ),
            Direction::Down => {
                history::delete(client, &self.options.history_table, &step.record.id)
            }
        }
        .map_err(fail)?;
        Ok(ms)
    }
}

/// Runs `step`'s statements from `first_statement` on, each with the simple query protocol so
/// any statement works (no parameters, several result sets allowed).
fn run_statements(
    client: &mut impl GenericClient,
    target: &Target,
    step: &Step<'_>,
) -> Result<(), BackendError> {
    for (index, statement) in step
        .statements
        .iter()
        .enumerate()
        .skip(step.first_statement)
    {
        client
            .batch_execute(&statement.sql)
            .map_err(|e| errors::statement(target, index, &e))?;
    }
    Ok(())
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn ms_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}
