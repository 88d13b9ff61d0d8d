//! Applying and reverting migrations on a real server through the engine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cairn::Migrate;
use cairn::{BackendError, DownTarget, Error, HistoryStatus, Options, UpTarget};
use cairn_postgres::Postgres;
use common::{TestDb, migrations};

fn opts() -> Options {
    Options {
        applied_by: "tester".to_string(),
        ..Options::default()
    }
}

fn table_exists(pg: &mut Postgres, name: &str) -> bool {
    pg.client()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .unwrap()
        .get(0)
}

fn statement_failure(e: Error) -> cairn::StatementFailure {
    match e {
        Error::Statement(f) => *f,
        other => panic!("expected a statement failure, got {other}"),
    }
}

#[test]
fn up_then_down_applies_records_and_reverts() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[
        (
            "001_users",
            "description: users\nup: |\n  CREATE TABLE users (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);\n  CREATE INDEX users_name ON users (name);\ndown: DROP TABLE users;\n",
        ),
        (
            "002_posts",
            "depends_on: [001_users]\nup: |\n  CREATE TABLE posts (id BIGSERIAL PRIMARY KEY, user_id BIGINT REFERENCES users);\n  DO $$ BEGIN INSERT INTO users (name) VALUES ('a;b'); END $$;\ndown: DROP TABLE posts;\n",
        ),
    ]);
    let mut pg = db.open();
    assert!(
        pg.history().unwrap().is_empty(),
        "no table yet reads as no history"
    );

    let report = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    assert_eq!(report.migrations.len(), 2);
    assert!(table_exists(&mut pg, "posts"));
    let count: i64 = pg
        .client()
        .query_one("SELECT count(*) FROM users WHERE name = 'a;b'", &[])
        .unwrap()
        .get(0);
    assert_eq!(count, 1, "the dollar-quoted block ran whole");

    let history = db.open().history().unwrap();
    let ids: Vec<(&str, i64)> = history.iter().map(|h| (h.id.as_str(), h.rank)).collect();
    assert_eq!(ids, [("001_users", 1), ("002_posts", 2)]);
    let users = &history[0];
    assert_eq!(users.status, HistoryStatus::Applied);
    assert_eq!(users.description, "users");
    assert_eq!(users.applied_by, "tester");
    assert_eq!(
        users.checksum,
        set.get("001_users").unwrap().checksum.to_hex()
    );
    assert_eq!(users.down_sql.as_deref(), Some("DROP TABLE users;"));
    assert_eq!(history[1].depends_on, ["001_users"]);
    let at = users.applied_at.as_bytes();
    assert_eq!(at.len(), 24, "{}", users.applied_at);
    assert_eq!(
        (at[4], at[10], at[19], at[23]),
        (b'-', b'T', b'.', b'Z'),
        "{}",
        users.applied_at
    );

    let again = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    assert!(again.migrations.is_empty(), "nothing left to apply");

    let down = cairn::down(&mut pg, &set, &DownTarget::All, &opts(), &mut |_| {}).unwrap();
    let order: Vec<&str> = down.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(order, ["002_posts", "001_users"]);
    assert!(!table_exists(&mut pg, "users"));
    assert!(pg.history().unwrap().is_empty());
}

#[test]
fn a_failure_at_statement_3_of_4_rolls_everything_back() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[(
        "001_broken",
        "up: |\n  CREATE TABLE a (id INT);\n  CREATE TABLE b (id INT);\n  INSERT INTO missing VALUES (1);\n  CREATE TABLE c (id INT);\n",
    )]);
    let mut pg = db.open();
    let e = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let f = statement_failure(e);
    assert_eq!((f.statement, f.count, f.line), (3, 4, 4));
    assert!(f.rolled_back);
    assert!(
        f.message
            .starts_with("ERROR 42P01: relation \"missing\" does not exist"),
        "{}",
        f.message
    );
    assert!(!table_exists(&mut pg, "a") && !table_exists(&mut pg, "b"));
    assert!(pg.history().unwrap().is_empty());
    // The session is usable afterwards: the transaction was really rolled back.
    pg.client().batch_execute("SELECT 1").unwrap();
}

#[test]
fn the_error_position_names_the_file_line() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[(
        "001_typo",
        "description: typo\nup: |\n  CREATE TABLE t (id INT, name TEXT);\n  SELECT id,\n         nmae\n  FROM t;\n",
    )]);
    let mut pg = db.open();
    let e = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let f = statement_failure(e);
    assert_eq!(f.statement, 2);
    assert_eq!(f.line, 5, "`nmae` is on line 5 of the file");
    assert!(f.message.starts_with("ERROR 42703:"), "{}", f.message);
    assert!(
        f.message.contains("\n  HINT: "),
        "the server's hint follows: {}",
        f.message
    );
}

#[test]
fn concurrent_index_runs_outside_a_transaction() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[
        (
            "001_t",
            "up: CREATE TABLE t (id INT, name TEXT);\ndown: DROP TABLE t;\n",
        ),
        (
            "002_idx",
            "depends_on: [001_t]\ntransaction: false\nup: |\n  CREATE INDEX CONCURRENTLY t_name ON t (name);\n  CREATE INDEX CONCURRENTLY t_id ON t (id);\ndown: DROP INDEX CONCURRENTLY t_name;\n",
        ),
    ]);
    let mut pg = db.open();
    cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    assert!(table_exists(&mut pg, "t_name") && table_exists(&mut pg, "t_id"));
    let history = pg.history().unwrap();
    assert_eq!(history[1].status, HistoryStatus::Applied);
    assert_eq!(history[1].failed_statement, None);

    let target = DownTarget::Including("002_idx".to_string());
    cairn::down(&mut pg, &set, &target, &opts(), &mut |_| {}).unwrap();
    assert!(!table_exists(&mut pg, "t_name"));
    let ids: Vec<String> = pg.history().unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["001_t"]);
}

#[test]
fn a_failing_non_transactional_migration_is_recorded_then_resumed() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[(
        "001_half",
        "transaction: false\nup: |\n  CREATE TABLE t (id INT);\n  CREATE INDEX CONCURRENTLY t_x ON t (x);\n  CREATE TABLE after (id INT);\n",
    )]);
    let mut pg = db.open();
    let e = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let f = statement_failure(e);
    assert_eq!(f.statement, 2);
    assert!(!f.rolled_back);
    assert!(table_exists(&mut pg, "t"), "statement 1 took effect");
    assert!(!table_exists(&mut pg, "after"));
    let row = pg.history().unwrap().remove(0);
    assert_eq!(row.status, HistoryStatus::Failed);
    assert_eq!(row.failed_statement, Some(2));
    let error = row.error.clone().unwrap();
    assert!(error.starts_with("ERROR 42703:"), "{error}");

    // The engine refuses to go on until the failure is dealt with.
    let e = cairn::up(&mut pg, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, Error::Validation(_)), "{e}");

    // Fixing the failing statement in the file and resuming runs statements 2-3 only and
    // records the file's new SQL in the same row.
    let fixed = migrations(&[(
        "001_half",
        "transaction: false\nup: |\n  CREATE TABLE t (id INT);\n  CREATE INDEX CONCURRENTLY t_x ON t (id);\n  CREATE TABLE after (id INT);\n",
    )]);
    let resume = Options {
        resume: true,
        ..opts()
    };
    let report = cairn::up(&mut pg, &fixed, &UpTarget::All, &resume, &mut |_| {}).unwrap();
    assert_eq!(report.migrations[0].statements, 2);
    assert!(table_exists(&mut pg, "t_x") && table_exists(&mut pg, "after"));
    let row = pg.history().unwrap().remove(0);
    assert_eq!(
        (row.status, row.failed_statement, row.error),
        (HistoryStatus::Applied, None, None)
    );
    assert_eq!(
        row.checksum,
        fixed.get("001_half").unwrap().checksum.to_hex()
    );
    assert!(row.up_sql.unwrap().contains("ON t (id)"));

    pg.forget("001_half").unwrap();
    assert!(pg.history().unwrap().is_empty());
}

#[test]
fn an_incompatible_history_table_is_named_with_its_missing_columns() {
    let Some(db) = TestDb::create() else { return };
    let mut pg = db.open();
    pg.client()
        .batch_execute(
            "CREATE TABLE cairn_migrations (id TEXT PRIMARY KEY, checksum TEXT, status TEXT)",
        )
        .unwrap();
    let e = pg.ensure_history().unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, BackendError::Other(_)), "{e:?}");
    assert!(
        text.contains("cairn_migrations") && text.contains("description, applied_at"),
        "{text}"
    );
    assert!(
        !text.contains("checksum"),
        "present columns are not listed: {text}"
    );

    pg.client()
        .batch_execute("DROP TABLE cairn_migrations")
        .unwrap();
    pg.ensure_history().unwrap();
    pg.ensure_history().unwrap();
    assert!(pg.history().unwrap().is_empty());
}
