//! The live schema of a SQLite database, read with three catalog queries whatever the number
//! of tables: `sqlite_schema` joined with the table-valued pragmas `pragma_table_xinfo`
//! (columns), `pragma_index_list` + `pragma_index_xinfo` (indexes) and
//! `pragma_foreign_key_list` (foreign keys), each for every table at once.
//!
//! SQLite keeps no catalog of CHECK constraints, of a partial index's predicate or of
//! AUTOINCREMENT: those are read from the `CREATE` statements `sqlite_schema` stores (see
//! [`scan`]); check names come from there too, and expressions are given in their canonical
//! form (`canonical_expression`). It keeps no names for unique or foreign key constraints either, so those are
//! `None`.
//!
//! An identity column is the rowid alias (`INTEGER PRIMARY KEY`, the single key column) of a
//! table declared with AUTOINCREMENT, which is exactly what the DDL Cairn generates for a
//! declared `identity: true` key. A plain `INTEGER PRIMARY KEY` also fills itself in, but may
//! reuse the values of deleted rows, so it is not reported as an identity.

mod scan;

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use cairn::schema::{
    Action, Check, Column, ColumnType, DefaultValue, ForeignKey, Index, IndexColumn, Reference,
    Schema, Table, Unique, canonical_expression,
};
use cairn::{Dialect, HISTORY_TABLE};
use rusqlite::{Connection, Row};

/// The tables to read: ordinary tables of the main database, not SQLite's own
/// (`sqlite_sequence`, ...), virtual or shadow tables, nor the history table and its log.
const TABLES: &str = "pragma_table_list AS t \
     JOIN sqlite_schema AS m ON m.type = 'table' AND m.name = t.name";
const TABLES_WHERE: &str = "t.schema = 'main' AND t.type = 'table' \
     AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND t.name NOT IN (?1, ?1 || '_log')";

/// Reads the schema, adding the number of catalog queries run to `queries`.
pub fn read(conn: &Connection, queries: &mut usize) -> rusqlite::Result<Schema> {
    let mut tables = columns(conn, queries)?;
    indexes(conn, queries, &mut tables)?;
    foreign_keys(conn, queries, &mut tables)?;
    Ok(Schema {
        tables: tables.into_values().map(|t| t.table).collect(),
    })
}

/// A table being assembled, with the facts only needed while reading.
struct Building {
    table: Table,
    /// `(position in the key, column)` of the primary key columns.
    key: Vec<(i64, String)>,
    /// Whether its `CREATE TABLE` says AUTOINCREMENT.
    autoincrement: bool,
    /// Key columns declared exactly `INTEGER`: a single one is the rowid alias.
    integer_keys: Vec<String>,
}

fn columns(conn: &Connection, queries: &mut usize) -> rusqlite::Result<BTreeMap<String, Building>> {
    let sql = format!(
        "SELECT t.name, m.sql, c.name, c.type, c.\"notnull\", c.dflt_value, c.pk \
         FROM {TABLES} JOIN pragma_table_xinfo(t.name, 'main') AS c \
         WHERE {TABLES_WHERE} ORDER BY t.name, c.cid"
    );
    let mut stmt = conn.prepare(&sql)?;
    *queries += 1;
    let mut rows = stmt.query([HISTORY_TABLE])?;
    let mut tables: BTreeMap<String, Building> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let building = match tables.entry(name) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let create: String = row.get::<_, Option<String>>(1)?.unwrap_or_default();
                let table = Table {
                    name: e.key().clone(),
                    checks: scan::checks(&create)
                        .into_iter()
                        .map(|c| Check {
                            expression: canonical_expression(&c.expression, Dialect::Sqlite),
                            ..c
                        })
                        .collect(),
                    ..Table::default()
                };
                e.insert(Building {
                    table,
                    key: Vec::new(),
                    autoincrement: scan::has_autoincrement(&create),
                    integer_keys: Vec::new(),
                })
            }
        };
        let column: String = row.get(2)?;
        let declared: String = row.get::<_, Option<String>>(3)?.unwrap_or_default();
        let default: Option<String> = row.get(5)?;
        let key_position: i64 = row.get(6)?;
        if key_position > 0 {
            building.key.push((key_position, column.clone()));
            if declared.eq_ignore_ascii_case("INTEGER") {
                building.integer_keys.push(column.clone());
            }
        }
        building.table.columns.push(Column {
            name: column,
            ty: ColumnType::from_catalog(Dialect::Sqlite, &declared),
            nullable: !row.get::<_, bool>(4)?,
            // A NULL default is no default.
            default: default
                .map(|d| DefaultValue::from_catalog(Dialect::Sqlite, &d))
                .filter(|d| *d != DefaultValue::Null),
            identity: false,
        });
    }
    for b in tables.values_mut() {
        b.key.sort();
        b.table.primary_key = b.key.iter().map(|(_, c)| c.clone()).collect();
        if let [only] = b.table.primary_key.as_slice()
            && b.autoincrement
            && b.integer_keys.contains(only)
        {
            let only = only.clone();
            b.table
                .columns
                .iter_mut()
                .filter(|c| c.name == only)
                .for_each(|c| {
                    c.identity = true;
                    // The rowid alias never holds NULL, whatever `notnull` says.
                    c.nullable = false;
                });
        }
    }
    Ok(tables)
}

fn indexes(
    conn: &Connection,
    queries: &mut usize,
    tables: &mut BTreeMap<String, Building>,
) -> rusqlite::Result<()> {
    // `key = 1` keeps the key columns, not the rowid / primary key columns an index carries.
    let sql = format!(
        "SELECT t.name, il.name, il.\"unique\", il.origin, ix.sql, ii.name, ii.\"desc\" \
         FROM {TABLES} JOIN pragma_index_list(t.name, 'main') AS il \
         JOIN pragma_index_xinfo(il.name, 'main') AS ii \
         LEFT JOIN sqlite_schema AS ix ON ix.type = 'index' AND ix.name = il.name \
         WHERE {TABLES_WHERE} AND ii.key = 1 ORDER BY t.name, il.name, ii.seqno"
    );
    let mut stmt = conn.prepare(&sql)?;
    *queries += 1;
    let mut rows = stmt.query([HISTORY_TABLE])?;
    // (table, index) -> (origin, index), in key order.
    let mut found: BTreeMap<(String, String), (String, Index)> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
        let sql: Option<String> = row.get(4)?;
        let (_, index) = match found.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let index = Index {
                    name: e.key().1.clone(),
                    columns: Vec::new(),
                    unique: row.get(2)?,
                    predicate: sql
                        .as_deref()
                        .and_then(scan::index_predicate)
                        .map(|p| canonical_expression(&p, Dialect::Sqlite)),
                };
                e.insert((row.get(3)?, index))
            }
        };
        let name = column_name(row, index.columns.len(), sql.as_deref())?;
        index.columns.push(if row.get::<_, bool>(6)? {
            IndexColumn::Ordered { name, desc: true }
        } else {
            IndexColumn::Name(name)
        });
    }
    for ((table, _), (origin, index)) in found {
        let Some(b) = tables.get_mut(&table) else {
            continue;
        };
        match origin.as_str() {
            // The primary key is known from the columns already.
            "pk" => {}
            // UNIQUE in CREATE TABLE: a constraint, whose name SQLite does not keep.
            "u" => b.table.unique.push(Unique {
                name: None,
                columns: index.columns.iter().map(|c| c.name().to_string()).collect(),
            }),
            _ => b.table.indexes.push(index),
        }
    }
    Ok(())
}

/// The column name of key item `position`, or for an expression (which has none) its text
/// from the `CREATE INDEX` statement.
fn column_name(row: &Row<'_>, position: usize, sql: Option<&str>) -> rusqlite::Result<String> {
    if let Some(name) = row.get::<_, Option<String>>(5)? {
        return Ok(name);
    }
    Ok(sql
        .map(scan::index_items)
        .and_then(|items| items.into_iter().nth(position))
        .unwrap_or_else(|| format!("expression {position}")))
}

/// A foreign key's referenced columns as the catalog gives them: `None` when the clause names
/// none, meaning the referenced table's primary key.
type ReferencedColumns = Vec<Option<String>>;

fn foreign_keys(
    conn: &Connection,
    queries: &mut usize,
    tables: &mut BTreeMap<String, Building>,
) -> rusqlite::Result<()> {
    let sql = format!(
        "SELECT t.name, fk.id, fk.\"table\", fk.\"from\", fk.\"to\", fk.on_update, fk.on_delete \
         FROM {TABLES} JOIN pragma_foreign_key_list(t.name, 'main') AS fk \
         WHERE {TABLES_WHERE} ORDER BY t.name, fk.id, fk.seq"
    );
    let mut stmt = conn.prepare(&sql)?;
    *queries += 1;
    let mut rows = stmt.query([HISTORY_TABLE])?;
    // (table, id) -> foreign key with the referenced columns as given (None: the key).
    let mut found: BTreeMap<(String, i64), (ForeignKey, ReferencedColumns)> = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let key = (row.get::<_, String>(0)?, row.get::<_, i64>(1)?);
        let (fk, to) = match found.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let fk = ForeignKey {
                    // SQLite keeps no constraint names.
                    name: None,
                    columns: Vec::new(),
                    references: Reference {
                        table: row.get(2)?,
                        columns: Vec::new(),
                    },
                    on_delete: Action::parse(&row.get::<_, String>(6)?),
                    on_update: Action::parse(&row.get::<_, String>(5)?),
                };
                e.insert((fk, Vec::new()))
            }
        };
        fk.columns.push(row.get(3)?);
        to.push(row.get(4)?);
    }
    for ((table, _), (mut fk, to)) in found {
        // `REFERENCES users` without columns means the referenced table's primary key.
        fk.references.columns = if to.iter().all(Option::is_some) {
            to.into_iter().flatten().collect()
        } else {
            tables
                .get(&fk.references.table)
                .map(|t| t.table.primary_key.clone())
                .unwrap_or_default()
        };
        if let Some(b) = tables.get_mut(&table) {
            b.table.foreign_keys.push(fk);
        }
    }
    Ok(())
}
