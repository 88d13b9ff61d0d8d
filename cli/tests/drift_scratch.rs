//! The scratch database `drift` replays the migrations into (README, "Declared schemas and the
//! drift gate", and `init_sql` under "Project settings"): on a server a temporary database
//! created beside the live one and dropped afterwards (SQLite: in memory, no file); the
//! project's `init_sql` runs on it; `--scratch-url` and `scratch_url` in cairn.toml replace it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cairn_tests::{Kind, TestDb};

/// Longer than any healthy wait below; only a hang reaches it.
const HANG_GUARD: Duration = Duration::from_secs(120);

const ITEMS: &str =
    "up: CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\ndown: DROP TABLE items;\n";

/// `cairn --database-url URL ARGS` in the project folder `dir` (so its cairn.toml applies).
fn cairn(db: &TestDb, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
    cmd.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url])
        .args(args);
    cmd
}

/// (exit code, stdout, stderr).
fn result(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(db: &TestDb, dir: &Path, args: &[&str]) -> (i32, String, String) {
    result(&cairn(db, dir, args).output().unwrap())
}

/// A project folder with `migrations/` holding `files`, and `cairn.toml` holding `toml`.
fn project(files: &[(&str, &str)], toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join("migrations").join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("cairn.toml"), toml).unwrap();
    dir
}

/// `LIKE` pattern of the scratch databases the cairn process `pid` names
/// (`cairn_scratch_<pid>_<nanos>`).
fn scratch_pattern(pid: u32) -> String {
    format!("cairn\\_scratch\\_{pid}\\_%")
}

/// How many databases on `db`'s server are scratch databases of the process `pid`.
fn scratch_databases(db: &TestDb, pid: u32) -> i64 {
    let pattern = scratch_pattern(pid);
    match db.kind {
        Kind::Postgres => db.scalar_i64(&format!(
            "SELECT count(*) FROM pg_database WHERE datname LIKE '{pattern}'"
        )),
        Kind::Mysql => db.scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE '{pattern}'"
        )),
        Kind::Sqlite => 0,
    }
}

/// Files and folders directly in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// While `drift` replays, its scratch database exists on the server (seen from outside, held
/// open by a migration that waits for a lock the test holds); afterwards it is gone. On SQLite
/// the replay is in memory: no file appears.
fn scratch_database_is_created_then_dropped(db: &TestDb) {
    if db.kind == Kind::Sqlite {
        let dir = project(&[("0001_items.yaml", ITEMS)], "");
        assert_eq!(run(db, dir.path(), &["migrate", "up"]).0, 0);
        let before = listing(dir.path());
        let db_dir = Path::new(db.name().as_str())
            .parent()
            .unwrap()
            .to_path_buf();
        let db_files = listing(&db_dir);
        let (code, out, err) = run(db, dir.path(), &["drift"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("No drift") && out.contains("replayed into sqlite::memory:"),
            "{out}"
        );
        assert_eq!(listing(dir.path()), before);
        assert_eq!(
            listing(&db_dir),
            db_files,
            "no scratch file beside the database"
        );
        return;
    }
    let name = db.name();
    // A lock on the whole server, so a migration in the scratch database waits for it.
    let (wait, take, release) = match db.kind {
        Kind::Postgres => (
            format!("SELECT pg_advisory_xact_lock(7, hashtext('{name}'))"),
            format!("SELECT CAST(pg_try_advisory_lock(7, hashtext('{name}')) AS INTEGER)"),
            format!("SELECT pg_advisory_unlock(7, hashtext('{name}'))"),
        ),
        _ => (
            format!("DO GET_LOCK('{name}_scratch', 3600)"),
            format!("SELECT GET_LOCK('{name}_scratch', 0)"),
            format!("DO RELEASE_LOCK('{name}_scratch')"),
        ),
    };
    let waits = format!("depends_on: [0001_items]\nup: {wait};\ndown: SELECT 1;\n");
    let dir = project(
        &[("0001_items.yaml", ITEMS), ("0002_waits.yaml", &waits)],
        "",
    );
    let (code, out, err) = run(db, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");

    let mut holder = db.connect();
    assert_eq!(
        holder.scalar_i64(&take),
        1,
        "the test must hold the lock first"
    );
    let drift = cairn(db, dir.path(), &["drift"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = drift.id();
    let start = Instant::now();
    // The replay stops at 0002 until the lock is released: by then 0001 made `items` there.
    let replayed = |db: &TestDb| {
        match db.kind {
        Kind::Mysql => db.scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema LIKE '{}' AND table_name = 'items'",
            scratch_pattern(pid)
        )),
        _ => scratch_databases(db, pid),
    }
    };
    while replayed(db) == 0 {
        assert!(
            start.elapsed() < HANG_GUARD,
            "{}: no scratch database of pid {pid} appeared",
            db.kind.name()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(scratch_databases(db, pid), 1, "{}", db.kind.name());
    holder.execute(&release);
    let (code, out, err) = result(&drift.wait_with_output().unwrap());
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    let described = match db.kind {
        Kind::Postgres => "replayed into a scratch database beside".to_string(),
        _ => format!("/cairn_scratch_{pid}_"),
    };
    assert!(
        out.contains("No drift") && out.contains(&described),
        "{out}"
    );
    assert_eq!(
        scratch_databases(db, pid),
        0,
        "{}: the scratch database is dropped afterwards",
        db.kind.name()
    );
}

/// `init_sql` runs on the scratch database: each dialect's migration below only works with
/// the setting it makes, so the replay succeeds with it, and fails without it (the scratch
/// database dropped all the same).
fn init_sql_runs_on_the_scratch_database(db: &TestDb) {
    let (init_sql, migration, refusal) = match db.kind {
        Kind::Postgres => (
            "SET check_function_bodies = off",
            "up: |\n  CREATE FUNCTION later_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM later';\n  CREATE TABLE later (id INTEGER);\ndown: |\n  DROP TABLE later;\n  DROP FUNCTION later_count();\n",
            "relation \"later\" does not exist",
        ),
        _ => (
            if db.kind == Kind::Sqlite {
                "PRAGMA foreign_keys = OFF"
            } else {
                "SET SESSION foreign_key_checks = 0"
            },
            "up: |\n  CREATE TABLE parent (id INTEGER PRIMARY KEY);\n  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));\n  INSERT INTO child (id, parent_id) VALUES (1, 9);\ndown: |\n  DROP TABLE child;\n  DROP TABLE parent;\n",
            "foreign key constraint fail",
        ),
    };
    let toml = format!("[init_sql]\n{} = \"{init_sql}\"\n", db.kind.name());
    let dir = project(&[("0001_needs_init.yaml", migration)], &toml);
    let (code, out, err) = run(db, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());

    let drift = cairn(db, dir.path(), &["drift"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = drift.id();
    let (code, out, err) = result(&drift.wait_with_output().unwrap());
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert!(out.contains("No drift"), "{out}");
    assert_eq!(scratch_databases(db, pid), 0);

    // Without the setting the same replay fails on the scratch database.
    std::fs::write(dir.path().join("cairn.toml"), "").unwrap();
    let drift = cairn(db, dir.path(), &["drift"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = drift.id();
    let (code, out, err) = result(&drift.wait_with_output().unwrap());
    assert_eq!(code, 2, "{}: {out}{err}", db.kind.name());
    let lower = err.to_lowercase();
    assert!(
        err.contains("0001_needs_init.yaml")
            && lower.contains(refusal)
            && lower.contains("statement"),
        "{}: {err}",
        db.kind.name()
    );
    assert_eq!(
        scratch_databases(db, pid),
        0,
        "{}: dropped after a failed replay too",
        db.kind.name()
    );
}

/// `--scratch-url` (and `scratch_url` in cairn.toml) names the database the migrations are
/// replayed into: that database ends up holding them.
fn scratch_url_is_honoured(db: &TestDb) {
    let dir = project(&[("0001_items.yaml", ITEMS)], "");
    assert_eq!(run(db, dir.path(), &["migrate", "up"]).0, 0);

    let flag = TestDb::new(db.kind).unwrap();
    let (code, out, err) = run(db, dir.path(), &["drift", "--scratch-url", &flag.url]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert!(out.contains("No drift"), "{out}");
    assert_eq!(flag.history_ids(), ["0001_items"], "{}", db.kind.name());
    assert_eq!(flag.tables(), ["cairn_migrations", "items"]);

    let file = TestDb::new(db.kind).unwrap();
    std::fs::write(
        dir.path().join("cairn.toml"),
        format!("scratch_url = \"{}\"\n", file.url),
    )
    .unwrap();
    let (code, out, err) = run(db, dir.path(), &["drift"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert_eq!(file.history_ids(), ["0001_items"], "{}", db.kind.name());

    // The flag beats the file: `flag` already holds the replay, which is refused rather than
    // compared (it would hide any difference the file's migrations have from it).
    let (code, out, err) = run(db, dir.path(), &["drift", "--scratch-url", &flag.url]);
    assert_eq!(code, 2, "{}: {out}{err}", db.kind.name());
    assert!(
        err.contains("is not empty (1 tables, 1 history rows): give an empty database"),
        "{}: {err}",
        db.kind.name()
    );
}

cairn_tests::on_every_backend!(
    scratch_database_is_created_then_dropped,
    init_sql_runs_on_the_scratch_database,
    scratch_url_is_honoured,
);
