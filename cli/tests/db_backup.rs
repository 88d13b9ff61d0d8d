//! `db backup`, `db backups`, `db verify`, `db restore` and the automatic backup before a
//! destructive `migrate up`/`down`, run as a user runs them, on every backend (servers from
//! `cargo xtask test`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};
use serde_json::Value;

fn cairn(db: &TestDb, cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
    cmd.current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url])
        .args(args);
    cmd
}

/// (exit code, stdout, stderr).
fn run(mut cmd: Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(db: &TestDb, cwd: &Path, args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(cairn(db, cwd, args));
    assert_eq!(code, 0, "{}: {args:?}: {stdout}{stderr}", db.kind.name());
    serde_json::from_str(&stdout).unwrap()
}

/// A project folder with one migration creating `items` (3 rows), applied, keeping its
/// backups in its `backups/` (cairn.toml).
fn project(db: &TestDb) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("cairn.toml"), "backup_dir = \"backups\"\n").unwrap();
    std::fs::write(
        dir.path().join("migrations/0001_items.yaml"),
        "up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n  INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\ndown: DROP TABLE items;\n",
    )
    .unwrap();
    let (code, out, err) = run(cairn(db, dir.path(), &["migrate", "up"]));
    assert_eq!(code, 0, "{out}{err}");
    dir
}

/// The password in the database URL, if any.
fn password(db: &TestDb) -> Option<String> {
    let rest = db.url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    userinfo
        .split_once(':')
        .map(|(_, p)| p.to_string())
        .filter(|p| !p.is_empty())
}

fn items(db: &TestDb) -> i64 {
    db.scalar_i64("SELECT COUNT(*) FROM items")
}

fn backup_file(v: &Value) -> String {
    v["backup"]["path"].as_str().unwrap().to_string()
}

/// Backup, list, verify, restore (refused without --yes), with JSON output and exit codes.
fn backup_verify_restore(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let made = json(db, cwd, &["db", "backup", "--format", "json"]);
    let file = backup_file(&made);
    assert!(cwd.join(&file).exists(), "{made:#}");
    assert_eq!(made["backup"]["manifest"]["head"], "0001_items");
    assert_eq!(made["backup"]["manifest"]["dialect"], db.kind.name());

    let checked = json(db, cwd, &["db", "verify", &file, "--format", "json"]);
    assert_eq!(checked["ok"], true, "{checked:#}");

    db.execute("DELETE FROM items");
    let (code, _, stderr) = run(cairn(db, cwd, &["db", "restore", &file]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(items(db), 0, "not restored without --yes");

    let (code, stdout, stderr) = run(cairn(db, cwd, &["db", "restore", &file, "--yes"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(items(db), 3, "{}", db.kind.name());
    let pre = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Backed up the current database to "))
        .unwrap_or_else(|| panic!("no pre-restore path in {stdout}"));
    assert!(cwd.join(pre).exists(), "{pre}");
    // The audit log came back with the backup (the up before it) and has the restore last.
    let history = json(db, cwd, &["migrate", "history", "--format", "json"]);
    let log = history["log"].as_array().unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["up", "restore"],
        "{}: {history:#}",
        db.kind.name()
    );
    assert!(
        log[1]["detail"].as_str().unwrap().contains(&file),
        "{history:#}"
    );

    let listed = json(db, cwd, &["db", "backups", "--format", "json"]);
    let paths: Vec<&str> = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [pre, file.as_str()], "newest first");

    // No password in any output or manifest.
    if let Some(secret) = password(db) {
        for text in [
            made.to_string(),
            checked.to_string(),
            listed.to_string(),
            stdout.clone(),
            std::fs::read_to_string(cwd.join(format!("{file}.manifest.json"))).unwrap(),
        ] {
            assert!(!text.contains(&secret), "password in {text}");
        }
    }
}

/// A corrupted and a truncated backup: `verify` exits 1, `restore --yes` exits 2 with a clear
/// message, and the live database keeps its rows.
fn damaged_backup_is_refused(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let file = backup_file(&json(db, cwd, &["db", "backup", "--format", "json"]));
    db.execute("INSERT INTO items (id, name) VALUES (4, 'd')");
    let path = cwd.join(&file);
    let mut bytes = std::fs::read(&path).unwrap();
    let half = bytes.len() / 2;
    bytes[half] ^= 0x55;
    std::fs::write(&path, &bytes).unwrap();
    for damage in ["corrupted", "truncated"] {
        if damage == "truncated" {
            std::fs::write(&path, &bytes[..half]).unwrap();
        }
        let (code, stdout, _) = run(cairn(db, cwd, &["db", "verify", &file]));
        assert_eq!(code, 1, "{damage}: {stdout}");
        assert!(stdout.contains("FAIL"), "{stdout}");
        let (code, stdout, stderr) = run(cairn(db, cwd, &["db", "restore", &file, "--yes"]));
        assert_eq!(code, 2, "{damage}: {stdout}{stderr}");
        assert!(
            stderr.contains("refusing to restore") && stderr.contains("not touched"),
            "{stderr}"
        );
        assert_eq!(items(db), 4, "{damage}: the live database is untouched");
    }
    let (code, stdout, _) = run(cairn(db, cwd, &["db", "verify", &file, "--format", "json"]));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["ok"], false);
}

/// `--keep N` deletes older backups of this database only.
fn keep_prunes_older_backups(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(backup_file(&json(
            db,
            cwd,
            &["db", "backup", "--format", "json"],
        )));
    }
    // A backup of another (SQLite) database in the same folder survives.
    let other = tempfile::tempdir().unwrap();
    // `db backup` reads a database; it does not create one.
    std::fs::write(other.path().join("other.db"), "").unwrap();
    let (code, out, err) = run({
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
        c.current_dir(cwd)
            .args(["--database-url"])
            .arg(format!(
                "sqlite:{}",
                other.path().join("other.db").display()
            ))
            .args(["db", "backup"]);
        c
    });
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, stderr) = run(cairn(db, cwd, &["db", "backup", "--keep", "0"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--keep 0"), "{stderr}");
    let v = json(
        db,
        cwd,
        &["db", "backup", "--keep", "2", "--format", "json"],
    );
    let pruned: Vec<&str> = v["pruned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(pruned, [made[1].as_str(), made[0].as_str()]);
    let listed = json(db, cwd, &["db", "backups", "--format", "json"]);
    let names: Vec<&str> = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["manifest"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "other").count(), 1);
}

/// `db backup --keep` spares the pre-restore backup `db restore` leaves and the automatic one
/// `migrate up` takes in the same folder; manifests say which kind each is.
fn keep_spares_pre_restore_and_automatic_backups(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let first = backup_file(&json(db, cwd, &["db", "backup", "--format", "json"]));
    let (code, stdout, stderr) = run(cairn(db, cwd, &["db", "restore", &first, "--yes"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    std::fs::write(
        cwd.join("migrations/0002_drop.yaml"),
        "depends_on: [0001_items]\nallow:\n  - {rule: drop_table, reason: test}\nup: DROP TABLE items;\ndown: CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(cairn(db, cwd, &["migrate", "up", "--backup"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let second = backup_file(&json(db, cwd, &["db", "backup", "--format", "json"]));
    let v = json(
        db,
        cwd,
        &["db", "backup", "--keep", "1", "--format", "json"],
    );
    let pruned: Vec<&str> = v["pruned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        pruned,
        [second.as_str(), first.as_str()],
        "{}",
        db.kind.name()
    );
    let listed = json(db, cwd, &["db", "backups", "--format", "json"]);
    let mut kinds: Vec<&str> = listed["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["manifest"]["kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["auto", "backup", "pre_restore"], "{listed:#}");
}

/// The help of `db optimize --vacuum` says what it does on each database, including the
/// table locks PostgreSQL's VACUUM FULL takes.
#[test]
fn vacuum_help_names_each_dialect() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .args(["db", "optimize", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for words in [
        "VACUUM (FULL, ANALYZE)",
        "ACCESS EXCLUSIVE",
        "OPTIMIZE TABLE",
        "SQLite",
    ] {
        assert!(help.contains(words), "{words} missing from {help}");
    }
}

/// With a PATH that lacks the dump tools, server backups fail naming the tool and the
/// package; SQLite needs no tool.
fn missing_tool_is_named(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = cairn(db, cwd, &["db", "backup"]);
    cmd.env("PATH", empty.path());
    let (code, stdout, stderr) = run(cmd);
    match db.kind {
        Kind::Sqlite => assert_eq!(code, 0, "{stdout}{stderr}"),
        Kind::Postgres => {
            assert_eq!(code, 2, "{stdout}");
            assert!(
                stderr.contains("pg_dump not found on PATH")
                    && stderr.contains("postgresql-client"),
                "{stderr}"
            );
        }
        Kind::Mysql => {
            assert_eq!(code, 2, "{stdout}");
            assert!(
                stderr.contains("mariadb-dump or mysqldump not found on PATH")
                    && stderr.contains("mariadb-client"),
                "{stderr}"
            );
        }
    }
    if db.kind == Kind::Sqlite {
        return;
    }
    // A failed backup leaves no file behind.
    let listed = json(db, cwd, &["db", "backups", "--format", "json"]);
    assert_eq!(listed["backups"].as_array().unwrap().len(), 0);
    let work = std::fs::read_dir(cwd.join("backups")).unwrap().count();
    assert_eq!(work, 0, "no leftover temporary directory");

    // Restore with the dump tool but not the restore tool: the pre-restore backup is taken,
    // the restore fails naming the missing tool and that backup, the data stays as it was.
    let file = backup_file(&json(db, cwd, &["db", "backup", "--format", "json"]));
    db.execute("DELETE FROM items WHERE id = 1");
    let (dump, restore_tool) = match db.kind {
        Kind::Postgres => ("pg_dump", "pg_restore not found on PATH"),
        _ => ("mariadb-dump", "mariadb or mysql not found on PATH"),
    };
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join(dump))
        .find(|p| p.is_file())
        .unwrap();
    std::os::unix::fs::symlink(found, empty.path().join(dump)).unwrap();
    let mut cmd = cairn(db, cwd, &["db", "restore", &file, "--yes"]);
    cmd.env("PATH", empty.path());
    let (code, stdout, stderr) = run(cmd);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(
        stderr.contains(restore_tool)
            && stderr.contains(&format!("backed up in {}/", cwd.join("backups").display())),
        "{stderr}"
    );
    assert_eq!(items(db), 2, "the database is as it was");
}

/// `migrate up`/`down` back up first when the plan destroys data: by default on SQLite, with
/// `--backup` on servers; never with `--no-backup` or for a harmless plan.
fn backup_before_destructive_migrations(db: &TestDb) {
    let p = project(db);
    let cwd = p.path();
    let count = || {
        json(db, cwd, &["db", "backups", "--format", "json"])["backups"]
            .as_array()
            .unwrap()
            .len()
    };
    std::fs::write(
        cwd.join("migrations/0002_more.yaml"),
        "depends_on: [0001_items]\nup: CREATE TABLE more_items (id INTEGER PRIMARY KEY);\ndown: DROP TABLE more_items;\n",
    )
    .unwrap();
    std::fs::write(
        cwd.join("migrations/0003_drop.yaml"),
        "depends_on: [0002_more]\nallow:\n  - {rule: drop_table, reason: test}\nup: DROP TABLE items;\ndown: CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n",
    )
    .unwrap();
    let flag = if db.kind == Kind::Sqlite {
        None
    } else {
        Some("--backup")
    };
    let with_flag = |args: &[&str]| -> Vec<String> {
        args.iter()
            .map(|a| a.to_string())
            .chain(flag.map(String::from))
            .collect()
    };
    // Harmless: no backup.
    let args = with_flag(&["migrate", "up", "--to", "0002_more"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(cairn(db, cwd, &args));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(count(), 0, "{stdout}");

    // Dropping a table with --no-backup: none taken; then roll that back (harmless).
    let (code, stdout, stderr) = run(cairn(db, cwd, &["migrate", "up", "--no-backup"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(count(), 0, "--no-backup: {stdout}");
    let (code, stdout, stderr) = run(cairn(db, cwd, &["migrate", "down", "--steps", "1"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(count(), 0, "recreating a table destroys nothing: {stdout}");
    db.execute("INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");

    // Dropping a table: a backup first, its path printed.
    let args = with_flag(&["migrate", "up"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(cairn(db, cwd, &args));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("before running destructive migrations: 0003_drop (drop_table)"),
        "{stdout}"
    );
    assert_eq!(count(), 1);
    let listed = json(db, cwd, &["db", "backups", "--format", "json"]);
    let tables = listed["backups"][0]["manifest"]["tables"]
        .as_array()
        .unwrap();
    assert!(
        tables
            .iter()
            .any(|t| t["table"] == "items" && t["rows"] == 3),
        "the backup still has the dropped table's rows: {tables:?}"
    );

    // Rolling back 0002 drops more_items: destructive in the down direction.
    let (code, stdout, stderr) = run(cairn(db, cwd, &["migrate", "down", "--steps", "1"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let args = with_flag(&["migrate", "down", "--steps", "1"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(cairn(db, cwd, &args));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0002_more (drop_table)"), "{stdout}");
    assert_eq!(count(), 2);

    // On a server, nothing without --backup.
    if db.kind != Kind::Sqlite {
        let (code, stdout, stderr) = run(cairn(db, cwd, &["migrate", "down", "--all"]));
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert_eq!(count(), 2, "{stdout}");
    }
}

cairn_tests::on_every_backend!(
    backup_verify_restore,
    damaged_backup_is_refused,
    keep_prunes_older_backups,
    keep_spares_pre_restore_and_automatic_backups,
    missing_tool_is_named,
    backup_before_destructive_migrations,
);
