//! Runs a `cairn:rebuild` directive: introspects the table, applies the edit, and rebuilds the
//! table with SQLite's documented procedure (new table, copy, drop, rename, indexes). The
//! engine turns foreign-key enforcement off around the transaction, as that procedure
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
