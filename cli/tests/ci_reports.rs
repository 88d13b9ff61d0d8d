//! `--format junit|sarif` of `migrate lint`, `migrate validate`, `migrate test` (SQLite
//! projects) and `drift` (every backend): the reports CI test reporters and code scanning read.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
#[path = "../src/report/xml_check.rs"]
mod xml_check;

use std::path::Path;
use std::process::Command;

use cairn_tests::TestDb;
use common::Project;
use serde_json::Value;
use xml_check::Element;

/// The JUnit document's one `<testsuite>`, after checking the document is well-formed.
fn suite(xml: &str) -> Element {
    let root = xml_check::parse(xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
    assert_eq!(root.name, "testsuites", "{xml}");
    assert_eq!(root.all("testsuite").count(), 1, "{xml}");
    root.child("testsuite").unwrap().clone()
}

fn case<'a>(suite: &'a Element, name: &str) -> &'a Element {
    suite
        .all("testcase")
        .find(|c| c.attr("name") == name)
        .unwrap_or_else(|| panic!("no test case {name}"))
}

/// The SARIF log's one run, after checking the fields consumers require.
fn run(out: &str) -> Value {
    let log: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}:\n{out}"));
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0")
    );
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = log["runs"][0].clone();
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cairn");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let id = r["ruleId"].as_str().unwrap();
        let rule = &rules[usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap()];
        assert_eq!(rule["id"], id, "{r}");
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
    }
    run
}

fn results<'a>(run: &'a Value, rule: &str) -> Vec<&'a Value> {
    run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == rule)
        .collect()
}

fn place(result: &Value) -> (String, Value) {
    let p = &result["locations"][0]["physicalLocation"];
    (
        p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
        p["region"].clone(),
    )
}

/// A clean table; a deny and a warn finding; an allowed deny; a migration with `lint: off`.
fn risky(p: &Project) {
    p.write(
        "0001_a.yaml",
        "up: |\n  CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    );
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: |\n  INSERT INTO a VALUES (1);\n  DELETE FROM a;\n  UPDATE a SET id = 2;\ndown: SELECT 1;\n",
    );
    p.write(
        "0003_c.yaml",
        "depends_on: [0002_b]\nallow: [{rule: drop_table, reason: \"a & <b> are \\\"replaced\\\"\"}]\nup: DROP TABLE a;\ndown: SELECT 1;\n",
    );
    p.write(
        "0004_d.yaml",
        "depends_on: [0003_c]\nlint: off\nup: DELETE FROM a;\ndown: SELECT 1;\n",
    );
}

#[test]
fn lint_junit_has_a_case_per_migration_and_a_failure_per_blocked_one() {
    let p = Project::new();
    risky(&p);
    let (code, out, err) = p.run(&["migrate", "lint", "--format", "junit"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("<?xml"), "{out}");
    let s = suite(&out);
    assert_eq!(s.attr("name"), "cairn migrate lint");
    assert_eq!(
        (s.attr("tests"), s.attr("failures"), s.attr("skipped")),
        ("4", "1", "1")
    );
    assert!(case(&s, "0001_a").children.is_empty());
    let b = case(&s, "0002_b");
    assert_eq!(b.attr("file"), "migrations/0002_b.yaml");
    let failure = b.child("failure").unwrap();
    assert_eq!(failure.attr("type"), "delete_without_where");
    assert!(
        failure
            .attr("message")
            .ends_with(" at migrations/0002_b.yaml:4:3"),
        "{out}"
    );
    for needle in [
        "migrations/0002_b.yaml:4:3: error [delete_without_where] DELETE without WHERE",
        "migrations/0002_b.yaml:5:3: warning [update_without_where]",
    ] {
        assert!(
            failure.text.contains(needle),
            "{needle} in {}",
            failure.text
        );
    }
    // An allowed deny passes, and says why in its output, escaped and read back intact.
    let c = case(&s, "0003_c");
    assert!(c.child("failure").is_none(), "{out}");
    let said = &c.child("system-out").unwrap().text;
    assert!(
        said.contains("(allowed: a & <b> are \"replaced\")"),
        "{said}"
    );
    assert_eq!(
        case(&s, "0004_d").child("skipped").unwrap().attr("message"),
        "lint: off"
    );
    // Without a deny finding: exit 0 and no failure.
    p.remove("0004_d.yaml");
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: UPDATE a SET id = 2;\ndown: SELECT 1;\n",
    );
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "junit"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(suite(&out).attr("failures"), "0");
}

#[test]
fn lint_sarif_has_rules_and_located_results() {
    let p = Project::new();
    risky(&p);
    let (code, out, err) = p.run(&["migrate", "lint", "--format", "sarif"]);
    assert_eq!(code, 1, "{out}{err}");
    let run = run(&out);
    assert_eq!(run["automationDetails"]["id"], "cairn/migrate/lint/");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "delete_without_where",
        "update_without_where",
        "drop_table",
        "syntax",
    ] {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    let delete = results(&run, "delete_without_where");
    assert_eq!(delete.len(), 1, "{out}");
    assert_eq!(delete[0]["level"], "error");
    assert!(
        delete[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("Instead: add a WHERE clause")
    );
    let (uri, region) = place(delete[0]);
    assert_eq!(uri, "migrations/0002_b.yaml");
    assert_eq!(
        region,
        serde_json::json!({"startLine": 4, "startColumn": 3})
    );
    assert_eq!(
        delete[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(results(&run, "update_without_where")[0]["level"], "warning");
    let drop = results(&run, "drop_table");
    assert_eq!(
        drop[0]["suppressions"][0]["justification"],
        "a & <b> are \"replaced\""
    );
    assert_eq!(place(drop[0]).0, "migrations/0003_c.yaml");
}

#[test]
fn lint_reports_files_that_do_not_load() {
    let p = Project::new();
    p.write("0001_a.yaml", "up: CREATE TABLE a (id INT);\nnope: 1\n");
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "junit"]);
    assert_eq!(code, 1, "{out}");
    let s = suite(&out);
    let failure = case(&s, "migrations/0001_a.yaml").child("failure").unwrap();
    assert!(failure.attr("type").starts_with("load/"), "{out}");
    assert!(failure.text.contains("migrations/0001_a.yaml:2"), "{out}");
    let (code, out, _) = p.run(&["migrate", "lint", "--format", "sarif"]);
    assert_eq!(code, 1);
    let run = run(&out);
    let r = &run["results"][0];
    assert!(r["ruleId"].as_str().unwrap().starts_with("load/"), "{out}");
    assert_eq!(place(r).0, "migrations/0001_a.yaml");
    assert_eq!(place(r).1["startLine"], 2);
}

#[test]
fn validate_reports_a_changed_migration_at_its_file() {
    let p = Project::new();
    common::chain(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    let (code, out, err) = p.run(&["migrate", "validate", "--format", "junit"]);
    assert_eq!(code, 0, "{out}{err}");
    let s = suite(&out);
    assert_eq!((s.attr("tests"), s.attr("failures")), ("4", "0"));
    p.write(
        "0001_a.yaml",
        "description: table a\nup: CREATE TABLE a (id INTEGER PRIMARY KEY, x INT);\ndown: DROP TABLE a;\n",
    );
    let (code, out, _) = p.run(&["migrate", "validate", "--format", "junit"]);
    assert_eq!(code, 1, "{out}");
    let s = suite(&out);
    assert_eq!(s.attr("failures"), "1");
    let failure = case(&s, "0001_a").child("failure").unwrap();
    assert_eq!(failure.attr("type"), "validate/changed");
    assert!(
        failure.text.contains("was changed after it was applied"),
        "{out}"
    );
    let (code, out, _) = p.run(&["migrate", "validate", "--format", "sarif"]);
    assert_eq!(code, 1);
    let run = run(&out);
    let changed = results(&run, "validate/changed");
    assert_eq!(changed.len(), 1, "{out}");
    assert_eq!(changed[0]["level"], "error");
    assert_eq!(place(changed[0]).0, "migrations/0001_a.yaml");
}

#[test]
fn migrate_test_reports_each_rollback_proof() {
    let p = Project::new();
    p.write(
        "0001_a.yaml",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    );
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
    );
    p.write(
        "0003_c.yaml",
        "depends_on: [0002_b]\nup: CREATE TABLE c (id INTEGER PRIMARY KEY);\ndown: |\n  SELECT 1;\n",
    );
    p.write(
        "0004_d.yaml",
        "depends_on: [0003_c]\nup: CREATE TABLE d (id INTEGER PRIMARY KEY);\ndown: DROP TABLE d;\n",
    );
    let (code, out, err) = p.run(&["migrate", "test", "--format", "junit"]);
    assert_eq!(code, 1, "{out}{err}");
    let s = suite(&out);
    assert_eq!(s.attr("name"), "cairn migrate test");
    assert_eq!(s.attr("tests"), "4", "{out}");
    assert!(case(&s, "0001_a").child("failure").is_none());
    assert!(case(&s, "0001_a").attrs.contains_key("time"));
    assert!(case(&s, "0002_b").child("skipped").is_some(), "{out}");
    let failure = case(&s, "0003_c").child("failure").unwrap();
    assert_eq!(failure.attr("type"), "rollback/not_restored");
    assert!(failure.text.contains("migrations/0003_c.yaml:4"), "{out}");
    assert!(failure.text.contains("table c"), "{out}");
    // The proof stops at the failure: the rest is skipped, not passed.
    assert!(case(&s, "0004_d").child("skipped").is_some(), "{out}");
    let (code, out, _) = p.run(&["migrate", "test", "--format", "sarif"]);
    assert_eq!(code, 1);
    let run = run(&out);
    let failed = results(&run, "rollback/not_restored");
    assert_eq!(failed.len(), 1, "{out}");
    let (uri, region) = place(failed[0]);
    assert_eq!(uri, "migrations/0003_c.yaml");
    assert_eq!(region["startLine"], 4);
    assert_eq!(results(&run, "rollback/no_down")[0]["level"], "note");
}

#[test]
fn other_commands_keep_their_formats() {
    let p = Project::new();
    p.empty_db();
    let (code, _, err) = p.run(&["migrate", "status", "--format", "junit"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid value 'junit'"), "{err}");
    let (code, _, err) = p.run(&["drift", "--format", "github"]);
    assert_eq!(code, 2, "{err}");
}

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `cairn --database-url URL ARGS` in the repository root, on its built-in migrations.
fn cairn(db: &TestDb, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(repo())
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

fn drift_reports_pass_then_fail_per_table(db: &TestDb) {
    let name = db.kind.name();
    let (code, out, err) = cairn(db, &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cairn(db, &["drift", "--format", "junit"]);
    assert_eq!(code, 0, "{name}: {out}{err}");
    let s = suite(&out);
    assert_eq!(
        (s.attr("tests"), s.attr("failures")),
        ("1", "0"),
        "{name}: {out}"
    );
    let (code, out, err) = cairn(db, &["drift", "--format", "sarif"]);
    assert_eq!(code, 0, "{name}: {out}{err}");
    let clean = run(&out);
    assert_eq!(clean["results"], serde_json::json!([]), "{name}");
    assert_eq!(clean["automationDetails"]["id"], "cairn/drift/");
    let (code, out, _) = cairn(db, &["drift", "--format", "text"]);
    assert_eq!(code, 0);
    assert!(out.contains("No drift"), "{out}");

    let drop_index = match db.kind {
        cairn_tests::Kind::Mysql => "DROP INDEX idx_users_phone ON users",
        _ => "DROP INDEX idx_users_phone",
    };
    db.execute(drop_index);
    db.execute("ALTER TABLE companies ADD COLUMN note TEXT");
    let (code, out, err) = cairn(db, &["drift", "--format", "junit"]);
    assert_eq!(code, 1, "{name}: {out}{err}");
    let s = suite(&out);
    assert_eq!(
        (s.attr("tests"), s.attr("failures")),
        ("2", "2"),
        "{name}: {out}"
    );
    let users = case(&s, "users").child("failure").unwrap();
    assert_eq!(users.attr("type"), "drift/index_removed", "{name}: {out}");
    assert!(users.text.contains("- index idx_users_phone"), "{out}");
    let companies = case(&s, "companies").child("failure").unwrap();
    assert_eq!(
        companies.attr("type"),
        "drift/column_added",
        "{name}: {out}"
    );
    assert!(
        case(&s, "companies")
            .attr("file")
            .starts_with("migrations/"),
        "{out}"
    );

    let (code, out, err) = cairn(db, &["drift", "--format", "sarif"]);
    assert_eq!(code, 1, "{name}: {out}{err}");
    let drifted = run(&out);
    assert_eq!(
        drifted["results"].as_array().unwrap().len(),
        2,
        "{name}: {out}"
    );
    let added = results(&drifted, "drift/column_added");
    assert_eq!(added[0]["level"], "error");
    assert!(
        added[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("+ column companies.note"),
        "{out}"
    );
    let (uri, region) = place(added[0]);
    assert!(
        uri.starts_with("migrations/") && !uri.contains('\\'),
        "{uri}"
    );
    assert!(region["startLine"].as_u64().unwrap() >= 1, "{region}");
    // Against declared schemas, the result points at the schema file of the table.
    let (code, out, _) = cairn(db, &["drift", "--against", "schemas", "--format", "sarif"]);
    assert_eq!(code, 1, "{name}: {out}");
    let declared = run(&out);
    let removed = results(&declared, "drift/index_removed");
    assert!(place(removed[0]).0.starts_with("schemas/"), "{out}");
}

cairn_tests::on_every_backend!(drift_reports_pass_then_fail_per_table);
