//! Deny-level lint findings judged against the live database, on every backend: a table that
//! does not exist or holds no rows when the run starts cannot lose data; one with rows still
//! blocks. The tables are read in a fixed number of queries, whatever the number of findings.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::lint::{LintReport, Linter, Policy, judge, live_tables};
use cairn::{MigrationSet, SourceFile};
use cairn_tests::{Counted, TestDb};

/// Loads YAML migrations `(id, up)` for the database's dialect.
fn set(db: &TestDb, migrations: &[(&str, &str)]) -> MigrationSet {
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let files = migrations
        .iter()
        .map(|(id, up)| SourceFile {
            path: format!("migrations/{id}.yaml").into(),
            default_id: id.to_string(),
            text: format!("up: |\n  {}\n", up.replace('\n', "\n  ")),
        })
        .collect();
    cairn::load_files(files, dialect).unwrap()
}

/// Lints the whole set, reads the live tables it needs and judges: what still blocks, and the
/// number of queries the read took.
fn judged(db: &TestDb, set: &MigrationSet) -> (LintReport, usize) {
    let mut report = cairn::lint::lint(set, &Policy::default(), &Linter::new());
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let mut counted = Counted::new(backend.as_mut());
    let live = live_tables(&mut counted, &report).unwrap();
    judge(&mut report, &live);
    (report, counted.count("query"))
}

fn blocking(report: &LintReport) -> Vec<(String, String)> {
    report
        .blocking()
        .map(|f| (f.migration.clone(), f.rule.clone()))
        .collect()
}

/// A history that creates tables and later drops, truncates, empties and alters them.
const HISTORY: &[(&str, &str)] = &[
    (
        "0001_a",
        "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);",
    ),
    (
        "0002_fill",
        "INSERT INTO a (id) VALUES (1);\nINSERT INTO b (id) VALUES (1);",
    ),
    (
        "0003_b_not_null",
        "ALTER TABLE b ADD COLUMN n INTEGER NOT NULL;",
    ),
    ("0004_empty", "DELETE FROM a;\nDELETE FROM b;"),
    ("0005_drop", "ALTER TABLE b DROP COLUMN n;\nDROP TABLE a;"),
];

fn a_fresh_database_never_blocks(db: &TestDb) {
    let set = set(db, HISTORY);
    let (report, queries) = judged(db, &set);
    assert!(
        blocking(&report).is_empty(),
        "{}: {:?}",
        db.kind.name(),
        blocking(&report)
    );
    let judged: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|f| f.judged.as_deref())
        .collect();
    assert_eq!(judged.len(), 5, "{}: {judged:?}", db.kind.name());
    assert!(judged.iter().all(|r| r.contains("no tables")), "{judged:?}");
    // Nothing exists, so only the catalog is read.
    assert_eq!(queries, 1, "{}", db.kind.name());
}

fn tables_created_by_the_run_do_not_block(db: &TestDb) {
    // Some other table exists with rows: the database is not empty, each finding is judged by
    // its own table.
    db.execute("CREATE TABLE unrelated (id INTEGER)");
    db.execute("INSERT INTO unrelated (id) VALUES (7)");
    let set = set(db, HISTORY);
    let (report, queries) = judged(db, &set);
    assert!(
        blocking(&report).is_empty(),
        "{}: {:?}",
        db.kind.name(),
        blocking(&report)
    );
    let drop = report
        .findings
        .iter()
        .find(|f| f.rule == "drop_table")
        .unwrap();
    assert_eq!(
        drop.judged.as_deref(),
        Some(
            "table `a` does not exist when the run starts (migration 0001_a of this run creates it): no data from before the run can be lost"
        ),
        "{}",
        db.kind.name()
    );
    assert_eq!(
        queries,
        1,
        "{}: none of the tables exists, no rows to read",
        db.kind.name()
    );
}

fn a_table_with_rows_blocks_and_an_empty_one_does_not(db: &TestDb) {
    db.execute("CREATE TABLE users (id INTEGER)");
    db.execute("CREATE TABLE accounts (id INTEGER)");
    db.execute("INSERT INTO accounts (id) VALUES (1)");
    let set = set(
        db,
        &[
            (
                "0001_users",
                "ALTER TABLE users ADD COLUMN tenant INTEGER NOT NULL;",
            ),
            (
                "0002_accounts",
                "ALTER TABLE accounts ADD COLUMN tenant INTEGER NOT NULL;",
            ),
            ("0003_drop_users", "DROP TABLE users;"),
            ("0004_drop_accounts", "DROP TABLE accounts;"),
            ("0005_empty", "DELETE FROM users;\nDELETE FROM accounts;"),
        ],
    );
    let (report, queries) = judged(db, &set);
    assert_eq!(
        blocking(&report),
        [
            (
                "0002_accounts".to_string(),
                "add_column_not_null_without_default".to_string()
            ),
            ("0004_drop_accounts".to_string(), "drop_table".to_string()),
            ("0005_empty".to_string(), "delete_without_where".to_string()),
        ],
        "{}",
        db.kind.name()
    );
    let users = report
        .findings
        .iter()
        .find(|f| f.migration == "0001_users" && f.rule == "add_column_not_null_without_default")
        .unwrap();
    assert_eq!(
        users.judged.as_deref(),
        Some(
            "table `users` holds no rows when the run starts: no data from before the run can be lost"
        )
    );
    // The catalog, then one query for the rows of both tables.
    assert_eq!(queries, 2, "{}", db.kind.name());
}

fn the_queries_do_not_grow_with_the_findings(db: &TestDb) {
    let mut migrations = Vec::new();
    for i in 0..40 {
        db.execute(&format!("CREATE TABLE t{i} (id INTEGER)"));
        if i % 2 == 0 {
            db.execute(&format!("INSERT INTO t{i} (id) VALUES ({i})"));
        }
        migrations.push((format!("{i:04}_drop"), format!("DROP TABLE t{i};")));
    }
    let refs: Vec<(&str, &str)> = migrations
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let set = set(db, &refs);
    let (report, queries) = judged(db, &set);
    assert_eq!(
        blocking(&report).len(),
        20,
        "{}: the tables with rows",
        db.kind.name()
    );
    assert_eq!(queries, 2, "{}", db.kind.name());
}

cairn_tests::on_every_backend!(
    a_fresh_database_never_blocks,
    tables_created_by_the_run_do_not_block,
    a_table_with_rows_blocks_and_an_empty_one_does_not,
    the_queries_do_not_grow_with_the_findings,
    the_history_is_read_once_per_run,
);

/// `up` reads the history once per run, whatever the number of migrations, and a run with
/// nothing to do reads it once too (promised in docs/performance.md, an invariant in
/// ARCHITECTURE.md).
fn the_history_is_read_once_per_run(db: &TestDb) {
    let migrations: Vec<(String, String)> = (0..12)
        .map(|i| {
            (
                format!("{i:04}_t"),
                format!("CREATE TABLE t{i} (id INTEGER);"),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = migrations
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let set = set(db, &refs);
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    for expected_runs in [12, 0] {
        let mut counted = Counted::new(backend.as_mut());
        let report = cairn::up(
            &mut counted,
            &set,
            &cairn::UpTarget::All,
            &cairn::Options::default(),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(report.migrations.len(), expected_runs, "{}", db.kind.name());
        assert_eq!(
            counted.count("history"),
            1,
            "{}: {:?}",
            db.kind.name(),
            counted.calls
        );
    }
}
