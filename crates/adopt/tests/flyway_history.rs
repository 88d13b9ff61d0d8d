//! `validate` and `status` over a Flyway folder (repeatable `R__` files, versioned `V` files):
//! the runner's findings and states for every kind of history row.

use std::fs;

use cairn_adopt::layout::{Layout, load};
use cairn_core::finding::summary;
use cairn_core::{AppliedMigration, Dialect, Finding, HistoryStatus};
use cairn_run::{MigrationState, status, validate};

#[allow(clippy::unwrap_used)]
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        fs::write(dir.path().join(rel), text).unwrap();
    }
    dir
}

/// A row: `id` with `checksum` and `status`, rank 1, everything else empty.
fn for_test(id: &str, checksum: String, status: HistoryStatus) -> AppliedMigration {
    AppliedMigration {
        id: id.to_string(),
        checksum,
        description: String::new(),
        applied_at: String::new(),
        execution_ms: 0,
        applied_by: String::new(),
        engine_version: String::new(),
        up_sql: None,
        down_sql: None,
        depends_on: Vec::new(),
        status,
        rank: 1,
        failed_statement: None,
        error: None,
    }
}

fn validate_row(id: &str, checksum: String, up_sql: Option<&str>) -> AppliedMigration {
    AppliedMigration {
        applied_at: "2026-01-02T03:04:05.000Z".to_string(),
        up_sql: up_sql.map(str::to_string),
        ..for_test(id, checksum, HistoryStatus::Applied)
    }
}

#[test]
fn every_mismatch_is_found_with_what_a_user_needs() {
    let dir = folder(&[
        ("V1__same.sql", "SELECT 1;\n"),
        ("V2__edited.sql", "SELECT 2;\nSELECT 22;\n"),
        ("V3__failed.sql", "SELECT 3;\n"),
        ("V4__running.sql", "SELECT 4;\n"),
        ("R__view.sql", "SELECT 'new';\n"),
    ]);
    let set = load(dir.path(), Layout::Flyway, Dialect::Sqlite).unwrap();
    let now = |id: &str| set.get(id).unwrap().checksum.to_hex();
    let failed = AppliedMigration {
        status: HistoryStatus::Failed,
        failed_statement: Some(2),
        error: Some("no such table: t".into()),
        ..validate_row("V3__failed", now("V3__failed"), None)
    };
    let running = AppliedMigration {
        status: HistoryStatus::Running,
        ..validate_row("V4__running", now("V4__running"), None)
    };
    let history = vec![
        validate_row("V1__same", now("V1__same"), None),
        validate_row("V2__edited", "0".repeat(64), Some("SELECT 2;\n")),
        failed,
        running,
        validate_row("R__view", "1".repeat(64), None),
        validate_row("V0__gone", "2".repeat(64), None),
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

fn status_row(id: &str, checksum: String, status: HistoryStatus) -> AppliedMigration {
    AppliedMigration {
        description: format!("{id} as recorded"),
        applied_at: format!("2026-01-01T00:00:00.000Z {id}"),
        ..for_test(id, checksum, status)
    }
}

#[test]
fn every_state_from_files_and_history() {
    let dir = folder(&[
        ("V1__applied.sql", "SELECT 1;\n"),
        ("V2__edited.sql", "SELECT 2;\n"),
        ("V3__failed.sql", "SELECT 3;\n"),
        ("V4__running.sql", "SELECT 4;\n"),
        ("V5__pending.sql", "SELECT 5;\n"),
        ("R__view.sql", "SELECT 'v2';\n"),
    ]);
    let set = load(dir.path(), Layout::Flyway, Dialect::Sqlite).unwrap();
    let now = |id: &str| set.get(id).map(|m| m.checksum.to_hex()).unwrap_or_default();
    let history = vec![
        status_row("V1__applied", now("V1__applied"), HistoryStatus::Applied),
        status_row("V2__edited", "0".repeat(64), HistoryStatus::Applied),
        status_row("V3__failed", now("V3__failed"), HistoryStatus::Failed),
        status_row("V4__running", now("V4__running"), HistoryStatus::Running),
        status_row("R__view", "1".repeat(64), HistoryStatus::Applied),
        status_row("V0__gone", "2".repeat(64), HistoryStatus::Applied),
        status_row("V0__gone_failed", "3".repeat(64), HistoryStatus::Failed),
    ];
    let rows = status(&set, &history);
    let got: Vec<(&str, MigrationState)> = rows.iter().map(|r| (r.id.as_str(), r.state)).collect();
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
