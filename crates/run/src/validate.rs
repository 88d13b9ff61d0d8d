//! Comparing what was applied with the files: changed checksums, missing files, failed runs.

use similar::TextDiff;

use crate::error::Direction;
pub use crate::finding::Finding;
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;

/// Every finding, errors first within history order.
pub fn validate(set: &MigrationSet, history: &[AppliedMigration]) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in history {
        if row.status != HistoryStatus::Applied {
            let id = row.id.clone();
            let statement = row.failed_statement.unwrap_or(0);
            let message = row
                .error
                .clone()
                .unwrap_or_else(|| "the runner stopped before the migration finished".to_string());
            out.push(match (row.status, row.failed_statement) {
                (HistoryStatus::Running, Some(statement)) => Finding::Interrupted {
                    id,
                    direction: Direction::Up,
                    statement,
                },
                (HistoryStatus::Reverting, Some(statement)) => Finding::Interrupted {
                    id,
                    direction: Direction::Down,
                    statement,
                },
                (HistoryStatus::Reverting | HistoryStatus::RevertFailed, _) => {
                    Finding::RevertFailed {
                        id,
                        statement,
                        message,
                    }
                }
                (_, _) => Finding::Failed {
                    id,
                    statement,
                    message,
                },
            });
            continue;
        }
        match set.get(&row.id) {
            None => out.push(Finding::Missing {
                id: row.id.clone(),
                applied_at: row.applied_at.clone(),
            }),
            // A repeatable migration is meant to change: `up` runs it again.
            Some(m) if m.repeatable => {}
            Some(m) if !m.checksum.is_hex(&row.checksum) => {
                let applied = row
                    .up_sql
                    .as_deref()
                    .unwrap_or("-- (the applied SQL was not recorded)\n");
                let diff = TextDiff::from_lines(applied, m.up.sql.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &format!("{} (applied)", row.id),
                        &m.file.display().to_string(),
                    )
                    .to_string();
                out.push(Finding::Changed {
                    id: row.id.clone(),
                    file: m.file.clone(),
                    applied: row.checksum.clone(),
                    current: m.checksum.to_hex(),
                    diff,
                });
            }
            Some(_) => {}
        }
    }
    out
}
