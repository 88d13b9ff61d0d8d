//! Backups made by other tools (issue 16), on every backend: a file without a Cairn manifest
//! (the backend's own tool output: an SQLite file, a pg_dump archive or SQL script, a
//! mariadb-dump file, gzipped or not) is verified as far as the file allows, says what could
//! not be checked, and restores (with `--yes`, keeping a pre-restore backup); `db backup
//! --output FILE` writes to an exact path; `db backups` says why each backup was taken and
//! `db backups delete ID` removes one.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};
use serde_json::Value;

fn cairn(db: &TestDb, cwd: &Path, args: &[&str]) -> (i32, String, String) {
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

fn json(db: &TestDb, cwd: &Path, args: &[&str]) -> Value {
    let (code, out, err) = cairn(db, cwd, &[args, &["--format", "json"]].concat());
    assert_eq!(code, 0, "{args:?}: {out}{err}");
    serde_json::from_str(&out).unwrap()
}

/// A project with `items` (3 rows) applied, its backups in `backups/`.
fn project(db: &TestDb) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("cairn.toml"), "backup_dir = \"backups\"\n").unwrap();
    std::fs::write(
        dir.path().join("migrations/0001_items.yaml"),
        "up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n  INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\ndown: DROP TABLE items;\n",
    )
    .unwrap();
    let (code, out, err) = cairn(db, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

fn items(db: &TestDb) -> i64 {
    db.scalar_i64("SELECT COUNT(*) FROM items")
}

fn ext(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "db",
        Kind::Postgres => "dump",
        Kind::Mysql => "sql",
    }
}

/// Verifies and restores `file` (a backup without a manifest), expecting the 3 rows back.
fn verify_and_restore(db: &TestDb, cwd: &Path, file: &str) {
    let (code, out, err) = cairn(db, cwd, &["db", "verify", file]);
    assert_eq!(code, 0, "{} {file}: {out}{err}", db.kind.name());
    assert!(out.contains("is a good backup"), "{out}");
    assert!(
        out.contains("note unchecked") && out.contains("no Cairn manifest"),
        "{out}"
    );
    let v = json(db, cwd, &["db", "verify", file]);
    assert_eq!(v["verification"]["manifest"]["kind"], "foreign", "{v:#}");
    db.execute("DELETE FROM items");
    let (code, _, err) = cairn(db, cwd, &["db", "restore", file]);
    assert_eq!(code, 2, "--yes is still required: {err}");
    assert_eq!(items(db), 0);
    let (code, out, err) = cairn(db, cwd, &["db", "restore", file, "--yes"]);
    assert_eq!(code, 0, "{} {file}: {out}{err}", db.kind.name());
    assert_eq!(items(db), 3, "{} {file}", db.kind.name());
    assert!(out.contains("Backed up the current database to"), "{out}");
}

fn another_tools_backup_verifies_and_restores(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let e = ext(db.kind);

    // An exact path, with its manifest beside it; never overwritten.
    let plain = format!("plain.{e}");
    let (code, out, err) = cairn(
        db,
        cwd,
        &["db", "backup", "--compress", "none", "--output", &plain],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(cwd.join(&plain).is_file(), "{out}");
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(cwd.join(format!("{plain}.manifest.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["file"], plain.as_str());
    let (code, _, err) = cairn(db, cwd, &["db", "backup", "--output", &plain]);
    assert_eq!(code, 2);
    assert!(err.contains("never overwrites"), "{err}");
    // With its manifest it is Cairn's own backup; without, another tool's file.
    let (code, out, _) = cairn(db, cwd, &["db", "verify", &plain]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("no Cairn manifest"), "{out}");
    std::fs::remove_file(cwd.join(format!("{plain}.manifest.json"))).unwrap();
    verify_and_restore(db, cwd, &plain);

    // Gzipped by the other tool: recognized by its magic bytes.
    let gz = format!("g.{e}.gz");
    let (code, out, err) = cairn(db, cwd, &["db", "backup", "--output", &gz]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_file(cwd.join(format!("{gz}.manifest.json"))).unwrap();
    verify_and_restore(db, cwd, &gz);

    // pg_dump's plain SQL script, as `pg_dump > backup.sql` writes it.
    if db.kind == Kind::Postgres {
        let script = cwd.join("script.sql");
        let dumped = Command::new("pg_dump")
            .args(["--no-owner", "--no-privileges", "--file"])
            .arg(&script)
            .arg(&db.url)
            .status()
            .unwrap();
        assert!(dumped.success());
        verify_and_restore(db, cwd, "script.sql");
    }

    // A damaged one, and a file that is no backup at all, are refused by verify.
    let bytes = std::fs::read(cwd.join(&plain)).unwrap();
    std::fs::write(cwd.join(format!("cut.{e}")), &bytes[..bytes.len() / 2]).unwrap();
    let (code, out, _) = cairn(db, cwd, &["db", "verify", &format!("cut.{e}")]);
    assert_eq!(code, 1, "{} truncated: {out}", db.kind.name());
    std::fs::write(cwd.join("notes.txt"), "not a backup\n").unwrap();
    let (code, out, _) = cairn(db, cwd, &["db", "verify", "notes.txt"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("not a backup Cairn recognizes"), "{out}");
    let (code, _, err) = cairn(db, cwd, &["db", "restore", "notes.txt", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(items(db), 3, "the database was not touched");
}

fn backups_say_why_they_were_taken_and_can_be_deleted(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let (code, _, err) = cairn(db, cwd, &["db", "backup"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        cwd.join("migrations/0002_more.yaml"),
        "up: CREATE TABLE more_items (id INTEGER PRIMARY KEY);\ndown: DROP TABLE more_items;\n",
    )
    .unwrap();
    let (code, _, err) = cairn(db, cwd, &["migrate", "up", "--backup", "always"]);
    assert_eq!(code, 0, "{err}");
    let listed = json(db, cwd, &["db", "backups"]);
    let mut kinds: Vec<&str> = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["manifest"]["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["auto", "backup"], "{listed:#}");
    let (code, out, _) = cairn(db, cwd, &["db", "backups"]);
    assert_eq!(code, 0);
    assert!(out.contains(" auto ") && out.contains(" backup "), "{out}");

    // Delete the automatic one by its file name without extensions.
    let auto = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["manifest"]["kind"] == "auto")
        .unwrap();
    let path = auto["path"].as_str().unwrap();
    let name = Path::new(path).file_name().unwrap().to_str().unwrap();
    let stem = name.split('.').next().unwrap();
    let (code, out, err) = cairn(db, cwd, &["db", "backups", "delete", stem]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Deleted") && out.contains("auto backup"),
        "{out}"
    );
    assert!(!cwd.join(path).exists() && !Path::new(path).exists());
    let listed = json(db, cwd, &["db", "backups"]);
    assert_eq!(listed["backups"].as_array().unwrap().len(), 1, "{listed:#}");
    let (code, _, err) = cairn(db, cwd, &["db", "backups", "delete", stem]);
    assert_eq!(code, 2);
    assert!(err.contains("no backup"), "{err}");
}

cairn_tests::on_every_backend!(
    another_tools_backup_verifies_and_restores,
    backups_say_why_they_were_taken_and_can_be_deleted
);
