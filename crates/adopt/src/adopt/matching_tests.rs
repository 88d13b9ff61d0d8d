#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use super::*;
use crate::model::{LintSettings, Script};
use crate::origin::ToolOrigin;
use crate::{Checksum, Dialect, split};

fn migration(
    tool: Layout,
    file: &str,
    version: &str,
    name: &str,
    deps: &[&str],
    sql: &str,
) -> Migration {
    let id = file.trim_end_matches(".sql").to_string();
    Migration {
        id,
        description: name.replace('_', " "),
        depends_on: deps.iter().map(|d| d.to_string()).collect(),
        up: Script::new(
            sql.to_string(),
            split(sql, Dialect::Sqlite).unwrap(),
            1,
            true,
        ),
        down: None,
        transaction: true,
        checksum: Checksum::of_sql(sql),
        file: PathBuf::from("migrations").join(file),
        down_file: None,
        source: Arc::from(sql),
        lint: LintSettings::default(),
        up_origins: Vec::new(),
        down_derived: false,
        repeatable: version.is_empty(),
        origin: Some(ToolOrigin {
            layout: tool,
            version: version.to_string(),
            name: name.to_string(),
        }),
    }
}

fn row(version: &str, checksum: Option<&str>) -> ForeignRow {
    ForeignRow {
        version: version.to_string(),
        name: None,
        checksum: checksum.map(str::to_string),
        applied: true,
        kind: RowKind::Migration,
    }
}

fn outcomes(m: &Matching) -> Vec<(String, AdoptOutcome)> {
    m.entries
        .iter()
        .map(|e| (e.id.clone(), e.outcome))
        .collect()
}

/// A chain of three sqlx migrations (`0001_a` ... `0003_c`), each depending on the previous.
fn sqlx_chain() -> Vec<Migration> {
    vec![
        migration(
            Layout::Sqlx,
            "0001_a.sql",
            "0001",
            "a",
            &[],
            "CREATE TABLE a (id INT);\n",
        ),
        migration(
            Layout::Sqlx,
            "0002_b.sql",
            "0002",
            "b",
            &["0001_a"],
            "CREATE TABLE b (id INT);\n",
        ),
        migration(
            Layout::Sqlx,
            "0003_c.sql",
            "0003",
            "c",
            &["0002_b"],
            "CREATE TABLE c (id INT);\n",
        ),
    ]
}

#[test]
fn sqlx_rows_adopt_with_verified_checksums_and_the_rest_stays_pending() {
    let set = sqlx_chain();
    let refs: Vec<&Migration> = set.iter().collect();
    let rows = vec![
        row("1", Some(&checksums::sqlx(&set[0].up.sql).to_uppercase())),
        row("2", Some(&checksums::sqlx(&set[1].up.sql))),
    ];
    let m = match_rows(Layout::Sqlx, &refs, &rows, &HashSet::new());
    assert_eq!(
        outcomes(&m),
        [
            ("0001_a".into(), AdoptOutcome::Adopted),
            ("0002_b".into(), AdoptOutcome::Adopted),
            ("0003_c".into(), AdoptOutcome::Pending),
        ]
    );
    assert_eq!(m.entries[0].checksum, ChecksumCheck::Verified);
    assert!(m.unmatched.is_empty() && m.refused.is_empty());
}

#[test]
fn a_changed_file_is_not_adopted_and_blocks_what_depends_on_it() {
    let set = sqlx_chain();
    let refs: Vec<&Migration> = set.iter().collect();
    let rows = vec![
        row("1", Some(&checksums::sqlx("CREATE TABLE a (id BIGINT);\n"))),
        row("2", Some(&checksums::sqlx(&set[1].up.sql))),
        row("7", Some("00")),
    ];
    let m = match_rows(Layout::Sqlx, &refs, &rows, &HashSet::new());
    assert_eq!(m.entries[0].outcome, AdoptOutcome::ChecksumMismatch);
    assert_eq!(m.entries[1].outcome, AdoptOutcome::Blocked);
    assert_eq!(m.unmatched.len(), 1);
    assert_eq!(m.unmatched[0].version, "7");
}

#[test]
fn already_recorded_migrations_are_reported_not_duplicated() {
    let set = sqlx_chain();
    let refs: Vec<&Migration> = set.iter().collect();
    let rows = vec![
        row("1", Some(&checksums::sqlx(&set[0].up.sql))),
        row("2", Some(&checksums::sqlx(&set[1].up.sql))),
    ];
    let recorded: HashSet<String> = ["0001_a".to_string()].into();
    let m = match_rows(Layout::Sqlx, &refs, &rows, &recorded);
    assert_eq!(m.entries[0].outcome, AdoptOutcome::AlreadyRecorded);
    assert_eq!(m.entries[1].outcome, AdoptOutcome::Adopted);
}

#[test]
fn failed_sqlx_rows_and_dirty_golang_migrate_are_refused() {
    let set = sqlx_chain();
    let refs: Vec<&Migration> = set.iter().collect();
    let mut failed = row("1", None);
    failed.applied = false;
    let m = match_rows(Layout::Sqlx, &refs, &[failed], &HashSet::new());
    assert!(m.refused[0].contains("success = false"), "{:?}", m.refused);

    let dirty = ForeignRow {
        kind: RowKind::Current { dirty: true },
        ..row("2", None)
    };
    let m = match_rows(Layout::GolangMigrate, &refs, &[dirty], &HashSet::new());
    assert!(m.refused[0].contains("dirty"), "{:?}", m.refused);
}

#[test]
fn golang_migrate_applies_everything_up_to_its_current_version() {
    let set: Vec<Migration> = ["1_a", "2_b", "10_c"]
        .iter()
        .map(|f| {
            let (v, n) = f.split_once('_').unwrap();
            migration(
                Layout::GolangMigrate,
                &format!("{f}.up.sql"),
                v,
                n,
                &[],
                "SELECT 1;",
            )
        })
        .collect();
    let refs: Vec<&Migration> = set.iter().collect();
    let current = ForeignRow {
        kind: RowKind::Current { dirty: false },
        ..row("2", None)
    };
    let m = match_rows(
        Layout::GolangMigrate,
        &refs,
        std::slice::from_ref(&current),
        &HashSet::new(),
    );
    let got: Vec<AdoptOutcome> = m.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(
        got,
        [
            AdoptOutcome::Adopted,
            AdoptOutcome::Adopted,
            AdoptOutcome::Pending
        ]
    );
    assert!(m.unmatched.is_empty());
    // A current version no file has is reported.
    let stray = ForeignRow {
        version: "3".into(),
        ..current
    };
    assert_eq!(
        match_rows(Layout::GolangMigrate, &refs, &[stray], &HashSet::new())
            .unmatched
            .len(),
        1
    );
}

#[test]
fn goose_takes_the_latest_row_per_version_and_ignores_version_zero() {
    let set: Vec<Migration> = ["00001_a", "00002_b"]
        .iter()
        .map(|f| {
            let (v, n) = f.split_once('_').unwrap();
            migration(Layout::Goose, &format!("{f}.sql"), v, n, &[], "SELECT 1;")
        })
        .collect();
    let refs: Vec<&Migration> = set.iter().collect();
    let zero = ForeignRow {
        kind: RowKind::Ignored,
        ..row("0", None)
    };
    let rolled_back = ForeignRow {
        applied: false,
        ..row("2", None)
    };
    let rows = [zero, row("1", None), row("2", None), rolled_back];
    let m = match_rows(Layout::Goose, &refs, &rows, &HashSet::new());
    let got: Vec<AdoptOutcome> = m.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(got, [AdoptOutcome::Adopted, AdoptOutcome::Pending]);
    assert!(m.unmatched.is_empty());
}

#[test]
fn diesel_versions_come_from_the_folder_name_without_dashes() {
    let mut m = migration(
        Layout::Diesel,
        "x",
        "2019-01-01-000000",
        "create_a",
        &[],
        "SELECT 1;",
    );
    m.file = PathBuf::from("migrations/2019-01-01-000000_create_a/up.sql");
    assert_eq!(
        file_key(Layout::Diesel, &m).as_deref(),
        Some("20190101000000")
    );
    let refs = [&m];
    let got = match_rows(
        Layout::Diesel,
        &refs,
        &[row("20190101000000", None)],
        &HashSet::new(),
    );
    assert_eq!(got.entries[0].outcome, AdoptOutcome::Adopted);
    assert_eq!(got.entries[0].checksum, ChecksumCheck::NotStored);
}

#[test]
fn flyway_matches_dotted_versions_checksums_baselines_and_repeatables() {
    let v1 = migration(
        Layout::Flyway,
        "V1__a.sql",
        "1",
        "a",
        &[],
        "CREATE TABLE a (id INT);\n",
    );
    let v11 = migration(
        Layout::Flyway,
        "V1_1__b.sql",
        "1_1",
        "b",
        &["V1__a"],
        "CREATE TABLE b (id INT);\r\n",
    );
    let v2 = migration(
        Layout::Flyway,
        "V2__c.sql",
        "2",
        "c",
        &["V1_1__b"],
        "SELECT 1;",
    );
    let r = migration(
        Layout::Flyway,
        "R__views.sql",
        "",
        "views",
        &["V2__c"],
        "SELECT 2;",
    );
    let set = [&v1, &v11, &v2, &r];
    let baseline = ForeignRow {
        kind: RowKind::Baseline,
        ..row("1", None)
    };
    let crc = |m: &Migration| checksums::flyway(&m.up.sql).to_string();
    let repeatable = ForeignRow {
        version: String::new(),
        name: Some("R__views.sql".into()),
        kind: RowKind::Repeatable,
        ..row("", Some(&crc(&r)))
    };
    let rows = [
        baseline,
        row("1.1", Some(&crc(&v11))),
        row("2", Some(&crc(&v2))),
        repeatable,
    ];
    let m = match_rows(Layout::Flyway, &set, &rows, &HashSet::new());
    let got: Vec<AdoptOutcome> = m.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(got, [AdoptOutcome::Adopted; 4]);
    assert_eq!(
        m.entries[0].detail.as_deref(),
        Some("at or below the Flyway baseline")
    );
    assert_eq!(m.entries[1].checksum, ChecksumCheck::Verified);

    // A version Flyway undid (a later `UNDO_SQL` row) is no longer applied.
    let undone = ForeignRow {
        kind: RowKind::Undone,
        ..row("2", None)
    };
    let rows = [
        row("1.1", Some(&crc(&v11))),
        row("2", Some(&crc(&v2))),
        undone,
    ];
    let m = match_rows(Layout::Flyway, &[&v11, &v2], &rows, &HashSet::new());
    let got: Vec<AdoptOutcome> = m.entries.iter().map(|e| e.outcome).collect();
    assert_eq!(got, [AdoptOutcome::Blocked, AdoptOutcome::Pending]);

    // A repeatable whose file changed is left pending, for `up` to run again.
    let changed = ForeignRow {
        version: String::new(),
        name: Some("R__views.sql".into()),
        kind: RowKind::Repeatable,
        ..row("", Some("12345"))
    };
    let m = match_rows(Layout::Flyway, &[&r], &[changed], &HashSet::new());
    assert_eq!(m.entries[0].outcome, AdoptOutcome::Pending);
}

#[test]
fn refinery_checksums_verify_with_the_name_version_and_sql() {
    let m = migration(
        Layout::Refinery,
        "V1__initial.sql",
        "1",
        "initial",
        &[],
        "CREATE TABLE t (id INT);",
    );
    let [narrow, _] = checksums::refinery("initial", 1, &m.up.sql);
    let got = match_rows(
        Layout::Refinery,
        &[&m],
        &[row("1", Some(&narrow.to_string()))],
        &HashSet::new(),
    );
    assert_eq!(got.entries[0].checksum, ChecksumCheck::Verified);
    let bad = match_rows(
        Layout::Refinery,
        &[&m],
        &[row("1", Some("42"))],
        &HashSet::new(),
    );
    assert_eq!(bad.entries[0].outcome, AdoptOutcome::ChecksumMismatch);
}
