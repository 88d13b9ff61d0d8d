//! What `validate` finds when it compares the history with the files ([`Finding`]), apart
//! from the comparison itself (`validate`), so that [`crate::Error`] can carry findings without
//! depending on how they are found.

use std::path::PathBuf;

use serde::Serialize;

/// A mismatch between the history and the files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// An applied migration's file was edited after it was applied.
    Changed {
        /// Migration id.
        id: String,
        /// Its file.
        file: PathBuf,
        /// Checksum recorded when applied.
        applied: String,
        /// Checksum of the file now.
        current: String,
        /// Unified diff of the applied up SQL against the file's.
        diff: String,
    },
    /// An applied migration has no file any more; it can still be rolled back from history.
    Missing {
        /// Migration id.
        id: String,
        /// When it was applied.
        applied_at: String,
    },
    /// A migration that ran outside a transaction failed part-way (or its runner died).
    Failed {
        /// Migration id.
        id: String,
        /// 1-based statement that failed (0 when the runner died before recording one).
        statement: i64,
        /// The database's message.
        message: String,
    },
    /// A migration's revert (`down`) ran outside a transaction and failed part-way (or its
    /// runner died while reverting it): it is neither applied nor reverted.
    RevertFailed {
        /// Migration id.
        id: String,
        /// 1-based statement of the down that failed (0 when the runner died before
        /// recording one).
        statement: i64,
        /// The database's message.
        message: String,
    },
    /// A migration was being applied or reverted outside a transaction when its runner
    /// stopped (killed, or its connection lost); its row records how far it got, so the next
    /// `up` (or `down`, for a revert) resumes it.
    Interrupted {
        /// Migration id.
        id: String,
        /// Applying or reverting.
        direction: crate::error::Direction,
        /// 1-based statement that was to run next: every statement before it took effect.
        statement: i64,
    },
}

/// What took effect before statement `statement` (1-based) failed.
fn before(statement: i64, what: &str) -> String {
    match statement {
        ..=1 => format!("no statement of {what} took effect"),
        2 => format!("statement 1 of {what} took effect"),
        k => format!("statements 1–{} of {what} took effect", k - 1),
    }
}

impl Finding {
    /// Whether it blocks `up` and fails `validate` (a missing file only warns).
    pub fn is_error(&self) -> bool {
        !matches!(self, Finding::Missing { .. })
    }

    /// The migration it concerns.
    pub fn id(&self) -> &str {
        match self {
            Finding::Changed { id, .. }
            | Finding::Missing { id, .. }
            | Finding::Failed { id, .. }
            | Finding::RevertFailed { id, .. }
            | Finding::Interrupted { id, .. } => id,
        }
    }

    /// One line for a terminal.
    pub fn headline(&self) -> String {
        match self {
            Finding::Changed { id, file, .. } => {
                format!(
                    "migration {id} was changed after it was applied ({}): restore the file, or write a new migration for the change",
                    file.display()
                )
            }
            Finding::Missing { id, applied_at } => {
                format!(
                    "migration {id} (applied {applied_at}) has no file; it can still be rolled back from the stored down SQL"
                )
            }
            // Statement 0: the row is still `running`, so nothing says how far it got.
            Finding::Failed {
                id, statement: 0, ..
            } => format!(
                "migration {id} is still marked running: an earlier run stopped in the middle of it (killed, or its connection lost), so which of its statements took effect is unknown. Check the database and undo them, then `migrate repair {id}`"
            ),
            Finding::Failed {
                id,
                statement,
                message,
            } => format!(
                "migration {id} failed at statement {statement} in an earlier run: {message}; {}. Fix the cause, then `migrate up --resume` (runs it from statement {statement}), or undo them by hand and `migrate repair {id}`",
                before(*statement, "it")
            ),
            Finding::RevertFailed {
                id, statement: 0, ..
            } => format!(
                "migration {id} was being reverted when an earlier run stopped (killed, or its connection lost), so which statements of its down took effect is unknown. Check the database, finish the revert by hand, then `migrate repair {id}` (it becomes pending)"
            ),
            Finding::RevertFailed {
                id,
                statement,
                message,
            } => format!(
                "migration {id} failed while reverting, at statement {statement} of its down: {message}; {}, so it is neither applied nor reverted. Fix the cause, then `migrate down --resume` (runs the down from statement {statement}), or finish the revert by hand and `migrate repair {id}` (it becomes pending)",
                before(*statement, "its down")
            ),
            Finding::Interrupted {
                id,
                direction,
                statement,
            } => {
                let (what, command) = match direction {
                    crate::error::Direction::Up => ("it", "migrate up"),
                    crate::error::Direction::Down => ("its down", "migrate down"),
                };
                format!(
                    "migration {id} was interrupted ({}) when an earlier run stopped: {}; `{command}` resumes it from there",
                    match direction {
                        crate::error::Direction::Up => "applying",
                        crate::error::Direction::Down => "reverting",
                    },
                    before(*statement, what)
                )
            }
        }
    }
}

/// A one-paragraph summary of the error findings, with diffs.
pub fn summary(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| f.is_error()) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&f.headline());
        if let Finding::Changed { diff, .. } = f {
            out.push('\n');
            out.push_str(diff.trim_end());
        }
    }
    out
}
