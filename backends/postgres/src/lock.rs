//! The migration lock: a session-level advisory lock, taken by polling.
//!
//! A run spans many transactions, so the lock belongs to the session and is released by the
//! server if the process dies. It is never awaited with the blocking `pg_advisory_lock`: a
//! session queued on it holds a virtual transaction that `CREATE INDEX CONCURRENTLY`, run by
//! the holder, waits for, which would deadlock the two runners.

use std::thread::sleep;
use std::time::{Duration, Instant};

use postgres::{Client, Error};
use sha2::{Digest, Sha256};

const FIRST_PAUSE: Duration = Duration::from_millis(5);
const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// How a wait for the lock ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// This session holds the lock.
    Acquired,
    /// Another session held it for the whole timeout.
    TimedOut {
        /// How long it waited.
        waited: Duration,
        /// Who holds it, if still held when asked.
        holder: Option<String>,
    },
}

/// The lock key for `database`: every runner on the same database and history table agrees on
/// it, and other applications' advisory locks are unlikely to collide with 64 hashed bits.
pub fn key(database: &str, history_table: &str) -> i64 {
    let digest = Sha256::digest(format!("cairn:{database}:{history_table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// What the lock covers: the database, or a tenant schema in it. The history table is the
/// first schema's on the search path, so a tenant schema has its own history and its own lock;
/// `public` (or no schema) keeps the key runners have always used.
pub fn scope(database: String, schema: Option<&str>) -> String {
    match schema {
        None | Some("public") => database,
        Some(schema) => format!("{database}.{schema}"),
    }
}

/// Tries for the lock every 5 ms, doubling to 200 ms, until `timeout` has passed.
pub fn acquire(client: &mut Client, key: i64, timeout: Duration) -> Result<Outcome, Error> {
    let start = Instant::now();
    // The key is a number: written into the query, which then costs one round trip.
    let attempt = format!("SELECT pg_try_advisory_lock({key})");
    let mut pause = FIRST_PAUSE;
    loop {
        if first_is_true(client, &attempt)? {
            return Ok(Outcome::Acquired);
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Ok(Outcome::TimedOut {
                waited,
                holder: holder(client, key)?,
            });
        }
        sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// Releases the lock this session holds.
pub fn release(client: &mut Client, key: i64) -> Result<(), Error> {
    client.simple_query(&format!("SELECT pg_advisory_unlock({key})"))?;
    Ok(())
}

/// Whether the first value of `sql`'s answer is true.
fn first_is_true(client: &mut Client, sql: &str) -> Result<bool, Error> {
    let rows = crate::query::rows(client, sql)?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .as_deref()
        == Some("t"))
}

/// `pid 1234 (user app, application cairn, from 10.0.0.5, since 2026-01-31T08:00:00Z)`.
fn holder(client: &mut Client, key: i64) -> Result<Option<String>, Error> {
    // A bigint advisory key shows in pg_locks split into classid (high half) and objid (low
    // half), with objsubid 1.
    let row = client.query_opt(
        "SELECT l.pid, a.usename::text, a.application_name, host(a.client_addr),
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = (($1::bigint >> 32) & 4294967295)::oid
           AND l.objid = ($1::bigint & 4294967295)::oid
         LIMIT 1",
        &[&key],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let pid: i32 = row.try_get(0)?;
    let value = |i: usize| -> Result<Option<String>, Error> {
        Ok(row
            .try_get::<_, Option<String>>(i)?
            .filter(|v| !v.is_empty()))
    };
    let (user, application, from, since) = (value(1)?, value(2)?, value(3)?, value(4)?);
    // Without the right to see the session, the server hides both its address and its start; a
    // visible start without an address is a Unix-socket session.
    let from = from.or_else(|| since.as_ref().map(|_| "a local socket".to_string()));
    let about: Vec<String> = [
        ("user", user),
        ("application", application),
        ("from", from),
        ("since", since),
    ]
    .into_iter()
    .filter_map(|(label, v)| v.map(|v| format!("{label} {v}")))
    .collect();
    Ok(Some(if about.is_empty() {
        format!("pid {pid}")
    } else {
        format!("pid {pid} ({})", about.join(", "))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_the_first_8_bytes_of_sha256_and_never_changes() {
        // Runners of different Cairn versions must agree on the key, so this value is fixed.
        assert_eq!(key("shop", "cairn_migrations"), -4602480458381427755);
        assert_ne!(
            key("shop", "cairn_migrations"),
            key("shop2", "cairn_migrations")
        );
        assert_ne!(
            key("shop", "cairn_migrations"),
            key("shop", "other_history")
        );
    }
}
