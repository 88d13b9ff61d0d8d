//! Databases whose history table was written by Cairn's v1 history code, kept frozen as
//! fixtures (`tests/fixtures/history-v1`, see its README: made once, never regenerated), are
//! read, reported, repaired, resumed and migrated further by the current code on every
//! backend. Each fixture holds four applied migrations (tables, a `transaction: false` index,
//! seed rows), a `failed` row (0005_audit, statement 2 of 3, its statement 1 in effect), a
//! `running` row as a killed runner leaves it (0006_tags) and one pending file (0007_comments).
//! What v1 read from each fixture is kept beside it (`<backend>.history.json`); the current
//! code must read exactly that, and must neither add nor drop a column of the table.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "history_compat/fixture.rs"]
mod fixture;
#[path = "history_compat/run.rs"]
mod run;

use cairn::Migrate;
use cairn::{DownTarget, Error, Finding, HistoryStatus, MigrationState, Options};
use cairn_tests::{Kind, TestDb};
use fixture::V1_COLUMNS;
use run::{connect, down, ids, tables, up};

const FAILED: &str = "0005_audit";
const RUNNING: &str = "0006_tags";

/// Loads the fixture into `db` and checks that the current code reads and reports it as v1
/// did; returns the history table's catalog description as loaded, or `None` when the
/// backend's client is missing (outside CI).
fn load_and_check(db: &TestDb) -> Option<Vec<Vec<String>>> {
    if !fixture::load(db) {
        return None;
    }
    let kind = db.kind;
    let loaded = fixture::catalog(db);
    assert_eq!(fixture::column_names(db), V1_COLUMNS, "{kind}");
    let (set, _dir) = fixture::migrations(db, &[]);
    let mut backend = connect(db);
    let history = backend.history().unwrap();

    // Every field of every row, exactly as v1 read it.
    let expected = fixture::expected_history(kind);
    let what = format!("{kind}: as loaded");
    fixture::assert_rows(&what, &fixture::history_json(backend.as_mut()), &expected);
    let rows: Vec<(i64, &str, HistoryStatus)> = history
        .iter()
        .map(|h| (h.rank, h.id.as_str(), h.status))
        .collect();
    assert_eq!(
        rows,
        [
            (1, "0001_users", HistoryStatus::Applied),
            (2, "0002_posts", HistoryStatus::Applied),
            (3, "0003_posts_user_index", HistoryStatus::Applied),
            (4, "0004_seed", HistoryStatus::Applied),
            (5, FAILED, HistoryStatus::Failed),
            (6, RUNNING, HistoryStatus::Running),
        ],
        "{kind}"
    );
    for h in &history {
        let m = set.get(&h.id).unwrap();
        assert_eq!(h.checksum, m.checksum.to_hex(), "{kind}: {}", h.id);
        assert_eq!(h.depends_on, m.depends_on, "{kind}: {}", h.id);
        assert_eq!(
            h.up_sql.as_deref(),
            Some(m.up.sql.as_str()),
            "{kind}: {}",
            h.id
        );
        assert_eq!(
            (h.engine_version.as_str(), h.applied_by.as_str()),
            ("0.1.0", "fixture")
        );
        let at = &h.applied_at;
        assert!(
            at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
            "{at}"
        );
    }
    let failed = &history[4];
    assert_eq!(failed.failed_statement, Some(2), "{kind}");
    let error = failed.error.as_deref().unwrap();
    assert!(error.contains("legacy_audit"), "{kind}: {error}");
    let running = &history[5];
    assert_eq!(
        (
            running.failed_statement,
            running.error.as_deref(),
            running.execution_ms
        ),
        (None, None, 0),
        "{kind}"
    );
    assert_eq!(history[3].depends_on, ["0001_users", "0002_posts"]);
    let concurrently = history[2]
        .up_sql
        .as_deref()
        .unwrap()
        .contains("CONCURRENTLY");
    assert_eq!(
        concurrently,
        kind == Kind::Postgres,
        "{kind}: per-dialect SQL was stored"
    );

    // status: the running row shows as failed (it did not finish), 0007 is pending.
    let status = cairn::status(&set, &history);
    let states: Vec<(&str, MigrationState, Option<&str>)> = status
        .iter()
        .map(|r| (r.id.as_str(), r.state, r.applied_at.as_deref()))
        .collect();
    let at = |i: usize| Some(history[i].applied_at.as_str());
    assert_eq!(
        states,
        [
            ("0001_users", MigrationState::Applied, at(0)),
            ("0002_posts", MigrationState::Applied, at(1)),
            ("0003_posts_user_index", MigrationState::Applied, at(2)),
            ("0004_seed", MigrationState::Applied, at(3)),
            (FAILED, MigrationState::Failed, at(4)),
            (RUNNING, MigrationState::Failed, at(5)),
            ("0007_comments", MigrationState::Pending, None),
        ],
        "{kind}"
    );

    // validate: the failed row with its statement and message, the running row as statement 0.
    let findings = cairn::validate(&set, &history);
    assert_eq!(
        findings,
        [
            Finding::Failed {
                id: FAILED.into(),
                statement: 2,
                message: error.to_string(),
            },
            Finding::Failed {
                id: RUNNING.into(),
                statement: 0,
                message: "the runner stopped before the migration finished".into(),
            },
        ],
        "{kind}"
    );
    assert!(findings[1].headline().contains("still marked running"));

    // Neither direction runs past them, and refusing changes nothing.
    for refused in [up(db, &set, false), down(db, &set, DownTarget::Steps(1))] {
        assert!(
            matches!(&refused, Err(Error::Validation(f)) if f.len() == 2),
            "{kind}: {refused:?}"
        );
    }
    let what = format!("{kind}: after the refusals");
    fixture::assert_rows(&what, &fixture::history_json(backend.as_mut()), &expected);
    // Statement 1 of 0005_audit took effect; nothing of 0006_tags did. Seed rows kept their
    // text through the dump.
    assert_eq!(tables(db), ["audit_log", "posts", "users"], "{kind}");
    assert!(fixture::has_index(db, "idx_posts_user_id"), "{kind}");
    let seeded = "SELECT count(*) FROM posts p JOIN users u ON u.id = p.user_id \
                  WHERE p.title = 'Grüße' AND u.name = 'Ada O''Brien'";
    assert_eq!(db.scalar_i64(seeded), 1, "{kind}");
    Some(loaded)
}

/// The history table after the current code's runs: the same columns, types and indexes as
/// the fixture's.
fn assert_table_unchanged(db: &TestDb, loaded: &[Vec<String>]) {
    assert_eq!(fixture::catalog(db), loaded, "{}", db.kind);
    assert_eq!(fixture::column_names(db), V1_COLUMNS, "{}", db.kind);
}

/// The user undoes statement 1 of the failed migration and provides what statement 2 missed,
/// repairs both rows, and `up` applies them and the pending one; `down` then reverts by rank,
/// and reverts a v1-applied migration whose file is gone from the down SQL v1 stored.
fn repair_then_up_then_down(db: &TestDb) {
    let Some(loaded) = load_and_check(db) else {
        return;
    };
    let kind = db.kind;
    let expected = fixture::expected_history(kind);
    let (set, _dir) = fixture::migrations(db, &[]);
    db.execute("DROP TABLE audit_log");
    db.execute("CREATE TABLE legacy_audit (id INTEGER, user_id INTEGER, action VARCHAR(50))");
    db.execute("INSERT INTO legacy_audit VALUES (1, 1, 'login')");

    let mut backend = connect(db);
    let opts = Options::default();
    let repaired = cairn::repair(backend.as_mut(), FAILED, &opts).unwrap();
    assert_eq!(
        (repaired.status, repaired.failed_statement),
        (HistoryStatus::Failed, Some(2))
    );
    let repaired = cairn::repair(backend.as_mut(), RUNNING, &opts).unwrap();
    assert_eq!(repaired.status, HistoryStatus::Running, "{kind}");
    assert!(
        matches!(cairn::repair(backend.as_mut(), "0001_users", &opts), Err(Error::Refused(cairn::Refused::NotFailed { id })) if id == "0001_users")
    );
    let what = format!("{kind}: after repair");
    fixture::assert_rows(
        &what,
        &fixture::history_json(backend.as_mut()),
        &expected[..4],
    );

    let report = up(db, &set, false).unwrap();
    assert_eq!(ids(&report), [FAILED, RUNNING, "0007_comments"], "{kind}");
    let history = backend.history().unwrap();
    let what = format!("{kind}: v1's rows after up");
    fixture::assert_rows(
        &what,
        &fixture::history_json(backend.as_mut())[..4],
        &expected[..4],
    );
    let added: Vec<(i64, &str, HistoryStatus)> = history[4..]
        .iter()
        .map(|h| (h.rank, h.id.as_str(), h.status))
        .collect();
    assert_eq!(
        added,
        [
            (5, FAILED, HistoryStatus::Applied),
            (6, RUNNING, HistoryStatus::Applied),
            (7, "0007_comments", HistoryStatus::Applied),
        ],
        "{kind}: ranks continue after v1's last applied one"
    );
    for h in &history[4..] {
        let m = set.get(&h.id).unwrap();
        assert_eq!(h.checksum, m.checksum.to_hex(), "{kind}: {}", h.id);
        assert_eq!(h.depends_on, m.depends_on, "{kind}: {}", h.id);
        assert_eq!(h.engine_version, cairn::ENGINE_VERSION);
        assert_eq!((h.failed_statement, h.error.as_deref()), (None, None));
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM audit_log"), 1, "{kind}");
    let rows = cairn::status(&set, &history);
    assert!(
        rows.iter().all(|r| r.state == MigrationState::Applied),
        "{kind}: {rows:?}"
    );
    assert!(cairn::validate(&set, &history).is_empty(), "{kind}");

    let report = down(db, &set, DownTarget::Steps(1)).unwrap();
    assert_eq!(
        ids(&report),
        ["0007_comments"],
        "{kind}: the highest rank first"
    );
    assert!(!tables(db).contains(&"comments".to_string()), "{kind}");

    // 0003's file is gone: its revert comes from the history row v1 wrote (down SQL, and
    // depends_on for the graph).
    let (without_0003, _dir) = fixture::migrations(db, &["0003_posts_user_index.yaml"]);
    let target = DownTarget::Including("0003_posts_user_index".into());
    let report = down(db, &without_0003, target).unwrap();
    assert_eq!(ids(&report), ["0003_posts_user_index"], "{kind}");
    assert!(
        matches!(&report.warnings[..], [Finding::Missing { id, applied_at }] if id == "0003_posts_user_index" && *applied_at == expected[2]["applied_at"]),
        "{kind}: {:?}",
        report.warnings
    );
    assert!(!fixture::has_index(db, "idx_posts_user_id"), "{kind}");
    assert_eq!(
        db.history_ids(),
        ["0001_users", "0002_posts", "0004_seed", FAILED, RUNNING],
        "{kind}"
    );
    assert_table_unchanged(db, &loaded);
}

/// The failed migration resumes from the statement v1 recorded (after the running row is
/// repaired, since nothing says how far a killed runner got), keeping its rank.
fn resume_from_the_recorded_statement(db: &TestDb) {
    let Some(loaded) = load_and_check(db) else {
        return;
    };
    let kind = db.kind;
    let (set, _dir) = fixture::migrations(db, &[]);
    db.execute("CREATE TABLE legacy_audit (id INTEGER, user_id INTEGER, action VARCHAR(50))");
    db.execute("INSERT INTO legacy_audit VALUES (1, 1, 'login'), (2, 1, 'logout')");
    cairn::repair(connect(db).as_mut(), RUNNING, &Options::default()).unwrap();

    let report = up(db, &set, true).unwrap();
    assert_eq!(ids(&report), [FAILED, RUNNING, "0007_comments"], "{kind}");
    assert_eq!(
        report.migrations[0].statements, 2,
        "{kind}: statements 2 and 3 of 3"
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM audit_log"), 2, "{kind}");
    assert!(fixture::has_index(db, "idx_audit_log_user_id"), "{kind}");
    let history = connect(db).history().unwrap();
    let rows: Vec<(i64, &str, HistoryStatus, Option<i64>)> = history
        .iter()
        .map(|h| (h.rank, h.id.as_str(), h.status, h.failed_statement))
        .collect();
    assert_eq!(
        rows[3..],
        [
            (4, "0004_seed", HistoryStatus::Applied, None),
            (5, FAILED, HistoryStatus::Applied, None),
            (6, RUNNING, HistoryStatus::Applied, None),
            (7, "0007_comments", HistoryStatus::Applied, None),
        ],
        "{kind}"
    );
    assert_eq!(history[4].error, None, "{kind}");

    let report = down(db, &set, DownTarget::Steps(2)).unwrap();
    assert_eq!(ids(&report), ["0007_comments", RUNNING], "{kind}");
    assert_eq!(
        tables(db),
        ["audit_log", "legacy_audit", "posts", "users"],
        "{kind}"
    );
    assert_table_unchanged(db, &loaded);
}

/// An applied file edited since v1 applied it: the diff is made from the up SQL v1 stored.
fn changed_file_is_diffed_against_the_stored_sql(db: &TestDb) {
    if load_and_check(db).is_none() {
        return;
    }
    let (_, dir) = fixture::migrations(db, &[]);
    let path = dir.path().join("0001_users.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("VARCHAR(100)", "VARCHAR(200)")).unwrap();
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::load_dir(dir.path(), dialect).unwrap();
    let history = connect(db).history().unwrap();
    let expected = fixture::expected_history(db.kind);
    match &cairn::validate(&set, &history)[..] {
        [
            Finding::Changed {
                id, applied, diff, ..
            },
            Finding::Failed { .. },
            Finding::Failed { .. },
        ] => {
            assert_eq!(id, "0001_users");
            assert_eq!(*applied, expected[0]["checksum"]);
            assert!(
                diff.contains("-  name VARCHAR(100)\n+  name VARCHAR(200)\n"),
                "{diff}"
            );
        }
        other => panic!("{}: {other:?}", db.kind),
    }
}

/// The SQLite fixture's SQL dump holds what its database file holds.
#[test]
fn sqlite_dump_matches_the_database_file() {
    let (file, dump) = (
        TestDb::new(Kind::Sqlite).unwrap(),
        TestDb::new(Kind::Sqlite).unwrap(),
    );
    assert!(fixture::load(&file) && fixture::load_dump(&dump));
    let history = |db: &TestDb| fixture::history_json(connect(db).as_mut());
    fixture::assert_rows("dump against file", &history(&dump), &history(&file));
    let expected = fixture::expected_history(Kind::Sqlite);
    fixture::assert_rows("file", &history(&file), &expected);
    assert_eq!(fixture::catalog(&dump), fixture::catalog(&file));
    assert_eq!(
        cairn_tests::Contents::of(&dump),
        cairn_tests::Contents::of(&file)
    );
}

cairn_tests::on_every_backend!(
    repair_then_up_then_down,
    resume_from_the_recorded_statement,
    changed_file_is_diffed_against_the_stored_sql,
);
