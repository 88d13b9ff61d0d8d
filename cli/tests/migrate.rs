//! `cairn migrate ...` as a user runs it: output, exit codes and the database afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Project, chain};

#[test]
fn up_applies_everything_and_status_shows_it() {
    let p = Project::new();
    chain(&p);
    let (code, out, _) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Applied 4 migrations on sqlite:cairn.db"),
        "{out}"
    );
    assert_eq!(p.tables(), ["a", "b", "c", "d"]);
    assert_eq!(p.history_ids(), ["0001_a", "0002_b", "0003_c", "0004_d"]);

    let (code, out, _) = p.run(&["migrate", "status"]);
    assert_eq!(code, 0);
    assert!(out.contains("4 applied, 0 pending"), "{out}");

    let (code, out, _) = p.run(&["migrate", "status", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["applied"], 4);
    assert_eq!(v["migrations"][0]["state"], "applied");

    let (code, out, _) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date"), "{out}");
}

#[test]
fn up_to_and_down_variants_follow_the_graph() {
    let p = Project::new();
    chain(&p);
    assert_eq!(p.run(&["migrate", "up", "--to", "0002_b"]).0, 0);
    assert_eq!(p.tables(), ["a", "b"]);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    assert_eq!(p.history_ids(), ["0001_a", "0002_b", "0003_c", "0004_d"]);

    // down --to a: its dependents b and c go (c first); a and d stay.
    let (code, out, _) = p.run(&["migrate", "down", "--to", "0001_a"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(p.tables(), ["a", "d"]);
    assert_eq!(p.history_ids(), ["0001_a", "0004_d"]);

    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    // ranks: a=1, d=2, b=3, c=4; the last two applied are c and b.
    assert_eq!(p.run(&["migrate", "down", "--steps", "2"]).0, 0);
    assert_eq!(p.tables(), ["a", "d"]);

    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    assert_eq!(p.run(&["migrate", "down", "--id", "0002_b"]).0, 0);
    assert_eq!(p.tables(), ["a", "d"]);

    assert_eq!(p.run(&["migrate", "down", "--all"]).0, 0);
    assert!(p.tables().is_empty());
    assert!(p.history().is_empty());

    let (code, _, err) = p.run(&["migrate", "up", "--to", "0009_nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown migration `0009_nope`"), "{err}");
}

#[test]
fn dry_run_prints_sql_and_changes_nothing() {
    let p = Project::new();
    chain(&p);
    let (code, out, _) = p.run(&["migrate", "up", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("CREATE TABLE a (id INTEGER PRIMARY KEY);"),
        "{out}"
    );
    assert!(out.contains("nothing was changed"));
    assert!(p.tables().is_empty());
    assert!(p.history().is_empty());

    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    let (code, out, _) = p.run(&["migrate", "down", "--all", "--dry-run", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["report"]["migrations"][0]["sql"][0], "DROP TABLE d");
    assert_eq!(p.tables().len(), 4);
}

#[test]
fn a_failing_statement_names_the_place_and_leaves_nothing_behind() {
    let p = Project::new();
    chain(&p);
    p.write(
        "0005_broken.yaml",
        "depends_on: [0004_d]\nup: |\n  CREATE TABLE e1 (id INTEGER);\n  CREATE TABLE e2 (id INTEGER);\n  INSERT INTO missing_table VALUES (1);\n  CREATE TABLE e3 (id INTEGER);\n  CREATE TABLE e4 (id INTEGER);\ndown: DROP TABLE e1;\n",
    );
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("migration 0005_broken (up) failed at statement 3 of 5"),
        "{err}"
    );
    assert!(
        err.contains("line 5 of migrations/0005_broken.yaml"),
        "{err}"
    );
    assert!(err.contains("no such table: missing_table"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    // The four good migrations before it committed; nothing of the broken one did.
    assert_eq!(p.tables(), ["a", "b", "c", "d"]);
    assert_eq!(p.history_ids(), ["0001_a", "0002_b", "0003_c", "0004_d"]);

    let (code, out, _) = p.run(&["migrate", "up", "--format", "json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["failure"]["statement"], 3);
    assert_eq!(v["error"]["failure"]["line"], 5);
}

#[test]
fn a_non_transactional_failure_is_recorded_and_blocks_until_repaired() {
    let p = Project::new();
    p.write(
        "0001_nt.yaml",
        "transaction: false\nup: |\n  CREATE TABLE x1 (id INTEGER);\n  CREATE TABLE x1 (id INTEGER);\ndown: DROP TABLE x1;\n",
    );
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("migration 0001_nt (up) failed at statement 2 of 2, line 4 of migrations/0001_nt.yaml: table x1 already exists"),
        "names the migration, statement, file and line: {err}"
    );
    assert!(
        err.contains("statement: CREATE TABLE x1 (id INTEGER)"),
        "{err}"
    );
    assert!(err.contains("statement 1 of its 2 took effect"), "{err}");
    assert_eq!(p.tables(), ["x1"]);
    assert_eq!(p.history(), [("0001_nt".to_string(), "failed".to_string())]);

    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "migration 0001_nt failed at statement 2 in an earlier run: table x1 already exists"
        ),
        "{err}"
    );
    assert!(err.contains("`migrate repair 0001_nt`"), "{err}");
    let (code, out, _) = p.run(&["migrate", "status"]);
    assert_eq!(code, 1);
    assert!(out.contains("failed"), "{out}");

    // The user fixes the database and the file, then repairs.
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute_batch("DROP TABLE x1")
        .unwrap();
    p.write(
        "0001_nt.yaml",
        "transaction: false\nup: |\n  CREATE TABLE x1 (id INTEGER);\ndown: DROP TABLE x1;\n",
    );
    assert_eq!(p.run(&["migrate", "repair", "0001_nt"]).0, 0);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    assert_eq!(
        p.history(),
        [("0001_nt".to_string(), "applied".to_string())]
    );
}

#[test]
fn an_edited_applied_migration_is_refused_with_a_diff_but_crlf_and_spaces_are_not_edits() {
    let p = Project::new();
    chain(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);

    let original = std::fs::read_to_string(p.path().join("migrations/0001_a.yaml")).unwrap();
    p.write("0001_a.yaml", &original.replace('\n', "  \r\n"));
    let (code, out, _) = p.run(&["migrate", "validate"]);
    assert_eq!(code, 0, "{out}");

    p.write(
        "0001_a.yaml",
        &original.replace("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY"),
    );
    let (code, out, _) = p.run(&["migrate", "validate"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("migration 0001_a was changed after it was applied"),
        "{out}"
    );
    assert!(
        out.contains("-CREATE TABLE a (id INTEGER PRIMARY KEY);"),
        "{out}"
    );
    assert!(
        out.contains("+CREATE TABLE a (id BIGINT PRIMARY KEY);"),
        "{out}"
    );

    p.write("0005_e.yaml", "up: CREATE TABLE e (id INTEGER);\n");
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("migration 0001_a was changed after it was applied"),
        "names the migration: {err}"
    );
    assert!(!p.tables().contains(&"e".to_string()));
}

#[test]
fn a_missing_file_is_reported_and_still_rolls_back_from_history() {
    let p = Project::new();
    chain(&p);
    assert_eq!(p.run(&["migrate", "up"]).0, 0);
    p.remove("0004_d.yaml");
    let (code, out, _) = p.run(&["migrate", "status"]);
    assert_eq!(code, 0);
    assert!(out.contains("missing"), "{out}");
    let (code, out, _) = p.run(&["migrate", "validate"]);
    assert_eq!(code, 0);
    assert!(out.contains("warning: migration 0004_d"), "{out}");
    let (code, _, err) = p.run(&["migrate", "down", "--id", "0004_d"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("has no file"), "{err}");
    assert_eq!(p.tables(), ["a", "b", "c"]);
}

#[test]
fn load_errors_are_all_reported_with_file_line_and_column() {
    let p = Project::new();
    p.write(
        "0001_a.yaml",
        "up: CREATE TABLE a (id INTEGER);\ndepend_on: [x]\n",
    );
    p.write("0002_b.yaml", "depends_on: [0009_missing]\nup: SELECT 1;\n");
    p.write(
        "0003_c.json",
        "{\"up\": \"SELECT 1\",\n  \"transaction\": 1,\n}",
    );
    p.write("cyc/x.yaml", "depends_on: [cyc/y]\nup: SELECT 1;\n");
    p.write("cyc/y.yaml", "depends_on: [cyc/x]\nup: SELECT 1;\n");
    p.write("dup1.yaml", "id: same\nup: SELECT 1;\n");
    p.write("dup2.yaml", "id: same\nup: SELECT 1;\n");
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(err.contains("5 problems in migrations"), "{err}");
    for needle in [
        "migrations/0001_a.yaml:2:1",
        "error: unknown field `depend_on`",
        "migrations/0002_b.yaml:1:",
        "unknown migration `0009_missing`",
        "migrations/0003_c.json:2:",
        "dependency cycle: cyc/x -> cyc/y -> cyc/x",
        "duplicate migration id `same`",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    assert!(p.history().is_empty());

    let (code, out, _) = p.run(&["migrate", "validate", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["problems"].as_array().unwrap().len(), 5);
    assert_eq!(v["problems"][0]["kind"], "format");
}

#[test]
fn new_creates_a_migration_after_the_current_heads() {
    let p = Project::new();
    chain(&p);
    p.empty_db();
    let (code, out, _) = p.run(&["migrate", "new", "add_phone"]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(p.path().join("migrations/0005_add_phone.yaml")).unwrap();
    assert!(text.contains("  - 0003_c\n  - 0004_d\n"), "{text}");
    assert_eq!(p.run(&["migrate", "validate"]).0, 0);
    let (code, _, err) = p.run(&["migrate", "new", "bad name"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("migration name `bad name` must be letters, digits, `_` or `-`"),
        "{err}"
    );
}

#[test]
fn output_has_no_colour_off_a_terminal_and_exit_codes_follow_the_contract() {
    let p = Project::new();
    chain(&p);
    p.empty_db();
    let out = p
        .cairn(&["migrate", "status"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
    // `--color always` colours even a pipe (stdout and stderr); NO_COLOR never wins over it.
    p.write("0099_bad.yaml", "up: SELECT nothing FROM nowhere;\n");
    let out = p
        .cairn(&["--color", "always", "migrate", "status"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\x1b["),
        "no colour with --color always: {stdout}"
    );
    let out = p
        .cairn(&["--color", "always", "migrate", "up", "--to", "0099_bad"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\x1b[1;31merror:\x1b[0m"), "{stderr}");
    let out = p
        .cairn(&["--color", "never", "migrate", "up", "--to", "0099_bad"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\x1b'));
    p.remove("0099_bad.yaml");
    assert_eq!(p.run(&["migrate", "frobnicate"]).0, 2);
    let (code, _, err) = p.run(&["--database-url", "oracle://x", "migrate", "status"]);
    assert_eq!(code, 2);
    assert!(err.contains("no backend for `oracle:` URLs"), "{err}");
    let (code, out, _) = p.run(&["graph", "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("graph TD") && out.contains("n0 --> n1"),
        "{out}"
    );
}

#[test]
fn concurrent_runners_apply_each_migration_exactly_once() {
    let p = Project::new();
    for i in 0..30 {
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[m{:02}]", i - 1)
        };
        p.write(
            &format!("m{i:02}.yaml"),
            &format!("depends_on: {deps}\nup: |\n  CREATE TABLE t{i} (id INTEGER);\n  INSERT INTO t{i} VALUES ({i});\ndown: DROP TABLE t{i};\n"),
        );
    }
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("cairn"))
                .current_dir(p.path())
                .env_remove("DATABASE_URL")
                .args(["migrate", "up", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        applied += v["report"]["migrations"].as_array().unwrap().len();
    }
    assert_eq!(applied, 30, "each migration applied by exactly one runner");
    assert_eq!(p.history_ids().len(), 30);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM t29", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
}

#[test]
fn resume_continues_from_the_failed_statement_after_the_cause_is_fixed() {
    let p = Project::new();
    p.write(
        "0001_nt.yaml",
        "transaction: false\nup: |\n  CREATE TABLE r1 (id INTEGER);\n  INSERT INTO r1 VALUES (1);\n  INSERT INTO blocker VALUES (1);\n  CREATE TABLE r2 (id INTEGER);\ndown: |\n  DROP TABLE r2;\n  DROP TABLE r1;\n",
    );
    p.write(
        "0002_after.yaml",
        "depends_on: [0001_nt]\nup: CREATE TABLE r3 (id INTEGER);\ndown: DROP TABLE r3;\n",
    );
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("migration 0001_nt (up) failed at statement 3 of 4, line 5 of migrations/0001_nt.yaml: no such table: blocker"),
        "{err}"
    );
    assert_eq!(p.tables(), ["r1"]);

    // Nothing to resume into yet: the cause is still there.
    let (code, _, err) = p.run(&["migrate", "up", "--resume"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such table: blocker"), "{err}");

    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute_batch("CREATE TABLE blocker (id INTEGER)")
        .unwrap();
    let (code, out, err) = p.run(&["migrate", "up", "--resume"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.tables(), ["blocker", "r1", "r2", "r3"]);
    // Statements 1-2 did not run twice.
    let n: i64 = rusqlite::Connection::open(p.db())
        .unwrap()
        .query_row("SELECT count(*) FROM r1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        p.history(),
        [
            ("0001_nt".to_string(), "applied".to_string()),
            ("0002_after".to_string(), "applied".to_string())
        ]
    );

    // Editing a statement that already ran makes resuming unsafe.
    let q = Project::new();
    q.write("0001_nt.yaml", "transaction: false\nup: |\n  CREATE TABLE s1 (id INTEGER);\n  INSERT INTO nope VALUES (1);\n");
    assert_eq!(q.run(&["migrate", "up"]).0, 2);
    q.write(
        "0001_nt.yaml",
        "transaction: false\nup: |\n  CREATE TABLE s1 (id BIGINT);\n  SELECT 1;\n",
    );
    let (code, _, err) = q.run(&["migrate", "up", "--resume"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("statements 1-1 of migration 0001_nt changed since they ran"),
        "{err}"
    );
}

#[test]
fn a_foreign_history_table_is_refused_not_written_to() {
    let p = Project::new();
    chain(&p);
    rusqlite::Connection::open(p.db())
        .unwrap()
        .execute_batch("CREATE TABLE cairn_migrations (id TEXT PRIMARY KEY, checksum TEXT)")
        .unwrap();
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("lacks columns description, applied_at"),
        "{err}"
    );
    assert!(p.tables().is_empty());
}
