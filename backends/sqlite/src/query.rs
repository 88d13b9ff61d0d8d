//! [`cairn::Driver::query`]: any query's rows as text.

use cairn::Param;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};

/// A [`Param`] bound to a SQLite statement.
pub struct Bound<'a>(pub &'a Param<'a>);

impl ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Param::Text(Some(t)) => ValueRef::Text(t.as_bytes()),
            Param::Int(Some(n)) => return Ok(ToSqlOutput::from(*n)),
            Param::Text(None) | Param::Int(None) => ValueRef::Null,
        }))
    }
}

/// Runs `sql` and returns every row, each value as text (NULL as `None`, blobs as lowercase hex).
pub fn rows(conn: &Connection, sql: &str) -> rusqlite::Result<cairn::Rows> {
    let mut out = Vec::new();
    each(conn, sql, &mut |row| {
        out.push(row);
        Ok(())
    })?;
    Ok(out)
}

/// [`rows`], handing each row to `f` as it is read; `f`'s error stops the query.
pub fn each(
    conn: &Connection,
    sql: &str,
    f: &mut dyn FnMut(Vec<Option<String>>) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => None,
                ValueRef::Integer(n) => Some(n.to_string()),
                ValueRef::Real(x) => Some(x.to_string()),
                // Checked first: the lossy conversion walks valid text more slowly.
                ValueRef::Text(t) => Some(match std::str::from_utf8(t) {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(t).into_owned(),
                }),
                ValueRef::Blob(b) => Some(b.iter().map(|x| format!("{x:02x}")).collect()),
            });
        }
        f(values)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_storage_class_comes_back_as_text() {
        let conn = Connection::open_in_memory().unwrap();
        let rows = rows(&conn, "SELECT 1, 2.5, 'a', NULL, x'0aff'").unwrap();
        assert_eq!(
            rows,
            vec![vec![
                Some("1".to_string()),
                Some("2.5".to_string()),
                Some("a".to_string()),
                None,
                Some("0aff".to_string())
            ]]
        );
    }
}
