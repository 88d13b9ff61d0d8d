//! The storage check of [`super::health`]: each table's bytes, exact rows and indexes.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::driver::Driver;
use crate::error::BackendError;
use crate::ops::maintenance::StorageSizes;

/// Size, rows and indexes of each table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageHealth {
    /// Sizes and row counts could be read.
    pub ok: bool,
    /// Bytes of the whole database.
    pub database_bytes: Option<u64>,
    /// Number of tables checked (the history table included).
    pub tables_checked: usize,
    /// Rows of every table together; `None` when they could not be counted.
    pub total_rows: Option<u64>,
    /// Each table (the history table included), sorted by name.
    pub tables: Vec<TableHealth>,
    /// Why sizes or counts could not be read.
    pub error: Option<String>,
}

/// One table's size, rows and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableHealth {
    /// Table name.
    pub table: String,
    /// Exact row count (`COUNT(*)`).
    pub rows: Option<u64>,
    /// Bytes of the table and its indexes.
    pub bytes: Option<u64>,
    /// Its indexes, unique constraints and primary key (on MySQL/MariaDB also the index InnoDB
    /// made for a foreign key); `None` for Cairn's own tables, which introspection leaves out,
    /// or when the schema could not be read.
    pub indexes: Option<usize>,
}

impl StorageHealth {
    /// The check when nothing could be read.
    pub(super) fn failed(error: String) -> StorageHealth {
        StorageHealth {
            ok: false,
            database_bytes: None,
            tables_checked: 0,
            total_rows: None,
            tables: Vec::new(),
            error: Some(error),
        }
    }
}

/// Sizes merged with exact row counts of the same tables (the history table among them when
/// it exists, so an empty one counts 0 rows) and with `indexes`, the index count per table.
pub(super) fn storage_health(
    db: &mut dyn Driver,
    sizes: Result<StorageSizes, BackendError>,
    indexes: &BTreeMap<String, usize>,
) -> StorageHealth {
    let counted = sizes.and_then(|s| {
        let names: Vec<String> = s.tables.iter().map(|t| t.table.clone()).collect();
        crate::ops::row_counts_of(db, &names).map(|c| (s, c))
    });
    let (sizes, counts) = match counted {
        Ok(both) => both,
        Err(e) => return StorageHealth::failed(e.to_string()),
    };
    let table = |name: String, bytes: Option<u64>| TableHealth {
        indexes: indexes.get(&name).copied(),
        table: name,
        rows: None,
        bytes,
    };
    let mut tables: BTreeMap<String, TableHealth> = BTreeMap::new();
    for s in sizes.tables {
        tables.insert(s.table.clone(), table(s.table, Some(s.bytes)));
    }
    for c in counts {
        tables
            .entry(c.table.clone())
            .or_insert_with(|| table(c.table, None))
            .rows = Some(c.rows);
    }
    let tables: Vec<TableHealth> = tables.into_values().collect();
    StorageHealth {
        ok: true,
        database_bytes: Some(sizes.database_bytes),
        tables_checked: tables.len(),
        total_rows: Some(tables.iter().filter_map(|t| t.rows).sum()),
        tables,
        error: None,
    }
}
