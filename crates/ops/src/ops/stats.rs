//! Row counts per table, in one query per 400 tables whatever their number.

use serde::Serialize;

use crate::driver::Driver;
use crate::driver::cells::number_cell;
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
/// history), plus the history table when `include_history` (pass whether the caller's own
/// history read found rows: the history is never read here). One introspection and one
/// `UNION ALL` query per 400 tables. A caller that already knows the table names (e.g. from
/// [`cairn_core::Maintain::table_sizes`]) should use [`row_counts_of`] and skip the introspection.
pub fn row_counts(
    db: &mut dyn Driver,
    include_history: bool,
) -> Result<Vec<TableRows>, BackendError> {
    let mut tables: Vec<String> = db
        .as_introspect()?
        .introspect()?
        .tables
        .into_iter()
        .map(|t| t.name)
        .collect();
    if include_history {
        tables.push(db.history_table().to_string());
    }
    row_counts_of(db, &tables)
}

/// The exact row count of each of `tables` (which must exist), sorted by name: one `UNION
/// ALL` query per 400 tables and nothing else, none for no table.
pub fn row_counts_of(
    db: &mut dyn Driver,
    tables: &[String],
) -> Result<Vec<TableRows>, BackendError> {
    let dialect = db.dialect();
    let mut tables = tables.to_vec();
    tables.sort();
    tables.dedup();
    let mut counts = vec![0u64; tables.len()];
    let indexed: Vec<(usize, &String)> = tables.iter().enumerate().collect();
    for chunk in indexed.chunks(TABLES_PER_QUERY) {
        let sql = chunk
            .iter()
            .map(|(i, t)| format!("SELECT {i}, COUNT(*) FROM {}", ident(t, dialect)))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        for row in db.query(&sql)? {
            if let (Some(i), Some(n)) = (number_cell::<usize>(&row, 0), number_cell(&row, 1))
                && let Some(slot) = counts.get_mut(i)
            {
                *slot = n;
            }
        }
    }
    Ok(tables
        .into_iter()
        .zip(counts)
        .map(|(table, rows)| TableRows { table, rows })
        .collect())
}
