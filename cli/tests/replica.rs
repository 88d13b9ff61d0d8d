//! A read-only PostgreSQL server: the streaming hot-standby replica that `cargo xtask test`
//! starts (`CAIRN_TEST_POSTGRES_REPLICA_URL`), and a primary whose database makes every
//! transaction read-only. Commands that write refuse before the lock, naming the primary where
//! the server tells it, and change nothing; commands that read (status, drift, health) work.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{cairn, project};

use cairn_tests::{Kind, TestDb, postgres_replica_url, wait_replayed, with_database};

const ITEMS: &str = "up: CREATE TABLE items (id INT PRIMARY KEY, name TEXT);\n\
                     down: DROP TABLE items;\n";
const TAGS: &str = "up: CREATE TABLE tags (id INT PRIMARY KEY);\ndown: DROP TABLE tags;\n";

/// The port of a `postgres://user@host:port/db?...` URL.
fn port(url: &str) -> String {
    let authority = url.split("://").nth(1).unwrap().split('/').next().unwrap();
    authority.rsplit(':').next().unwrap().to_string()
}

/// A fresh database on the primary, migrated with `ITEMS`, and the same database on the
/// replica once it has replayed it: (database, replica URL, migrations folder).
fn replicated() -> Option<(TestDb, String, tempfile::TempDir)> {
    let replica_admin = postgres_replica_url()?;
    let db = TestDb::new(Kind::Postgres)?;
    let dir = project(&[("0001_items.yaml", ITEMS)]);
    let (code, out, err) = cairn(&db.url, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    wait_replayed(&db.url, &replica_admin);
    let url = with_database(&replica_admin, &db.name());
    Some((db, url, dir))
}

#[test]
fn up_down_and_stamp_on_a_replica_refuse_naming_the_primary_and_change_nothing() {
    let Some((db, replica, dir)) = replicated() else {
        return;
    };
    std::fs::write(dir.path().join("0002_tags.yaml"), TAGS).unwrap();
    let primary = format!("host=127.0.0.1 port={}", port(&db.url));
    for args in [
        &["migrate", "up"][..],
        &["migrate", "down", "--all"],
        &["migrate", "stamp", "head"],
        &["migrate", "up", "--single-transaction"],
    ] {
        let (code, out, err) = cairn(&replica, dir.path(), args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains(
                "is a read-only replica (in recovery); migrations must run on the primary"
            ) && err.contains(&primary),
            "{args:?} names the primary {primary}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
    }
    let json = cairn(&replica, dir.path(), &["migrate", "up", "--format", "json"]);
    assert_eq!(json.0, 2, "{json:?}");
    assert!(json.1.contains("read-only replica") || json.2.contains("read-only replica"));
    // The primary's history is what the first run wrote: one row, `tags` never created.
    assert_eq!(db.history_ids(), vec!["0001_items".to_string()]);
    assert!(
        !db.tables().contains(&"tags".to_string()),
        "{:?}",
        db.tables()
    );
    // The same command on the primary then works.
    let (code, out, err) = cairn(&db.url, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(db.history_ids().len(), 2);
}

#[test]
fn status_validate_and_drift_read_a_replica() {
    let Some((db, replica, dir)) = replicated() else {
        return;
    };
    std::fs::write(dir.path().join("0002_tags.yaml"), TAGS).unwrap();
    let (code, out, err) = cairn(&replica, dir.path(), &["migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("0001_items") && out.contains("0002_tags"),
        "{out}"
    );
    let (code, out, err) = cairn(&db.url, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    wait_replayed(&db.url, &replica);
    let (code, out, err) = cairn(&replica, dir.path(), &["migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    // Drift replays into a scratch database, which a replica cannot hold: the primary's
    // server lends one.
    let scratch = std::env::var("CAIRN_TEST_POSTGRES_URL").unwrap();
    let (code, out, err) = cairn(&replica, dir.path(), &["drift", "--scratch-url", &scratch]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No drift"), "{out}");
    // Without one, the refusal says what to do.
    let (code, out, err) = cairn(&replica, dir.path(), &["drift"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("takes no writes") && err.contains("pass --scratch-url"),
        "{err}"
    );
}

#[test]
fn db_health_reports_a_replica_its_primary_and_lag_and_the_primary_its_replicas() {
    let Some((db, replica, dir)) = replicated() else {
        return;
    };
    let (code, out, err) = cairn(&replica, dir.path(), &["db", "health"]);
    assert_eq!(code, 0, "a replica is not unhealthy: {out}{err}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("replication"))
        .unwrap_or_else(|| panic!("no replication line in\n{out}"));
    let primary = format!("host=127.0.0.1 port={}", port(&db.url));
    assert!(
        line.contains("read-only")
            && line.contains("replica (in recovery) of")
            && line.contains(&primary),
        "{line}"
    );
    let (code, out, err) = cairn(&replica, dir.path(), &["db", "health", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &json["server"]["replication"];
    assert_eq!(r["role"], "replica", "{r}");
    assert_eq!(r["primary"], primary.as_str(), "{r}");
    assert!(r["replay_lag_bytes"].as_u64().is_some(), "{r}");
    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "health", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &json["server"]["replication"];
    assert_eq!(r["role"], "primary", "{r}");
    assert!(r["replicas"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(r["primary"], serde_json::Value::Null, "{r}");
}

#[test]
fn a_database_read_only_by_default_refuses_up_naming_the_setting_and_its_source() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    let dir = project(&[("0001_items.yaml", ITEMS)]);
    db.execute(&format!(
        "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
        db.name()
    ));
    let (code, out, err) = cairn(&db.url, dir.path(), &["migrate", "up"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("is read-only: default_transaction_read_only is on (set by database)")
            && err.contains("SET default_transaction_read_only = off"),
        "{err}"
    );
    assert!(db.tables().is_empty(), "nothing created: {:?}", db.tables());
    let (code, out, err) = cairn(&db.url, dir.path(), &["db", "health"]);
    assert_eq!(code, 1, "the migration is pending: {out}{err}");
    assert!(
        out.contains("read-only primary") && out.contains("default_transaction_read_only is on"),
        "{out}"
    );
    // The advice works: init_sql turns it off for Cairn's session.
    let settings = tempfile::tempdir().unwrap();
    let toml = settings.path().join("cairn.toml");
    std::fs::write(
        &toml,
        "[init_sql]\npostgres = \"SET default_transaction_read_only = off\"\n",
    )
    .unwrap();
    let (code, out, err) = cairn(
        &db.url,
        dir.path(),
        &["--config", &toml.to_string_lossy(), "migrate", "up"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(db.history_ids(), vec!["0001_items".to_string()]);
}
