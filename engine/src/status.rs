//! Where each migration stands: applied, pending, changed, missing or failed.

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
                Some(h) if h.status != HistoryStatus::Applied => MigrationState::Failed,
                // A changed repeatable migration is not an edit of history: it runs again.
                Some(h) if h.checksum != m.checksum.to_hex() && m.repeatable => {
                    MigrationState::Pending
                }
                Some(h) if h.checksum != m.checksum.to_hex() => MigrationState::Changed,
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
                    MigrationState::Failed
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
    use super::*;
    use crate::layout::{Layout, load};

    fn row(id: &str, checksum: String, status: HistoryStatus) -> AppliedMigration {
        AppliedMigration {
            description: format!("{id} as recorded"),
            applied_at: format!("2026-01-01T00:00:00.000Z {id}"),
            ..AppliedMigration::for_test(id, checksum, status)
        }
    }

    #[test]
    fn every_state_from_files_and_history() {
        let dir = crate::layout::tests::folder(&[
            ("V1__applied.sql", "SELECT 1;\n"),
            ("V2__edited.sql", "SELECT 2;\n"),
            ("V3__failed.sql", "SELECT 3;\n"),
            ("V4__running.sql", "SELECT 4;\n"),
            ("V5__pending.sql", "SELECT 5;\n"),
            ("R__view.sql", "SELECT 'v2';\n"),
        ]);
        let set = load(dir.path(), Layout::Flyway, crate::Dialect::Sqlite).unwrap();
        let now = |id: &str| set.get(id).map(|m| m.checksum.to_hex()).unwrap_or_default();
        let history = vec![
            row("V1__applied", now("V1__applied"), HistoryStatus::Applied),
            row("V2__edited", "0".repeat(64), HistoryStatus::Applied),
            row("V3__failed", now("V3__failed"), HistoryStatus::Failed),
            row("V4__running", now("V4__running"), HistoryStatus::Running),
            row("R__view", "1".repeat(64), HistoryStatus::Applied),
            row("V0__gone", "2".repeat(64), HistoryStatus::Applied),
            row("V0__gone_failed", "3".repeat(64), HistoryStatus::Failed),
        ];
        let rows = status(&set, &history);
        let got: Vec<(&str, MigrationState)> =
            rows.iter().map(|r| (r.id.as_str(), r.state)).collect();
        assert_eq!(
            got,
            [
                ("V1__applied", MigrationState::Applied),
                ("V2__edited", MigrationState::Changed),
                ("V3__failed", MigrationState::Failed),
                ("V4__running", MigrationState::Failed),
                ("V5__pending", MigrationState::Pending),
                // A repeatable whose text changed runs again: pending, not an edit.
                ("R__view", MigrationState::Pending),
                ("V0__gone", MigrationState::Missing),
                ("V0__gone_failed", MigrationState::Failed),
            ]
        );
        let gone = &rows[6];
        assert_eq!(
            (
                gone.file.as_ref(),
                gone.description.as_str(),
                gone.applied_at.as_deref()
            ),
            (
                None,
                "V0__gone as recorded",
                Some("2026-01-01T00:00:00.000Z V0__gone")
            )
        );
        assert_eq!(rows[4].applied_at, None);
        assert_eq!(
            rows[0].applied_at.as_deref(),
            Some("2026-01-01T00:00:00.000Z V1__applied")
        );
        assert!(
            rows[0]
                .file
                .as_ref()
                .is_some_and(|f| f.ends_with("V1__applied.sql"))
        );
    }
}
