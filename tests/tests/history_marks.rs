//! What the history table says while a migration runs, on every backend: outside a
//! transaction the row reads `running` while the up statements run and `reverting` while the
//! down statements run (a statement of the migration reads its own row), so a runner killed
//! at any point leaves a row saying which way it was going; and the table keeps one row per
//! migration (its key), which a resumed run reads whole.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::{DownTarget, Migrate, MigrationSet, Options, SourceFile, UpTarget};
use cairn_tests::TestDb;

fn set(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(id, text)| SourceFile {
            path: PathBuf::from("migrations").join(format!("{id}.yaml")),
            default_id: id.to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

const PROBE: &str = "transaction: false\nup: |\n  CREATE TABLE probe (seen VARCHAR(20));\n  INSERT INTO probe SELECT status FROM cairn_migrations WHERE id = '0001_probe';\ndown: |\n  INSERT INTO probe SELECT status FROM cairn_migrations WHERE id = '0001_probe';\n";

fn the_row_says_running_while_applying_and_reverting_while_reverting(db: &TestDb) {
    let s = set(db, &[("0001_probe", PROBE)]);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    cairn::up(conn.as_mut(), &s, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(
        db.history_status("0001_probe"),
        Some(("applied".to_string(), None))
    );
    cairn::down(conn.as_mut(), &s, &DownTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(db.history_status("0001_probe"), None);
    let seen: Vec<String> = conn
        .query("SELECT seen FROM probe")
        .unwrap()
        .into_iter()
        .filter_map(|r| r[0].clone())
        .collect();
    assert_eq!(seen, ["running", "reverting"], "{}", db.kind.name());
}

fn the_history_table_keeps_one_row_per_migration(db: &TestDb) {
    let s = set(
        db,
        &[(
            "0001_a",
            "up: CREATE TABLE ka (id INTEGER);\ndown: DROP TABLE ka;\n",
        )],
    );
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let copy = conn.execute("INSERT INTO cairn_migrations SELECT * FROM cairn_migrations");
    assert!(copy.is_err(), "{}: a second row for 0001_a", db.kind.name());
}

/// `up --resume` finishes the failed migration and then plans from the whole history: what
/// was applied before it is not applied again, what comes after it is.
fn a_resumed_run_keeps_what_was_applied_before(db: &TestDb) {
    let files = [
        ("0001_a", "up: CREATE TABLE ra (id INTEGER);\n"),
        (
            "0002_b",
            "depends_on: [0001_a]\ntransaction: false\nup: |\n  CREATE TABLE rb (id INTEGER);\n  INSERT INTO rb_gate VALUES (1);\n",
        ),
        (
            "0003_c",
            "depends_on: [0002_b]\nup: CREATE TABLE rc (id INTEGER);\n",
        ),
    ];
    let s = set(db, &files);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    assert!(cairn::up(conn.as_mut(), &s, &UpTarget::All, &opts, &mut |_| {}).is_err());
    db.execute("CREATE TABLE rb_gate (id INTEGER)");
    let resume = Options {
        resume: true,
        ..Options::default()
    };
    let report = cairn::up(conn.as_mut(), &s, &UpTarget::All, &resume, &mut |_| {}).unwrap();
    let ran: Vec<&str> = report.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ran, ["0002_b", "0003_c"], "{}", db.kind.name());
    assert_eq!(
        db.history_status("0001_a"),
        Some(("applied".to_string(), None))
    );
}

/// A migration's run time is measured and recorded, inside a transaction and outside one.
fn the_run_time_of_each_migration_is_recorded(db: &TestDb) {
    // At least 20 ms of work per migration: a sleep on the servers, a million-row count on
    // SQLite (which has no sleep).
    let slow = "up:\n  sqlite: WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) SELECT count(*) FROM n;\n  postgres: SELECT pg_sleep(0.02);\n  mysql: SELECT SLEEP(0.02);\n";
    let outside = format!("transaction: false\n{slow}");
    let s = set(db, &[("0001_inside", slow), ("0002_outside", &outside)]);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let report = cairn::up(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    for m in &report.migrations {
        assert!(
            m.execution_ms >= 20,
            "{}: {} {} ms",
            db.kind.name(),
            m.id,
            m.execution_ms
        );
    }
    for row in conn.history().unwrap() {
        assert!(
            row.execution_ms >= 20,
            "{}: {} recorded {} ms",
            db.kind.name(),
            row.id,
            row.execution_ms
        );
    }
}

/// A migration drops the history table itself, so recording its progress fails: the error
/// names the statement that ran and says the record failed, not the statement. Where DDL is
/// transactional the drop rolls back with the failed record and the failure is recorded; on
/// MySQL it cannot be, and the error says so. The same for a repeatable's re-run.
fn a_failure_that_cannot_be_recorded_says_so(db: &TestDb) {
    let nt = "transaction: false\nup: |\n  DROP TABLE cairn_migrations;\n  INSERT INTO nowhere VALUES (1);\n";
    let s = set(db, &[("0001_drops_history", nt)]);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let err = cairn::up(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_err();
    let text = err.to_string();
    let atomic = db.kind != cairn_tests::Kind::Mysql;
    assert!(
        matches!(&err, cairn::Error::Statement(f) if f.statement == 1)
            && text.contains("the statement ran, but recording it in the history table failed")
            && text.contains("cairn_migrations")
            && (atomic || text.contains("recording the failure failed too")),
        "{}: {text}",
        db.kind.name()
    );
    if atomic {
        let rows = conn.history().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].status, cairn::HistoryStatus::Failed, "{rows:?}");
    }

    // A Flyway repeatable, re-run with SQL that drops the history table and then fails.
    let other = TestDb::new(db.kind).expect("a second database on the same server");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("R__view.sql");
    std::fs::write(
        dir.path().join("R__view.sql.conf"),
        "executeInTransaction=false\n",
    )
    .unwrap();
    std::fs::write(&file, "CREATE TABLE rv (id INTEGER);\n").unwrap();
    let dialect = cairn_tests::registry().dialect(&other.url).unwrap();
    let load = || cairn::layout::load(dir.path(), cairn::layout::Layout::Flyway, dialect).unwrap();
    let mut conn = cairn_tests::registry().connect(&other.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &load(),
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    std::fs::write(
        &file,
        "DROP TABLE cairn_migrations;\nINSERT INTO nowhere VALUES (1);\n",
    )
    .unwrap();
    let err = cairn::up(
        conn.as_mut(),
        &load(),
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("the statement ran, but recording it in the history table failed")
            && (atomic || text.contains("putting back its previous history row failed too")),
        "{}: {text}",
        db.kind.name()
    );
    if atomic {
        // Its last good run stands, to be run again once the file is fixed.
        let rows = conn.history().unwrap();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].status, cairn::HistoryStatus::Applied, "{rows:?}");
    }
}

/// `up --resume` after editing the file: removing the failed last statement finishes the
/// migration; a file now shorter than where it failed, or an edit to a statement that already
/// ran, is refused before anything runs.
fn resuming_checks_the_file_against_what_ran(db: &TestDb) {
    let three = "transaction: false\nup: |\n  CREATE TABLE s1 (id INTEGER);\n  CREATE TABLE s2 (id INTEGER);\n  INSERT INTO nowhere VALUES (1);\n";
    let resume = Options {
        resume: true,
        ..Options::default()
    };
    let run = |files: &[(&str, &str)], opts: &Options| {
        let s = set(db, files);
        let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
        cairn::up(conn.as_mut(), &s, &UpTarget::All, opts, &mut |_| {})
    };
    assert!(run(&[("0001_s", three)], &Options::default()).is_err());
    let shorter = "transaction: false\nup: CREATE TABLE s1 (id INTEGER);\n";
    assert!(
        matches!(
            run(&[("0001_s", shorter)], &resume),
            Err(cairn::Error::Refused(cairn::Refused::FileShorter {
                failed_at: 3,
                statements: 1,
                ..
            }))
        ),
        "{}",
        db.kind.name()
    );
    let edited = "transaction: false\nup: |\n  CREATE TABLE s1 (id INTEGER, x INTEGER);\n  CREATE TABLE s2 (id INTEGER);\n";
    assert!(matches!(
        run(&[("0001_s", edited)], &resume),
        Err(cairn::Error::Refused(
            cairn::Refused::RanStatementsChanged { ran: 2, .. }
        ))
    ));
    // The failing statement removed: statements 1-2 ran, nothing is left to run.
    let fixed = "transaction: false\nup: |\n  CREATE TABLE s1 (id INTEGER);\n  CREATE TABLE s2 (id INTEGER);\n";
    let report = run(&[("0001_s", fixed)], &resume).unwrap();
    assert_eq!(report.migrations[0].statements, 0, "{}", db.kind.name());
    assert_eq!(
        db.history_status("0001_s"),
        Some(("applied".to_string(), None))
    );

    // Resumed from its first statement, all three run.
    let other = TestDb::new(db.kind).expect("a second database on the same server");
    let first = "transaction: false\nup: |\n  INSERT INTO gate VALUES (1);\n  CREATE TABLE t1 (id INTEGER);\n  CREATE TABLE t2 (id INTEGER);\n";
    let s = set(&other, &[("0001_t", first)]);
    let mut conn = cairn_tests::registry().connect(&other.url).unwrap();
    assert!(
        cairn::up(
            conn.as_mut(),
            &s,
            &UpTarget::All,
            &Options::default(),
            &mut |_| {}
        )
        .is_err()
    );
    other.execute("CREATE TABLE gate (id INTEGER)");
    let report = cairn::up(conn.as_mut(), &s, &UpTarget::All, &resume, &mut |_| {}).unwrap();
    assert_eq!(report.migrations[0].statements, 3, "{}", db.kind.name());
}

/// A statement failing on one of its later lines: where the database says where (PostgreSQL's
/// error position), the error names that line of the file, for YAML blocks whose lines are
/// the file's; otherwise (or in a JSON string) the line where the statement starts.
fn a_failure_inside_a_long_statement_names_its_line(db: &TestDb) {
    let yaml = "up: |\n  CREATE TABLE pe (id INTEGER);\n  SELECT id,\n    nope\n  FROM pe;\n";
    let json = r#"{"up": "CREATE TABLE pj (id INTEGER);\nSELECT id,\n  nope\nFROM pj;"}"#;
    let line_of = |db: &TestDb, files: &[(&str, &str)]| {
        let files = files
            .iter()
            .map(|(path, text)| SourceFile {
                path: PathBuf::from("migrations").join(path),
                default_id: path.rsplit_once('.').map_or(*path, |(p, _)| p).to_string(),
                text: text.to_string(),
            })
            .collect();
        let s =
            cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap();
        let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
        match cairn::up(
            conn.as_mut(),
            &s,
            &UpTarget::All,
            &Options::default(),
            &mut |_| {},
        ) {
            Err(cairn::Error::Statement(f)) => (f.statement, f.line),
            other => panic!("{}: {other:?}", db.kind.name()),
        }
    };
    let positioned = db.kind == cairn_tests::Kind::Postgres;
    // Statement 2 starts on file line 3; `nope` is on line 4.
    assert_eq!(
        line_of(db, &[("0001_pe.yaml", yaml)]),
        (2, if positioned { 4 } else { 3 }),
        "{}",
        db.kind.name()
    );
    // In a JSON string the SQL sits on the file's line 1, whatever its own lines (a fresh
    // database: on MySQL the failure above left a failed row).
    let other = TestDb::new(db.kind).expect("a second database on the same server");
    assert_eq!(
        line_of(&other, &[("0002_pj.json", json)]),
        (2, 1),
        "{}",
        db.kind.name()
    );
}

cairn_tests::on_every_backend!(
    a_failure_inside_a_long_statement_names_its_line,
    resuming_checks_the_file_against_what_ran,
    a_failure_that_cannot_be_recorded_says_so,
    the_run_time_of_each_migration_is_recorded,
    the_row_says_running_while_applying_and_reverting_while_reverting,
    the_history_table_keeps_one_row_per_migration,
    a_resumed_run_keeps_what_was_applied_before,
);
