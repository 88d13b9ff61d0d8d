//! `cairn db health` and `cairn db optimize` as a user (or cron) runs them, on every backend:
//! exit codes 0 / 1 / 2, and the shape of the JSON and Prometheus output.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

const PARENT: &str = "up: CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(50));\ndown: DROP TABLE parent;\n";
const CHILD: &str = "depends_on: [0001_parent]\nup: CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: DROP TABLE child;\n";

/// Runs `cairn --database-url URL --dir DIR ARGS` and returns (exit code, stdout, stderr).
fn cairn(url: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", url, "--dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The value of the first sample of `metric` whose labels contain `label`.
fn metric(text: &str, metric: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(&format!("{metric}{{")) && l.contains(label))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or_else(|| panic!("no {metric} {label} in\n{text}"))
        .parse()
        .unwrap()
}

/// A password no output may show.
const PASSWORD: &str = "S3cretPw0rd";

/// `db.url` logging in as a role of this test's own that needs `PASSWORD` and owns the
/// database (the servers of `cargo xtask test` refuse it without the password). SQLite has no
/// login: its URL as it is.
fn url_with_password(db: &TestDb) -> String {
    let user = format!("{}_u", db.name());
    match db.kind {
        Kind::Sqlite => return db.url.clone(),
        Kind::Postgres => {
            db.execute(&format!("CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD}'"));
            db.execute(&format!("ALTER DATABASE {} OWNER TO {user}", db.name()));
            db.execute(&format!("ALTER SCHEMA public OWNER TO {user}"));
        }
        Kind::Mysql => {
            db.execute(&format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"
            ));
            db.execute(&format!("GRANT ALL ON `{}`.* TO '{user}'@'%'", db.name()));
        }
    }
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{PASSWORD}@{host}")
}

fn healthy_database_exits_0_in_every_format(db: &TestDb) {
    let dir = project(&[("0001_parent.yaml", PARENT), ("0002_child.yaml", CHILD)]);
    let url = url_with_password(db);
    let (code, out, err) = cairn(&url, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!format!("{out}{err}").contains(PASSWORD), "{out}{err}");
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')");

    let (code, out, err) = cairn(&url, dir.path(), &["db", "health"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!format!("{out}{err}").contains(PASSWORD), "{out}{err}");
    assert!(out.contains(": healthy"), "{out}");
    assert!(out.contains("2 applied, 0 pending"), "{out}");

    let (code, out, _) = cairn(&url, dir.path(), &["db", "health", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["healthy"], true);
    assert_eq!(v["connection"]["ok"], true);
    assert!(v["connection"]["latency_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(v["integrity"]["problems"], serde_json::json!([]));
    assert_eq!(v["foreign_keys"]["violations"], serde_json::json!([]));
    assert_eq!(v["migrations"]["applied"], 2);
    let tables = v["storage"]["tables"].as_array().unwrap();
    let parent = tables.iter().find(|t| t["table"] == "parent").unwrap();
    assert_eq!(parent["rows"], 2);
    assert!(parent["bytes"].as_u64().unwrap() > 0);
    assert!(!out.contains(PASSWORD), "password in output: {out}");

    let (code, out, _) = cairn(
        &url,
        dir.path(),
        &["db", "health", "--format", "prometheus"],
    );
    assert!(!out.contains(PASSWORD), "password in output: {out}");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("# TYPE cairn_db_healthy gauge\n"), "{out}");
    assert_eq!(metric(&out, "cairn_db_healthy", ""), 1.0);
    assert_eq!(metric(&out, "cairn_db_up", ""), 1.0);
    assert_eq!(metric(&out, "cairn_db_table_rows", "table=\"parent\""), 2.0);
    assert_eq!(
        metric(&out, "cairn_db_migrations", "state=\"applied\""),
        2.0
    );
    assert!(metric(&out, "cairn_db_size_bytes", "") > 0.0);
}

fn pending_migration_or_orphan_rows_exit_1(db: &TestDb) {
    let dir = project(&[("0001_parent.yaml", PARENT)]);
    assert_eq!(cairn(&db.url, dir.path(), &["migrate", "up"]).0, 0);
    std::fs::write(dir.path().join("0002_child.yaml"), CHILD).unwrap();

    let (code, out, _) = cairn(&db.url, dir.path(), &["db", "health"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("pending  0002_child"), "{out}");
    let (code, out, _) = cairn(
        &db.url,
        dir.path(),
        &["db", "health", "--format", "prometheus"],
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(metric(&out, "cairn_db_healthy", ""), 0.0);
    assert_eq!(
        metric(&out, "cairn_db_check_ok", "check=\"migrations\""),
        0.0
    );
    assert_eq!(
        metric(&out, "cairn_db_migrations", "state=\"pending\""),
        1.0
    );

    // Applied, then an orphan row written with key checks off (PostgreSQL: with the key's
    // triggers disabled, as `pg_restore --disable-triggers` runs): unhealthy again.
    assert_eq!(cairn(&db.url, dir.path(), &["migrate", "up"]).0, 0);
    assert_eq!(cairn(&db.url, dir.path(), &["db", "health"]).0, 0);
    match db.kind {
        Kind::Sqlite => db.execute("PRAGMA foreign_keys = OFF; INSERT INTO child VALUES (1, 9);"),
        Kind::Mysql => db.execute(
            "SET foreign_key_checks = 0; INSERT INTO child VALUES (1, 9); SET foreign_key_checks = 1",
        ),
        Kind::Postgres => db.execute(
            "ALTER TABLE child DISABLE TRIGGER ALL; INSERT INTO child VALUES (1, 9);",
        ),
    }
    let (code, out, _) = cairn(&db.url, dir.path(), &["db", "health", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["healthy"], false);
    assert_eq!(v["foreign_keys"]["violations"][0]["table"], "child");
    assert_eq!(v["foreign_keys"]["violations"][0]["rows"], 1);
}

fn optimize_reports_each_table(db: &TestDb) {
    let dir = project(&[("0001_parent.yaml", PARENT), ("0002_child.yaml", CHILD)]);
    assert_eq!(cairn(&db.url, dir.path(), &["migrate", "up"]).0, 0);

    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "optimize", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tables: Vec<&str> = v["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["cairn_migrations", "child", "parent"], "{out}");
    assert!(
        v["tables"][0]["actions"]
            .as_array()
            .unwrap()
            .contains(&"analyze".into())
    );
    assert_eq!(v["vacuum"], false);

    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "optimize", "--vacuum"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Optimized 3 table(s) of "), "{out}");
    assert!(out.contains("reclaimed)"), "{out}");
}

cairn_tests::on_every_backend!(
    healthy_database_exits_0_in_every_format,
    pending_migration_or_orphan_rows_exit_1,
    optimize_reports_each_table,
);

/// A server that does not answer is a finding (exit 1) with `cairn_db_up 0`, so a cron job
/// still writes its metrics file; the password never appears.
#[test]
fn unreachable_server_exits_1_with_up_0() {
    let dir = project(&[]);
    let url = "postgres://app:s3cret-pw@127.0.0.1:1/shop?connect_timeout=2";
    let (code, out, err) = cairn(url, dir.path(), &["db", "health", "--format", "prometheus"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        metric(
            &out,
            "cairn_db_up",
            "database=\"postgres://app:***@127.0.0.1:1/shop"
        ),
        0.0
    );
    assert_eq!(metric(&out, "cairn_db_healthy", ""), 0.0);
    let (code, text, _) = cairn(url, dir.path(), &["db", "health"]);
    assert_eq!(code, 1);
    assert!(text.contains("unhealthy"), "{text}");
    assert!(!format!("{out}{err}{text}").contains("s3cret-pw"));
}

/// Broken migration files are an error (exit 2), not a health finding.
#[test]
fn broken_migration_files_exit_2() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    let dir = project(&[("0001_bad.yaml", "up: [not, sql\n")]);
    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "health"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("0001_bad.yaml:1:1"),
        "names the file and line: {err}"
    );
    assert!(
        err.contains("invalid type: sequence, expected SQL text"),
        "{err}"
    );
}
