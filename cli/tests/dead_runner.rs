//! A runner killed in the middle of a `transaction: false` migration (docs/commands.md, "When a
//! deploy is killed"): its history row stays `running` with how far it got (statements 1 and 2
//! took effect, 3 was running); `status` shows it interrupted; the next plain `up` finishes it
//! from statement 3, or, where statement 3 commits on its own and the catalog cannot tell
//! whether it took effect (MySQL's `DO GET_LOCK(...)`), stops and names it, and `repair --from`
//! plus `up --resume` go on from what the user checked. The runner is a real `cairn migrate up`
//! process, killed with SIGKILL while its last statement runs.
//!
//! On MySQL a plain migration goes to the server whole, each statement with its record, and a
//! server goes on with it after its client died (MariaDB 10.11 does), leaving nothing in doubt
//! (`the_server_finishes_a_migration_whose_runner_died`). There the migration starts with a
//! session setting, which makes it run statement by statement, so the in-doubt path is
//! exercised; the blocked statement is the last one.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cairn_tests::{Kind, TestDb};

const ID: &str = "0001_interrupted";

/// Longer than any healthy wait below; only a hang reaches it.
const HANG_GUARD: Duration = Duration::from_secs(120);

fn cairn(db: &TestDb, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
    cmd.env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url, "--dir"])
        .arg(dir)
        .args(args);
    cmd
}

/// (exit code, stdout, stderr).
fn run(db: &TestDb, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cairn(db, dir, args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The migration, `last` its blocked statement; on MySQL it starts with a session setting.
fn migration(kind: Kind, last: &str) -> String {
    let setting = if kind == Kind::Mysql {
        "SET @cairn_test = 1;\n  "
    } else {
        ""
    };
    format!(
        "transaction: false\nup: |\n  {setting}CREATE TABLE k1 (id INTEGER);\n  CREATE TABLE k2 (id INTEGER);\n  {last};\ndown: |\n  DROP TABLE k2;\n  DROP TABLE k1;\n"
    )
}

/// How many statements the migration has: the blocked one is the last.
fn statements(kind: Kind) -> i64 {
    if kind == Kind::Mysql { 4 } else { 3 }
}

/// A second statement that does not finish until the test lets it: on the servers it waits for
/// a lock the returned connection holds (closing that connection releases it); SQLite has no
/// such lock, so there it is a query that never ends.
fn blocking_statement(db: &TestDb) -> (&'static str, Option<cairn_tests::Conn>) {
    match db.kind {
        Kind::Sqlite => (
            "SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n)",
            None,
        ),
        Kind::Postgres => {
            let mut holder = db.connect();
            let got = holder.scalar_i64(
                "SELECT CAST(pg_try_advisory_lock(7, hashtext(current_database())) AS INTEGER)",
            );
            assert_eq!(got, 1, "the test must hold the lock first");
            (
                "SELECT pg_advisory_lock(7, hashtext(current_database()))",
                Some(holder),
            )
        }
        Kind::Mysql => {
            let mut holder = db.connect();
            let got = holder.scalar_i64("SELECT GET_LOCK(CONCAT(DATABASE(), '_blocker'), 0)");
            assert_eq!(got, 1, "the test must hold the lock first");
            (
                "DO GET_LOCK(CONCAT(DATABASE(), '_blocker'), 3600)",
                Some(holder),
            )
        }
    }
}

fn history(db: &TestDb) -> Option<(String, Option<i64>)> {
    db.history_status(ID)
}

fn killed_runner_is_finished_by_the_next_up(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{ID}.yaml"));
    let (blocker, holder) = blocking_statement(db);
    std::fs::write(&file, migration(db.kind, blocker)).unwrap();
    let n = statements(db.kind);

    let mut runner = cairn(db, dir.path(), &["migrate", "up"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The statements before the last and their records committed, so the runner is in the
    // last, which cannot finish.
    let start = Instant::now();
    while history(db) != Some(("running".to_string(), Some(n))) {
        if let Some(status) = runner.try_wait().unwrap() {
            let out = runner.wait_with_output().unwrap();
            panic!(
                "{}: the runner ended ({status}) before being killed: {}{}",
                db.kind.name(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            start.elapsed() < HANG_GUARD,
            "{}: statement 1 never ran",
            db.kind.name()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    runner.kill().unwrap(); // SIGKILL: no chance to record anything
    runner.wait().unwrap();
    // The server's session of the dead runner is still waiting for the lock; once it gets it,
    // it finds its client gone and ends, releasing the migration lock (the next commands wait
    // for that lock, up to --lock-timeout).
    drop(holder);
    assert_eq!(
        history(db),
        Some(("running".to_string(), Some(n))),
        "{}",
        db.kind.name()
    );
    assert_eq!(
        db.tables(),
        ["cairn_migrations", "k1", "k2"],
        "{}",
        db.kind.name()
    );

    let (code, out, _) = run(db, dir.path(), &["migrate", "status"]);
    assert_eq!(code, 1, "{}: {out}", db.kind.name());
    assert!(out.contains(&format!("interrupted {ID}")), "{out}");

    if db.kind == Kind::Sqlite {
        // SQLite's stand-in for a lock wait never ends; the next run gets a statement that does.
        std::fs::write(&file, migration(db.kind, "SELECT 1")).unwrap();
    }
    let (code, out, err) = run(db, dir.path(), &["migrate", "up"]);
    assert!(!err.contains("statement 0"), "{err}");
    if db.kind == Kind::Mysql {
        // `DO GET_LOCK(...)` commits on its own and leaves nothing in the catalog: the run
        // stops, names it, and says how to go on.
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains(&format!(
                "migration {ID} was interrupted while statement {n} of {n} (up) was running: `DO GET_LOCK("
            )) && err.contains(&format!("`migrate repair {ID} --from {n}`")),
            "{err}"
        );
        assert_eq!(history(db), Some(("running".to_string(), Some(n))));
        let from = n.to_string();
        let (code, out, err) = run(db, dir.path(), &["migrate", "repair", ID, "--from", &from]);
        assert_eq!(code, 0, "{out}{err}");
        let (code, out, err) = run(db, dir.path(), &["migrate", "up", "--resume"]);
        assert_eq!(code, 0, "{out}{err}");
    } else {
        assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
        assert!(
            err.contains(&format!(
                "recovered: migration {ID} was interrupted while applying when an earlier run stopped: statements 1–2 of 3 had taken effect; finished it"
            )),
            "{}: {err}",
            db.kind.name()
        );
    }
    assert_eq!(history(db), Some(("applied".to_string(), None)));
    assert_eq!(
        db.tables(),
        ["cairn_migrations", "k1", "k2"],
        "{}: statements 1 and 2 ran once, and the last after them",
        db.kind.name()
    );

    // Nothing left to repair.
    let (code, _, err) = run(db, dir.path(), &["migrate", "repair", ID]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("migration {ID} is applied, not failed")),
        "{err}"
    );
}

cairn_tests::on_every_backend!(killed_runner_is_finished_by_the_next_up);

/// MySQL: a plain migration goes to the server whole, each statement followed by its record.
/// The runner is killed while the last statement waits; the server goes on once it can, and
/// records the migration applied, so the next `up` has nothing to do.
#[test]
fn the_server_finishes_a_migration_whose_runner_died() {
    let Some(db) = TestDb::new(Kind::Mysql) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (blocker, holder) = blocking_statement(&db);
    let plain = format!(
        "up: |\n  CREATE TABLE k1 (id INTEGER);\n  CREATE TABLE k2 (id INTEGER);\n  {blocker};\ndown: |\n  DROP TABLE k2;\n  DROP TABLE k1;\n"
    );
    std::fs::write(dir.path().join(format!("{ID}.yaml")), plain).unwrap();
    let mut runner = cairn(&db, dir.path(), &["migrate", "up"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while history(&db) != Some(("running".to_string(), Some(3))) {
        assert!(runner.try_wait().unwrap().is_none(), "the runner ended");
        assert!(start.elapsed() < HANG_GUARD, "statement 3 never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    runner.kill().unwrap();
    runner.wait().unwrap();
    drop(holder);
    while history(&db) != Some(("applied".to_string(), None)) {
        assert!(
            start.elapsed() < HANG_GUARD,
            "the server did not finish: {:?}",
            history(&db)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, out, err) = run(&db, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Nothing to do"), "{out}{err}");
    assert_eq!(db.tables(), ["cairn_migrations", "k1", "k2"]);
}
