//! The migration lock: a server-wide named lock (`GET_LOCK`) held by the backend's session, and
//! whether the server is a Galera node, where it is not enough ([`is_galera`]; the lock is
//! then `cluster_lock`'s row).
//!
//! A named lock lives as long as the session that took it, so a runner that dies releases it
//! with its connection, and it is independent of transactions (migrations commit implicitly).

use std::time::Duration;

use mysql::prelude::Queryable;
use mysql::{Conn, Row};
use sha2::{Digest, Sha256};

use crate::query::{self, col};

/// The longest wait asked of the server; longer timeouts are capped (a year is "forever" here,
/// and a huge value must not wrap into MySQL's "negative means infinite").
const MAX_WAIT_SECS: u64 = 365 * 24 * 3600;

/// The lock's name for `database`.
///
/// Lock names are server-wide, so the name includes the database: runs against two databases
/// of one server do not wait for each other. The database name is hashed because names are
/// limited to 64 characters and a database name alone may be 64.
pub fn name(database: &str, history_table: &str) -> String {
    let digest = Sha256::digest(database.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let name = format!("cairn:{hex}:{history_table}");
    if name.len() <= 64 {
        return name;
    }
    // A long history table name would exceed the 64-character limit: hash both instead.
    let digest = Sha256::digest(format!("{database}:{history_table}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("cairn:{hex}")
}

/// Whole seconds to pass to `GET_LOCK` for `timeout`: rounded up, so a runner never gives up
/// before the time it was given. One blocking `GET_LOCK` (rather than polling) is woken by the
/// server the moment the lock is free and needs one round trip.
pub fn wait_seconds(timeout: Duration) -> u64 {
    let secs = timeout
        .as_secs()
        .saturating_add(u64::from(timeout.subsec_nanos() > 0));
    secs.min(MAX_WAIT_SECS)
}

/// Whether the session is on a Galera node that replicates it: `wsrep_on` for this session
/// and a cluster of at least one node. One query on MariaDB; where it fails (MySQL has no
/// `wsrep_on`, nor `information_schema.GLOBAL_STATUS` since 8.0), `SHOW GLOBAL STATUS`, which
/// every server answers (with no row where there is no Galera).
pub fn is_galera(conn: &mut Conn) -> mysql::Result<bool> {
    probe(conn, None).map(|(galera, _)| galera)
}

/// [`is_galera`], and with `try_lock`, on a server that is not a Galera node, that lock taken
/// if it is free, in the same query: `(galera, locked)`. A run's lock then costs no round trip
/// of its own; a lock held elsewhere is waited for with [`acquire`].
pub fn probe(conn: &mut Conn, try_lock: Option<&str>) -> mysql::Result<(bool, bool)> {
    let lock = try_lock.and_then(literal).map_or_else(
        || "NULL".to_string(),
        |name| format!("IF(@@session.wsrep_on, NULL, GET_LOCK({name}, 0))"),
    );
    let first = query::rows(
        conn,
        // The status table is only read on a node with wsrep on: it costs a few times the
        // rest of the query.
        &format!(
            "SELECT @@session.wsrep_on, IF(@@session.wsrep_on, (SELECT VARIABLE_VALUE \
             FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'), NULL), {lock}"
        ),
    );
    let size_of = |v: Option<&Option<String>>| {
        v.and_then(|v| v.as_deref())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    match first {
        Ok(rows) => {
            let row = rows.first();
            let cell = |i: usize| row.and_then(|r| r.get(i)).and_then(|v| v.as_deref());
            let galera = cell(0) == Some("1") && size_of(row.and_then(|r| r.get(1))) > 0;
            Ok((galera, cell(2) == Some("1")))
        }
        Err(mysql::Error::MySqlError(_)) => {
            let rows = query::rows(conn, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'")?;
            Ok((
                rows.first().is_some_and(|row| size_of(row.get(1)) > 0),
                false,
            ))
        }
        Err(e) => Err(e),
    }
}

/// Waits for the lock; `Ok(true)` once held, `Ok(false)` on timeout.
pub fn acquire(conn: &mut Conn, name: &str, timeout: Duration) -> mysql::Result<bool> {
    let wait = wait_seconds(timeout);
    let got = single(match literal(name) {
        Some(name) => conn.query_first(format!("SELECT GET_LOCK({name}, {wait})"))?,
        None => conn.exec_first("SELECT GET_LOCK(?, ?)", (name, wait))?,
    })?;
    // NULL means the wait was interrupted (KILL QUERY); for the caller that is not holding it.
    Ok(got == Some(1))
}

/// Releases the lock; `Ok(false)` when this session did not hold it.
pub fn release(conn: &mut Conn, name: &str) -> mysql::Result<bool> {
    let released = single(match literal(name) {
        Some(name) => conn.query_first(format!("SELECT RELEASE_LOCK({name})"))?,
        None => conn.exec_first("SELECT RELEASE_LOCK(?)", (name,))?,
    })?;
    Ok(released == Some(1))
}

/// Who holds the lock, e.g. `connection 42 (user app from 10.0.0.5:5555, idle for 3 s)`, or
/// `None` when nobody does any more.
pub fn holder(conn: &mut Conn, name: &str) -> mysql::Result<Option<String>> {
    let row: Option<Row> = conn.exec_first(
        "SELECT l.id, p.USER, p.HOST, p.COMMAND, p.TIME
         FROM (SELECT IS_USED_LOCK(?) AS id) AS l
         LEFT JOIN information_schema.PROCESSLIST AS p ON p.ID = l.id",
        (name,),
    )?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let id: Option<u64> = col(&mut row, 0)?;
    let user = col(&mut row, 1)?;
    let host = col(&mut row, 2)?;
    let command = col(&mut row, 3)?;
    let time = col(&mut row, 4)?;
    Ok(id.map(|id| describe(id, user, host, command, time)))
}

/// `name` as a quoted literal when it holds only characters that need no escaping (the names
/// [`name`] makes do): the same string a bound parameter is, so the same lock, without the
/// round trip that preparing a statement costs on a new session.
fn literal(name: &str) -> Option<String> {
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        .then(|| format!("'{name}'"))
}

/// The first column of a one-row answer, NULL as `None`.
fn single(row: Option<Row>) -> mysql::Result<Option<i64>> {
    match row {
        Some(mut row) => col(&mut row, 0),
        None => Ok(None),
    }
}

fn describe(
    id: u64,
    user: Option<String>,
    host: Option<String>,
    command: Option<String>,
    time: Option<i64>,
) -> String {
    // Without the PROCESS privilege another user's session is invisible: only its id is known.
    let Some(user) = user else {
        return format!("connection {id}");
    };
    let host = host.map(|h| format!(" from {h}")).unwrap_or_default();
    let activity = match (command.as_deref(), time) {
        (Some("Sleep"), Some(t)) => format!(", idle for {t} s"),
        (Some("Query"), Some(t)) => format!(", running for {t} s"),
        (Some(c), Some(t)) => format!(", {c} for {t} s"),
        _ => String::new(),
    };
    format!("connection {id} (user {user}{host}{activity})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_is_short_stable_and_per_database() {
        let name = |db: &str| super::name(db, cairn::HISTORY_TABLE);
        let a = name("shop");
        assert_eq!(a, name("shop"));
        assert_ne!(a, name("shop2"));
        assert_ne!(a, super::name("shop", "other_history"));
        assert!(super::name(&"x".repeat(64), &"h".repeat(63)).len() <= 64);
        assert!(
            a.starts_with("cairn:") && a.ends_with(":cairn_migrations"),
            "{a}"
        );
        assert!(name(&"x".repeat(64)).len() <= 64);
        assert_eq!(
            a.len(),
            "cairn:".len() + 16 + 1 + cairn::HISTORY_TABLE.len()
        );
    }

    #[test]
    fn only_names_that_need_no_escaping_are_written_as_literals() {
        let made = name("shop", cairn::HISTORY_TABLE);
        assert_eq!(literal(&made), Some(format!("'{made}'")));
        assert_eq!(literal("it's"), None);
        assert_eq!(literal("a\\b"), None);
        assert_eq!(literal("é"), None);
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(wait_seconds(Duration::ZERO), 0);
        assert_eq!(wait_seconds(Duration::from_millis(1)), 1);
        assert_eq!(wait_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(wait_seconds(Duration::from_secs(60)), 60);
        assert_eq!(wait_seconds(Duration::MAX), MAX_WAIT_SECS);
    }

    #[test]
    fn holder_reads_like_a_sentence() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            describe(42, s("app"), s("127.0.0.1:5555"), s("Query"), Some(3)),
            "connection 42 (user app from 127.0.0.1:5555, running for 3 s)"
        );
        assert_eq!(
            describe(7, s("app"), s("h:1"), s("Sleep"), Some(0)),
            "connection 7 (user app from h:1, idle for 0 s)"
        );
        assert_eq!(describe(9, None, None, None, None), "connection 9");
    }
}
