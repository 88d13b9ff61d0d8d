//! The live schema of the current schema (`current_schema()`), read from `pg_catalog` with
//! three queries whatever the number of tables: columns (`pg_attribute`, `pg_attrdef`,
//! `format_type`), constraints (`pg_constraint`, key columns by `unnest(conkey) WITH
//! ORDINALITY`) and indexes (`pg_index`). The `information_schema` constraint views are not
//! used: they are orders of magnitude slower on large schemas.
//!
//! Ordinary and partitioned tables are read; partitions, views and the history table are not.
//! An identity column is one with `attidentity` set, or an old `serial` (a `nextval(...)`
//! default, then reported with no default). Check expressions and partial index predicates are
//! given as declared, without the casts PostgreSQL adds when printing them back (see [`expr`]),
//! in their canonical form (`canonical_expression`: without the parentheses it adds).

mod expr;

use std::collections::BTreeMap;

use cairn::schema::{
    Action, Check, Column, ColumnType, DefaultValue, ForeignKey, Index, IndexColumn, Reference,
    Schema, Table, Unique, canonical_expression,
};
use cairn::{Dialect, HISTORY_TABLE};
use postgres::Client;

/// The tables read, joined as `c` with their namespace `n`; `$1` is the history table.
const TABLES: &str = "pg_catalog.pg_class c \
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";
const TABLES_WHERE: &str = "n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
     AND NOT c.relispartition AND c.relname::text NOT IN ($1::text, $1::text || '_log')";

/// Reads the schema, adding the number of catalog queries run to `queries`.
pub fn read(client: &mut Client, queries: &mut usize) -> Result<Schema, postgres::Error> {
    let mut tables = columns(client, queries)?;
    constraints(client, queries, &mut tables)?;
    indexes(client, queries, &mut tables)?;
    Ok(Schema {
        tables: tables.into_values().collect(),
    })
}

fn columns(
    client: &mut Client,
    queries: &mut usize,
) -> Result<BTreeMap<String, Table>, postgres::Error> {
    // LEFT JOIN: a table may have no columns at all.
    let sql = format!(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
                a.attgenerated::text \
         FROM {TABLES} \
         LEFT JOIN pg_catalog.pg_attribute a \
                ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum \
         WHERE {TABLES_WHERE} ORDER BY c.relname, a.attnum"
    );
    *queries += 1;
    let rows = client.query(&sql, &[&HISTORY_TABLE])?;
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in rows {
        let table: String = row.try_get(0)?;
        let table = tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            ..Table::default()
        });
        let Some(name) = row.try_get::<_, Option<String>>(1)? else {
            continue;
        };
        let ty: String = row.try_get(2)?;
        let default: Option<String> = row.try_get(4)?;
        let identity_kind: String = row.try_get(5)?;
        let generated: String = row.try_get(6)?;
        let serial = default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        let identity = !identity_kind.is_empty() || serial;
        table.columns.push(Column {
            name,
            ty: ColumnType::from_catalog(Dialect::Postgres, &ty),
            nullable: !row.try_get::<_, bool>(3)?,
            // A generated column's expression is not a default; an identity has none.
            default: default
                .filter(|_| generated.is_empty() && !identity)
                .map(|d| DefaultValue::from_catalog(Dialect::Postgres, &d))
                .filter(|d| *d != DefaultValue::Null),
            identity,
        });
    }
    Ok(tables)
}

fn constraints(
    client: &mut Client,
    queries: &mut usize,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), postgres::Error> {
    let key_columns = |key: &str, table: &str| {
        format!(
            "ARRAY(SELECT a.attname::text \
                   FROM unnest(k.{key}) WITH ORDINALITY AS u(attnum, ord) \
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = k.{table} AND a.attnum = u.attnum \
                   ORDER BY u.ord)"
        )
    };
    let sql = format!(
        "SELECT c.relname::text, k.conname::text, k.contype::text, {}, r.relname::text, {}, \
                k.confdeltype::text, k.confupdtype::text, \
                CASE WHEN k.contype = 'c' THEN pg_get_constraintdef(k.oid) END \
         FROM pg_catalog.pg_constraint k \
         JOIN {TABLES} ON c.oid = k.conrelid \
         LEFT JOIN pg_catalog.pg_class r ON r.oid = k.confrelid \
         WHERE {TABLES_WHERE} AND k.contype IN ('p', 'u', 'f', 'c') \
         ORDER BY c.relname, k.conname",
        key_columns("conkey", "conrelid"),
        key_columns("confkey", "confrelid"),
    );
    *queries += 1;
    for row in client.query(&sql, &[&HISTORY_TABLE])? {
        let Some(table) = tables.get_mut(&row.try_get::<_, String>(0)?) else {
            continue;
        };
        let name: String = row.try_get(1)?;
        let columns: Vec<String> = row.try_get(3)?;
        match row.try_get::<_, String>(2)?.as_str() {
            "p" => table.primary_key = columns,
            "u" => table.unique.push(Unique {
                name: Some(name),
                columns,
            }),
            "f" => table.foreign_keys.push(ForeignKey {
                name: Some(name),
                columns,
                references: Reference {
                    table: row.try_get::<_, Option<String>>(4)?.unwrap_or_default(),
                    columns: row.try_get(5)?,
                },
                on_delete: Action::parse(&row.try_get::<_, String>(6)?),
                on_update: Action::parse(&row.try_get::<_, String>(7)?),
            }),
            _ => {
                let definition: Option<String> = row.try_get(8)?;
                table.checks.push(Check {
                    name: Some(name),
                    expression: check_expression(&definition.unwrap_or_default()),
                });
            }
        }
    }
    Ok(())
}

/// `CHECK ((qty > 0)) NOT VALID` -> `qty > 0`: the expression inside CHECK's own
/// parentheses, in its declared form, canonical.
fn check_expression(definition: &str) -> String {
    let mut s = definition.trim();
    s = s.strip_prefix("CHECK ").unwrap_or(s);
    for suffix in [" NOT VALID", " NO INHERIT"] {
        s = s.strip_suffix(suffix).unwrap_or(s);
    }
    let s = s.trim();
    let inner = s
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .filter(|inner| expr::balanced(inner))
        .unwrap_or(s);
    canonical_expression(&expr::declared_form(inner.trim()), Dialect::Postgres)
}

fn indexes(
    client: &mut Client,
    queries: &mut usize,
    tables: &mut BTreeMap<String, Table>,
) -> Result<(), postgres::Error> {
    // Key columns only (not INCLUDE ones); an expression column has attnum 0 and is given by
    // pg_get_indexdef. Indexes that back a primary key, unique or exclusion constraint are
    // part of that constraint, not indexes of their own.
    let sql = format!(
        "SELECT c.relname::text, i.relname::text, x.indisunique, \
                ARRAY(SELECT COALESCE(a.attname::text, \
                                      pg_get_indexdef(x.indexrelid, u.ord::int, true)) \
                      FROM unnest(x.indkey) WITH ORDINALITY AS u(attnum, ord) \
                      LEFT JOIN pg_catalog.pg_attribute a \
                             ON a.attrelid = x.indrelid AND a.attnum = u.attnum \
                      WHERE u.ord <= x.indnkeyatts ORDER BY u.ord), \
                ARRAY(SELECT (o.opt::int & 1) = 1 \
                      FROM unnest(x.indoption) WITH ORDINALITY AS o(opt, ord) \
                      WHERE o.ord <= x.indnkeyatts ORDER BY o.ord), \
                pg_get_expr(x.indpred, x.indrelid) \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
         JOIN {TABLES} ON c.oid = x.indrelid \
         WHERE {TABLES_WHERE} AND NOT EXISTS ( \
               SELECT 1 FROM pg_catalog.pg_constraint k \
               WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid \
                 AND k.contype IN ('p', 'u', 'x')) \
         ORDER BY c.relname, i.relname"
    );
    *queries += 1;
    for row in client.query(&sql, &[&HISTORY_TABLE])? {
        let Some(table) = tables.get_mut(&row.try_get::<_, String>(0)?) else {
            continue;
        };
        let names: Vec<String> = row.try_get(3)?;
        let desc: Vec<bool> = row.try_get(4)?;
        let columns = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                if desc.get(i).copied().unwrap_or(false) {
                    IndexColumn::Ordered { name, desc: true }
                } else {
                    IndexColumn::Name(name)
                }
            })
            .collect();
        let predicate: Option<String> = row.try_get(5)?;
        table.indexes.push(Index {
            name: row.try_get(1)?,
            columns,
            unique: row.try_get(2)?,
            predicate: predicate
                .map(|p| canonical_expression(&expr::declared_form(&p), Dialect::Postgres)),
        });
    }
    Ok(())
}
