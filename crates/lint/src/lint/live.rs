//! Reads [`LiveTables`] for judging a report: one catalog query for the user tables, and one
//! query (per 400 tables) for whether the tables some finding depends on hold a row. Never one
//! query per table or per finding.

use std::collections::BTreeSet;

use super::{LintReport, LiveTables, table_key, tables_to_count};
use crate::Dialect;
use crate::driver::Driver;
use crate::driver::cells::text_cell;
use crate::error::BackendError;
use crate::schema::ident;

/// Tables per row query: SQLite refuses a compound SELECT of more than 500 terms.
const TABLES_PER_QUERY: usize = 400;

/// The user tables of `db` (its history table left out), with rows read for the tables that
/// decide a blocking finding of `report`.
pub fn live_tables(db: &mut dyn Driver, report: &LintReport) -> Result<LiveTables, BackendError> {
    let dialect = db.dialect();
    let history = db.history_table().to_lowercase();
    let listed: Vec<(String, String)> = db
        .query(catalog_sql(dialect))?
        .iter()
        .map(|row| (text_cell(row, 0).to_string(), text_cell(row, 1).to_string()))
        .filter(|(_, name)| name.to_lowercase() != history)
        .collect();
    let wanted: BTreeSet<String> = tables_to_count(report)
        .into_iter()
        .map(str::to_string)
        .collect();
    let counted: Vec<&(String, String)> = listed
        .iter()
        .filter(|(_, name)| wanted.contains(&key(name)))
        .collect();
    let mut with_rows = vec![false; counted.len()];
    for (start, chunk) in counted
        .chunks(TABLES_PER_QUERY)
        .enumerate()
        .map(|(n, c)| (n * TABLES_PER_QUERY, c))
    {
        let sql = chunk
            .iter()
            .enumerate()
            .map(|(i, (schema, name))| {
                let i = start + i;
                format!(
                    "SELECT {i} FROM (SELECT 1 AS x FROM {} LIMIT 1) AS t{i}",
                    qualified(schema, name, dialect)
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        for row in db.query(&sql)? {
            if let Some(slot) = text_cell(&row, 0)
                .parse::<usize>()
                .ok()
                .and_then(|i| with_rows.get_mut(i))
            {
                *slot = true;
            }
        }
    }
    let counted_rows = counted
        .iter()
        .zip(with_rows)
        .map(|((_, name), rows)| (key(name), Some(rows)));
    let others = listed
        .iter()
        .filter(|(_, name)| !wanted.contains(&key(name)))
        .map(|(_, name)| (key(name), None));
    Ok(LiveTables::new(counted_rows.chain(others)))
}

/// A catalog name as rules key table names.
fn key(name: &str) -> String {
    table_key(&super::sql::ObjectName::from(vec![super::sql::Ident::new(
        name,
    )]))
}

/// (schema, table) of every user table. PostgreSQL lists every schema but the system ones (a
/// finding's `audit.log` and `log` share a key: the conservative side is to count both).
fn catalog_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "SELECT 'main', name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        Dialect::Postgres => {
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'f', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
        }
        Dialect::Mysql => {
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
        }
    }
}

fn qualified(schema: &str, name: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => format!("{}.{}", ident(schema, dialect), ident(name, dialect)),
        Dialect::Sqlite | Dialect::Mysql => ident(name, dialect),
    }
}
