//! Findings judged against the tables a run starts from.

use super::*;

/// Lints a history of YAML migrations (`(name, up)`) for SQLite under the default policy.
fn history(migrations: &[(&str, &str)]) -> LintReport {
    let files = migrations
        .iter()
        .map(|(name, up)| SourceFile {
            path: PathBuf::from(format!("migrations/{name}.yaml")),
            default_id: name.to_string(),
            text: format!("up: |\n{}", indent(up)),
        })
        .collect();
    let set = load_files(files, Dialect::Sqlite).unwrap_or_else(|e| panic!("{e}"));
    lint(&set, &Policy::default(), &Linter::new())
}

fn live(tables: &[(&str, Option<bool>)]) -> LiveTables {
    LiveTables::new(tables.iter().map(|(t, r)| (t.to_string(), *r)))
}

fn blocking_rules(report: &LintReport) -> Vec<String> {
    report.blocking().map(|f| f.rule.clone()).collect()
}

const CREATE_THEN_DROP: &[(&str, &str)] = &[
    ("0001_a", "CREATE TABLE a (id INTEGER);\n"),
    ("0002_b", "CREATE TABLE b (id INTEGER);\n"),
    (
        "0003_drop_a",
        "DROP TABLE a;\nALTER TABLE b ADD COLUMN n INTEGER NOT NULL;\n",
    ),
];

#[test]
fn statically_a_later_drop_of_an_earlier_table_blocks() {
    let report = history(CREATE_THEN_DROP);
    assert_eq!(
        blocking_rules(&report),
        ["drop_table", "add_column_not_null_without_default"]
    );
    let targets: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.target.clone())
        .collect();
    assert_eq!(targets[0].tables, ["a"]);
    assert_eq!(targets[0].harmless, Harmless::Empty);
    assert_eq!(
        tables_to_count(&report).into_iter().collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn an_empty_database_never_blocks() {
    let mut report = history(CREATE_THEN_DROP);
    assert_eq!(judge(&mut report, &live(&[])), 2);
    assert!(!report.is_blocked());
    for f in report.findings.iter().filter(|f| f.judged.is_some()) {
        assert_eq!(f.severity, Severity::Info);
        assert!(
            f.judged.as_deref().unwrap_or("").contains("no tables"),
            "{f}"
        );
    }
}

#[test]
fn a_table_created_earlier_in_the_run_is_named_in_the_reason() {
    let mut report = history(CREATE_THEN_DROP);
    // Another table exists, so the database is not empty: each finding is judged by its table.
    judge(&mut report, &live(&[("other", Some(true))]));
    assert!(!report.is_blocked());
    let drop = report
        .findings
        .iter()
        .find(|f| f.rule == "drop_table")
        .unwrap();
    assert_eq!(
        drop.judged.as_deref(),
        Some(
            "table `a` does not exist when the run starts (migration 0001_a of this run creates it): no data from before the run can be lost"
        )
    );
    assert!(
        drop.to_string()
            .contains("(not blocking: table `a` does not exist"),
        "{drop}"
    );
}

#[test]
fn a_table_with_rows_before_the_run_still_blocks() {
    let mut report = history(&[("0003_drop_a", "DROP TABLE a;\nTRUNCATE TABLE c;\n")]);
    assert_eq!(
        judge(&mut report, &live(&[("a", Some(true)), ("c", Some(false))])),
        1
    );
    assert_eq!(blocking_rules(&report), ["drop_table"]);
    let truncate = report
        .findings
        .iter()
        .find(|f| f.rule == "truncate")
        .unwrap();
    assert_eq!(
        truncate.judged.as_deref(),
        Some(
            "table `c` holds no rows when the run starts: no data from before the run can be lost"
        )
    );
}

#[test]
fn unread_rows_count_as_rows() {
    let mut report = history(&[("0003_drop_a", "DROP TABLE a;\n")]);
    assert_eq!(judge(&mut report, &live(&[("a", None)])), 0);
    assert!(report.is_blocked());
}

#[test]
fn not_null_without_default_on_an_existing_empty_table_runs() {
    let up = "ALTER TABLE users ADD COLUMN tenant INTEGER NOT NULL;\n";
    let mut report = history(&[("0004_tenant", up)]);
    judge(&mut report, &live(&[("users", Some(false))]));
    assert!(!report.is_blocked());
    let mut report = history(&[("0004_tenant", up)]);
    judge(&mut report, &live(&[("users", Some(true))]));
    assert_eq!(
        blocking_rules(&report),
        ["add_column_not_null_without_default"]
    );
}

#[test]
fn every_table_of_a_finding_must_be_harmless() {
    let mut report = history(&[("0005_drop", "DROP TABLE a, b;\n")]);
    judge(&mut report, &live(&[("b", Some(true))]));
    assert!(report.is_blocked());
}

#[test]
fn a_name_in_two_schemas_counts_rows_in_either() {
    let tables = LiveTables::new([
        ("log".to_string(), Some(false)),
        ("log".to_string(), Some(true)),
    ]);
    assert_eq!(tables.has_rows("log"), Some(true));
    let tables = LiveTables::new([("log".to_string(), Some(false)), ("log".to_string(), None)]);
    assert_eq!(tables.has_rows("log"), None);
}

#[test]
fn a_rename_of_an_empty_existing_table_is_not_harmless() {
    let policy = Policy::default().set("rename_table", Severity::Deny);
    let file = SourceFile {
        path: PathBuf::from("migrations/0001_r.yaml"),
        default_id: "0001_r".into(),
        text: "up: ALTER TABLE a RENAME TO b;\n".into(),
    };
    let set = load_files(vec![file], Dialect::Sqlite).unwrap();
    let report = lint(&set, &policy, &Linter::new());
    let mut empty = report.clone();
    judge(&mut empty, &live(&[("a", Some(false))]));
    assert!(
        empty.is_blocked(),
        "renaming breaks the running release even if empty"
    );
    let mut absent = report;
    judge(&mut absent, &live(&[("z", Some(true))]));
    assert!(!absent.is_blocked());
}

#[test]
fn findings_without_a_target_keep_their_severity() {
    let policy = Policy::default().set("syntax", Severity::Deny);
    let file = SourceFile {
        path: PathBuf::from("migrations/0001_s.yaml"),
        default_id: "0001_s".into(),
        text: "up: CREATE TABLEE x;\n".into(),
    };
    let set = load_files(vec![file], Dialect::Sqlite).unwrap();
    let mut report = lint(&set, &policy, &Linter::new());
    assert_eq!(judge(&mut report, &live(&[])), 0);
    assert_eq!(blocking_rules(&report), ["syntax"]);
}
