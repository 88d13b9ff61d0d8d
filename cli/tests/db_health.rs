//! `cairn db health` and `cairn db optimize` as a user (or cron) runs them, on every backend:
//! exit codes 0 / 1 / 2, and the shape of the JSON and Prometheus output.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{cairn, project};

use cairn_tests::{Kind, TestDb};

const PARENT: &str = "up: CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(50));\ndown: DROP TABLE parent;\n";
const CHILD: &str = "depends_on: [0001_parent]\nup: CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: DROP TABLE child;\n";

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
    assert_eq!(parent["indexes"], 1, "its primary key: {out}");
    assert!(!out.contains(PASSWORD), "password in output: {out}");
    // When, how many tables and rows, the server's counters, and the advisory (child's key has
    // no index; MySQL made one itself).
    let at = v["checked_at"].as_str().unwrap();
    assert!(
        at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
    assert_eq!(v["storage"]["tables_checked"], tables.len());
    let rows: u64 = tables.iter().map(|t| t["rows"].as_u64().unwrap()).sum();
    assert_eq!(v["storage"]["total_rows"], rows);
    let advised = v["advisory"]["unindexed_foreign_keys"].as_array().unwrap();
    match db.kind {
        Kind::Sqlite => assert!(v["server"].is_null(), "{out}"),
        _ => {
            let ratio = v["server"]["cache_hit_ratio"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&ratio), "{out}");
            assert!(v["server"]["connections"]["total"].as_u64().unwrap() >= 1);
        }
    }
    // Read by a role without privileges, in the same query as the counters.
    match db.kind {
        Kind::Postgres => assert_eq!(v["server"]["replication"]["role"], "primary", "{out}"),
        _ => assert!(v["server"]["replication"].is_null(), "{out}"),
    }
    if db.kind == Kind::Mysql {
        assert!(advised.is_empty(), "{out}");
    } else {
        assert_eq!(advised.len(), 1, "{out}");
        assert_eq!(advised[0]["table"], "child");
        assert_eq!(advised[0]["columns"], serde_json::json!(["parent_id"]));
    }

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
    assert_eq!(
        metric(&out, "cairn_db_table_indexes", "table=\"parent\""),
        1.0
    );
    assert!(metric(&out, "cairn_db_tables", "") >= 3.0);
    assert!(metric(&out, "cairn_db_rows", "") >= 2.0);
    assert!(metric(&out, "cairn_db_health_timestamp_seconds", "") > 1.7e9);
    let advised = if db.kind == Kind::Mysql { 0.0 } else { 1.0 };
    assert_eq!(metric(&out, "cairn_db_unindexed_foreign_keys", ""), advised);
    for family in [
        "cairn_db_connections",
        "cairn_db_cache_hit_ratio",
        "cairn_db_slow_queries",
        "cairn_db_unindexed_foreign_keys",
    ] {
        assert!(out.contains(&format!("# TYPE {family} gauge\n")), "{out}");
    }
    if db.kind != Kind::Sqlite {
        assert!(metric(&out, "cairn_db_connections", "state=\"total\"") >= 1.0);
        let ratio = metric(&out, "cairn_db_cache_hit_ratio", "");
        assert!((0.0..=1.0).contains(&ratio), "{out}");
    }
    // The advice shows in text too, and the exit code stays 0.
    let (code, out, _) = cairn(&url, dir.path(), &["db", "health"]);
    assert_eq!(code, 0, "{out}");
    if db.kind == Kind::Mysql {
        assert!(out.contains("every foreign key has an index"), "{out}");
    } else {
        assert!(out.contains("1 foreign key(s) without an index"), "{out}");
        assert!(out.contains("child.parent_id -> parent"), "{out}");
    }
    match db.kind {
        Kind::Sqlite => assert!(out.contains("none: SQLite has no server"), "{out}"),
        _ => assert!(out.contains("cache hit ratio"), "{out}"),
    }
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
    assert_eq!(
        tables,
        [
            "cairn_migrations",
            "cairn_migrations_log",
            "child",
            "parent"
        ],
        "{out}"
    );
    assert!(
        v["tables"][0]["actions"]
            .as_array()
            .unwrap()
            .contains(&"analyze".into())
    );
    assert_eq!(v["vacuum"], false);

    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "optimize", "--vacuum"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Optimized 4 table(s) of "), "{out}");
    assert!(out.contains("reclaimed)"), "{out}");

    let (code, out, err) = cairn(
        &db.url,
        dir.path(),
        &["db", "optimize", "--reindex", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reindex"], true);
    assert_eq!(
        v["reindexed"],
        serde_json::json!([
            "cairn_migrations",
            "cairn_migrations_log",
            "child",
            "parent"
        ]),
        "{out}"
    );
    assert_eq!(
        v["reindex_statements"].as_array().unwrap().len(),
        1,
        "{out}"
    );
    for t in v["tables"].as_array().unwrap() {
        assert!(
            t["actions"].as_array().unwrap().contains(&"reindex".into()),
            "{out}"
        );
    }
    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "optimize", "--reindex"]);
    assert_eq!(code, 0, "{out}{err}");
    let statement = match db.kind {
        Kind::Sqlite => "REINDEX",
        Kind::Postgres => "REINDEX SCHEMA public",
        Kind::Mysql => "OPTIMIZE TABLE cairn_migrations, cairn_migrations_log, child, parent",
    };
    assert!(
        out.contains(&format!("Reindexed 4 table(s): {statement}\n")),
        "{out}"
    );
}

/// The built-ins' two keys without an index are advised until audit/0004_user_id_indexes
/// indexes them (MySQL indexes every key itself: never advised).
fn builtins_advise_their_unindexed_keys_until_indexed(db: &TestDb) {
    let dir = project(&[]);
    let builtin = ["--builtin", "auth,audit,scan"];
    for to in ["audit/0001_login_attempts", "audit/0003_audit_log"] {
        let args = [&builtin[..], &["migrate", "up", "--to", to]].concat();
        let (code, out, err) = cairn(&db.url, dir.path(), &args);
        assert_eq!(code, 0, "{out}{err}");
    }
    let advised = || {
        // Without --builtin, no migration check: the exit code is the advisory's alone.
        let (code, out, _) = cairn(&db.url, dir.path(), &["db", "health", "--format", "json"]);
        assert_eq!(code, 0, "the advice is never unhealthy: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["advisory"]["unindexed_foreign_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                format!(
                    "{}.{}",
                    k["table"].as_str().unwrap(),
                    k["columns"][0].as_str().unwrap()
                )
            })
            .collect::<Vec<String>>()
    };
    let expected: &[&str] = match db.kind {
        Kind::Mysql => &[],
        _ => &["audit_log.user_id", "login_attempts.user_id"],
    };
    assert_eq!(advised(), expected);
    let (code, out, err) = cairn(
        &db.url,
        dir.path(),
        &[&builtin[..], &["migrate", "up"]].concat(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(advised(), Vec::<String>::new());
    let (code, out, _) = cairn(
        &db.url,
        dir.path(),
        &[&builtin[..], &["db", "health"]].concat(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("every foreign key has an index"), "{out}");
}

cairn_tests::on_every_backend!(
    healthy_database_exits_0_in_every_format,
    pending_migration_or_orphan_rows_exit_1,
    optimize_reports_each_table,
    builtins_advise_their_unindexed_keys_until_indexed,
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
