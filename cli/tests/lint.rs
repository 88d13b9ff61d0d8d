//! `cairn migrate lint`, the lint in `validate`, and the check before `up`, as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Project;

/// A clean table, then a migration with one deny-level and one warn-level finding.
fn risky(p: &Project) {
    p.write(
        "0001_a.yaml",
        "up: |\n  CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    );
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: |\n  INSERT INTO a VALUES (1);\n  DELETE FROM a;\n  UPDATE a SET id = 2;\ndown: SELECT 1;\n",
    );
}

#[test]
fn text_output_underlines_the_statement_and_exits_1_on_deny() {
    let p = Project::new();
    risky(&p);
    let (code, out, _) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 1, "{out}");
    for needle in [
        "error[delete_without_where]: DELETE without WHERE deletes every row of a",
        "--> migrations/0002_b.yaml:4:3",
        "4 |   DELETE FROM a;",
        "  |   ^^^^^^^^^^^^^^",
        "= help: add a WHERE clause",
        "warning[update_without_where]",
        "--> migrations/0002_b.yaml:5:3",
        "lint (sqlite): 1 deny, 1 warn, 0 info, 0 allowed in 2 migrations (6 statements)",
        "note: judged without a database; `migrate up` judges this finding against the live database and does not block on a table that does not exist or holds no rows when the run starts",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in:\n{out}");
    }
    // Warnings alone do not fail.
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: UPDATE a SET id = 2;\ndown: SELECT 1;\n",
    );
    let (code, out, _) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[update_without_where]"), "{out}");
}

#[test]
fn json_output_has_the_findings_and_a_summary() {
    let p = Project::new();
    risky(&p);
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["dialect"], "sqlite");
    assert_eq!(v["blocked"], true);
    assert_eq!(v["summary"]["deny"], 1);
    assert_eq!(v["summary"]["warn"], 1);
    assert_eq!(v["summary"]["statements"], 6);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "delete_without_where");
    assert_eq!(f["severity"], "deny");
    assert_eq!(f["migration"], "0002_b");
    assert_eq!(f["file"], "migrations/0002_b.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(f["direction"], "up");
    assert_eq!(f["statement"], 2);
    assert_eq!(f["source_line"], "  DELETE FROM a;");
    assert!(f["help"].as_str().unwrap().contains("WHERE"));
    assert_eq!(f["allowed"], serde_json::Value::Null);
    assert_eq!(f["target"]["tables"], serde_json::json!(["a"]));
    assert_eq!(f["target"]["harmless"], "empty");
    assert!(
        v["note"].as_str().unwrap().contains("`migrate up` judges"),
        "{v:#}"
    );
}

#[test]
fn github_format_prints_workflow_annotations() {
    let p = Project::new();
    p.empty_db();
    risky(&p);
    p.write(
        "0003_c.yaml",
        "depends_on: [0002_b]\nallow: [{rule: drop_table, reason: \"a is replaced by b\"}]\nup: DROP TABLE a;\ndown: SELECT 1;\n",
    );
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "github"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::error file=migrations/0002_b.yaml,line=4,col=3,title=delete_without_where::DELETE without WHERE deletes every row of a. Instead: add a WHERE clause"
        )),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(
            "::warning file=migrations/0002_b.yaml,line=5,col=3,title=update_without_where::"
        )),
        "{out}"
    );
    // An allowed deny is a notice that says why.
    let notice = lines
        .iter()
        .find(|l| l.contains("title=drop_table"))
        .unwrap();
    assert!(
        notice.starts_with("::notice file=migrations/0003_c.yaml,line=3,col=5,"),
        "{notice}"
    );
    assert!(
        notice.ends_with("(allowed: a is replaced by b)"),
        "{notice}"
    );
    assert!(lines.iter().all(|l| !l.contains('\n')));

    let (code, out, _) = p.run(&["migrate", "validate", "--format", "github"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "::error file=migrations/0002_b.yaml,line=4,col=3,title=delete_without_where::"
        ),
        "{out}"
    );
}

#[test]
fn up_is_refused_on_a_denied_finding_and_runs_once_it_is_allowed() {
    let p = Project::new();
    risky(&p);
    // The finding protects rows that exist before the run (on a fresh database `a` would be
    // created by the same run and the DELETE could lose nothing).
    assert_eq!(p.run(&["migrate", "up", "--to", "0001_a"]).0, 0);
    p.execute("INSERT INTO a VALUES (7);");
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error[delete_without_where]"), "{err}");
    assert!(err.contains("4 |   DELETE FROM a;"), "{err}");
    assert!(
        err.contains("refusing to apply: 1 deny-level lint finding (delete_without_where in 0002_b); nothing was run"),
        "{err}"
    );
    // Nothing ran.
    assert_eq!(p.tables(), ["a"]);
    assert_eq!(p.history_ids(), ["0001_a"]);

    let (code, out, _) = p.run(&["migrate", "up", "--format", "json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "lint");
    assert_eq!(v["error"]["findings"][0]["rule"], "delete_without_where");

    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nallow:\n  - rule: delete_without_where\n    reason: the seed row is replaced in 0003\nup: |\n  INSERT INTO a VALUES (1);\n  DELETE FROM a;\n  UPDATE a SET id = 2;\ndown: SELECT 1;\n",
    );
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids(), ["0001_a", "0002_b"]);
    let (code, out, _) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("note[delete_without_where]"), "{out}");
    assert!(
        out.contains("allowed by the migration: the seed row is replaced in 0003"),
        "{out}"
    );
}

#[test]
fn an_allow_without_reason_is_a_load_problem() {
    let p = Project::new();
    p.write(
        "0001_a.yaml",
        "allow: [{rule: drop_table}]\nup: DROP TABLE x;\n",
    );
    let (code, _, err) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 1);
    assert!(err.contains("migrations/0001_a.yaml:1:"), "{err}");
    assert!(err.contains("needs a `reason`"), "{err}");
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error file=migrations/0001_a.yaml,line=1,"),
        "{out}"
    );
    assert!(out.contains("title=cairn load (format)::"), "{out}");
}

#[test]
fn policy_in_cairn_toml_changes_severities_and_is_found_from_subdirectories() {
    let p = Project::new();
    p.write(
        "0001_a.yaml",
        "up: |\n  CREATE TABLE a (id INTEGER);\n  UPDATE users SET x = 1;\ndown: DROP TABLE a;\n",
    );
    assert_eq!(p.run(&["migrate", "lint"]).0, 0);
    std::fs::write(
        p.path().join("cairn.toml"),
        "[lint]\nupdate_without_where = \"deny\"\n",
    )
    .unwrap();
    let (code, out, _) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[update_without_where]"), "{out}");
    // Walking up: run from migrations/ with --dir pointing back.
    let out = p
        .cairn(&["--dir", ".", "migrate", "lint", "--format", "json"])
        .current_dir(p.path().join("migrations"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["policy"].as_str().unwrap().ends_with("cairn.toml"));

    let (code, out, _) = p.run(&["migrate", "lint", "--rules"]);
    assert_eq!(code, 0);
    assert!(out.contains("update_without_where"), "{out}");
    assert!(out.contains("(default warn)"), "{out}");

    std::fs::write(
        p.path().join("cairn.toml"),
        "[lint]\nupdate_without_wher = \"deny\"\n",
    )
    .unwrap();
    let (code, _, err) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `update_without_wher`"), "{err}");
    std::fs::write(
        p.path().join("cairn.toml"),
        "[lint]\ndrop_table = \"loud\"\n",
    )
    .unwrap();
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown severity `loud`"), "{err}");
}

#[test]
fn lint_off_syntax_warnings_and_applied_migrations_never_block() {
    let p = Project::new();
    p.write(
        "0001_a.yaml",
        "lint: off\nup: |\n  CREATE TABLE a (id INTEGER);\n  DELETE FROM a;\n",
    );
    // sqlparser cannot parse REINDEX; SQLite runs it: reported at info level, not a refusal.
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: REINDEX;\ndown: SELECT 1;\n",
    );
    let (code, out, _) = p.run(&["migrate", "lint"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("info[syntax]: not checked: sqlparser cannot parse"),
        "{out}"
    );
    assert!(out.contains("lint: off in 0001_a"), "{out}");
    assert_eq!(p.run(&["migrate", "up"]).0, 0);

    // A stricter policy later does not block deploys of what is already applied.
    std::fs::write(p.path().join("cairn.toml"), "[lint]\nsyntax = \"deny\"\n").unwrap();
    p.write(
        "0003_c.yaml",
        "depends_on: [0002_b]\nup: CREATE TABLE c (id INTEGER);\ndown: DROP TABLE c;\n",
    );
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.tables(), ["a", "c"]);
    // ... but `lint` and `validate` still report it.
    assert_eq!(p.run(&["migrate", "lint"]).0, 1);
    let (code, out, _) = p.run(&["migrate", "validate", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["lint"]["findings"][0]["rule"], "syntax");
    assert_eq!(v["lint"]["summary"]["unparsed"], 1);
}

#[test]
fn the_repository_builtins_lint_clean_with_the_default_policy() {
    let p = Project::new();
    for dialect in ["sqlite", "postgres", "mysql"] {
        let (code, out, err) = p.run(&[
            "--builtin",
            "auth,audit,scan",
            "migrate",
            "lint",
            "--dialect",
            dialect,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{dialect}: {out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["summary"]["deny"], 0, "{dialect}: {out}");
        assert_eq!(v["summary"]["unparsed"], 0, "{dialect}: {out}");
    }
    let (code, _, err) = p.run(&["--builtin", "auth,audit,scan", "migrate", "up"]);
    assert_eq!(code, 0, "{err}");
}
