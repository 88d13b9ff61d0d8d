//! The migration protocol on a driver that implements `cairn::Driver` alone
//! (`cairn_tests::MinimalSqlite`: no introspection, maintenance, backup or scratch roles): apply,
//! revert, a failing statement inside and outside a transaction, resume, repair, and concurrent
//! runners. What a new backend needs is the core trait; the history table and the steps are
//! the engine's.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use cairn::{
    Dialect, DownTarget, Driver, Error, HistoryStatus, Migrate, MigrationSet, Options, SourceFile,
    UpTarget,
};
use cairn_tests::MinimalSqlite;

fn set(files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(id, text)| SourceFile {
            path: PathBuf::from("migrations").join(format!("{id}.yaml")),
            default_id: id.to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, Dialect::Sqlite).unwrap()
}

fn up(db: &mut dyn Driver, set: &MigrationSet, opts: &Options) -> cairn::Result<Vec<String>> {
    let report = cairn::up(db, set, &UpTarget::All, opts, &mut |_| {})?;
    Ok(report.migrations.into_iter().map(|m| m.id).collect())
}

fn scalar(db: &mut dyn Driver, sql: &str) -> String {
    db.query(sql).unwrap()[0][0].clone().unwrap_or_default()
}

/// Tables, without the audit log (every command appends to it).
fn tables(db: &mut dyn Driver) -> Vec<String> {
    db.query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'cairn_migrations_log' ORDER BY name")
        .unwrap()
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect()
}

fn open(dir: &Path) -> MinimalSqlite {
    MinimalSqlite::open(&dir.join("app.db")).unwrap()
}

const CHAIN: &[(&str, &str)] = &[
    (
        "0001_a",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    ),
    (
        "0002_b",
        "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (id INTEGER PRIMARY KEY);\n  INSERT INTO b (id) VALUES (1);\ndown: DROP TABLE b;\n",
    ),
    (
        "0003_c",
        "depends_on: [0002_b]\nup: CREATE TABLE c (id INTEGER PRIMARY KEY);\ndown: DROP TABLE c;\n",
    ),
];

#[test]
fn applies_records_and_reverts_with_the_core_trait_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    assert!(db.introspection().is_none() && db.backups().is_none());
    let set = set(CHAIN);
    assert_eq!(
        up(&mut db, &set, &Options::default()).unwrap(),
        ["0001_a", "0002_b", "0003_c"]
    );
    let history = db.history().unwrap();
    let ranks: Vec<(String, i64, HistoryStatus)> = history
        .iter()
        .map(|h| (h.id.clone(), h.rank, h.status))
        .collect();
    assert_eq!(
        ranks,
        [
            ("0001_a".to_string(), 1, HistoryStatus::Applied),
            ("0002_b".to_string(), 2, HistoryStatus::Applied),
            ("0003_c".to_string(), 3, HistoryStatus::Applied),
        ]
    );
    assert_eq!(
        history[1].checksum,
        set.get("0002_b").unwrap().checksum.to_hex()
    );
    assert_eq!(history[1].depends_on, ["0001_a"]);
    assert!(
        history[0].applied_at.ends_with('Z'),
        "{}",
        history[0].applied_at
    );
    // Up to date: nothing runs, and the history is read once.
    assert!(up(&mut db, &set, &Options::default()).unwrap().is_empty());
    let reverted = cairn::down(
        &mut db,
        &set,
        &DownTarget::Steps(2),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let ids: Vec<&str> = reverted.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["0003_c", "0002_b"]);
    assert_eq!(tables(&mut db), ["a", "cairn_migrations"]);
    assert_eq!(db.history().unwrap().len(), 1);
}

#[test]
fn a_failing_statement_in_a_transaction_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    let set = set(&[
        CHAIN[0],
        (
            "0002_bad",
            "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (id INTEGER PRIMARY KEY);\n  INSERT INTO nope VALUES (1);\n  CREATE TABLE c (id INTEGER);\n",
        ),
    ]);
    let Err(Error::Statement(failure)) = up(&mut db, &set, &Options::default()) else {
        panic!("expected a statement failure");
    };
    assert_eq!(
        (failure.id.as_str(), failure.statement, failure.count),
        ("0002_bad", 2, 3)
    );
    assert_eq!(failure.line, 4, "{failure:?}");
    assert!(
        failure.message.contains("no such table: nope"),
        "{}",
        failure.message
    );
    assert_eq!(failure.code.as_deref(), Some("1"));
    assert!(failure.rolled_back);
    assert_eq!(tables(&mut db), ["a", "cairn_migrations"]);
    let ids: Vec<String> = db.history().unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["0001_a"]);
}

const STEPWISE: &str = "transaction: false\nup: |\n  CREATE TABLE t1 (id INTEGER);\n  INSERT INTO t1 VALUES (1);\n  INSERT INTO missing VALUES (1);\n  CREATE TABLE t2 (id INTEGER);\n";

#[test]
fn outside_a_transaction_progress_is_recorded_and_resumed_from_the_failed_statement() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    let err = up(
        &mut db,
        &set(&[("0001_steps", STEPWISE)]),
        &Options::default(),
    )
    .unwrap_err();
    let Error::Statement(failure) = err else {
        panic!("{err}")
    };
    assert_eq!(failure.statement, 3);
    assert!(!failure.rolled_back);
    let row = db.history().unwrap().remove(0);
    assert_eq!(row.status, HistoryStatus::Failed);
    assert_eq!(row.failed_statement, Some(3));
    assert!(row.error.unwrap().contains("no such table: missing"));
    // A plain `up` refuses; the file is fixed, and `up --resume` runs statements 3 and 4 only.
    assert!(
        up(
            &mut db,
            &set(&[("0001_steps", STEPWISE)]),
            &Options::default()
        )
        .is_err()
    );
    let fixed = STEPWISE.replace("INSERT INTO missing", "INSERT INTO t1");
    let resume = Options {
        resume: true,
        ..Options::default()
    };
    assert_eq!(
        up(&mut db, &set(&[("0001_steps", &fixed)]), &resume).unwrap(),
        ["0001_steps"]
    );
    assert_eq!(scalar(&mut db, "SELECT COUNT(*) FROM t1"), "2");
    let row = db.history().unwrap().remove(0);
    assert_eq!(
        (row.status, row.failed_statement, row.error),
        (HistoryStatus::Applied, None, None)
    );
    assert_eq!(
        row.checksum,
        set(&[("0001_steps", &fixed)])
            .get("0001_steps")
            .unwrap()
            .checksum
            .to_hex()
    );
}

#[test]
fn repair_forgets_a_failed_row_so_up_runs_it_from_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    assert!(
        up(
            &mut db,
            &set(&[("0001_steps", STEPWISE)]),
            &Options::default()
        )
        .is_err()
    );
    let row = cairn::repair(&mut db, "0001_steps", &Options::default()).unwrap();
    assert_eq!(row.status, HistoryStatus::Failed);
    assert!(db.history().unwrap().is_empty());
    db.execute("DROP TABLE t1").unwrap();
    let fixed = STEPWISE.replace("INSERT INTO missing", "INSERT INTO t1");
    up(
        &mut db,
        &set(&[("0001_steps", &fixed)]),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(scalar(&mut db, "SELECT COUNT(*) FROM t1"), "2");
}

#[test]
fn concurrent_runners_apply_each_migration_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![(
        "0000_log".to_string(),
        "up: CREATE TABLE log (id TEXT NOT NULL);\n".to_string(),
    )];
    for i in 1..=12 {
        files.push((
            format!("{i:04}_m"),
            format!(
                "depends_on: [{}]\nup: INSERT INTO log (id) VALUES ('{i}');\n",
                files[files.len() - 1].0
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let set = set(&refs);
    let applied: Vec<usize> = std::thread::scope(|s| {
        let runners: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    let mut db = open(dir.path());
                    up(&mut db, &set, &Options::default()).unwrap().len()
                })
            })
            .collect();
        runners.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(applied.iter().sum::<usize>(), 13, "{applied:?}");
    let mut db = open(dir.path());
    assert_eq!(scalar(&mut db, "SELECT COUNT(*) FROM log"), "12");
    assert_eq!(scalar(&mut db, "SELECT COUNT(DISTINCT id) FROM log"), "12");
    assert_eq!(db.history().unwrap().len(), 13);
}

#[test]
fn roles_it_lacks_are_reported_as_unsupported_not_attempted() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    let driver: &mut dyn Driver = &mut db;
    let err = driver.as_introspect().err().unwrap();
    assert!(
        err.to_string().starts_with("minimal:")
            && err
                .to_string()
                .contains("does not support reading its schema"),
        "{err}"
    );
    let health = cairn::ops::health(driver, None);
    assert!(!health.healthy);
    assert!(health.integrity.error.unwrap().contains("does not support"));
}

#[test]
fn the_protocol_works_on_a_concrete_driver_too() {
    use cairn::{AppliedMigration, Direction, Step};
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    db.ensure_history().unwrap();
    let set = set(CHAIN);
    let row = |id: &str, rank: i64| AppliedMigration {
        id: id.to_string(),
        checksum: set.get(id).unwrap().checksum.to_hex(),
        description: String::new(),
        applied_at: String::new(),
        execution_ms: 7,
        applied_by: "me".to_string(),
        engine_version: "test".to_string(),
        up_sql: Some(set.get(id).unwrap().up.sql.clone()),
        down_sql: None,
        depends_on: Vec::new(),
        status: HistoryStatus::Applied,
        rank,
        failed_statement: None,
        error: None,
    };
    // Adoption's batch: rows recorded as applied, no SQL run, execution time 0.
    db.record_applied(&[row("0001_a", 1), row("0002_b", 2)])
        .unwrap();
    assert!(tables(&mut db).iter().all(|t| t == "cairn_migrations"));
    let history = db.history().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[1].execution_ms, history[1].applied_by.as_str()),
        (0, "me")
    );
    // One step applied directly: its statements run and its row is inserted.
    let third = row("0003_c", 3);
    let m = set.get("0003_c").unwrap();
    db.apply(&Step::new(
        Direction::Up,
        m.up.statements().unwrap(),
        true,
        &third,
    ))
    .unwrap();
    assert_eq!(tables(&mut db), ["c", "cairn_migrations"]);
    db.forget("0003_c").unwrap();
    let ids: Vec<String> = db.history().unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["0001_a", "0002_b"]);
}

#[test]
fn an_orphan_row_fails_at_its_own_statement_with_sqlites_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    db.execute("PRAGMA foreign_keys = ON").unwrap();
    let set = set(&[
        CHAIN[0],
        (
            "0002_child",
            "depends_on: [0001_a]\nup: |\n  CREATE TABLE child (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n  INSERT INTO child (id, a_id) VALUES (1, 42);\n  CREATE TABLE later (id INTEGER);\n",
        ),
    ]);
    let Err(Error::Statement(failure)) = up(&mut db, &set, &Options::default()) else {
        panic!("expected a statement failure");
    };
    // Enforced as the statement runs: foreign keys stay on for a step without a rebuild.
    assert_eq!(failure.statement, 2, "{failure:?}");
    assert!(
        failure.message.contains("FOREIGN KEY constraint failed"),
        "{}",
        failure.message
    );
    assert_eq!(tables(&mut db), ["a", "cairn_migrations"]);
    let recorded = db.history().unwrap();
    assert!(recorded.iter().all(|h| h.execution_ms >= 0), "{recorded:?}");
}

#[test]
fn a_history_table_made_by_something_else_is_refused_not_misread() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    db.execute("CREATE TABLE cairn_migrations (id TEXT, checksum TEXT)")
        .unwrap();
    let err = db.history().unwrap_err().to_string();
    assert!(
        err.contains("table cairn_migrations in minimal:")
            && err.contains("lacks columns description, applied_at"),
        "{err}"
    );
    assert!(db.ensure_history().is_err());
}

#[test]
fn a_damaged_number_in_the_history_names_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(dir.path());
    up(&mut db, &set(CHAIN), &Options::default()).unwrap();
    db.execute("UPDATE cairn_migrations SET installed_rank = 'x' WHERE id = '0002_b'")
        .unwrap();
    let err = db.history().unwrap_err().to_string();
    assert!(
        err.contains("column installed_rank holds `x`, not a number (migration 0002_b)"),
        "{err}"
    );
}
