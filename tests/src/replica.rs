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

/// Waits until the replica at `replica_url` has replayed everything the primary at
/// `primary_url` had written when called (its current WAL position); panics after 20 s.
pub fn wait_replayed(primary_url: &str, replica_url: &str) {
    let mut primary = Conn::postgres(primary_url);
    // A WAL position as a number, so it compares the same on both servers.
    let lsn = primary.scalar_i64("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint");
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
