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
            | Finding::Failed { id, .. } => id,
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
                "migration {id} failed at statement {statement} in an earlier run: {message}; statements before it took effect. Fix the database, then `migrate repair {id}`"
            ),
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
