//! A runner killed in the middle of a `transaction: false` migration (docs/commands.md, "When a
//! deploy is killed"): its history row stays `running` with how far it got (statements 1 and 2
//! took effect, 3 was running); `status` shows it interrupted; the next plain `up` finishes it
//! from statement 3, or, where statement 3 commits on its own and the catalog cannot tell
//! whether it took effect (MySQL's `DO GET_LOCK(...)`), stops and names it, and `repair --from`
//! plus `up --resume` go on from what the user checked. The runner is a real `cairn migrate up`
//! process, killed with SIGKILL while its last statement runs.
//!
//! The blocked statement is the last one: on MySQL a statement before the last goes to the
//! server together with its record, and a server that finishes it after its client died may go
//! on to the record (MariaDB 10.11 did), leaving nothing in doubt.
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

fn migration(last: &str) -> String {
    format!(
        "transaction: false\nup: |\n  CREATE TABLE k1 (id INTEGER);\n  CREATE TABLE k2 (id INTEGER);\n  {last};\ndown: |\n  DROP TABLE k2;\n  DROP TABLE k1;\n"
    )
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
    std::fs::write(&file, migration(blocker)).unwrap();

    let mut runner = cairn(db, dir.path(), &["migrate", "up"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Statements 1 and 2 and their records committed, so the runner is in statement 3, which
    // cannot finish.
    let start = Instant::now();
    while history(db) != Some(("running".to_string(), Some(3))) {
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
        Some(("running".to_string(), Some(3))),
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
        std::fs::write(&file, migration("SELECT 1")).unwrap();
    }
    let (code, out, err) = run(db, dir.path(), &["migrate", "up"]);
    assert!(!err.contains("statement 0"), "{err}");
    if db.kind == Kind::Mysql {
        // `DO GET_LOCK(...)` commits on its own and leaves nothing in the catalog: the run
        // stops, names it, and says how to go on.
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains(&format!(
                "migration {ID} was interrupted while statement 3 of 3 (up) was running: `DO GET_LOCK("
            )) && err.contains(&format!("`migrate repair {ID} --from 3`")),
            "{err}"
        );
        assert_eq!(history(db), Some(("running".to_string(), Some(3))));
        let (code, out, err) = run(db, dir.path(), &["migrate", "repair", ID, "--from", "3"]);
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
