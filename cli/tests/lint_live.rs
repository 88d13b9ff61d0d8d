//! `migrate up` judges deny-level lint findings against the database in front of it, on every
//! backend: a fresh database applies a history that creates and later drops tables; a table
//! with rows before the run is still protected, and the refusal changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Output};

use cairn_tests::TestDb;

fn up(db: &TestDb, dir: &Path, json: bool) -> Output {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
    cmd.env_remove("DATABASE_URL").env("NO_COLOR", "1");
    // No cairn.toml above the temporary folder: the default policy.
    cmd.current_dir(dir)
        .args(["--database-url", &db.url, "--dir"])
        .arg(dir)
        .args(["migrate", "up"]);
    if json {
        cmd.args(["--format", "json"]);
    }
    cmd.output().unwrap()
}

fn write(dir: &Path, migrations: &[(&str, &str)]) {
    for (i, (id, up)) in migrations.iter().enumerate() {
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[{}]", migrations[i - 1].0)
        };
        let body = up.replace('\n', "\n  ");
        std::fs::write(
            dir.join(format!("{id}.yaml")),
            format!("depends_on: {deps}\nup: |\n  {body}\n"),
        )
        .unwrap();
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn a_fresh_database_applies_a_history_that_drops_what_it_created(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "0001_a",
                "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);",
            ),
            ("0002_fill", "INSERT INTO a (id) VALUES (1);"),
            ("0003_b", "ALTER TABLE b ADD COLUMN n INTEGER NOT NULL;"),
            ("0004_drop", "DELETE FROM a;\nDROP TABLE a;"),
        ],
    );
    let out = up(db, dir.path(), false);
    let all = text(&out);
    assert!(out.status.success(), "{}: {all}", db.kind.name());
    assert!(
        all.contains("info: drop_table in 0004_drop")
            && all.contains("does not block: the database has no tables"),
        "{all}"
    );
    assert!(all.contains("Applied 4 migrations"), "{all}");
    assert_eq!(db.history_ids().len(), 4);
    assert!(!db.tables().contains(&"a".to_string()));
}

fn json_lists_the_findings_that_did_not_block(db: &TestDb) {
    db.execute("CREATE TABLE keep (id INTEGER)");
    db.execute("INSERT INTO keep (id) VALUES (1)");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("0001_t", "CREATE TABLE t (id INTEGER);"),
            ("0002_drop", "DROP TABLE t;"),
        ],
    );
    let out = up(db, dir.path(), true);
    assert!(out.status.success(), "{}: {}", db.kind.name(), text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let judged = v["not_blocking"].as_array().unwrap();
    assert_eq!(judged.len(), 1, "{v:#}");
    assert_eq!(judged[0]["rule"], "drop_table");
    assert_eq!(judged[0]["severity"], "info");
    assert_eq!(
        judged[0]["judged"],
        "table `t` does not exist when the run starts (migration 0001_t of this run creates it): no data from before the run can be lost"
    );
}

fn a_table_with_rows_is_protected_and_nothing_runs(db: &TestDb) {
    db.execute("CREATE TABLE accounts (id INTEGER)");
    db.execute("INSERT INTO accounts (id) VALUES (1)");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("0001_new", "CREATE TABLE fresh (id INTEGER);"),
            (
                "0002_tenant",
                "ALTER TABLE accounts ADD COLUMN tenant INTEGER NOT NULL;",
            ),
        ],
    );
    let out = up(db, dir.path(), false);
    let all = text(&out);
    assert!(!out.status.success(), "{}: {all}", db.kind.name());
    assert!(
        all.contains("add_column_not_null_without_default in 0002_tenant")
            && all.contains("nothing was run"),
        "{all}"
    );
    assert!(
        all.contains("0002_tenant.yaml:"),
        "names the file and line: {all}"
    );
    // Nothing ran: no history, no new table, the rows are there.
    assert!(db.history_ids().is_empty());
    assert!(!db.tables().contains(&"fresh".to_string()));
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM accounts"), 1);
}

fn not_null_without_default_on_an_existing_empty_table_runs(db: &TestDb) {
    db.execute("CREATE TABLE users (id INTEGER)");
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "0001_tenant",
            "ALTER TABLE users ADD COLUMN tenant INTEGER NOT NULL;",
        )],
    );
    let out = up(db, dir.path(), false);
    let all = text(&out);
    assert!(out.status.success(), "{}: {all}", db.kind.name());
    assert!(
        all.contains("table `users` holds no rows when the run starts"),
        "{all}"
    );
    assert_eq!(db.history_ids(), ["0001_tenant"]);
}

cairn_tests::on_every_backend!(
    a_fresh_database_applies_a_history_that_drops_what_it_created,
    json_lists_the_findings_that_did_not_block,
    a_table_with_rows_is_protected_and_nothing_runs,
    not_null_without_default_on_an_existing_empty_table_runs,
);
