//! The commands Alembic users reach for (issue 16): `migrate current` and `migrate stamp head`
//! / `--all`, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::TestDb;

/// `cairn --database-url URL ARGS` in `cwd`: (exit code, stdout, stderr).
fn run(db: &TestDb, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// a <- b, a <- c, d: heads b, c and d once all are applied.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("migrations");
    std::fs::create_dir(&m).unwrap();
    for (name, deps, table) in [
        ("0001_a", "[]", "a"),
        ("0002_b", "[0001_a]", "b"),
        ("0003_c", "[0001_a]", "c"),
        ("0004_d", "[]", "d"),
    ] {
        std::fs::write(
            m.join(format!("{name}.yaml")),
            format!(
                "depends_on: {deps}\nup: CREATE TABLE {table} (id INTEGER PRIMARY KEY);\ndown: DROP TABLE {table};\n"
            ),
        )
        .unwrap();
    }
    dir
}

fn json(db: &TestDb, cwd: &Path, args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run(db, cwd, &[args, &["--format", "json"]].concat());
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    serde_json::from_str(&out).unwrap()
}

fn current_names_the_applied_heads_and_the_last_applied(db: &TestDb) {
    let dir = project();
    let cwd = dir.path();
    let (code, _, err) = run(db, cwd, &["migrate", "up", "--to", "0002_b"]);
    assert_eq!(code, 0, "{err}");
    let v = json(db, cwd, &["migrate", "current"]);
    assert_eq!(
        v["current"]["heads"],
        serde_json::json!(["0002_b"]),
        "{v:#}"
    );
    assert_eq!(v["current"]["last"]["id"], "0002_b", "{v:#}");
    assert_eq!(v["current"]["applied"], 2);

    let (code, _, err) = run(db, cwd, &["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    let v = json(db, cwd, &["migrate", "current"]);
    let mut heads: Vec<String> = v["current"]["heads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    heads.sort();
    assert_eq!(heads, ["0002_b", "0003_c", "0004_d"], "{v:#}");
    let (code, out, _) = run(db, cwd, &["migrate", "current"]);
    assert_eq!(code, 0);
    assert!(out.contains(": 4 applied"), "{out}");
    assert!(out.contains("last applied: "), "{out}");

    // A rollback moves the heads back.
    let (code, _, err) = run(db, cwd, &["migrate", "down", "--id", "0002_b"]);
    assert_eq!(code, 0, "{err}");
    let v = json(db, cwd, &["migrate", "current"]);
    assert!(
        !v["current"]["heads"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("0002_b")),
        "{v:#}"
    );
    assert_eq!(v["current"]["applied"], 3);
}

fn stamp_head_records_every_migration_without_running_sql(db: &TestDb) {
    let dir = project();
    let cwd = dir.path();
    // The schema exists already (made by hand); only the history is missing.
    for t in ["a", "b", "c", "d"] {
        db.execute(&format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY)"));
    }
    let (code, _, err) = run(db, cwd, &["migrate", "stamp", "0001_a"]);
    assert_eq!(code, 0, "{err}");
    let v = json(db, cwd, &["migrate", "stamp", "head"]);
    let stamped: Vec<&str> = v["report"]["stamped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(stamped.len(), 3, "{v:#}");
    assert!(!stamped.contains(&"0001_a"), "{v:#}");
    assert_eq!(
        v["report"]["already_recorded"],
        serde_json::json!(["0001_a"])
    );
    // Nothing left to run, and nothing ran (the tables would already exist).
    let (code, out, err) = run(db, cwd, &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let v = json(db, cwd, &["migrate", "status"]);
    assert_eq!(v["summary"]["pending"], 0, "{v:#}");
    // --all is the same, and has nothing left to do.
    let v = json(db, cwd, &["migrate", "stamp", "--all"]);
    assert_eq!(v["report"]["stamped"], serde_json::json!([]), "{v:#}");
    let (code, _, err) = run(db, cwd, &["migrate", "stamp"]);
    assert_eq!(code, 2, "an id or --all is required");
    assert!(err.contains("<ID|head>"), "{err}");
}

cairn_tests::on_every_backend!(
    current_names_the_applied_heads_and_the_last_applied,
    stamp_head_records_every_migration_without_running_sql
);
