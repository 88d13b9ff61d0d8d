//! A PostgreSQL server's place in streaming replication, for [`crate::ops::health()`]: whether
//! it is a primary or a read-only replica, the primary a replica follows and how far behind it
//! is, or how many replicas stream from a primary. Read as extra columns of the one query
//! [`super::server_stats`] already runs, so `db health` pays no round trip for it.

use serde::Serialize;

use crate::driver::cells::{number_cell, text_cell};

/// Where this server stands in replication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replication {
    /// `primary` (takes writes) or `replica` (in recovery: replays a primary's changes, and
    /// `migrate up` refuses to run on it).
    pub role: String,
    /// Every transaction is read-only by default (`default_transaction_read_only`), so
    /// `migrate up` refuses even on a primary.
    pub read_only: bool,
    /// On a replica: the primary it follows, as `host=... port=...` (the WAL receiver's sender,
    /// else `primary_conninfo`), where the server tells this user.
    pub primary: Option<String>,
    /// On a replica: seconds between now and the last replayed transaction's commit, 0 when
    /// everything received is replayed; `None` before anything was replayed.
    pub replay_lag_seconds: Option<f64>,
    /// On a replica: WAL bytes received but not yet replayed.
    pub replay_lag_bytes: Option<u64>,
    /// On a primary: replicas streaming from it now (`pg_stat_replication`).
    pub replicas: Option<u64>,
}

impl Replication {
    /// Whether `migrate up` can run here.
    pub fn is_writable(&self) -> bool {
        self.role == "primary" && !self.read_only
    }
}

/// The columns appended to the server-stats query, in the order [`from_row`] reads them from
/// `first`. The primary's address is parsed out of `primary_conninfo` by host and port only:
/// the other keys, a password among them, never leave the server. It is read from
/// `pg_settings`, which leaves the row out for a role that may not see it, where
/// `current_setting` would fail the whole query.
pub const POSTGRES_COLUMNS: &str = "
    CASE WHEN pg_is_in_recovery() THEN 'replica' ELSE 'primary' END,
    current_setting('default_transaction_read_only'),
    CASE WHEN NOT pg_is_in_recovery() THEN (SELECT count(*) FROM pg_stat_replication) END,
    (SELECT sender_host FROM pg_stat_wal_receiver),
    (SELECT sender_port::text FROM pg_stat_wal_receiver),
    substring((SELECT setting FROM pg_settings WHERE name = 'primary_conninfo')
      from '(?:^|\\s)host=''?([^''\\s]+)'),
    substring((SELECT setting FROM pg_settings WHERE name = 'primary_conninfo')
      from '(?:^|\\s)port=''?([0-9]+)'),
    CASE WHEN pg_is_in_recovery() THEN
      CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END END,
    CASE WHEN pg_is_in_recovery() THEN
      pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::bigint END";

/// Reads the [`POSTGRES_COLUMNS`] of `row`, which start at column `first`.
pub fn from_row(row: &[Option<String>], first: usize) -> Option<Replication> {
    let text =
        |i: usize| Some(text_cell(row, first + i).trim().to_string()).filter(|v| !v.is_empty());
    let role = text(0)?;
    let (host, port) = match (text(3), text(4)) {
        (Some(host), port) => (Some(host), port),
        (None, _) => (text(5), text(6)),
    };
    let replica = role == "replica";
    Some(Replication {
        read_only: text(1).as_deref() == Some("on"),
        primary: host.filter(|_| replica).map(|host| match port {
            Some(port) => format!("host={host} port={port}"),
            None => format!("host={host}"),
        }),
        replay_lag_seconds: number_cell::<f64>(row, first + 7).map(|s| s.max(0.0)),
        replay_lag_bytes: number_cell::<i64>(row, first + 8).map(|b| b.max(0) as u64),
        replicas: number_cell(row, first + 2),
        role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
        let mut row = vec![Some("x".to_string())];
        row.extend(cells.iter().map(|c| c.map(str::to_string)));
        row
    }

    #[test]
    fn a_replica_names_its_sender_else_its_conninfo_and_its_lag() {
        let r = from_row(
            &row(&[
                Some("replica"),
                Some("off"),
                None,
                Some("10.0.0.5"),
                Some("5433"),
                Some("ignored"),
                None,
                Some("1.5"),
                Some("4096"),
            ]),
            1,
        );
        let r = r
            .as_ref()
            .map(|r| (r.primary.clone(), r.replay_lag_seconds, r.replay_lag_bytes));
        assert_eq!(
            r,
            Some((
                Some("host=10.0.0.5 port=5433".to_string()),
                Some(1.5),
                Some(4096)
            ))
        );
        let hidden = from_row(
            &row(&[
                Some("replica"),
                Some("off"),
                None,
                None,
                None,
                Some("db1"),
                None,
            ]),
            1,
        );
        assert_eq!(hidden.and_then(|r| r.primary), Some("host=db1".to_string()));
    }

    #[test]
    fn a_primary_counts_its_replicas_and_is_writable_unless_read_only_by_default() {
        let primary = from_row(&row(&[Some("primary"), Some("off"), Some("2")]), 1);
        assert_eq!(primary.as_ref().map(Replication::is_writable), Some(true));
        assert_eq!(primary.and_then(|r| r.replicas), Some(2));
        let locked = from_row(&row(&[Some("primary"), Some("on"), Some("0")]), 1);
        assert_eq!(locked.map(|r| r.is_writable()), Some(false));
        assert_eq!(from_row(&row(&[]), 1), None);
    }
}
