//! The migration lock and DDL on a real 3-node MariaDB Galera cluster (`CAIRN_TEST_GALERA_URLS`,
//! started by `cargo xtask test`): `GET_LOCK` is per node, the lock row is cluster-wide; 16
//! runners over three nodes apply each migration once; a killed holder is taken over after its
//! lease and a live one never; DDL runs in total order and leaves every node with one schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "galera/cluster.rs"]
mod cluster;
mod common;

use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cairn::{BackendError, Driver, Expected, Options, UpTarget};
use cairn_mysql::Mysql;
use cluster::ClusterDb;
use common::migrations;
use mysql::prelude::Queryable;

/// Six migrations, each with a side effect that shows if it ran twice: a row in `effects`
/// (no unique key) besides its table; a short sleep widens the window two unprotected runners
/// would overlap in.
fn side_effects() -> cairn::MigrationSet {
    let mut files = vec![(
        "m01.yaml".to_string(),
        "up: |\n  CREATE TABLE effects (id INT AUTO_INCREMENT PRIMARY KEY, migration VARCHAR(10) NOT NULL);\n  INSERT INTO effects (migration) VALUES ('m01');\n".to_string(),
    )];
    for i in 2..=6 {
        files.push((
            format!("m{i:02}.yaml"),
            format!(
                "up: |\n  CREATE TABLE t{i} (id INT PRIMARY KEY, v VARCHAR(20));\n  DO SLEEP(0.05);\n  INSERT INTO effects (migration) VALUES ('m{i:02}');\n"
            ),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    migrations(&files)
}

fn opts(timeout: Duration) -> Options {
    Options {
        applied_by: "galera-test".to_string(),
        lock_timeout: timeout,
        ..Options::default()
    }
}

#[test]
fn get_lock_is_per_node_and_the_nodes_are_detected() {
    let Some(urls) = cluster::urls() else {
        return;
    };
    let (mut a, mut b) = (
        Mysql::open(&urls[0]).unwrap(),
        Mysql::open(&urls[1]).unwrap(),
    );
    let got = |m: &mut Mysql| -> Option<i64> {
        m.conn()
            .query_first("SELECT GET_LOCK('cairn-galera-test', 0)")
            .unwrap()
    };
    // Why the lock cannot be GET_LOCK here: both nodes grant the same name at once.
    assert_eq!((got(&mut a), got(&mut b)), (Some(1), Some(1)));
    assert!(a.is_galera().unwrap() && b.is_galera().unwrap());
    if let Some(single) = common::admin_url() {
        assert!(!Mysql::open(&single).unwrap().is_galera().unwrap());
    }
}

#[test]
fn sixteen_runners_on_three_nodes_apply_each_migration_once_in_total_order() {
    let Some(db) = ClusterDb::create() else {
        return;
    };
    let set = Arc::new(side_effects());
    let runners = 16;
    let start = Arc::new(Barrier::new(runners));
    let threads: Vec<_> = (0..runners)
        .map(|i| {
            let (url, set, start) = (db.urls[i % db.nodes()].clone(), set.clone(), start.clone());
            std::thread::spawn(move || {
                let mut node = Mysql::open(&url).unwrap();
                start.wait();
                let report = cairn::up(
                    &mut node,
                    &set,
                    &UpTarget::All,
                    &opts(Duration::from_secs(120)),
                    &mut |_| {},
                );
                report.map(|r| r.migrations.len())
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let failed: Vec<String> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| o.as_ref().err().map(|e| format!("runner {i}: {e}")))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let applied: usize = outcomes.iter().map(|o| *o.as_ref().unwrap()).sum();
    assert_eq!(applied, 6, "migrations applied over all runners");
    for node in 0..db.nodes() {
        let history = db.rows(
            node,
            "SELECT id, status, COUNT(*) FROM cairn_migrations GROUP BY id, status ORDER BY id",
        );
        let want: Vec<Vec<String>> = (1..=6)
            .map(|i| vec![format!("m{i:02}"), "applied".into(), "1".into()])
            .collect();
        assert_eq!(history, want, "history on node {}", node + 1);
        let effects = db.rows(
            node,
            "SELECT migration, COUNT(*) FROM effects GROUP BY migration ORDER BY migration",
        );
        let want: Vec<Vec<String>> = (1..=6)
            .map(|i| vec![format!("m{i:02}"), "1".into()])
            .collect();
        assert_eq!(effects, want, "side effects on node {}", node + 1);
        assert_eq!(
            db.scalar(node, "SELECT COUNT(*) FROM cairn_migrations_lock"),
            0,
            "every runner released the lock row"
        );
    }
    // DDL ran in total order (the default, TOI) on every node, so every node has the same
    // schema: drift against each node, replaying into a scratch database on that node.
    for node in 0..db.nodes() {
        let mut live = db.open(node);
        let method = live.query("SELECT @@session.wsrep_OSU_method").unwrap();
        assert_eq!(method[0][0].as_deref(), Some("TOI"), "node {}", node + 1);
        let scratch = live.scratch_databases().unwrap().scratch().unwrap();
        let report =
            cairn::drift(&mut live, Expected::Migrations { set: &set, scratch }, &[]).unwrap();
        assert!(
            !report.drifted(),
            "node {} drifted: {:#?}",
            node + 1,
            report.differences
        );
    }
}

#[test]
fn a_live_holder_keeps_the_lock_past_its_lease_and_is_named() {
    let Some(db) = ClusterDb::create() else {
        return;
    };
    let mut holder = Mysql::open(&db.url_with(0, "lock-lease=1")).unwrap();
    holder.lock(Duration::from_secs(10)).unwrap();
    let run_id = holder.cluster_lock_run_id().unwrap().to_string();
    // Three leases long: the renewals must keep it, and the waiter must time out naming it.
    let mut waiter = db.open(1);
    let started = Instant::now();
    let err = waiter.lock(Duration::from_secs(3)).unwrap_err();
    assert!(started.elapsed() >= Duration::from_secs(3), "{err}");
    let BackendError::LockTimeout { holder: who, .. } = &err else {
        panic!("expected a lock timeout, got {err:?}");
    };
    let who = who.as_deref().unwrap_or_default();
    for part in [
        run_id.as_str(),
        &format!("pid {}", std::process::id()),
        "via node node1",
        "lease 1.0 s",
        "cairn_migrations_lock",
    ] {
        assert!(who.contains(part), "`{part}` missing from: {err}");
    }
    // The holder still holds it: its statements run and it releases cleanly.
    holder.query("SELECT 1").unwrap();
    holder.unlock().unwrap();
    waiter.lock(Duration::from_secs(5)).unwrap();
    waiter.unlock().unwrap();
    assert_eq!(
        db.scalar(2, "SELECT COUNT(*) FROM cairn_migrations_lock"),
        0
    );
}

#[test]
fn a_lock_row_left_behind_is_taken_over_after_its_lease() {
    let Some(db) = ClusterDb::create() else {
        return;
    };
    // A runner that died long ago: its row says so, but only a lease of watching proves it.
    let mut first = db.open(0);
    first.lock(Duration::from_secs(5)).unwrap();
    first.unlock().unwrap();
    first
        .conn()
        .query_drop(format!(
            "INSERT INTO cairn_migrations_lock VALUES ('{}', 'dead0000000000000000000000000000', 'gone-host', 4242, 'node1', 7, 2000, '2020-01-01', '2020-01-01', '2020-01-01')",
            cairn_mysql::lock_name(&db.name, cairn::HISTORY_TABLE)
        ))
        .unwrap();
    let mut next = db.open(2);
    let started = Instant::now();
    let report = cairn::up(
        &mut next,
        &side_effects(),
        &UpTarget::All,
        &opts(Duration::from_secs(30)),
        &mut |_| {},
    )
    .unwrap();
    let waited = started.elapsed();
    assert_eq!(report.migrations.len(), 6);
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(2 + 4),
        "waited {waited:?} for a row with a 2 s lease"
    );
    assert_eq!(
        db.scalar(1, "SELECT COUNT(*) FROM cairn_migrations_lock"),
        0
    );
}

/// Set in the child process [`a_killed_holder_does_not_block_the_next_run_past_its_lease`]
/// starts: the URL to take the lock on, and the file to write the run id to once it holds it
/// (a file: the test harness captures a test's standard output).
const CHILD_ENV: (&str, &str) = (
    "CAIRN_GALERA_TEST_HOLD_LOCK_ON",
    "CAIRN_GALERA_TEST_HOLD_LOCK_REPORT",
);

/// Runs only as that child (a no-op otherwise): takes the lock, says so, and sleeps until
/// killed, renewing the lease from its thread all along.
#[test]
fn hold_the_lock_until_killed() {
    let (Ok(url), Ok(report)) = (std::env::var(CHILD_ENV.0), std::env::var(CHILD_ENV.1)) else {
        return;
    };
    let mut holder = Mysql::open(&url).unwrap();
    holder.lock(Duration::from_secs(10)).unwrap();
    let run_id = holder.cluster_lock_run_id().unwrap();
    std::fs::write(format!("{report}.tmp"), run_id).unwrap();
    std::fs::rename(format!("{report}.tmp"), &report).unwrap();
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[test]
fn a_killed_holder_does_not_block_the_next_run_past_its_lease() {
    let Some(db) = ClusterDb::create() else {
        return;
    };
    let lease = Duration::from_secs(3);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("run_id");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hold_the_lock_until_killed",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV.0, db.url_with(1, "lock-lease=3"))
        .env(CHILD_ENV.1, &report)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let run_id = loop {
        if let Ok(id) = std::fs::read_to_string(&report) {
            break id;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the child exited ({status}) before it held the lock");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the child never locked"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // Held across a few renewals first: a waiter in that time must not get it.
    std::thread::sleep(lease * 2);
    let mut early = db.open(2);
    assert!(early.lock(Duration::from_millis(500)).is_err());
    child.kill().unwrap(); // SIGKILL: no unlock, no goodbye; its renewal thread dies with it.
    child.wait().unwrap();
    let killed = Instant::now();
    let mut next = db.open(2);
    next.lock(Duration::from_secs(30)).unwrap();
    let waited = killed.elapsed();
    let took_over = next.cluster_lock_took_over().unwrap();
    assert!(took_over.contains(&run_id), "{took_over}");
    assert!(
        waited <= lease + Duration::from_secs(2),
        "the next run waited {waited:?} with a lease of {lease:?}"
    );
    next.unlock().unwrap();
}
