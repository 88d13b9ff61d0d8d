//! Whether this server takes writes, asked once before a command that writes takes the lock:
//! the database's and schema's names (which the lock key needs anyway), `pg_is_in_recovery()` and
//! `default_transaction_read_only` come in one query, so a writable primary costs no extra
//! round trip. Only a refusal asks more: the primary a replica follows, or where the
//! read-only setting comes from.

use cairn::ReadOnlyReason;
use postgres::{Client, Error};

/// What the lock covers ([`crate::lock::scope`]), and why the server takes no writes (`None` when it does).
pub struct Answer {
    /// `current_database()`, with `current_schema()` when that is not `public`.
    pub scope: String,
    /// Why it refuses writes.
    pub read_only: Option<ReadOnlyReason>,
}

/// The one query of the normal path.
const STATE: &str = "SELECT current_database()::text, current_schema()::text,
    pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'";

/// The primary a replica follows: the WAL receiver's sender, else `host` and `port` of
/// `primary_conninfo` (its other keys, a password among them, never leave the server). Both
/// are hidden from roles without `pg_read_all_stats` / `pg_read_all_settings`: then NULLs
/// (`pg_settings` leaves the row out, `pg_stat_wal_receiver` blanks its columns).
pub const PRIMARY: &str = "SELECT r.sender_host, r.sender_port::text,
    substring(c.setting from '(?:^|\\s)host=''?([^''\\s]+)'),
    substring(c.setting from '(?:^|\\s)port=''?([0-9]+)')
  FROM (SELECT 1) AS one
  LEFT JOIN pg_stat_wal_receiver r ON true
  LEFT JOIN pg_settings c ON c.name = 'primary_conninfo'";

/// Asks the server; see the module comment.
pub fn check(client: &mut Client) -> Result<Answer, Error> {
    // The simple protocol: one round trip, where a statement with parameters costs two
    // (prepare, then execute) on every new session.
    let row = crate::query::rows(client, STATE)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let cell = |i: usize| row.get(i).cloned().flatten();
    let database = cell(0).unwrap_or_default();
    let schema = cell(1);
    let (in_recovery, read_only_default) = (
        cell(2).as_deref() == Some("t"),
        cell(3).as_deref() == Some("t"),
    );
    let read_only = if in_recovery {
        Some(ReadOnlyReason::Replica {
            primary: primary(client)?,
        })
    } else if read_only_default {
        let name = "default_transaction_read_only";
        let source = client
            .query_opt("SELECT source FROM pg_settings WHERE name = $1", &[&name])?
            .map(|r| r.try_get::<_, String>(0))
            .transpose()?;
        Some(ReadOnlyReason::Setting {
            name: name.to_string(),
            source,
        })
    } else {
        None
    };
    Ok(Answer {
        scope: crate::lock::scope(database, schema.as_deref()),
        read_only,
    })
}

/// `host=... port=...` of the primary, where the server tells.
fn primary(client: &mut Client) -> Result<Option<String>, Error> {
    let row = client.query_one(PRIMARY, &[])?;
    let cell = |i: usize| -> Result<Option<String>, Error> {
        Ok(row
            .try_get::<_, Option<String>>(i)?
            .filter(|v| !v.trim().is_empty()))
    };
    let (host, port) = match (cell(0)?, cell(1)?) {
        (Some(host), port) => (Some(host), port),
        (None, _) => (cell(2)?, cell(3)?),
    };
    Ok(host.map(|host| match port {
        Some(port) => format!("host={host} port={port}"),
        None => format!("host={host}"),
    }))
}
