//! The migration lock on a Galera cluster: a row in `<history>_lock`, certified cluster-wide.
//!
//! `GET_LOCK` is local to the node that grants it (Galera does not replicate it), so two
//! runners on two nodes would both get it. A row is different: of two transactions on
//! different nodes that write the same primary key, certification lets exactly one commit;
//! the other fails with `1213` (on commit) or, when the winner's row has already arrived,
//! `1062`. Both mean "held by another runner".
//!
//! The row names its holder (host, pid, a random run id, the node, when it started) and
//! carries a lease: the holder renews it (`beat + 1`) every third of the lease from a
//! connection of its own ([`crate::heartbeat`]). A waiter takes the row over only after it
//! has watched it stay unchanged for a whole lease of the holder's, with a compare-and-set on
//! `(run_id, beat)`: a renewal it has not seen yet conflicts with the takeover in
//! certification, so a live holder is never taken over, whatever the node clocks say and even
//! while a long total-order DDL holds every commit back. Release deletes the row.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use mysql::Conn;
use mysql::prelude::Queryable;

use crate::heartbeat::Identity;
use crate::query;

/// Error numbers that mean another runner's row won: duplicate key, and a deadlock or
/// certification failure.
const CONTENDED: &[&str] = &["1062", "1213"];

/// The table does not exist (yet).
const NO_TABLE: &str = "1146";

/// What the lock row says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The holder's random run id.
    pub run_id: String,
    /// How many times it renewed the lease.
    pub beat: i64,
    /// Its machine.
    pub host: String,
    /// Its process id.
    pub pid: i64,
    /// The node it took the lock on (`wsrep_node_name`).
    pub node: String,
    /// When it took the lock, UTC.
    pub started_at: String,
    /// Milliseconds since its last renewal, by the clock of the node that answered.
    pub renewed_ms_ago: i64,
    /// Its lease, in milliseconds.
    pub lease_ms: i64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {} (pid {} on host {}, via node {}) since {} UTC; lease {:.1} s, last renewed {:.1} s ago{}",
            self.run_id,
            self.pid,
            self.host,
            self.node,
            self.started_at,
            self.lease_ms as f64 / 1000.0,
            self.renewed_ms_ago as f64 / 1000.0,
            if self.renewed_ms_ago > self.lease_ms {
                "; taken over once it stays unrenewed for its lease"
            } else {
                ""
            }
        )
    }
}

/// The SQL of the lock table of one history table.
#[derive(Debug, Clone)]
pub struct LockSql {
    /// The table, quoted.
    table: String,
    /// The table's plain name, for messages.
    pub name: String,
}

impl LockSql {
    /// The lock table beside history table `history` (a validated identifier).
    pub fn new(history: &str) -> LockSql {
        let name = format!("{history}_lock");
        LockSql {
            table: format!("`{}`", name.replace('`', "``")),
            name,
        }
    }

    fn create(&self) -> String {
        // InnoDB and a primary key: Galera replicates only InnoDB rows, and certifies by key.
        format!(
            "CREATE TABLE IF NOT EXISTS {} (
  name VARCHAR(64) NOT NULL PRIMARY KEY,
  run_id CHAR(32) NOT NULL,
  host VARCHAR(255) NOT NULL,
  pid BIGINT NOT NULL,
  node VARCHAR(255) NOT NULL,
  beat BIGINT NOT NULL,
  lease_ms BIGINT NOT NULL,
  started_at DATETIME(6) NOT NULL,
  renewed_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB",
            self.table
        )
    }
}

/// Renews the lease of `me`'s row; `Ok(false)` when the row is no longer `me`'s.
pub fn renew(
    conn: &mut Conn,
    sql: &LockSql,
    lock: &str,
    me: &Identity,
    lease: Duration,
) -> mysql::Result<bool> {
    conn.exec_drop(
        format!(
            "UPDATE {} SET beat = beat + 1, renewed_at = UTC_TIMESTAMP(6), \
             expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
             WHERE name = ? AND run_id = ?",
            sql.table
        ),
        (micros(lease), lock, &me.run_id),
    )?;
    Ok(conn.affected_rows() == 1)
}

/// Deletes `me`'s row; `Ok(false)` when it was no longer `me`'s.
pub fn release(conn: &mut Conn, sql: &LockSql, lock: &str, me: &Identity) -> mysql::Result<bool> {
    conn.exec_drop(
        format!("DELETE FROM {} WHERE name = ? AND run_id = ?", sql.table),
        (lock, &me.run_id),
    )?;
    Ok(conn.affected_rows() == 1)
}

/// How a wait for the lock ended.
#[derive(Debug)]
pub enum Acquired {
    /// The row is ours; `took_over` is the holder whose lease ran out, if any.
    Held {
        /// The previous holder, when the row was taken over.
        took_over: Option<Holder>,
    },
    /// The timeout passed; the holder as last read.
    TimedOut {
        /// How long it waited.
        waited: Duration,
        /// Who held it at the end.
        holder: Option<Holder>,
    },
}

/// Waits up to `timeout` for lock `lock`: inserts the row, and while another runner holds
/// it, watches it and takes it over once it has stayed unchanged for the holder's lease.
pub fn acquire(
    conn: &mut Conn,
    sql: &LockSql,
    lock: &str,
    me: &Identity,
    lease: Duration,
    timeout: Duration,
) -> mysql::Result<Acquired> {
    let start = Instant::now();
    // The row as first seen unchanged: its (run_id, beat), and since when.
    let mut watched: Option<(String, i64, Instant)> = None;
    let mut last: Option<Holder> = None;
    let mut attempt = 0u64;
    loop {
        attempt += 1;
        match insert(conn, sql, lock, me, lease) {
            Ok(()) => return Ok(Acquired::Held { took_over: None }),
            Err(e) if is(&e, &[NO_TABLE]) => {
                conn.query_drop(sql.create())?;
                continue;
            }
            Err(e) if is(&e, CONTENDED) => {}
            Err(e) => return Err(e),
        }
        match read(conn, sql, lock)? {
            // Released in between: try again at once.
            None => watched = None,
            Some(holder) => {
                let same = watched
                    .as_ref()
                    .is_some_and(|(run, beat, _)| *run == holder.run_id && *beat == holder.beat);
                if !same {
                    watched = Some((holder.run_id.clone(), holder.beat, Instant::now()));
                }
                let lease_of_holder =
                    Duration::from_millis(u64::try_from(holder.lease_ms).unwrap_or(0));
                if let Some((_, _, since)) = &watched
                    && since.elapsed() >= lease_of_holder
                    && take_over(conn, sql, lock, me, lease, &holder)?
                {
                    return Ok(Acquired::Held {
                        took_over: Some(holder),
                    });
                }
                last = Some(holder);
            }
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Ok(Acquired::TimedOut {
                waited,
                holder: last,
            });
        }
        std::thread::sleep(poll(lease, attempt, &me.run_id).min(timeout - waited));
    }
}

/// Inserts `me`'s row.
fn insert(
    conn: &mut Conn,
    sql: &LockSql,
    lock: &str,
    me: &Identity,
    lease: Duration,
) -> mysql::Result<()> {
    conn.exec_drop(
        format!(
            "INSERT INTO {} (name, run_id, host, pid, node, beat, lease_ms, started_at, renewed_at, expires_at) \
             VALUES (?, ?, ?, ?, @@wsrep_node_name, 0, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), \
             UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND)",
            sql.table
        ),
        (
            lock,
            &me.run_id,
            &me.host,
            me.pid,
            millis(lease),
            micros(lease),
        ),
    )
}

/// Replaces `holder`'s row with `me`'s if it is still exactly as read; whether it did. A
/// renewal this node has not applied yet makes the update fail certification (`1213`): still
/// held.
fn take_over(
    conn: &mut Conn,
    sql: &LockSql,
    lock: &str,
    me: &Identity,
    lease: Duration,
    holder: &Holder,
) -> mysql::Result<bool> {
    let result = conn.exec_drop(
        format!(
            "UPDATE {} SET run_id = ?, host = ?, pid = ?, node = @@wsrep_node_name, beat = 0, \
             lease_ms = ?, started_at = UTC_TIMESTAMP(6), renewed_at = UTC_TIMESTAMP(6), \
             expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND \
             WHERE name = ? AND run_id = ? AND beat = ?",
            sql.table
        ),
        (
            &me.run_id,
            &me.host,
            me.pid,
            millis(lease),
            micros(lease),
            lock,
            &holder.run_id,
            holder.beat,
        ),
    );
    match result {
        Ok(()) => Ok(conn.affected_rows() == 1),
        Err(e) if is(&e, CONTENDED) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The lock row, if any.
pub fn read(conn: &mut Conn, sql: &LockSql, lock: &str) -> mysql::Result<Option<Holder>> {
    let row: Option<mysql::Row> = conn.exec_first(
        format!(
            "SELECT run_id, beat, host, pid, node, DATE_FORMAT(started_at, '%Y-%m-%d %H:%i:%s'), \
             TIMESTAMPDIFF(MICROSECOND, renewed_at, UTC_TIMESTAMP(6)) DIV 1000, lease_ms \
             FROM {} WHERE name = ?",
            sql.table
        ),
        (lock,),
    )?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    Ok(Some(Holder {
        run_id: query::col(&mut row, 0)?,
        beat: query::col(&mut row, 1)?,
        host: query::col(&mut row, 2)?,
        pid: query::col(&mut row, 3)?,
        node: query::col(&mut row, 4)?,
        started_at: query::col(&mut row, 5)?,
        renewed_ms_ago: query::col(&mut row, 6)?,
        lease_ms: query::col(&mut row, 7)?,
    }))
}

/// Whether `e` is a server error with one of `codes`.
fn is(e: &mysql::Error, codes: &[&str]) -> bool {
    crate::errors::code(e).is_some_and(|c| codes.contains(&c.as_str()))
}

/// Time between attempts while another runner holds the lock: about a quarter second, spread
/// by run id and attempt so that many waiters do not retry in step; shorter for short leases.
fn poll(lease: Duration, attempt: u64, run_id: &str) -> Duration {
    let mut h = RandomState::new().build_hasher();
    h.write(run_id.as_bytes());
    h.write_u64(attempt);
    let base = Duration::from_millis(150 + h.finish() % 200);
    base.min(lease / 4).max(Duration::from_millis(10))
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_holder_reads_like_a_sentence() {
        let h = Holder {
            run_id: "ab".into(),
            beat: 3,
            host: "web-1".into(),
            pid: 42,
            node: "node2".into(),
            started_at: "2026-01-02 03:04:05".into(),
            renewed_ms_ago: 1500,
            lease_ms: 30_000,
        };
        assert_eq!(
            h.to_string(),
            "run ab (pid 42 on host web-1, via node node2) since 2026-01-02 03:04:05 UTC; lease 30.0 s, last renewed 1.5 s ago"
        );
        let stale = Holder {
            renewed_ms_ago: 31_000,
            ..h
        };
        assert!(stale.to_string().ends_with("stays unrenewed for its lease"));
    }

    #[test]
    fn polls_stay_short_and_below_a_quarter_lease() {
        for attempt in 0..50 {
            let p = poll(Duration::from_secs(30), attempt, "x");
            assert!(p >= Duration::from_millis(150) && p < Duration::from_millis(350));
            assert!(poll(Duration::from_millis(400), attempt, "x") <= Duration::from_millis(100));
        }
        assert_eq!(LockSql::new("h").name, "h_lock");
    }
}
