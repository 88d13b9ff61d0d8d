//! Keeping a cluster lock's lease alive: a thread with a connection of its own renews the row
//! every third of the lease until the run releases it.
//!
//! A thread rather than renewals between the run's statements, because one statement (an
//! `ALTER TABLE` of a large table, or a data migration) may run longer than any lease, and
//! the run's session is busy for all of it; a renewal on the run's session would also join
//! whatever transaction a migration's script left open. The thread dies with the process, so
//! a killed runner stops renewing and its lease runs out: that is what lets the next runner
//! take over without a human. When a renewal finds the row gone or someone else's (the lease
//! ran out while this node could not renew, e.g. cut off from the cluster), it records the
//! loss, and the run's next statement fails instead of running unprotected.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cairn::{BackendError, ConnectOptions};
use mysql::Conn;

use crate::cluster_lock::{self, Holder, LockSql};
use crate::connect::{init_session, open_conn};
use crate::errors;
use crate::url::MysqlUrl;

/// One runner's lock row: which lock, in which table, whose, and for how long.
#[derive(Debug, Clone)]
pub struct Row {
    /// The lock's name (the row's key).
    pub name: String,
    /// The lock table.
    pub sql: LockSql,
    /// This runner.
    pub me: Identity,
    /// The lease this runner keeps renewing.
    pub lease: Duration,
}

/// A held cluster lock and the thread renewing it.
pub struct ClusterLock {
    /// The row held.
    pub row: Row,
    /// Why the lock was lost, once it was.
    lost: Arc<Mutex<Option<String>>>,
    stop: Sender<()>,
    thread: JoinHandle<Option<Conn>>,
    /// The holder whose lease had run out when this runner took the row over.
    pub took_over: Option<Holder>,
}

/// Who this runner is, as its lock row says.
#[derive(Debug, Clone)]
pub struct Identity {
    /// 32 hex digits, new for every lock taken.
    pub run_id: String,
    /// This machine's name.
    pub host: String,
    /// This process.
    pub pid: i64,
}

impl Identity {
    /// This process, with a fresh run id.
    pub fn new() -> Identity {
        let state = RandomState::new();
        let half = |salt: u64| {
            let mut h = state.build_hasher();
            h.write_u64(salt);
            h.write_u32(std::process::id());
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.finish()
        };
        Identity {
            run_id: format!("{:016x}{:016x}", half(1), half(2)),
            host: host(),
            pid: i64::from(std::process::id()),
        }
    }
}

/// This machine's name, for the lock row (`unknown` when it cannot be read).
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// What the renewing thread needs to reconnect.
struct Reconnect {
    url: MysqlUrl,
    options: ConnectOptions,
}

impl ClusterLock {
    /// Starts renewing `me`'s row, which `conn` just inserted or took over.
    pub fn start(
        conn: Conn,
        url: &MysqlUrl,
        options: &ConnectOptions,
        row: Row,
        took_over: Option<Holder>,
    ) -> Result<ClusterLock, BackendError> {
        let lost = Arc::new(Mutex::new(None));
        let (stop, stopped) = mpsc::channel();
        let reconnect = Reconnect {
            url: url.clone(),
            options: options.clone(),
        };
        let thread = {
            let (lost, row) = (lost.clone(), row.clone());
            std::thread::Builder::new()
                .name("cairn-lock-lease".to_string())
                .spawn(move || renew_until_stopped(conn, &reconnect, &row, &lost, &stopped))
                .map_err(|e| {
                    BackendError::Other(format!("cannot start the lock's renewal thread: {e}"))
                })?
        };
        Ok(ClusterLock {
            row,
            lost,
            stop,
            thread,
            took_over,
        })
    }

    /// Fails once the lock was lost: the run must not go on unprotected.
    pub fn check(&self) -> Result<(), BackendError> {
        check(&self.row, &self.lost)
    }

    /// Stops renewing and deletes the row (on the renewing connection, or a new one if it
    /// broke). An error when the lock had been lost, naming why.
    pub fn release(self, url: &MysqlUrl, options: &ConnectOptions) -> Result<(), BackendError> {
        let ClusterLock {
            row,
            lost,
            stop,
            thread,
            ..
        } = self;
        let _ = stop.send(());
        let conn = thread.join().ok().flatten();
        let lost = check(&row, &lost);
        let mut conn = match conn {
            Some(conn) => conn,
            None => {
                let mut conn = open_conn(url)?;
                init_session(&mut conn, options)?;
                conn
            }
        };
        let deleted = cluster_lock::release(&mut conn, &row.sql, &row.name, &row.me)
            .map_err(|e| BackendError::Other(errors::cause(&e)))?;
        lost?;
        if deleted {
            Ok(())
        } else {
            Err(BackendError::Other(format!(
                "the cluster migration lock `{}` in {} was no longer held by this run ({}) when it ended: its lease ({:.1} s) ran out and another runner may have run at the same time",
                row.name,
                row.sql.name,
                row.me.run_id,
                row.lease.as_secs_f64()
            )))
        }
    }
}

/// An error naming why the lock was lost, once it was.
fn check(row: &Row, lost: &Mutex<Option<String>>) -> Result<(), BackendError> {
    match lost.lock().unwrap_or_else(|e| e.into_inner()).as_deref() {
        Some(why) => Err(BackendError::Other(format!(
            "lost the cluster migration lock `{}` in {} (run {}, lease {:.1} s): {why}; stopping before the next statement",
            row.name,
            row.sql.name,
            row.me.run_id,
            row.lease.as_secs_f64()
        ))),
        None => Ok(()),
    }
}

/// The thread's body: renew every third of the lease until told to stop; give the connection
/// back for the release. A renewal that fails is retried (on a new connection if the old one
/// broke) until a whole lease has passed without one: then the lock counts as lost.
fn renew_until_stopped(
    conn: Conn,
    reconnect: &Reconnect,
    row: &Row,
    lost: &Mutex<Option<String>>,
    stopped: &mpsc::Receiver<()>,
) -> Option<Conn> {
    let lease = row.lease;
    let mut conn = Some(conn);
    let mut renewed = Instant::now();
    let every = lease / 3;
    loop {
        match stopped.recv_timeout(every) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return conn,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if conn.is_none() {
            conn = open_conn(&reconnect.url)
                .ok()
                .and_then(|mut c| init_session(&mut c, &reconnect.options).ok().map(|()| c));
        }
        let outcome = match conn.as_mut() {
            Some(c) => cluster_lock::renew(c, &row.sql, &row.name, &row.me, lease).map_err(|e| {
                let why = errors::cause(&e);
                if errors::is_lost(&e) {
                    conn = None;
                }
                why
            }),
            None => Err("cannot reconnect".to_string()),
        };
        let why = match outcome {
            Ok(true) => {
                renewed = Instant::now();
                continue;
            }
            Ok(false) => "its row was taken over by another runner or deleted".to_string(),
            Err(_) if renewed.elapsed() < lease => continue,
            Err(why) => format!(
                "could not renew it for its whole lease ({:.1} s): {why}",
                lease.as_secs_f64()
            ),
        };
        *lost.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
        return conn;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_differ_and_are_32_hex_digits() {
        let (a, b) = (Identity::new(), Identity::new());
        assert_ne!(a.run_id, b.run_id);
        assert_eq!(a.run_id.len(), 32);
        assert!(a.run_id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
