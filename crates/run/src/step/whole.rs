//! A migration that cannot be atomic (MySQL), sent whole: its `running` row, each statement
//! followed by the record of how far the run got, and the final `applied`, in one exchange
//! ([`Driver::execute_all`]). The database runs them in order and stops at the first failure,
//! so the history says exactly what [`super::progress`] would have written one round trip at
//! a time, wherever the run stops, at a sixth of the round trips.
//!
//! Only for a plain first run: statements that commit on their own or change rows
//! ([`Mode::Alone`], [`Mode::Wrapped`]). A script with its own transaction or session settings,
//! a resumed run, a repeatable's re-run and a revert go statement by statement.

use std::time::Instant;

use super::progress::{Mode, failed, unrecorded};
use super::{Step, at, elapsed_ms};
use crate::driver::{Driver, Param};
use crate::effect::Effect;
use crate::error::{BackendError, Direction};
use crate::history::sql::HistorySql;
use crate::history::table::{self, inserted, text};
use crate::history::{HistoryStatus, encode_depends_on};

/// What one part of the exchange is, so a failure maps to what the step-by-step run reports.
#[derive(Clone, Copy)]
enum Part {
    Running,
    Begin(usize),
    Statement(usize),
    Record(usize),
    Commit(usize),
}

/// Runs `step`, whose statements run in `modes` ([`super::modes`]), in one exchange when it
/// qualifies; `None` when it must go statement by statement.
pub(super) fn run(
    db: &mut dyn Driver,
    sql: &HistorySql,
    step: &Step<'_>,
    modes: &[(Effect, Mode)],
) -> Option<Result<u64, BackendError>> {
    let finish = sql.finish_measured()?;
    let plain_first_run = step.direction == Direction::Up
        && !step.resume
        && step.replaces.is_none()
        && step.first_statement == 0
        && !step.statements.is_empty();
    if !plain_first_run || step.statements.iter().any(|s| many_results(&s.sql)) {
        return None;
    }
    if modes
        .iter()
        .any(|(_, m)| !matches!(m, Mode::Alone | Mode::Wrapped))
    {
        return None;
    }
    let record = step.record;
    let depends_on = encode_depends_on(&record.depends_on);
    let row = inserted(record, &depends_on, HistoryStatus::Running, 0);
    let id = [text(&record.id)];
    let counts: Vec<[Param<'_>; 2]> = (2..=step.statements.len())
        .map(|next| {
            let next = Param::Int(Some(i64::try_from(next).unwrap_or(i64::MAX)));
            [next, text(&record.id)]
        })
        .collect();
    let running = sql.insert_running();
    let progress = sql.progress();
    let mut parts: Vec<(&str, &[Param<'_>])> = vec![(running.as_str(), &row)];
    let mut kinds = vec![Part::Running];
    for (index, (statement, (_, mode))) in step.statements.iter().zip(modes).enumerate() {
        let wrapped = *mode == Mode::Wrapped;
        if wrapped {
            parts.push(("START TRANSACTION", &[]));
            kinds.push(Part::Begin(index));
        }
        parts.push((statement.sql.as_str(), &[]));
        kinds.push(Part::Statement(index));
        match counts.get(index) {
            Some(count) => parts.push((progress.as_str(), count)),
            None => parts.push((finish.as_str(), &id)),
        }
        kinds.push(Part::Record(index));
        if wrapped {
            parts.push(("COMMIT", &[]));
            kinds.push(Part::Commit(index));
        }
    }
    let start = Instant::now();
    let Err((failed_part, e)) = db.execute_all(&parts) else {
        return Some(Ok(elapsed_ms(start)));
    };
    let (index, e) = match kinds.get(failed_part) {
        None | Some(Part::Running) => return Some(Err(table::plain(e))),
        Some(Part::Statement(index)) => (*index, at(*index, e)),
        Some(Part::Record(index)) => (*index, unrecorded(*index, true, table::plain(e))),
        Some(Part::Begin(index) | Part::Commit(index)) => (*index, e),
    };
    if modes.get(index).is_some_and(|(_, m)| *m == Mode::Wrapped) {
        // Whatever the statement's transaction holds did not commit.
        let _ = db.rollback();
    }
    Some(Err(failed(db, sql, step, index, index + 1, e)))
}

/// Whether `sql` may answer with more than one result (`CALL` of a procedure that selects,
/// `EXECUTE` of one), which would shift the count that says which part failed.
fn many_results(sql: &str) -> bool {
    sql.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .any(|w| w.eq_ignore_ascii_case("CALL") || w.eq_ignore_ascii_case("EXECUTE"))
}

#[cfg(test)]
mod tests {
    use super::many_results;

    #[test]
    fn calls_and_executes_are_seen_anywhere() {
        assert!(many_results("CALL seed()"));
        assert!(many_results("/* x */ call seed()"));
        assert!(many_results("EXECUTE stmt"));
        assert!(!many_results("CREATE TABLE calls (id INT)"));
        assert!(!many_results("INSERT INTO t VALUES ('recall')"));
    }
}
