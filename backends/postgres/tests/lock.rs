//! The migration lock between two connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::thread;
use std::time::{Duration, Instant};

use cairn::{BackendError, Driver, Error, Options, UpTarget};
use cairn_postgres::Postgres;
use common::{TestDb, migrations};

fn pid(pg: &mut Postgres) -> i32 {
    pg.client()
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0)
}

#[test]
fn a_second_runner_times_out_naming_the_holder_until_it_unlocks() {
    let Some(db) = TestDb::create() else { return };
    let mut first = db.open();
    let mut second = db.open();
    first.lock(Duration::from_secs(1)).unwrap();

    let start = Instant::now();
    let e = second.lock(Duration::from_millis(200)).unwrap_err();
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(200), "{took:?}");
    // A hang guard only: the timeout itself is asserted through `waited` below.
    assert!(took < Duration::from_secs(30), "{took:?}");
    match &e {
        BackendError::LockTimeout {
            waited,
            holder: Some(holder),
        } => {
            assert!(*waited >= Duration::from_millis(200));
            let expected = format!("pid {} (user ", pid(&mut first));
            assert!(holder.starts_with(&expected), "{holder}");
            assert!(holder.contains("application cairn"), "{holder}");
            assert!(holder.contains(", since "), "{holder}");
        }
        other => panic!("expected a lock timeout with a holder, got {other:?}"),
    }
    assert!(e.to_string().contains("held by pid"), "{e}");

    first.unlock().unwrap();
    second.lock(Duration::from_millis(200)).unwrap();
    // Locking again while holding it must not nest: one unlock releases it.
    second.lock(Duration::from_millis(200)).unwrap();
    second.unlock().unwrap();
    first.lock(Duration::from_millis(200)).unwrap();
    first.unlock().unwrap();
    first.unlock().unwrap();
}

#[test]
fn the_lock_is_per_database() {
    let (Some(a), Some(b)) = (TestDb::create(), TestDb::create()) else {
        return;
    };
    let mut on_a = a.open();
    let mut on_b = b.open();
    on_a.lock(Duration::from_millis(200)).unwrap();
    on_b.lock(Duration::from_millis(200)).unwrap();
    let e = a.open().lock(Duration::from_millis(50)).unwrap_err();
    assert!(matches!(e, BackendError::LockTimeout { .. }), "{e:?}");
}

#[test]
fn the_engine_reports_a_held_lock() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[("001", "up: CREATE TABLE t (id INT);\n")]);
    let mut holder = db.open();
    holder.lock(Duration::from_secs(1)).unwrap();
    let opts = Options {
        lock_timeout: Duration::from_millis(100),
        ..Options::default()
    };
    let e = cairn::up(&mut db.open(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap_err();
    assert!(
        matches!(e, Error::Backend(BackendError::LockTimeout { .. })),
        "{e}"
    );
}

/// A waiting runner polls instead of queueing on the lock, so the holder's
/// `CREATE INDEX CONCURRENTLY`, which waits for every open transaction, still finishes.
#[test]
fn a_waiting_runner_does_not_block_a_concurrent_index() {
    let Some(db) = TestDb::create() else { return };
    let set = migrations(&[
        ("001_t", "up: CREATE TABLE t (id INT);\n"),
        (
            "002_idx",
            "depends_on: [001_t]\ntransaction: false\nup: CREATE INDEX CONCURRENTLY t_id ON t (id);\n",
        ),
    ]);
    let mut first = db.open();
    first.lock(Duration::from_secs(1)).unwrap();

    let url = db.url.clone();
    let waiter_set = set.clone();
    let waiter = thread::spawn(move || {
        let opts = Options {
            lock_timeout: Duration::from_secs(20),
            ..Options::default()
        };
        let mut second = Postgres::open(&url).unwrap();
        cairn::up(&mut second, &waiter_set, &UpTarget::All, &opts, &mut |_| {})
    });
    wait_until_polling(&mut db.open(), pid(&mut first));

    let start = Instant::now();
    // The engine's own lock call is a no-op here (already held); it unlocks at the end.
    let report = cairn::up(
        &mut first,
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.migrations.len(), 2);
    // A hang guard: a waiter queued on the lock would block the concurrent index for good.
    assert!(start.elapsed() < Duration::from_secs(60));

    let waited = waiter.join().unwrap().unwrap();
    assert!(
        waited.migrations.is_empty(),
        "the second runner found it all applied"
    );
}

/// Returns once a session other than `holder` has tried the migration lock, so the waiter is
/// observably waiting (polling `pg_try_advisory_lock`) before the holder goes on; a fixed
/// sleep could let the holder finish before the waiter exists, and test nothing.
fn wait_until_polling(observer: &mut Postgres, holder: i32) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = observer
            .client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> $1 AND pid <> pg_backend_pid()
                   AND query LIKE '%pg_try_advisory_lock%'",
                &[&holder],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the second runner never tried the lock"
        );
        thread::sleep(Duration::from_millis(10));
    }
}
