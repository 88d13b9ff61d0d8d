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
use crate::driver::Driver;
use crate::error::{BackendError, Error, Result};
use crate::schema::{Difference, Schema, diff};

/// The schema at one moment.
pub(super) enum Snapshot {
    /// The introspected schema.
    Introspected(Schema),
    /// SQLite: the `CREATE` statements of every table and index.
    SqliteText(SqliteSchemaText),
    /// Not taken: nothing will be compared with it (after the last migration).
    Unread,
}

/// Whether snapshots of `db` can be `sqlite_schema` text (SQLite, and the query works).
pub(super) fn text_snapshots(db: &mut dyn Driver) -> bool {
    db.dialect() == Dialect::Sqlite && sqlite_text(db).is_ok()
}

impl Snapshot {
    /// The schema of `db` now; `Unread` when `needed` is false and reading costs anything.
    pub(super) fn take(db: &mut dyn Driver, text: bool, needed: bool) -> Result<Snapshot> {
        if text {
            Ok(Snapshot::SqliteText(sqlite_text(db)?))
        } else if needed {
            Ok(Snapshot::Introspected(db.as_introspect()?.introspect()?))
        } else {
            Ok(Snapshot::Unread)
        }
    }

    /// Differences from this snapshot to `db` now, in canonical form.
    pub(super) fn differences(&self, db: &mut dyn Driver) -> Result<Vec<Difference>> {
        let dialect = db.dialect();
        match self {
            Snapshot::Introspected(before) => {
                Ok(diff(before, &db.as_introspect()?.introspect()?, dialect))
            }
            Snapshot::SqliteText(before) => {
                if sqlite_text(db)? == *before {
                    return Ok(Vec::new());
                }
                let rebuilt = rebuild(db, before)?;
                Ok(diff(&rebuilt, &db.as_introspect()?.introspect()?, dialect))
            }
            Snapshot::Unread => Err(Error::Internal(
                "compared with a schema that was not read".into(),
            )),
        }
    }
}

/// The `CREATE` text of every table and index but the history table's, in `sqlite_schema`
/// order (creation order, in which they can be created again), as three aggregates: concatenating
/// in SQL costs twice as much as these, and a list of rows more.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct SqliteSchemaText {
    /// `t` or `i` per statement.
    kinds: String,
    /// Each statement's length in characters, comma-separated.
    lengths: String,
    /// The statements, concatenated.
    sql: String,
}

impl SqliteSchemaText {
    /// The statements, tables first.
    fn statements(&self) -> Result<Vec<&str>> {
        let broken = || Error::Internal("unreadable sqlite_schema snapshot".into());
        let mut tables = Vec::new();
        let mut indexes = Vec::new();
        let mut rest = self.sql.as_str();
        let lengths = self.lengths.split(',').filter(|l| !l.is_empty());
        for (kind, len) in self.kinds.chars().zip(lengths) {
            let chars: usize = len.parse().map_err(|_| broken())?;
            let end = rest
                .char_indices()
                .nth(chars)
                .map_or(rest.len(), |(i, _)| i);
            let (statement, after) = rest.split_at(end);
            if kind == 't' {
                &mut tables
            } else {
                &mut indexes
            }
            .push(statement);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(broken());
        }
        tables.extend(indexes);
        Ok(tables)
    }
}

fn sqlite_text(db: &mut dyn Driver) -> Result<SqliteSchemaText, BackendError> {
    let history = db.history_table().replace('\'', "''");
    let sql = format!(
        "SELECT group_concat(substr(type, 1, 1), ''), group_concat(length(sql)), group_concat(sql, '') \
         FROM sqlite_schema WHERE type IN ('table', 'index') AND sql IS NOT NULL \
         AND substr(name, 1, 7) <> 'sqlite_' AND tbl_name <> '{history}'"
    );
    let row = db.query(&sql)?.into_iter().next().unwrap_or_default();
    let mut values = row.into_iter().map(Option::unwrap_or_default);
    let mut next = || values.next().unwrap_or_default();
    Ok(SqliteSchemaText {
        kinds: next(),
        lengths: next(),
        sql: next(),
    })
}

/// The schema `text` describes: its statements run in an empty in-memory database beside `db`,
/// introspected.
fn rebuild(db: &mut dyn Driver, text: &SqliteSchemaText) -> Result<Schema> {
    let mut empty = db.as_scratch_databases()?.scratch()?;
    for statement in text.statements()? {
        empty.query(statement)?;
    }
    Ok(empty.as_introspect()?.introspect()?)
}

#[cfg(test)]
mod tests {
    use super::SqliteSchemaText;

    #[test]
    fn statements_come_apart_by_length_tables_first() {
        let text = SqliteSchemaText {
            kinds: "itt".into(),
            lengths: "7,23,2".into(),
            sql: "é:1:2:3CREATE TABLE a (x TEXT)ab".into(),
        };
        assert_eq!(
            text.statements().unwrap(),
            ["CREATE TABLE a (x TEXT)", "ab", "é:1:2:3"]
        );
        let empty = SqliteSchemaText {
            kinds: String::new(),
            lengths: String::new(),
            sql: String::new(),
        };
        assert!(empty.statements().unwrap().is_empty());
        let short = SqliteSchemaText {
            kinds: "t".into(),
            lengths: "2".into(),
            sql: "abc".into(),
        };
        assert!(short.statements().is_err());
    }
}
