//! Health checks and maintenance on SQLite: `PRAGMA integrity_check`, `PRAGMA
//! foreign_key_check`, sizes from the `dbstat` virtual table (compiled into the bundled
//! SQLite), and `ANALYZE` / `PRAGMA optimize` / `VACUUM`.

use cairn::ops::{ForeignKeyViolation, StorageSizes, TableAction, TableSize};
use rusqlite::Connection;

/// Separates key columns in one text value: a control character no column name contains.
const SEPARATOR: char = '\u{1f}';

/// `PRAGMA integrity_check`: its messages, or nothing when it says `ok`.
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(lines.into_iter().filter(|l| l != "ok").collect())
}

/// `PRAGMA foreign_key_check` grouped per key in one query, with each key's columns from
/// `pragma_foreign_key_list`. SQLite enforces keys only on connections with `foreign_keys`
/// on, so any key may have orphans: every key is checked.
pub fn foreign_key_violations(conn: &Connection) -> rusqlite::Result<Vec<ForeignKeyViolation>> {
    let sql = format!(
        "SELECT v.\"table\", v.parent, COUNT(*),
                (SELECT group_concat(f.\"from\", char({sep})) FROM
                   (SELECT \"from\" FROM pragma_foreign_key_list(v.\"table\") WHERE id = v.fkid ORDER BY seq) AS f)
         FROM pragma_foreign_key_check AS v
         GROUP BY v.\"table\", v.parent, v.fkid
         ORDER BY v.\"table\", v.fkid",
        sep = u32::from(SEPARATOR)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        let columns: Option<String> = r.get(3)?;
        Ok(ForeignKeyViolation {
            table: r.get(0)?,
            constraint: None,
            columns: columns
                .map(|c| c.split(SEPARATOR).map(str::to_string).collect())
                .unwrap_or_default(),
            references: r.get(1)?,
            rows: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
        })
    })?;
    rows.collect()
}

/// The main file's bytes (`page_count * page_size`) and each table's pages with its indexes,
/// from `dbstat` in aggregate mode: one row per b-tree. `dbstat` reads every page, so this
/// costs a scan of the file; when the SQLite build lacks `dbstat`, tables are left out.
pub fn table_sizes(conn: &Connection) -> rusqlite::Result<StorageSizes> {
    let database_bytes: i64 = conn.query_row(
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        [],
        |r| r.get(0),
    )?;
    let per_table = conn
        .prepare(
            "SELECT s.tbl_name, SUM(d.pgsize) FROM dbstat AS d
             JOIN sqlite_schema AS s ON s.name = d.name
             WHERE d.aggregate = TRUE AND s.tbl_name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
             GROUP BY s.tbl_name ORDER BY s.tbl_name",
        )
        .and_then(|mut stmt| {
            stmt.query_map([], |r| {
                Ok(TableSize {
                    table: r.get(0)?,
                    bytes: r.get::<_, i64>(1)?.try_into().unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        });
    let tables = match per_table {
        Ok(t) => t,
        Err(rusqlite::Error::SqliteFailure(_, Some(m))) if m.contains("no such table: dbstat") => {
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    Ok(StorageSizes {
        database_bytes: database_bytes.try_into().unwrap_or(0),
        tables,
    })
}

/// `ANALYZE` and `PRAGMA optimize`; with `vacuum`, `VACUUM` and a WAL checkpoint that
/// truncates the log, so the freed pages leave the file system too.
pub fn optimize(conn: &Connection, vacuum: bool) -> rusqlite::Result<Vec<TableAction>> {
    let tables = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table'
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    conn.execute_batch("ANALYZE; PRAGMA optimize;")?;
    let mut actions = vec!["analyze".to_string()];
    if vacuum {
        conn.execute_batch("VACUUM")?;
        // Returns a row (busy, log pages, checkpointed pages): read and dropped.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        actions.push("vacuum".to_string());
    }
    Ok(tables
        .into_iter()
        .map(|table| TableAction {
            table,
            actions: actions.clone(),
            messages: Vec::new(),
        })
        .collect())
}
