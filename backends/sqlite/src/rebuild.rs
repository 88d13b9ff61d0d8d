//! Runs a `cairn:rebuild` directive: introspects the table, applies the edit, and rebuilds the
//! table with SQLite's documented procedure (new table, copy, drop, rename, indexes). The
//! caller turns foreign-key enforcement off around the transaction, as that procedure
//! requires: with it on, dropping the old table would delete (or cascade into) child rows.

use cairn::Rebuild;
use cairn::schema::sqlite_rebuild;
use rusqlite::Connection;

/// Carries out `rebuild` on `conn` inside the caller's transaction.
pub fn run(conn: &Connection, rebuild: &Rebuild) -> Result<(), String> {
    let mut queries = 0;
    let schema = crate::introspect::read(conn, &mut queries).map_err(|e| e.to_string())?;
    let old = schema
        .table(&rebuild.table)
        .ok_or_else(|| format!("table {} does not exist", rebuild.table))?;
    let new = rebuild.apply(old)?;
    for sql in sqlite_rebuild(old, &new)? {
        conn.execute_batch(&sql)
            .map_err(|e| format!("{e} (rebuilding {}: {sql})", rebuild.table))?;
    }
    Ok(())
}

/// Rows that break a foreign key, as `table row N -> parent` lines (`PRAGMA foreign_key_check`).
pub fn violations(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = stmt.query_map([], |r| {
        let table: String = r.get(0)?;
        let rowid: Option<i64> = r.get(1)?;
        let parent: String = r.get(2)?;
        Ok(format!(
            "{table} row {} -> {parent}",
            rowid.map_or_else(|| "?".to_string(), |n| n.to_string())
        ))
    })?;
    rows.collect()
}
