//! Integrity around migrations (issue 16), on every backend: `migrate up --check` refuses a
//! database that fails its integrity or foreign-key checks and reports one that fails them
//! after the run; `--backup always` backs up before every run that has something to run.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::cairn;

use cairn_tests::{Kind, TestDb};

const PARENT: &str = "up: CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(50));\ndown: DROP TABLE parent;\n";
const CHILD: &str = "depends_on: [0001_parent]\nup: CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: DROP TABLE child;\n";
const OTHER: &str = "up: CREATE TABLE other (id INTEGER PRIMARY KEY);\ndown: DROP TABLE other;\n";

/// SQL that writes a child row without a parent, with the key's checks off as each database
/// allows it (PostgreSQL: its triggers disabled, as `pg_restore --disable-triggers` does).
fn orphan(kind: Kind, id: u32) -> String {
    let insert = format!("INSERT INTO child VALUES ({id}, 99)");
    match kind {
        Kind::Sqlite => format!("PRAGMA foreign_keys = OFF;\n{insert};\nPRAGMA foreign_keys = ON;"),
        Kind::Mysql => {
            format!("SET foreign_key_checks = 0;\n{insert};\nSET foreign_key_checks = 1;")
        }
        // Left disabled: PostgreSQL's check counts orphans only for keys it does not enforce
        // (one enforced since it was validated cannot have any).
        Kind::Postgres => format!("ALTER TABLE child DISABLE TRIGGER ALL;\n{insert};"),
    }
}

fn check_refuses_a_broken_database_and_reports_a_run_that_breaks_one(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("0001_parent.yaml"), PARENT).unwrap();
    std::fs::write(d.join("0002_child.yaml"), CHILD).unwrap();
    let (code, out, err) = cairn(&db.url, d, &["migrate", "up", "--check"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());

    // An orphan row made by hand: the next `--check` run refuses before anything runs.
    db.execute(&orphan(db.kind, 1));
    std::fs::write(d.join("0003_other.yaml"), OTHER).unwrap();
    let (code, out, err) = cairn(&db.url, d, &["migrate", "up", "--check"]);
    assert_eq!(code, 2, "{}: {out}{err}", db.kind.name());
    assert!(
        err.contains("fails its integrity checks, so nothing was run")
            && err.contains("1 row(s) of child"),
        "{}: {err}",
        db.kind.name()
    );
    assert!(!db.tables().contains(&"other".to_string()), "nothing ran");
    assert!(!db.history_ids().contains(&"0003_other".to_string()));
    // Without --check the run goes ahead (`db health` is the place to watch it).
    let (code, _, err) = cairn(&db.url, d, &["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    db.execute("DELETE FROM child");

    // A migration that leaves an orphan behind: applied, and the run exits 1 saying so.
    let mut text = String::from("transaction: false\nup: |\n");
    for line in orphan(db.kind, 2).lines() {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str("down: DELETE FROM child;\n");
    std::fs::write(d.join("0004_orphan.yaml"), text).unwrap();
    let (code, out, err) = cairn(&db.url, d, &["migrate", "up", "--check"]);
    assert_eq!(code, 1, "{}: {out}{err}", db.kind.name());
    assert!(
        err.contains("after the run the database fails its integrity checks")
            && err.contains("child"),
        "{}: {err}",
        db.kind.name()
    );
    assert!(db.history_ids().contains(&"0004_orphan".to_string()));
    // `down --check` is gated the same way: the orphan stops it before it runs.
    let (code, _, err) = cairn(&db.url, d, &["migrate", "down", "--steps", "1", "--check"]);
    assert_eq!(code, 2, "{err}");
    assert!(db.history_ids().contains(&"0004_orphan".to_string()));
}

fn backup_always_backs_up_before_every_run_with_something_to_run(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("migrations");
    std::fs::create_dir(&d).unwrap();
    let backups = dir.path().join("backups");
    let count = || {
        std::fs::read_dir(&backups).map_or(0, |r| {
            r.filter(|e| {
                !e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".manifest.json")
            })
            .count()
        })
    };
    let dir_arg = backups.to_str().unwrap();
    std::fs::write(d.join("0001_parent.yaml"), PARENT).unwrap();
    // Nothing destructive: `--backup` alone does not back up, `--backup always` does.
    let (code, out, err) = cairn(
        &db.url,
        &d,
        &["migrate", "up", "--backup", "--backup-dir", dir_arg],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(count(), 0, "{out}");
    std::fs::write(d.join("0002_child.yaml"), CHILD).unwrap();
    let (code, out, err) = cairn(
        &db.url,
        &d,
        &[
            "migrate",
            "up",
            "--backup",
            "always",
            "--backup-dir",
            dir_arg,
        ],
    );
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert_eq!(count(), 1, "{}: {out}", db.kind.name());
    assert!(
        out.contains("before running 1 migration(s) (--backup always)"),
        "{out}"
    );
    // A run with nothing to run changes nothing, so there is nothing to back up.
    let (code, out, _) = cairn(
        &db.url,
        &d,
        &["migrate", "up", "--backup=always", "--backup-dir", dir_arg],
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(count(), 1, "{out}");
    let (code, _, err) = cairn(&db.url, &d, &["migrate", "up", "--backup", "sometimes"]);
    assert_eq!(code, 2);
    assert!(err.contains("always"), "{err}");
}

cairn_tests::on_every_backend!(
    check_refuses_a_broken_database_and_reports_a_run_that_breaks_one,
    backup_always_backs_up_before_every_run_with_something_to_run
);
