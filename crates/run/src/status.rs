//! Where each migration stands: applied, pending, changed, missing, failed or interrupted.

use std::path::PathBuf;

use serde::Serialize;

use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;

/// The state of one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationState {
    /// Applied and unchanged.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but its file changed since.
    Changed,
    /// Applied, but its file is gone.
    Missing,
    /// Failed part-way in an earlier run.
    Failed,
    /// Its runner stopped part-way (killed, or its connection lost) while applying or
    /// reverting it; the next `migrate up` (or `down`) finishes it.
    Interrupted,
}

impl MigrationState {
    /// The state's name as reports print it (`applied`, `pending`, ...), as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::Changed => "changed",
            MigrationState::Missing => "missing",
            MigrationState::Failed => "failed",
            MigrationState::Interrupted => "interrupted",
        }
    }
}

/// The state of a history row that is not `applied`.
fn unfinished(h: &AppliedMigration) -> MigrationState {
    match (h.status, h.failed_statement) {
        (HistoryStatus::Running | HistoryStatus::Reverting, Some(_)) => MigrationState::Interrupted,
        _ => MigrationState::Failed,
    }
}

/// One line of `migrate status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// Migration id.
    pub id: String,
    /// Its state.
    pub state: MigrationState,
    /// Description (from the file, else from history).
    pub description: String,
    /// When it was applied.
    pub applied_at: Option<String>,
    /// Its file, if there is one.
    pub file: Option<PathBuf>,
}

/// Status of every migration: files in apply order, then history rows without a file.
pub fn status(set: &MigrationSet, history: &[AppliedMigration]) -> Vec<StatusRow> {
    let by_id: std::collections::HashMap<&str, &AppliedMigration> =
        history.iter().map(|h| (h.id.as_str(), h)).collect();
    let mut rows: Vec<StatusRow> = set
        .iter()
        .map(|m| {
            let h = by_id.get(m.id.as_str());
            let state = match h {
                None => MigrationState::Pending,
                Some(h) if h.status != HistoryStatus::Applied => unfinished(h),
                // A changed repeatable migration is not an edit of history: it runs again.
                Some(h) if !m.checksum.is_hex(&h.checksum) && m.repeatable => {
                    MigrationState::Pending
                }
                Some(h) if !m.checksum.is_hex(&h.checksum) => MigrationState::Changed,
                Some(_) => MigrationState::Applied,
            };
            StatusRow {
                id: m.id.clone(),
                state,
                description: m.description.clone(),
                applied_at: h.map(|h| h.applied_at.clone()),
                file: Some(m.file.clone()),
            }
        })
        .collect();
    rows.extend(
        history
            .iter()
            .filter(|h| set.get(&h.id).is_none())
            .map(|h| StatusRow {
                id: h.id.clone(),
                state: if h.status == HistoryStatus::Applied {
                    MigrationState::Missing
                } else {
                    unfinished(h)
                },
                description: h.description.clone(),
                applied_at: Some(h.applied_at.clone()),
                file: None,
            }),
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::MigrationState;

    #[test]
    fn names_are_the_json_names() {
        for state in [
            MigrationState::Applied,
            MigrationState::Pending,
            MigrationState::Changed,
            MigrationState::Missing,
            MigrationState::Failed,
            MigrationState::Interrupted,
        ] {
            let json = serde_json::to_string(&state).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", state.name()));
        }
    }
}
