//! `cairn db health` and `cairn migrate lint` against a node of the 3-node Galera cluster that
//! `cargo xtask test` starts (`CAIRN_TEST_GALERA_URLS`): the cluster's size, the node's state
//! and flow-control pauses in text and JSON; the total-order warning for a table rebuild, and
//! none for the same migration against a single server or with `--dialect`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::cairn;

use cairn_tests::{Conn, GaleraDb, Kind, TestDb};

#[test]
fn db_health_reports_the_cluster_in_text_and_json() {
    let Some(db) = GaleraDb::new("cairn_cli_health") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for url in &db.urls {
        let (code, out, err) = cairn(url, dir.path(), &["db", "health"]);
        assert_eq!(code, 0, "{out}{err}");
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with("cluster"))
            .unwrap_or_else(|| panic!("no cluster line in\n{out}"));
        assert!(
            line.contains("ok")
                && line.contains("Galera: 3 node(s), Primary component, this node Synced")
                && line.contains("flow control paused"),
            "{line}"
        );
        let (code, out, err) = cairn(url, dir.path(), &["db", "health", "--format", "json"]);
        assert_eq!(code, 0, "{out}{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let cluster = &json["server"]["cluster"];
        assert_eq!(cluster["size"], 3, "{cluster}");
        assert_eq!(cluster["status"], "Primary", "{cluster}");
        assert_eq!(cluster["state"], "Synced", "{cluster}");
        let paused = cluster["flow_control_paused"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&paused), "{cluster}");
    }
}

#[test]
fn migrate_lint_warns_about_a_table_rebuild_on_a_galera_target_only() {
    let Some(db) = GaleraDb::new("cairn_cli_lint") else {
        return;
    };
    let mut node = Conn::mysql(&db.urls[0]);
    node.execute("CREATE TABLE orders (id INT PRIMARY KEY, total INT)");
    node.execute("INSERT INTO orders VALUES (1, 10), (2, 20), (3, 30)");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("0001_total.yaml"),
        "up: ALTER TABLE orders MODIFY total BIGINT;\ndown: ALTER TABLE orders MODIFY total INT;\n",
    )
    .unwrap();
    let (code, out, err) = cairn(&db.urls[1], dir.path(), &["migrate", "lint"]);
    assert_eq!(code, 0, "a warning does not block: {out}{err}");
    assert!(out.contains("[galera_toi_rewrite]"), "{out}");
    assert!(out.contains("orders holds about"), "{out}");
    assert!(out.contains("3-node Galera cluster"), "{out}");
    let (_, out, _) = cairn(
        &db.urls[2],
        dir.path(),
        &["migrate", "lint", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"galera_toi_rewrite"), "{rules:?}");
    assert!(json["cluster_note"].as_str().unwrap().contains("TOI"));
    // `--dialect` lints without the database: no cluster, no warning.
    let (_, out, _) = cairn(
        &db.urls[1],
        dir.path(),
        &["migrate", "lint", "--dialect", "mysql"],
    );
    assert!(!out.contains("galera_toi_rewrite"), "{out}");
    // A single server is no cluster: the same migration gets no such warning.
    if let Some(single) = TestDb::new(Kind::Mysql) {
        single.execute("CREATE TABLE orders (id INT PRIMARY KEY, total INT)");
        let (_, out, _) = cairn(&single.url, dir.path(), &["migrate", "lint"]);
        assert!(!out.contains("galera_toi_rewrite"), "{out}");
    }
}
