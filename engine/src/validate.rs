//! Comparing what was applied with the files: changed checksums, missing files, failed runs.

use similar::TextDiff;

pub use crate::finding::Finding;
use crate::history::{AppliedMigration, HistoryStatus};
use crate::load::MigrationSet;

/// Every finding, errors first within history order.
pub fn validate(set: &MigrationSet, history: &[AppliedMigration]) -> Vec<Finding> {
    let mut out = Vec::new();
    for row in history {
        if row.status != HistoryStatus::Applied {
            out.push(Finding::Failed {
                id: row.id.clone(),
                statement: row.failed_statement.unwrap_or(0),
                message: row.error.clone().unwrap_or_else(|| {
                    "the runner stopped before the migration finished".to_string()
                }),
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
            Some(m) if m.checksum.to_hex() != row.checksum => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::summary;
    use crate::layout::{Layout, load};

    fn row(id: &str, checksum: String, up_sql: Option<&str>) -> AppliedMigration {
        AppliedMigration {
            applied_at: "2026-01-02T03:04:05.000Z".to_string(),
            up_sql: up_sql.map(str::to_string),
            ..AppliedMigration::for_test(id, checksum, HistoryStatus::Applied)
        }
    }

    #[test]
    fn every_mismatch_is_found_with_what_a_user_needs() {
        let dir = crate::layout::tests::folder(&[
            ("V1__same.sql", "SELECT 1;\n"),
            ("V2__edited.sql", "SELECT 2;\nSELECT 22;\n"),
            ("V3__failed.sql", "SELECT 3;\n"),
            ("V4__running.sql", "SELECT 4;\n"),
            ("R__view.sql", "SELECT 'new';\n"),
        ]);
        let set = load(dir.path(), Layout::Flyway, crate::Dialect::Sqlite).unwrap();
        let now = |id: &str| set.get(id).unwrap().checksum.to_hex();
        let failed = AppliedMigration {
            status: HistoryStatus::Failed,
            failed_statement: Some(2),
            error: Some("no such table: t".into()),
            ..row("V3__failed", now("V3__failed"), None)
        };
        let running = AppliedMigration {
            status: HistoryStatus::Running,
            ..row("V4__running", now("V4__running"), None)
        };
        let history = vec![
            row("V1__same", now("V1__same"), None),
            row("V2__edited", "0".repeat(64), Some("SELECT 2;\n")),
            failed,
            running,
            row("R__view", "1".repeat(64), None),
            row("V0__gone", "2".repeat(64), None),
        ];
        let findings = validate(&set, &history);
        let ids: Vec<&str> = findings.iter().map(Finding::id).collect();
        assert_eq!(ids, ["V2__edited", "V3__failed", "V4__running", "V0__gone"]);

        let Finding::Changed {
            file,
            applied,
            current,
            diff,
            ..
        } = &findings[0]
        else {
            panic!("{findings:?}")
        };
        assert!(file.ends_with("V2__edited.sql"), "{}", file.display());
        assert_eq!(
            (applied.as_str(), current.as_str()),
            ("0".repeat(64).as_str(), now("V2__edited").as_str())
        );
        assert!(diff.contains("+SELECT 22;"), "{diff}");
        assert!(diff.contains("V2__edited (applied)"), "{diff}");
        assert!(
            findings[0]
                .headline()
                .contains("V2__edited was changed after it was applied")
        );

        assert_eq!(
            findings[1],
            Finding::Failed {
                id: "V3__failed".into(),
                statement: 2,
                message: "no such table: t".into()
            }
        );
        let h = findings[1].headline();
        assert!(
            h.contains("failed at statement 2")
                && h.contains("no such table: t")
                && h.contains("migrate repair V3__failed"),
            "{h}"
        );
        let h = findings[2].headline();
        assert!(h.contains("V4__running is still marked running"), "{h}");
        assert!(
            findings[3]
                .headline()
                .contains("V0__gone (applied 2026-01-02T03:04:05.000Z) has no file")
        );

        // A missing file only warns; the summary is the errors, each with its diff.
        let errors: Vec<bool> = findings.iter().map(Finding::is_error).collect();
        assert_eq!(errors, [true, true, true, false]);
        let text = summary(&findings);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("migration ")).count(),
            3,
            "{text}"
        );
        assert!(
            text.contains("+SELECT 22;") && !text.contains("V0__gone"),
            "{text}"
        );
    }
}
