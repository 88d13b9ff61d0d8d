//! Row counts per table, in one query whatever the number of tables.

use serde::Serialize;

use crate::backend::Backend;
use crate::error::BackendError;
use crate::schema::ident;

/// A table and its number of rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRows {
    /// Table name.
    pub table: String,
    /// Rows counted with `COUNT(*)`.
    pub rows: u64,
}

/// Tables counted per query: SQLite refuses a compound SELECT of more than 500 terms
/// (SQLITE_MAX_COMPOUND_SELECT), and one limit for every dialect keeps the code one path.
const TABLES_PER_QUERY: usize = 400;

/// The exact row count of every table the backend introspects (every table but Cairn's
/// history) plus the history table when present: one catalog read and one `UNION ALL` query
/// per 400 tables.
pub fn row_counts(db: &mut dyn Backend) -> Result<Vec<TableRows>, BackendError> {
    let dialect = db.dialect();
    let mut tables: Vec<String> = db
        .introspect()?
        .tables
        .into_iter()
        .map(|t| t.name)
        .collect();
    // An empty history table counts nothing worth a line; `history()` is empty for both.
    if !db.history()?.is_empty() {
        tables.push(db.history_table().to_string());
    }
    tables.sort();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts = vec![0u64; tables.len()];
    let indexed: Vec<(usize, &String)> = tables.iter().enumerate().collect();
    let mut rows = Vec::new();
    for chunk in indexed.chunks(TABLES_PER_QUERY) {
        let sql = chunk
            .iter()
            .map(|(i, t)| format!("SELECT {i}, COUNT(*) FROM {}", ident(t, dialect)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        rows.extend(db.query(&sql)?);
    }
    for row in rows {
        let index = row
            .first()
            .cloned()
            .flatten()
            .and_then(|v| v.parse::<usize>().ok());
        let count = row
            .get(1)
            .cloned()
            .flatten()
            .and_then(|v| v.parse::<u64>().ok());
        if let (Some(i), Some(n)) = (index, count)
            && let Some(slot) = counts.get_mut(i)
        {
            *slot = n;
        }
    }
    Ok(tables
        .into_iter()
        .zip(counts)
        .map(|(table, rows)| TableRows { table, rows })
        .collect())
}
