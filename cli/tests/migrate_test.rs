//! `cairn migrate test`: exit codes, text, JSON and GitHub output on SQLite, other tools'
//! folders and the built-ins, and the scratch database on PostgreSQL and MariaDB.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{Project, chain};
use serde_json::Value;

/// `chain` plus what goes wrong: 0002_b's down names a missing table, 0003_c's down leaves a
/// table behind, 0004_d has no down.
fn broken(p: &Project) {
    p.write(
        "0001_a.yaml",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    );
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: |\n  -- the table is bb, surely\n  DROP TABLE bb;\n",
    );
    p.write(
        "0003_c.yaml",
        "depends_on: [0002_b]\nup: |\n  CREATE TABLE c (id INTEGER PRIMARY KEY);\n  CREATE TABLE IF NOT EXISTS c_log (id INTEGER PRIMARY KEY);\ndown: |\n  DROP TABLE c;\n",
    );
    p.write(
        "0004_d.yaml",
        "depends_on: [0003_c]\nup: CREATE TABLE d (id INTEGER PRIMARY KEY);\n",
    );
}

#[test]
fn a_correct_set_exits_0_without_touching_the_database() {
    let p = Project::new();
    chain(&p);
    let (code, out, err) = p.run(&["migrate", "test"]);
    assert_eq!(code, 0, "{out}{err}");
    for id in ["0001_a", "0002_b", "0003_c", "0004_d"] {
        assert!(out.contains(&format!("  ✓ {id} restored (up ")), "{out}");
    }
    assert!(
        out.contains(
            "4 migrations: 4 restored, 0 without down (not tested), 0 failed (on sqlite::memory:, "
        ),
        "{out}"
    );
    // The proof ran in memory: the project's database file was never created.
    assert!(!p.db().exists());
}

#[test]
fn failures_exit_1_with_the_error_and_the_schema_difference() {
    let p = Project::new();
    broken(&p);
    let (code, out, err) = p.run(&["migrate", "test"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("  ✓ 0001_a restored"), "{out}");
    assert!(out.contains("  ✗ 0002_b down failed"), "{out}");
    assert!(
        out.contains("  ✗ 0003_c down does not restore the schema"),
        "{out}"
    );
    assert!(out.contains("  - 0004_d no down: not tested"), "{out}");
    assert!(
        out.contains(
            "✗ 0002_b: down failed\n  migrations/0002_b.yaml:6: down statement 1 of 1 failed: no such table: bb\n  statement: DROP TABLE bb\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "✗ 0003_c: down does not restore the schema (+ left behind by down, - removed by down, ~ changed)\n  table c_log:\n    + table c_log (1 columns)\n  (down in migrations/0003_c.yaml, line 6)\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("4 migrations: 1 restored, 1 without down (not tested), 2 failed"),
        "{out}"
    );
}

#[test]
fn json_has_one_result_per_migration() {
    let p = Project::new();
    broken(&p);
    let (code, out, err) = p.run(&["migrate", "test", "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(
        v["summary"],
        serde_json::json!({"migrations": 4, "restored": 1, "no_down": 1, "failed": 2, "untested": 0})
    );
    let checks = v["report"]["checks"].as_array().unwrap();
    let results: Vec<(&str, &str)> = checks
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("0001_a", "restored"),
            ("0002_b", "down_failed"),
            ("0003_c", "not_restored"),
            ("0004_d", "no_down")
        ]
    );
    let failure = &checks[1]["failure"];
    assert_eq!(failure["file"], "migrations/0002_b.yaml");
    assert_eq!(failure["line"], 6);
    assert_eq!(failure["statement"], 1);
    assert_eq!(failure["sql"], "DROP TABLE bb");
    assert_eq!(failure["message"], "no such table: bb");
    let difference = &checks[2]["differences"][0];
    assert_eq!(difference["kind"], "table_added");
    assert_eq!(difference["table"]["name"], "c_log");
    assert_eq!(checks[2]["down_line"], 6);
    assert_eq!(v["report"]["stopped"], Value::Null);
    assert_eq!(v["report"]["database"], "sqlite::memory:");
}

#[test]
fn github_prints_one_annotation_per_finding() {
    let p = Project::new();
    broken(&p);
    let (code, out, err) = p.run(&["migrate", "test", "--format", "github"]);
    assert_eq!(code, 1, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "::error file=migrations/0002_b.yaml,line=6,title=rollback of 0002_b fails::down failed: statement 1 of 1 failed: no such table: bb (DROP TABLE bb)",
            "::error file=migrations/0003_c.yaml,line=6,title=rollback of 0003_c fails::down does not restore the schema (+ left behind by down, - removed by down, ~ changed)%0A+ table c_log (1 columns)",
            "::notice file=migrations/0004_d.yaml,title=0004_d has no down::no down: not tested",
        ],
        "{out}"
    );
    assert!(lines[3].starts_with("4 migrations: 1 restored"), "{out}");
    assert_eq!(lines.len(), 4, "{out}");
}

#[test]
fn a_failing_up_stops_and_lists_what_was_not_tested() {
    let p = Project::new();
    chain(&p);
    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (id INTEGER PRIMARY KEY);\n  INSERT INTO nowhere VALUES (1);\ndown: DROP TABLE b;\n",
    );
    let (code, out, err) = p.run(&["migrate", "test"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("✗ 0002_b: up failed\n  migrations/0002_b.yaml:4: up statement 2 of 2 failed: no such table: nowhere"),
        "{out}"
    );
    assert!(
        out.contains("! stopped after 0002_b: its up failed, so later migrations were not run\n  not tested: 0003_c, 0004_d\n"),
        "{out}"
    );
    assert!(out.contains(", 1 failed, 2 not reached"), "{out}");
    let (_, out, _) = p.run(&["migrate", "test", "--format", "github"]);
    assert!(
        out.contains("::warning title=stopped at 0002_b::its up failed, so later migrations were not run; not tested: 0003_c, 0004_d"),
        "{out}"
    );
}

#[test]
fn errors_exit_2() {
    let p = Project::new();
    chain(&p);
    let (code, out, err) = p.run(&[
        "--database-url",
        "postgres://app@127.0.0.1:9/appdb",
        "migrate",
        "test",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("cannot connect to PostgreSQL at 127.0.0.1:9"),
        "{err}"
    );
    let (code, out, _) = p.run(&[
        "--database-url",
        "postgres://app@127.0.0.1:9/appdb",
        "migrate",
        "test",
        "--format",
        "json",
    ]);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9")
    );
    // A scratch database that is not empty is refused before anything runs.
    let scratch = p.path().join("scratch.db");
    let url = format!("sqlite:{}", scratch.display());
    let conn = rusqlite::Connection::open(&scratch).unwrap();
    conn.execute_batch("CREATE TABLE precious (id INTEGER)")
        .unwrap();
    drop(conn);
    let (code, out, err) = p.run(&["migrate", "test", "--scratch-url", &url]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("is not empty (1 tables, 0 history rows)"),
        "{err}"
    );
}

#[test]
fn the_builtins_pass() {
    let p = Project::new();
    std::fs::remove_dir(p.path().join("migrations")).unwrap();
    let (code, out, err) = p.run(&["migrate", "test", "--builtin", "auth,audit,scan"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("10 migrations: 10 restored, 0 without down (not tested), 0 failed"),
        "{out}"
    );
}

#[test]
fn other_tools_folders_name_their_down_file() {
    let p = Project::new();
    p.write(
        "1_accounts.up.sql",
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY);\n",
    );
    p.write("1_accounts.down.sql", "DROP TABLE accounts;\n");
    p.write("2_orders.up.sql", "CREATE TABLE orders (id INTEGER);\n");
    p.write("2_orders.down.sql", "\nDROP TABLE order;\n");
    p.write(
        "3_email.up.sql",
        "ALTER TABLE accounts ADD COLUMN email TEXT;\n",
    );
    p.write("3_email.down.sql", "-- nothing to do\n");
    let (code, out, err) = p.run(&["--layout", "golang-migrate", "migrate", "test"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("  ✓ 1_accounts restored"), "{out}");
    assert!(
        out.contains("✗ 2_orders: down failed\n  migrations/2_orders.down.sql:2: down statement 1 of 1 failed"),
        "{out}"
    );
    assert!(
        out.contains("✗ 3_email: down does not restore the schema (+ left behind by down, - removed by down, ~ changed)\n  table accounts:\n    + column accounts.email text null\n  (down in migrations/3_email.down.sql, line 1)"),
        "{out}"
    );
    // The second up cannot add the column the empty down left: reported with the difference.
    assert!(
        out.contains("line 1)\n  then up, applied again, failed:\n  migrations/3_email.up.sql:1: up statement 1 of 1 failed: duplicate column name: email"),
        "{out}"
    );
    assert!(
        !out.contains("stopped"),
        "nothing came after 3_email: {out}"
    );
}

/// On a server, the proof runs in a temporary database beside the target, which stays as it
/// was; a failing down is reported as on SQLite.
fn on_a_server(kind: cairn_tests::Kind) {
    let Some(db) = cairn_tests::TestDb::new(kind) else {
        return;
    };
    let p = Project::new();
    chain(&p);
    let url = db.url.as_str();
    let (code, out, err) = p.run(&["--database-url", url, "migrate", "test"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert!(out.contains("4 migrations: 4 restored"), "{out}");
    assert!(
        out.contains("(on a scratch database") || out.contains("cairn_scratch_"),
        "{out}"
    );
    assert!(db.tables().is_empty(), "{:?}", db.tables());

    p.write(
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));\ndown: DROP TABLE a;\n",
    );
    let (code, out, err) = p.run(&["--database-url", url, "migrate", "test", "--format", "json"]);
    assert_eq!(code, 1, "{kind}: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let check = &v["report"]["checks"][1];
    assert_eq!(check["result"], "down_failed", "{out}");
    assert_eq!(check["failure"]["sql"], "DROP TABLE a");
    assert_eq!(check["failure"]["file"], "migrations/0002_b.yaml");
    assert!(db.tables().is_empty(), "{:?}", db.tables());

    // --scratch-url: another empty database on the same server.
    let scratch = cairn_tests::TestDb::new(kind).unwrap();
    chain(&p);
    let (code, out, err) = p.run(&[
        "--database-url",
        url,
        "migrate",
        "test",
        "--scratch-url",
        &scratch.url,
    ]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert_eq!(
        scratch.history_ids(),
        ["0001_a", "0002_b", "0003_c", "0004_d"]
    );
}

#[test]
fn on_postgres() {
    on_a_server(cairn_tests::Kind::Postgres);
}

#[test]
fn on_mariadb() {
    on_a_server(cairn_tests::Kind::Mysql);
}
