//! The streaming replica of the PostgreSQL server that `cargo xtask test` starts:
//! `CAIRN_TEST_POSTGRES_REPLICA_URL`, an admin URL with the user and TLS conventions of
//! `CAIRN_TEST_POSTGRES_URL`.

use std::time::{Duration, Instant};

use crate::Conn;

/// The variable naming the replica.
pub const POSTGRES_REPLICA_ENV: &str = "CAIRN_TEST_POSTGRES_REPLICA_URL";

/// How long a replica may take to replay what the primary wrote.
const REPLAY_TIMEOUT: Duration = Duration::from_secs(20);

/// The replica's admin URL; `None` (with a note) when unset, a panic when unset under CI: a
/// suite that silently skips its replica tests proves nothing.
pub fn postgres_replica_url() -> Option<String> {
    match std::env::var(POSTGRES_REPLICA_ENV) {
        Ok(v) if !v.trim().is_empty() => Some(v.trim().to_string()),
        _ if crate::native::in_ci() => panic!(
            "{POSTGRES_REPLICA_ENV} is not set: run the tests with `cargo xtask test`, which starts a PostgreSQL replica"
        ),
        _ => {
            eprintln!(
                "note: {POSTGRES_REPLICA_ENV} is not set, skipping the replica tests (run them with `cargo xtask test`)"
            );
            None
        }
    }
}

/// The end of the last record before an insert position. At the start of a WAL page the
/// insert position already counts the page's header, while the replica reports the end of the
/// record it replayed, which is the page boundary: without this, waiting for a record that
/// ended a page would wait for the next record to arrive.
fn record_end(insert: i64) -> i64 {
    const PAGE: i64 = 8192;
    const SEGMENT: i64 = 16 * 1024 * 1024;
    const SHORT_HEADER: i64 = 24;
    const LONG_HEADER: i64 = 40;
    if insert % SEGMENT == LONG_HEADER {
        insert - LONG_HEADER
    } else if insert % PAGE == SHORT_HEADER {
        insert - SHORT_HEADER
    } else {
        insert
    }
}

/// Waits until the replica at `replica_url` has replayed everything the primary at
/// `primary_url` had committed when called (its WAL insert position); panics after 20 s.
pub fn wait_replayed(primary_url: &str, replica_url: &str) {
    let mut primary = Conn::postgres(primary_url);
    // The insert position, not `pg_current_wal_lsn()` (the write position): the test server
    // runs with `synchronous_commit=off`, so a commit can return before its record is written,
    // and waiting for the write position then lets a read on the replica miss that commit.
    // A WAL position as a number, so it compares the same on both servers.
    let lsn = record_end(
        primary.scalar_i64("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"),
    );
    let mut replica = Conn::postgres(replica_url);
    let start = Instant::now();
    loop {
        let replayed = replica
            .scalar_i64("SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)");
        if replayed >= lsn {
            return;
        }
        assert!(
            start.elapsed() < REPLAY_TIMEOUT,
            "the replica replayed up to {replayed}, not {lsn}, in {REPLAY_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
