//! The live schema of the current database (`DATABASE()`), read from `information_schema` with
//! six queries whatever the number of tables, one per view: COLUMNS, STATISTICS,
//! TABLE_CONSTRAINTS, KEY_COLUMN_USAGE, REFERENTIAL_CONSTRAINTS and CHECK_CONSTRAINTS.
//!
//! What the catalog cannot tell apart is reported one way:
//! - A unique index and a UNIQUE constraint are the same thing (a UNIQUE key) and are reported
//!   as a unique constraint, unless a column is descending (only an index can say that).
//! - The index InnoDB creates for a foreign key is named after the constraint; an index named
//!   exactly like a foreign key of its table is taken to be that one and not reported. For a
//!   key declared without a name (`<table>_ibfk_<n>`) the index is named after its first
//!   column: one with that name on exactly the key's columns is not reported either.
//! - MariaDB stores `JSON` as `longtext` with a column CHECK `json_valid(col)`: such a column
//!   is reported as JSON, and that generated check is not reported.
//! - MySQL has no partial indexes, so no index has a predicate.

mod values;

use std::collections::BTreeMap;

use cairn::schema::{
    Action, Check, Column, ColumnType, ForeignKey, Index, IndexColumn, Reference, Schema, Table,
    Unique, canonical_expression, normalize_expression,
};
use cairn::{Dialect, HISTORY_TABLE};
use mysql::prelude::{FromValue, Queryable};
use mysql::{Conn, Row, Value};

/// Reads the schema, adding the number of catalog queries run to `queries`.
pub fn read(conn: &mut Conn, queries: &mut usize) -> Result<Schema, mysql::Error> {
    let mut run = |sql: String| -> Result<Vec<Row>, mysql::Error> {
        *queries += 1;
        conn.query(sql)
    };
    // The history table's name is a constant identifier: it is safe to inline, which spares a
    // prepare round trip per query.
    let not_history = format!(
        "TABLE_NAME NOT IN ('{HISTORY_TABLE}', '{HISTORY_TABLE}_log', '{HISTORY_TABLE}_lock')"
    );
    let columns = run(format!(
        "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, \
                c.EXTRA, c.DATA_TYPE, VERSION() LIKE '%MariaDB%' \
         FROM information_schema.COLUMNS c \
         JOIN information_schema.TABLES t \
           ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
         WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND c.{not_history} \
         ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"
    ))?;
    let statistics = run(format!(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, COLLATION \
         FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND {not_history} \
         ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    ))?;
    let constraints = run(format!(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE \
         FROM information_schema.TABLE_CONSTRAINTS \
         WHERE TABLE_SCHEMA = DATABASE() AND {not_history}"
    ))?;
    let key_columns = run(format!(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, \
                REFERENCED_COLUMN_NAME \
         FROM information_schema.KEY_COLUMN_USAGE \
         WHERE TABLE_SCHEMA = DATABASE() AND {not_history} \
         ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
    ))?;
    let referential = run(format!(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE \
         FROM information_schema.REFERENTIAL_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND {not_history}"
    ))?;
    // `*`: MariaDB's view has TABLE_NAME and LEVEL, MySQL's has neither (check names are
    // unique per database there, and TABLE_CONSTRAINTS gives the table).
    let checks = run(
        "SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
            .to_string(),
    )?;

    let mut tables = read_columns(&columns)?;
    let kinds = constraint_kinds(&constraints)?;
    read_keys(&mut tables, &kinds, &key_columns, &referential)?;
    read_indexes(&mut tables, &kinds, &statistics)?;
    read_checks(&mut tables, &kinds, &checks)?;
    Ok(Schema {
        tables: tables.into_values().collect(),
    })
}

/// Value `i` of `row` as `T` (NULL reads as `None` for an `Option`).
fn get<T: FromValue>(row: &Row, i: usize) -> Result<T, mysql::Error> {
    let value = row.as_ref(i).cloned().unwrap_or(Value::NULL);
    mysql::from_value_opt::<T>(value).map_err(|e| mysql::Error::FromValueError(e.0))
}

/// The value of the column named `name`, if the row has that column.
fn get_named(row: &Row, name: &str) -> Result<Option<String>, mysql::Error> {
    match row
        .columns_ref()
        .iter()
        .position(|c| c.name_str().eq_ignore_ascii_case(name))
    {
        Some(i) => get(row, i),
        None => Ok(None),
    }
}

fn read_columns(rows: &[Row]) -> Result<BTreeMap<String, Table>, mysql::Error> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in rows {
        let table: String = get(row, 0)?;
        let column_type: String = get(row, 2)?;
        let default: Option<String> = get(row, 4)?;
        let extra: String = get::<Option<String>>(row, 5)?.unwrap_or_default();
        let data_type: String = get(row, 6)?;
        let mariadb: bool = get::<Option<i64>>(row, 7)?.unwrap_or(0) == 1;
        let identity = extra.to_ascii_lowercase().contains("auto_increment");
        let table = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            ..Table::default()
        });
        table.columns.push(Column {
            name: get(row, 1)?,
            ty: ColumnType::from_catalog(Dialect::Mysql, &column_type),
            nullable: get::<String>(row, 3)?.eq_ignore_ascii_case("YES"),
            default: values::column_default(default.as_deref(), mariadb, &data_type, &extra)
                .filter(|_| !identity),
            identity,
        });
    }
    Ok(tables)
}

/// `(table, constraint) -> CONSTRAINT_TYPE` (`PRIMARY KEY`, `UNIQUE`, `FOREIGN KEY`, `CHECK`).
type Kinds = BTreeMap<(String, String), String>;

fn constraint_kinds(rows: &[Row]) -> Result<Kinds, mysql::Error> {
    rows.iter()
        .map(|row| Ok(((get(row, 0)?, get(row, 1)?), get(row, 2)?)))
        .collect()
}

/// The KEY_COLUMN_USAGE rows of one constraint.
struct KeyColumns {
    /// `(table, constraint)`.
    key: (String, String),
    columns: Vec<String>,
    referenced_table: Option<String>,
    referenced: Vec<String>,
}

fn read_keys(
    tables: &mut BTreeMap<String, Table>,
    kinds: &Kinds,
    key_columns: &[Row],
    referential: &[Row],
) -> Result<(), mysql::Error> {
    let mut rules: BTreeMap<(String, String), (Action, Action)> = BTreeMap::new();
    for row in referential {
        let key = (get(row, 0)?, get(row, 1)?);
        let update: String = get(row, 2)?;
        let delete: String = get(row, 3)?;
        rules.insert(key, (Action::parse(&delete), Action::parse(&update)));
    }
    // Rows come in (table, constraint, position) order: consecutive rows of one constraint.
    let mut keys: Vec<KeyColumns> = Vec::new();
    for row in key_columns {
        let key: (String, String) = (get(row, 0)?, get(row, 1)?);
        if keys.last().is_none_or(|k| k.key != key) {
            keys.push(KeyColumns {
                key,
                columns: Vec::new(),
                referenced_table: get(row, 3)?,
                referenced: Vec::new(),
            });
        }
        if let Some(k) = keys.last_mut() {
            k.columns.push(get(row, 2)?);
            k.referenced.extend(get::<Option<String>>(row, 4)?);
        }
    }
    for KeyColumns {
        key,
        columns,
        referenced_table,
        referenced,
    } in keys
    {
        let Some(table) = tables.get_mut(&key.0) else {
            continue;
        };
        match kinds.get(&key).map(String::as_str) {
            Some("PRIMARY KEY") => table.primary_key = columns,
            Some("UNIQUE") => table.unique.push(Unique {
                name: Some(key.1),
                columns,
            }),
            Some("FOREIGN KEY") => {
                let (on_delete, on_update) = rules.get(&key).copied().unwrap_or_default();
                table.foreign_keys.push(ForeignKey {
                    name: Some(key.1),
                    columns,
                    references: Reference {
                        table: referenced_table.unwrap_or_default(),
                        columns: referenced,
                    },
                    on_delete,
                    on_update,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn read_indexes(
    tables: &mut BTreeMap<String, Table>,
    kinds: &Kinds,
    statistics: &[Row],
) -> Result<(), mysql::Error> {
    let mut found: BTreeMap<(String, String), Index> = BTreeMap::new();
    for row in statistics {
        let key: (String, String) = (get(row, 0)?, get(row, 1)?);
        let non_unique: i64 = get(row, 2)?;
        // A functional key part (MySQL 8) has no column name.
        let name: String =
            get::<Option<String>>(row, 3)?.unwrap_or_else(|| "expression".to_string());
        let desc = get::<Option<String>>(row, 4)?.is_some_and(|c| c.eq_ignore_ascii_case("D"));
        let index = found.entry(key.clone()).or_insert_with(|| Index {
            name: key.1.clone(),
            columns: Vec::new(),
            unique: non_unique == 0,
            predicate: None,
        });
        index.columns.push(if desc {
            IndexColumn::Ordered { name, desc: true }
        } else {
            IndexColumn::Name(name)
        });
    }
    for (key, index) in found {
        let Some(table) = tables.get_mut(&key.0) else {
            continue;
        };
        match kinds.get(&key).map(String::as_str) {
            Some("PRIMARY KEY" | "FOREIGN KEY") => {}
            // A UNIQUE key is the unique constraint read from KEY_COLUMN_USAGE, unless it has
            // a descending column, which only an index can express.
            Some("UNIQUE") if !index.columns.iter().any(IndexColumn::desc) => {}
            Some("UNIQUE") => {
                table.unique.retain(|u| u.name.as_deref() != Some(&key.1));
                table.indexes.push(index);
            }
            _ if implicit_for_unnamed_key(table, &index) => {}
            _ => table.indexes.push(index),
        }
    }
    Ok(())
}

/// Whether `index` is the one InnoDB made for a foreign key declared without a name: the key
/// gets a generated name (`<table>_ibfk_<n>`) and its index the name of its first column, on
/// exactly its columns.
fn implicit_for_unnamed_key(table: &Table, index: &Index) -> bool {
    let generated = format!("{}_ibfk_", table.name);
    !index.unique
        && table.foreign_keys.iter().any(|k| {
            k.name
                .as_deref()
                .and_then(|n| n.strip_prefix(&generated))
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                && k.columns.first() == Some(&index.name)
                && k.columns.len() == index.columns.len()
                && k.columns
                    .iter()
                    .zip(&index.columns)
                    .all(|(c, i)| c == i.name() && !i.desc())
        })
}

fn read_checks(
    tables: &mut BTreeMap<String, Table>,
    kinds: &Kinds,
    rows: &[Row],
) -> Result<(), mysql::Error> {
    for row in rows {
        let name = get_named(row, "CONSTRAINT_NAME")?.unwrap_or_default();
        let clause = values::check_clause(&get_named(row, "CHECK_CLAUSE")?.unwrap_or_default());
        let table_name = match get_named(row, "TABLE_NAME")? {
            Some(t) => t,
            // MySQL: check names are unique per database.
            None => match kinds
                .iter()
                .find(|((_, n), kind)| *n == name && kind.as_str() == "CHECK")
            {
                Some(((t, _), _)) => t.clone(),
                None => continue,
            },
        };
        let Some(table) = tables.get_mut(&table_name) else {
            continue;
        };
        // MariaDB's JSON: a longtext column with the generated check `json_valid(col)`,
        // named after the column.
        let generated_json = table.columns.iter_mut().find(|c| {
            c.name == name
                && c.ty == ColumnType::Text
                && normalize_expression(&clause)
                    == normalize_expression(&format!("json_valid({})", c.name))
        });
        if let Some(column) = generated_json {
            column.ty = ColumnType::Json;
            continue;
        }
        table.checks.push(Check {
            name: Some(name),
            // Without the backticks and parentheses MySQL adds.
            expression: canonical_expression(&clause, Dialect::Mysql),
        });
    }
    Ok(())
}
