//! `migrate up --single-transaction` (issue 19 item 2) on every backend: a failure in the
//! last migration leaves nothing of the run, history included, where DDL is transactional;
//! MySQL and `transaction: false` migrations are refused before anything runs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

fn run(db: &TestDb, dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url, "--dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn set(dir: &Path, third: &str) {
    write(
        dir,
        "0001_a.yaml",
        "up: CREATE TABLE st_a (id INTEGER);\ndown: DROP TABLE st_a;\n",
    );
    write(
        dir,
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: |\n  CREATE TABLE st_b (id INTEGER);\n  INSERT INTO st_b (id) VALUES (1);\ndown: DROP TABLE st_b;\n",
    );
    write(
        dir,
        "0003_c.yaml",
        &format!("depends_on: [0002_b]\n{third}"),
    );
}

fn tables(db: &TestDb) -> Vec<String> {
    let mut t: Vec<String> = db
        .tables()
        .into_iter()
        .filter(|t| t.starts_with("st_"))
        .collect();
    t.sort();
    t
}

fn a_failure_leaves_nothing_of_the_run(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let bad = "up: |\n  CREATE TABLE st_c (id INTEGER);\n  INSERT INTO st_missing (id) VALUES (1);\ndown: DROP TABLE st_c;\n";
    set(dir.path(), bad);
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    assert_eq!(code, 2, "{out}");
    if db.kind == Kind::Mysql {
        assert!(out.contains("commits each DDL statement at once"), "{out}");
        assert!(tables(db).is_empty(), "refused before anything ran");
        return;
    }
    assert!(
        out.contains("0003_c") && out.contains("statement 2 of 2"),
        "{out}"
    );
    assert!(out.contains("the whole run was rolled back"), "{out}");
    // The run is tried again statement by statement to name the statement: the migrations
    // the first try finished are shown once.
    assert_eq!(out.matches(" 0002_b ").count(), 1, "{out}");
    assert!(tables(db).is_empty(), "{:?}", tables(db));
    assert!(db.history_ids().is_empty(), "{:?}", db.history_ids());
    // The audit log says what became of each: the two the run showed as done were rolled
    // back with it.
    let logged = |outcome: &str| {
        db.scalar_i64(&format!(
            "SELECT COUNT(*) FROM cairn_migrations_log WHERE outcome = '{outcome}'"
        ))
    };
    assert_eq!(
        (logged("rolled back"), logged("failed"), logged("ok")),
        (2, 1, 0)
    );
    // Fixed, the same run applies all three in one transaction.
    set(
        dir.path(),
        "up: CREATE TABLE st_c (id INTEGER);\ndown: DROP TABLE st_c;\n",
    );
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(tables(db), ["st_a", "st_b", "st_c"]);
    assert_eq!(db.history_ids().len(), 3);
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM st_b"), 1);
}

fn a_migration_outside_a_transaction_is_refused(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    set(
        dir.path(),
        "transaction: false\nup: CREATE TABLE st_c (id INTEGER);\ndown: DROP TABLE st_c;\n",
    );
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    assert_eq!(code, 2, "{out}");
    if db.kind != Kind::Mysql {
        assert!(
            out.contains("migration 0003_c") && out.contains("transaction: false"),
            "{out}"
        );
    }
    assert!(
        tables(db).is_empty(),
        "refused before anything ran: {:?}",
        tables(db)
    );
}

/// The history rows are written together before the commit, yet a migration that reads the
/// history table sees the rows of those before it, and a run longer than one multi-row
/// `INSERT` (500 rows) keeps every row, in order, with its SQL.
fn history_rows_are_written_before_anything_reads_them(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    set(
        dir.path(),
        "up: CREATE TABLE st_c AS SELECT COUNT(*) AS n FROM cairn_migrations;\ndown: DROP TABLE st_c;\n",
    );
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    if db.kind == Kind::Mysql {
        assert_eq!(code, 2, "{out}");
        return;
    }
    assert_eq!(code, 0, "{out}");
    assert_eq!(db.scalar_i64("SELECT n FROM st_c"), 2);
    let mut previous = "0003_c".to_string();
    for i in 4..=505 {
        let id = format!("{i:04}_t");
        write(
            dir.path(),
            &format!("{id}.yaml"),
            &format!(
                "depends_on: [{previous}]\nup: CREATE TABLE st_t{i} (id INTEGER);\ndown: DROP TABLE st_t{i};\n"
            ),
        );
        previous = id;
    }
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    assert_eq!(code, 0, "{out}");
    let ids = db.history_ids();
    assert_eq!(ids.len(), 505);
    let expected: Vec<String> = ["0001_a", "0002_b", "0003_c"]
        .iter()
        .map(|s| s.to_string())
        .chain((4..=505).map(|i| format!("{i:04}_t")))
        .collect();
    assert_eq!(ids, expected, "history in apply order");
    assert_eq!(
        db.scalar_i64(
            "SELECT COUNT(*) FROM cairn_migrations WHERE id = '0505_t' AND down_sql = 'DROP TABLE st_t505;' AND status = 'applied'"
        ),
        1
    );
    let (code, out) = run(db, dir.path(), &["migrate", "status"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("505 applied, 0 pending, 0 changed"), "{out}");
}

/// Each migration's statements go to the database together: a statement ending in a line
/// comment does not swallow the next one.
fn statements_sent_together_keep_their_comments_apart(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    set(
        dir.path(),
        "up: |\n  CREATE TABLE st_c (id INTEGER) -- the table\n  ;\n  INSERT INTO st_c (id) VALUES (7) -- a row; and more\n  ;\n  INSERT INTO st_c (id) VALUES (8)\ndown: DROP TABLE st_c;\n",
    );
    let (code, out) = run(db, dir.path(), &["migrate", "up", "--single-transaction"]);
    if db.kind == Kind::Mysql {
        assert_eq!(code, 2, "{out}");
        return;
    }
    assert_eq!(code, 0, "{out}");
    assert_eq!(db.scalar_i64("SELECT SUM(id) FROM st_c"), 15);
    assert_eq!(db.history_ids().len(), 3);
}

cairn_tests::on_every_backend!(
    statements_sent_together_keep_their_comments_apart,
    a_failure_leaves_nothing_of_the_run,
    a_migration_outside_a_transaction_is_refused,
    history_rows_are_written_before_anything_reads_them,
);
