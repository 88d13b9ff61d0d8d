//! Promises of the user docs (docs/commands.md, docs/lint.md) that had no test: `migrate history`
//! in text and JSON, `status` exiting 1 on a changed migration, and `migrate down` never blocked
//! by the lint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Project;

fn two(p: &Project) {
    p.write(
        "0001_a.yaml",
        "up: |\n  CREATE TABLE a (id INTEGER);\n  INSERT INTO a VALUES (1);\ndown: DROP TABLE a;\n",
    );
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER);\ndown: DROP TABLE b;\n",
    );
}

#[test]
fn history_lists_the_rows_in_text_and_json() {
    let p = Project::new();
    two(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    let (code, out, err) = p.run(&["migrate", "history"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("RANK  STATUS   APPLIED AT"), "{out}");
    assert!(
        lines[1].starts_with("1     applied  ") && lines[1].contains(" 0001_a ("),
        "{out}"
    );
    assert!(
        lines[2].starts_with("2     applied  ") && lines[2].contains(" 0002_b ("),
        "{out}"
    );
    let (code, out, _) = p.run(&["migrate", "history", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["history"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "0001_a");
    assert_eq!(rows[0]["rank"], 1);
    assert_eq!(rows[0]["status"], "applied");
    assert_eq!(rows[0]["down_sql"], "DROP TABLE a;");
    assert_eq!(rows[1]["depends_on"], serde_json::json!(["0001_a"]));
    assert_eq!(rows[1]["checksum"].as_str().unwrap().len(), 64);
}

#[test]
fn status_exits_1_on_a_changed_migration() {
    let p = Project::new();
    two(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    assert_eq!(p.run(&["migrate", "status"]).0, 0);
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id BIGINT);\ndown: DROP TABLE b;\n",
    );
    let (code, out, _) = p.run(&["migrate", "status"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("changed  0002_b"), "{out}");
    assert!(
        out.contains("1 applied, 0 pending, 1 changed, 0 missing, 0 failed"),
        "{out}"
    );
    let (code, out, _) = p.run(&["migrate", "status", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn down_is_never_blocked_by_the_lint() {
    let p = Project::new();
    two(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    // A policy that denies everything the downs do, on tables that hold rows.
    std::fs::write(
        p.path().join("cairn.toml"),
        "[lint]\ndrop_table = \"deny\"\ndown_mismatch = \"deny\"\ndown_missing = \"deny\"\n",
    )
    .unwrap();
    let (code, out, err) = p.run(&["migrate", "down", "--all"]);
    assert_eq!(code, 0, "a rollback must stay possible: {out}{err}");
    assert!(p.tables().is_empty());
    assert!(p.history().is_empty());
}
