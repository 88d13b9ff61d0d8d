//! Running a step statement by statement (MySQL, `transaction: false`), recording after each
//! statement how far it got, so that a runner killed at any instant leaves a row that says,
//! for every statement, whether it took effect, or that it was the one running.
//!
//! The row is written `running` (or `reverting`) with the next statement to run before the
//! first statement. Then, per statement ([`Mode`]): one that changes rows runs in one
//! transaction with its record; one that commits on its own (MySQL DDL, PostgreSQL's `CREATE
//! INDEX CONCURRENTLY`) is followed by its record, so a stop between the two leaves exactly
//! that statement uncertain, which the next run looks up in the catalog; session settings are
//! not recorded but replayed when a run resumes after them; a transaction the script opens
//! itself records its progress inside it, just before its `COMMIT`.

use std::time::Instant;

use super::{Step, at, elapsed_ms, ms_i64};
use crate::Dialect;
use crate::driver::{Driver, Param};
use crate::effect::{Effect, runs_in_transaction};
use crate::error::{BackendError, Direction};
use crate::history::HistoryStatus;
use crate::history::batch::put_back_failed;
use crate::history::sql::HistorySql;
use crate::history::table::{self, in_transaction};
use crate::split::Statement;

/// How one statement runs and is recorded outside a migration-wide transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In its own transaction with its record: it took effect exactly when the record did.
    Wrapped,
    /// Commits on its own, then its record: a stop between them leaves it uncertain.
    Alone,
    /// Connection state: not recorded, replayed when a run resumes after it.
    Session,
    /// The script's own `BEGIN`: not recorded; a stop inside its block rolls the block back,
    /// and the run resumes at the `BEGIN`.
    Begin,
    /// Inside the script's own transaction: not recorded.
    InBlock,
    /// The script's `COMMIT`: its record is written inside the block, so both commit together.
    Commit,
    /// The script's `ROLLBACK`: runs, then its record.
    Rollback,
    /// MySQL DDL inside the script's own transaction, which commits the block before it runs:
    /// the record of the block goes just before it (and commits with it); the statement itself
    /// is then as [`Mode::Alone`].
    EndsBlock,
}

impl Mode {
    /// Whether a stop right after this statement ran, before its record, leaves it unknown
    /// whether it took effect.
    pub fn uncertain(self) -> bool {
        matches!(self, Mode::Alone | Mode::EndsBlock)
    }
}

/// Each statement's effect and how it runs, in order, in `dialect` on a database whose DDL is
/// transactional (`atomic_ddl`) or not.
pub fn modes(statements: &[Statement], dialect: Dialect, atomic_ddl: bool) -> Vec<(Effect, Mode)> {
    let mut in_block = false;
    statements
        .iter()
        .map(|s| {
            let effect = Effect::of(&s.sql, dialect);
            let mode = match (&effect, in_block) {
                (Effect::Session, _) => Mode::Session,
                (Effect::Begin, false) => {
                    in_block = true;
                    Mode::Begin
                }
                (Effect::Commit, true) => {
                    in_block = false;
                    Mode::Commit
                }
                (Effect::Rollback, true) => {
                    in_block = false;
                    Mode::Rollback
                }
                // Nothing to end: harmless to run again.
                (Effect::Commit | Effect::Rollback, false) => Mode::Session,
                (Effect::Rows | Effect::Begin, true) => Mode::InBlock,
                (_, true) if atomic_ddl => Mode::InBlock,
                (_, true) => {
                    in_block = false;
                    Mode::EndsBlock
                }
                (Effect::Rows, false) => Mode::Wrapped,
                (_, false) if atomic_ddl && runs_in_transaction(&s.sql, dialect) => Mode::Wrapped,
                (_, false) => Mode::Alone,
            };
            (effect, mode)
        })
        .collect()
}

/// Statement by statement, with the history row recording progress.
pub(super) fn with_progress(
    db: &mut dyn Driver,
    sql: &HistorySql,
    step: &Step<'_>,
) -> Result<u64, BackendError> {
    let modes = modes(step.statements, db.dialect(), db.atomic_ddl());
    if let Some(done) = super::whole::run(db, sql, step, &modes) {
        return done;
    }
    let record = step.record;
    let first = step.first_statement;
    // Written (and committed) before any statement: whatever happens next, the database says
    // this migration was started, and from which statement.
    match (step.direction, step.resume) {
        (Direction::Up, false) if step.replaces.is_some() => in_transaction(db, |db| {
            table::replace(db, sql, record, HistoryStatus::Running, 0)?;
            table::progress(db, sql, &record.id, 1)
        })?,
        (Direction::Up, false) => table::insert_running(db, sql, record)?,
        (Direction::Up, true) => table::resume(db, sql, record, first + 1)?,
        (Direction::Down, _) => table::reverting(db, sql, &record.id, first + 1)?,
    }
    let start = Instant::now();
    let mut run = Run {
        sql,
        step,
        start,
        recorded: first + 1,
        finished: false,
    };
    // A new connection has none of the settings the statements before `first` made.
    for (index, statement) in step.statements.iter().enumerate().take(first) {
        if modes.get(index).is_some_and(|(_, m)| *m == Mode::Session) {
            db.execute(&statement.sql)
                .map_err(|e| failed(db, sql, step, index, index + 1, at(index, e)))?;
        }
    }
    for (index, statement) in step.statements.iter().enumerate().skip(first) {
        let mode = modes.get(index).map_or(Mode::Alone, |(_, m)| *m);
        if let Err(e) = run.statement(db, index, &statement.sql, mode) {
            let in_block = matches!(mode, Mode::InBlock | Mode::Commit);
            if in_block || mode == Mode::Wrapped {
                // Whatever the statement's transaction holds did not commit.
                let _ = db.rollback();
            }
            let resume_at = if in_block { run.recorded } else { index + 1 };
            return Err(failed(db, sql, step, index, resume_at, e));
        }
    }
    let ms = elapsed_ms(start);
    if !run.finished {
        db.settle(true)?;
        run.mark(db, step.statements.len() + 1)?;
    }
    Ok(ms)
}

/// The state of a step being run statement by statement.
struct Run<'a> {
    sql: &'a HistorySql,
    step: &'a Step<'a>,
    start: Instant,
    /// The 1-based statement the row last said runs next.
    recorded: usize,
    /// Whether the row is final (applied, or deleted after a revert).
    finished: bool,
}

impl Run<'_> {
    /// Records that statements before 1-based `next` took effect: past the last statement,
    /// the migration is done (its row `applied`, or deleted after a revert).
    fn mark(&mut self, db: &mut dyn Driver, next: usize) -> Result<(), BackendError> {
        let id = &self.step.record.id;
        if next > self.step.statements.len() {
            match self.step.direction {
                Direction::Up => {
                    table::finish(db, self.sql, id, ms_i64(elapsed_ms(self.start)))?;
                }
                Direction::Down => table::delete(db, self.sql, id)?,
            }
            self.finished = true;
        } else {
            table::progress(db, self.sql, id, next)?;
        }
        self.recorded = next;
        Ok(())
    }

    /// Runs statement `index`, then records that statements before 1-based `next` took
    /// effect, in one exchange where the backend can ([`Driver::execute_then`]); the record's
    /// failure is reported as [`unrecorded`].
    fn run_then_mark(
        &mut self,
        db: &mut dyn Driver,
        index: usize,
        sql: &str,
        next: usize,
    ) -> Result<(), BackendError> {
        if next > self.step.statements.len() {
            // The last record holds the run's time, known only once the statement is done.
            db.execute(sql).map_err(|e| at(index, e))?;
            return self.mark(db, next).map_err(|e| unrecorded(index, true, e));
        }
        let id = self.step.record.id.as_str();
        let count = Param::Int(Some(i64::try_from(next).unwrap_or(i64::MAX)));
        match db.execute_then(sql, &self.sql.progress(), &[count, Param::Text(Some(id))]) {
            Ok(()) => {
                self.recorded = next;
                Ok(())
            }
            Err((false, e)) => Err(at(index, e)),
            Err((true, e)) => Err(unrecorded(index, true, table::plain(e))),
        }
    }

    /// Runs statement `index` in `mode` with its record; a statement error comes back as
    /// [`BackendError::Statement`].
    fn statement(
        &mut self,
        db: &mut dyn Driver,
        index: usize,
        sql: &str,
        mode: Mode,
    ) -> Result<(), BackendError> {
        let next = index + 2;
        let exec = |db: &mut dyn Driver| db.execute(sql).map_err(|e| at(index, e));
        match mode {
            Mode::Wrapped => {
                db.begin()?;
                self.run_then_mark(db, index, sql, next)?;
                db.commit()
            }
            Mode::Alone | Mode::Rollback => self.run_then_mark(db, index, sql, next),
            Mode::EndsBlock => {
                self.mark(db, index + 1)
                    .map_err(|e| unrecorded(index, false, e))?;
                self.run_then_mark(db, index, sql, next)
            }
            Mode::Commit => {
                self.mark(db, next)
                    .map_err(|e| unrecorded(index, false, e))?;
                exec(db)
            }
            Mode::Session | Mode::Begin | Mode::InBlock => exec(db),
        }
    }
}

/// A history write around statement `index` failed (the migration dropped or locked the
/// history table, say): reported as that statement's failure, so the message names the
/// migration, the statement and its line, and says the statement itself was not the cause.
pub(super) fn unrecorded(index: usize, ran: bool, e: BackendError) -> BackendError {
    let (message, code) = match e {
        BackendError::Sql { message, code, .. } => (message, code),
        BackendError::Other(message) => (message, None),
        other => return other,
    };
    let message = if ran {
        format!("the statement ran, but recording it in the history table failed: {message}")
    } else {
        format!("recording progress in the history table before the statement failed: {message}")
    };
    BackendError::Statement {
        index,
        message,
        position: None,
        code,
    }
}

/// Records statement failure `e` of statement `index` (resumable from 1-based `resume_at`) and
/// returns the error to report. When the connection is gone (before or while recording),
/// nothing can be recorded: the row keeps the progress it had, which the next run resumes
/// from.
pub(super) fn failed(
    db: &mut dyn Driver,
    sql: &HistorySql,
    step: &Step<'_>,
    index: usize,
    resume_at: usize,
    e: BackendError,
) -> BackendError {
    let id = &step.record.id;
    let BackendError::Statement {
        message,
        position,
        code,
        ..
    } = e
    else {
        return match e {
            BackendError::Connection(lost) => lost_during(&lost, step, index),
            other => other,
        };
    };
    // Inside the script's own transaction, the statements since its `BEGIN` were rolled back
    // with it: the run resumes at the `BEGIN`, and the message says which statement failed.
    let stored = if resume_at == index + 1 {
        message.clone()
    } else {
        format!("statement {}: {message}", index + 1)
    };
    // A script's own open transaction is rolled back, as the database's client does when a
    // script fails; statements it committed stay.
    let recorded = db
        .settle(false)
        .and_then(|()| match (step.replaces, step.direction) {
            // A repeatable's re-run: the next `up` runs it again from the start, so its
            // previous row is the truth, not a `failed` row to repair or resume.
            (Some(previous), _) => table::put_back(db, sql, previous),
            // No statement of the revert took effect: the migration is still applied, and
            // `down` can simply be run again once its cause is fixed.
            (None, Direction::Down) if resume_at == 1 => table::still_applied(db, sql, id, &stored),
            (None, Direction::Down) => {
                table::fail(db, sql, id, HistoryStatus::RevertFailed, resume_at, &stored)
            }
            (None, Direction::Up) => {
                table::fail(db, sql, id, HistoryStatus::Failed, resume_at, &stored)
            }
        });
    match recorded {
        Ok(()) => BackendError::Statement {
            index,
            message,
            position,
            code,
        },
        Err(BackendError::Connection(lost)) => lost_during(
            &format!("{lost} (after the statement failed: {message})"),
            step,
            index,
        ),
        Err(other) if step.replaces.is_some() => {
            let failure = format!("statement {} failed: {message}", index + 1);
            put_back_failed(id, &failure, &other)
        }
        Err(other) => BackendError::Statement {
            index,
            message: format!(
                "{message} (recording the failure failed too: {other}; the history row stays `running`)"
            ),
            position,
            code,
        },
    }
}

/// The connection broke (`lost` says how) while `step` ran statement `index` or recorded it.
fn lost_during(lost: &str, step: &Step<'_>, index: usize) -> BackendError {
    BackendError::Connection(format!(
        "{lost}, during statement {} of migration {} ({}); its history row stays `{}` with how far it got, so the next `migrate {}` resumes it",
        index + 1,
        step.record.id,
        step.direction,
        match step.direction {
            Direction::Up => HistoryStatus::Running,
            Direction::Down => HistoryStatus::Reverting,
        }
        .as_str(),
        step.direction,
    ))
}
