//! What the proof remembers of the scratch database's schema at one moment, to compare a later
//! moment with.
//!
//! Introspection reads every table, so taking it twice per migration makes the proof grow with
//! N × the schema size, with a large constant (SQLite's pragma joins: 30 ms at 1,000 tables).
//! SQLite stores its whole schema as the `CREATE` text of each table and index in
//! `sqlite_schema` (an `ALTER TABLE` rewrites that text), so there a snapshot is that text,
//! read with one cheap query: equal text means an identical schema, and only when the text
//! differs is the earlier schema rebuilt from its text in an empty in-memory database and
//! introspected, so the comparison is still made in canonical form (a `down` that recreates a
//! table spelt differently still passes). The servers' catalogs have no such text: there a
//! snapshot is the introspected schema.

use crate::Dialect;
use crate::backend::Backend;
use crate::error::{BackendError, Error, Result};
use crate::schema::{Difference, Schema, diff};

/// The schema at one moment.
pub(super) enum Snapshot {
    /// The introspected schema.
    Introspected(Schema),
    /// SQLite: the `CREATE` statements of every table, then every index, in name order.
    SqliteText(String),
    /// Not taken: nothing will be compared with it (after the last migration).
    Unread,
}

/// Whether snapshots of `db` can be `sqlite_schema` text (the query needs SQLite 3.44 for an
/// ordered `group_concat`; an older library falls back to introspection).
pub(super) fn text_snapshots(db: &mut dyn Backend) -> bool {
    db.dialect() == Dialect::Sqlite && sqlite_text(db).is_ok()
}

impl Snapshot {
    /// The schema of `db` now; `Unread` when `needed` is false and reading costs anything.
    pub(super) fn take(db: &mut dyn Backend, text: bool, needed: bool) -> Result<Snapshot> {
        if text {
            Ok(Snapshot::SqliteText(sqlite_text(db)?))
        } else if needed {
            Ok(Snapshot::Introspected(db.introspect()?))
        } else {
            Ok(Snapshot::Unread)
        }
    }

    /// Differences from this snapshot to `db` now, in canonical form.
    pub(super) fn differences(&self, db: &mut dyn Backend) -> Result<Vec<Difference>> {
        let dialect = db.dialect();
        match self {
            Snapshot::Introspected(before) => Ok(diff(before, &db.introspect()?, dialect)),
            Snapshot::SqliteText(before) => {
                if sqlite_text(db)? == *before {
                    return Ok(Vec::new());
                }
                let rebuilt = rebuild(db, before)?;
                Ok(diff(&rebuilt, &db.introspect()?, dialect))
            }
            Snapshot::Unread => Err(Error::Plan(
                "internal: compared with a schema that was not read".into(),
            )),
        }
    }
}

/// Every table's and index's `CREATE` text but the history table's, as `<chars>:<sql>` pieces
/// (the length prefix keeps any SQL text unambiguous), tables first.
fn sqlite_text(db: &mut dyn Backend) -> Result<String, BackendError> {
    let history = db.history_table().replace('\'', "''");
    let sql = format!(
        "SELECT group_concat(length(sql) || ':' || sql, '' ORDER BY type DESC, name) \
         FROM sqlite_schema WHERE type IN ('table', 'index') AND sql IS NOT NULL \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name <> '{history}'"
    );
    let rows = db.query(&sql)?;
    Ok(rows
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
        .unwrap_or_default())
}

/// The `CREATE` statements of a [`sqlite_text`].
fn statements(text: &str) -> Result<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let broken = || Error::Plan("internal: unreadable sqlite_schema snapshot".into());
        let (len, after) = rest.split_once(':').ok_or_else(broken)?;
        let chars: usize = len.parse().map_err(|_| broken())?;
        let end = after
            .char_indices()
            .nth(chars)
            .map_or(after.len(), |(i, _)| i);
        out.push(&after[..end]);
        rest = &after[end..];
    }
    Ok(out)
}

/// The schema `text` describes: its statements run in an empty in-memory database beside `db`,
/// introspected.
fn rebuild(db: &mut dyn Backend, text: &str) -> Result<Schema> {
    let mut empty = db.scratch()?;
    for statement in statements(text)? {
        empty.query(statement)?;
    }
    Ok(empty.introspect()?)
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn length_prefixes_keep_any_text_apart() {
        let text = "23:CREATE TABLE a (x TEXT)7:é:1:2:3";
        assert_eq!(
            statements(text).unwrap(),
            ["CREATE TABLE a (x TEXT)", "é:1:2:3"]
        );
        assert!(statements("").unwrap().is_empty());
        assert!(statements("x:y").is_err());
    }
}
