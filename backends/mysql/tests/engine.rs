//! The engine driving a real MySQL/MariaDB server: apply, revert, fail part-way, repair.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cairn::Migrate;
use cairn::{BackendError, DownTarget, Error, Finding, HistoryStatus, Options, UpTarget};
use common::{TestDb, migrations};
use mysql::prelude::Queryable;

fn opts() -> Options {
    Options {
        applied_by: "tester".to_string(),
        ..Options::default()
    }
}

fn is_iso_utc_millis(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn up_applies_in_order_and_down_reverts_everything() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let set = migrations(&[
        (
            "0001_users.yaml",
            "description: users\nup: |\n  CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50));\n  CREATE INDEX users_name ON users (name);\ndown: DROP TABLE users;\n",
        ),
        (
            "0002_seed.yaml",
            "depends_on: [0001_users]\nup: |\n  INSERT INTO users VALUES (1, 'ann');\n  CREATE TABLE audit (id INT);\ndown: |\n  DROP TABLE audit;\n  DELETE FROM users WHERE id = 1;\n",
        ),
    ]);
    let mut db = t.open();
    // applied_at must be UTC whatever the session's zone.
    db.conn().query_drop("SET time_zone = '+05:00'").unwrap();

    let report = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    let ids: Vec<&str> = report.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["0001_users", "0002_seed"]);
    assert_eq!(t.tables(), ["audit", "cairn_migrations", "users"]);

    let history = db.history().unwrap();
    assert_eq!(history.len(), 2);
    for (i, h) in history.iter().enumerate() {
        assert_eq!(h.status, HistoryStatus::Applied);
        assert_eq!(h.rank, i64::try_from(i + 1).unwrap());
        assert_eq!(h.checksum, set.get(&h.id).unwrap().checksum.to_hex());
        assert_eq!(h.applied_by, "tester");
        assert_eq!(h.failed_statement, None);
        assert!(is_iso_utc_millis(&h.applied_at), "{}", h.applied_at);
    }
    assert_eq!(history[1].depends_on, ["0001_users"]);
    let users = set.get("0001_users").unwrap();
    assert_eq!(history[0].up_sql.as_deref(), Some(users.up.sql.as_str()));
    assert_eq!(
        history[0].down_sql.as_deref(),
        users.down.as_ref().map(|d| d.sql.as_str())
    );
    let utc_now: String = t
        .admin()
        .query_first("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H')")
        .unwrap()
        .unwrap();
    assert!(
        history[0].applied_at.starts_with(&utc_now),
        "{} is not UTC (now {utc_now})",
        history[0].applied_at
    );

    let again = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    assert!(again.migrations.is_empty());

    let report = cairn::down(&mut db, &set, &DownTarget::All, &opts(), &mut |_| {}).unwrap();
    let ids: Vec<&str> = report.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["0002_seed", "0001_users"]);
    assert_eq!(t.tables(), ["cairn_migrations"]);
    assert!(db.history().unwrap().is_empty());
}

#[test]
fn a_failure_part_way_is_recorded_blocks_up_and_is_cleared_by_repair() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let set = migrations(&[(
        "0001_four.yaml",
        "up: |\n  CREATE TABLE s1 (id INT);\n  CREATE TABLE s2 (id INT);\n  INSERT INTO nope VALUES (1);\n  CREATE TABLE s4 (id INT);\n",
    )]);
    let mut db = t.open();

    let err = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let Error::Statement(failure) = err else {
        panic!("expected a statement failure, got {err:?}")
    };
    assert_eq!((failure.statement, failure.count), (3, 4));
    assert_eq!(failure.sql, "INSERT INTO nope VALUES (1)");
    let expected = format!("ERROR 1146 (42S02): Table '{}.nope' doesn't exist", t.name);
    assert_eq!(failure.message, expected);

    // DDL committed one statement at a time: exactly statements 1 and 2 took effect.
    assert_eq!(t.tables(), ["cairn_migrations", "s1", "s2"]);
    let history = db.history().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, HistoryStatus::Failed);
    assert_eq!(history[0].failed_statement, Some(3));
    assert_eq!(history[0].error.as_deref(), Some(expected.as_str()));

    let err = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let Error::Validation(findings) = err else {
        panic!("expected the failed run to block up, got {err:?}")
    };
    assert!(
        findings.iter().any(|f| matches!(f,
            Finding::Failed { id, statement: 3, message } if id == "0001_four" && *message == expected)),
        "{findings:?}"
    );
    assert_eq!(t.tables(), ["cairn_migrations", "s1", "s2"], "nothing ran");

    let repaired = cairn::repair(&mut db, "0001_four", &opts()).unwrap();
    assert_eq!(repaired.status, HistoryStatus::Failed);
    assert!(db.history().unwrap().is_empty());
}

#[test]
fn a_revert_failing_part_way_marks_its_row_revert_failed_and_adds_none() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let set = migrations(&[(
        "0001_t.yaml",
        "up: CREATE TABLE t (id INT);\ndown: |\n  DROP TABLE t;\n  DROP TABLE nope;\n",
    )]);
    let mut db = t.open();
    cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();

    let err = cairn::down(&mut db, &set, &DownTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let Error::Statement(failure) = err else {
        panic!("expected a statement failure, got {err:?}")
    };
    assert_eq!(failure.statement, 2);
    assert!(
        failure.message.starts_with("ERROR 1051 (42S02)"),
        "{}",
        failure.message
    );
    assert_eq!(t.tables(), ["cairn_migrations"]);
    let history = db.history().unwrap();
    assert_eq!(history.len(), 1);
    // Statement 1 dropped `t`: neither applied nor reverted, and `down --resume` knows where
    // to go on.
    assert_eq!(history[0].status, HistoryStatus::RevertFailed);
    assert_eq!(history[0].failed_statement, Some(2));
    assert_eq!(history[0].error.as_deref(), Some(failure.message.as_str()));
}

#[test]
fn a_script_that_leaves_autocommit_off_still_gets_its_history_committed() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let set = migrations(&[(
        "0001_dml.yaml",
        "up: |\n  CREATE TABLE t (id INT);\n  SET autocommit = 0;\n  INSERT INTO t VALUES (1);\n",
    )]);
    let mut db = t.open();
    cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    let name = t.name.clone();
    // Seen from another session, so only committed data counts.
    let status: Option<String> = t
        .admin()
        .query_first(format!("SELECT status FROM `{name}`.cairn_migrations"))
        .unwrap();
    assert_eq!(status.as_deref(), Some("applied"));
    let rows: Option<i64> = t
        .admin()
        .query_first(format!("SELECT COUNT(*) FROM `{name}`.t"))
        .unwrap();
    assert_eq!(rows, Some(1));
}

#[test]
fn history_is_empty_without_a_table_and_a_foreign_table_is_refused() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let mut db = t.open();
    assert!(db.history().unwrap().is_empty());
    assert!(t.tables().is_empty(), "reading history creates nothing");
    db.ensure_history().unwrap();
    db.ensure_history().unwrap();
    assert_eq!(t.tables(), ["cairn_migrations"]);

    let name = t.name.clone();
    t.admin()
        .query_drop(format!(
            "ALTER TABLE `{name}`.cairn_migrations DROP COLUMN error, DROP COLUMN status"
        ))
        .unwrap();
    let err = db.ensure_history().unwrap_err();
    let BackendError::Other(message) = err else {
        panic!("{err:?}")
    };
    assert!(
        message.contains("lacks columns status, error") && message.contains(&name),
        "{message}"
    );
}

#[test]
fn a_killed_session_is_a_one_line_connection_error() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let mut db = t.open();
    let id = db.conn().connection_id();
    t.admin().query_drop(format!("KILL {id}")).unwrap();
    let err = db.history().unwrap_err();
    let BackendError::Connection(message) = err else {
        panic!("expected a connection error, got {err:?}")
    };
    assert!(
        message.starts_with("lost connection to MySQL at "),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn a_session_killed_mid_migration_is_resumed_and_a_statement_in_doubt_stops_the_run() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let mut db = t.open();
    let own = db.conn().connection_id();
    let text =
        format!("up: |\n  CREATE TABLE k1 (id INT);\n  KILL {own};\n  CREATE TABLE k3 (id INT);\n");
    let set = migrations(&[("0001_killed.yaml", text.as_str())]);

    let err = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let Error::Backend(BackendError::Connection(m)) = err else {
        panic!("expected a lost connection, got {err:?}")
    };
    assert!(
        m.starts_with("lost connection to MySQL at ")
            && m.contains("during statement 2 of migration 0001_killed (up)"),
        "{m}"
    );
    assert!(!m.contains('\n'), "{m}");

    // The row says statement 1 took effect and 2 was running. Whether a `KILL` took effect
    // cannot be read from the catalog: the next run stops and says how to go on.
    let mut db = t.open();
    let history = db.history().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].status, history[0].failed_statement),
        (HistoryStatus::Running, Some(2))
    );
    let err = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("statement 2 of 3 (up) was running: `KILL")
            && message.contains("`migrate repair 0001_killed --from 3`")
            && message.contains("`migrate repair 0001_killed --from 2`"),
        "{message}"
    );
    assert_eq!(t.tables(), ["cairn_migrations", "k1"], "nothing ran");

    // Told that it took effect, `up --resume` runs statement 3 only.
    cairn::repair_from(&mut db, &set, "0001_killed", 3, &opts()).unwrap();
    let resume = Options {
        resume: true,
        ..opts()
    };
    cairn::up(&mut db, &set, &UpTarget::All, &resume, &mut |_| {}).unwrap();
    assert_eq!(t.tables(), ["cairn_migrations", "k1", "k3"]);
    assert_eq!(db.history().unwrap()[0].status, HistoryStatus::Applied);
}

/// A first run of a plain migration goes in one exchange, its time measured by the server:
/// a statement that sleeps shows in `execution_ms`. A `?` in a statement, or one that returns
/// rows, does not shift which statement a failure is counted against.
#[test]
fn a_migration_in_one_exchange_records_its_time_and_names_its_failing_statement() {
    let Some(mut t) = TestDb::create() else {
        return;
    };
    let set = migrations(&[
        (
            "0001_slow.yaml",
            "up: |\n  CREATE TABLE t (x VARCHAR(20));\n  DO SLEEP(0.25);\n  INSERT INTO t VALUES ('why?');\ndown: DROP TABLE t\n",
        ),
        (
            "0002_fails.yaml",
            "depends_on: [0001_slow]\nup: |\n  SELECT x FROM t;\n  INSERT INTO t VALUES ('two?');\n  INSERT INTO missing VALUES (1);\n  CREATE TABLE never (x INT);\ndown: DELETE FROM t WHERE x = 'two?'\n",
        ),
    ]);
    let mut db = t.open();
    let err = cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap_err();
    let Error::Statement(failure) = &err else {
        panic!("{err}");
    };
    assert_eq!(
        (failure.id.as_str(), failure.statement),
        ("0002_fails", 3),
        "{err}"
    );
    let history = db.history().unwrap();
    assert_eq!(history[0].status, HistoryStatus::Applied);
    assert!(
        history[0].execution_ms >= 250,
        "{:?}",
        history[0].execution_ms
    );
    assert!(
        history[0].execution_ms < 60_000,
        "{:?}",
        history[0].execution_ms
    );
    assert_eq!(history[1].status, HistoryStatus::Failed);
    assert_eq!(history[1].failed_statement, Some(3));
    let rows: Vec<String> = db.conn().query("SELECT x FROM t ORDER BY x").unwrap();
    assert_eq!(rows, ["two?", "why?"]);
    assert!(!t.tables().contains(&"never".to_string()));
}

/// A migration too large to go with its history row in one query (over a third of the server's
/// `max_allowed_packet`: the row holds its SQL, sent as hex) still applies, statement by
/// statement, as before.
#[test]
fn a_migration_too_large_for_one_query_is_applied_statement_by_statement() {
    let Some(t) = TestDb::create() else {
        return;
    };
    let mut db = t.open();
    let max: usize = db
        .conn()
        .query_first("SELECT @@max_allowed_packet")
        .unwrap()
        .unwrap();
    let text = "x".repeat(max / 3 + 1024);
    let up = format!(
        "up: |\n  CREATE TABLE big (v LONGTEXT);\n  INSERT INTO big VALUES ('{text}');\ndown: DROP TABLE big\n"
    );
    let set = migrations(&[("0001_big.yaml", up.as_str())]);
    cairn::up(&mut db, &set, &UpTarget::All, &opts(), &mut |_| {}).unwrap();
    let length: usize = db
        .conn()
        .query_first("SELECT LENGTH(v) FROM big")
        .unwrap()
        .unwrap();
    assert_eq!(length, text.len());
    assert_eq!(db.history().unwrap()[0].status, HistoryStatus::Applied);
}
