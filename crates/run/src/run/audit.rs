//! What a command writes to the audit log (`history::log`): one entry per migration it ran,
//! built from the run's own events, written in one statement under the lock when it ends.

use std::time::Instant;

use super::report::{Event, Options, RunReport};
use crate::driver::Driver;
use crate::error::{BackendError, Error, Result};
use crate::history::log::{LogEntry, LogSql, append};

/// The entries of one command, as it runs.
pub struct Audit {
    action: &'static str,
    actor: String,
    dry_run: bool,
    /// `--single-transaction`: a failure takes back what the run showed as done.
    grouped: bool,
    running: Option<(String, Instant)>,
    entries: Vec<LogEntry>,
}

impl Audit {
    /// For a command doing `action` (`up`, `down`, `repair`, ...).
    pub fn new(action: &'static str, opts: &Options) -> Audit {
        Audit {
            action,
            actor: opts.applied_by.clone(),
            dry_run: opts.dry_run,
            grouped: opts.single_transaction,
            running: None,
            entries: Vec::new(),
        }
    }

    /// Notes what the run reports as it goes.
    pub fn observe(&mut self, event: &Event<'_>) {
        match *event {
            Event::Started { id, .. } => self.running = Some((id.to_string(), Instant::now())),
            Event::Finished { id, execution_ms } => {
                self.running = None;
                let mut e = LogEntry::new(self.action, Some(id), "ok", &self.actor);
                e.duration_ms = i64::try_from(execution_ms).unwrap_or(i64::MAX);
                self.entries.push(e);
            }
            Event::Planned { .. } => {}
        }
    }

    /// Runs `run` (an up or down under the lock) with its events noted, then writes the
    /// entries ([`Audit::close`]).
    pub fn around(
        mut self,
        db: &mut dyn Driver,
        on_event: &mut dyn FnMut(Event<'_>),
        run: impl FnOnce(&mut dyn Driver, &mut dyn FnMut(Event<'_>)) -> Result<RunReport>,
    ) -> Result<RunReport> {
        let result = run(db, &mut |e| {
            self.observe(&e);
            on_event(e);
        });
        self.close(db, result)
    }

    /// Adds an entry that did not come from a run's events (`repair`, `stamp`, ...).
    pub fn push(&mut self, migration: Option<&str>, outcome: &str, detail: Option<String>) {
        let mut e = LogEntry::new(self.action, migration, outcome, &self.actor);
        e.detail = detail;
        self.entries.push(e);
    }

    /// Writes the entries of a run that ended with `result`: a migration that failed is
    /// logged with its error; one an earlier run left interrupted and this one finished is
    /// `recovered`. A log that cannot be written fails a run that succeeded (saying that its
    /// migrations are applied as reported) and leaves a failed run's error as it is.
    pub fn close(mut self, db: &mut dyn Driver, result: Result<RunReport>) -> Result<RunReport> {
        match &result {
            Ok(report) => {
                for r in &report.recovered {
                    if let Some(e) = self
                        .entries
                        .iter_mut()
                        .find(|e| e.migration.as_deref() == Some(r.id.as_str()))
                    {
                        e.outcome = "recovered".into();
                        e.detail = Some(r.headline());
                    }
                }
            }
            Err(err) => {
                self.failed(err);
                if self.grouped {
                    // The run's one transaction was rolled back: nothing it showed as done
                    // stayed.
                    for e in self.entries.iter_mut().filter(|e| e.outcome == "ok") {
                        e.outcome = "rolled back".into();
                        e.detail = Some(
                            "rolled back with the run's one transaction (--single-transaction)"
                                .into(),
                        );
                    }
                }
            }
        }
        let written = self.write(db);
        match (result, written) {
            (Ok(report), Err(e)) => Err(BackendError::Other(format!(
                "{} of {} migration(s) done as reported, but writing the audit log failed: {e}",
                self.action,
                report.migrations.len()
            ))
            .into()),
            (result, _) => result,
        }
    }

    /// Records the migration that was running when the run failed with `err`.
    pub fn failed(&mut self, err: &Error) {
        if let Some((id, started)) = self.running.take() {
            let mut e = LogEntry::new(self.action, Some(&id), "failed", &self.actor);
            e.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            e.detail = Some(err.to_string());
            self.entries.push(e);
        }
    }

    /// Writes the entries (nothing in a dry run).
    pub fn write(&self, db: &mut dyn Driver) -> std::result::Result<(), BackendError> {
        if self.dry_run {
            return Ok(());
        }
        let sql = LogSql::new(db.dialect(), db.history_table());
        append(db, &sql, &self.entries)
    }
}
