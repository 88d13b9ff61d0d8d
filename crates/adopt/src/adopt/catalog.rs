//! The database side of adoption: which tools' history tables exist (one catalog query) and
//! reading one of them (one query).

use std::collections::{BTreeMap, BTreeSet};

use super::AdoptError;
use super::tools::{ForeignRow, parse};
use crate::Dialect;
use crate::driver::Driver;
use crate::error::{BackendError, Error, Result};
use crate::origin::Layout;
use crate::schema::ident;
use crate::tool_tables::{TOOL_TABLES, ToolTable};

/// Each table's columns (lower-case), for those of `tables` that exist, by the table's name
/// as the database stores it.
pub type Columns = BTreeMap<String, BTreeSet<String>>;

/// The columns of every known history table that exists, plus of `extra` (a table name
/// given with `--table`), in one catalog query. Names are matched ignoring case here, so a
/// table is found however the database folds or keeps its name's case; [`stored_name`] then
/// picks the one meant.
pub fn columns(backend: &mut dyn Driver, extra: Option<&str>) -> Result<Columns> {
    let mut names: BTreeSet<String> = TOOL_TABLES.iter().map(|t| t.table.to_string()).collect();
    if let Some(table) = extra {
        names.insert(checked_name(table)?.to_ascii_lowercase());
    }
    let list = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match backend.dialect() {
        Dialect::Sqlite => format!(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND lower(m.name) IN ({list})"
        ),
        Dialect::Postgres => format!(
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND lower(table_name) IN ({list})"
        ),
        Dialect::Mysql => format!(
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND LOWER(table_name) IN ({list})"
        ),
    };
    let mut columns = Columns::new();
    for row in backend.query(&sql)? {
        if let [Some(table), Some(column)] = row.as_slice() {
            columns
                .entry(table.clone())
                .or_default()
                .insert(column.to_ascii_lowercase());
        }
    }
    Ok(columns)
}

/// The name, as the database stores it, of the table `table` means: the table of exactly
/// that name, else the only one whose name differs from it in case alone (SQLite and MySQL
/// on case-insensitive file systems ignore case; PostgreSQL folds an unquoted name to lower
/// case). `None` when there is none, or several and none exactly.
pub fn stored_name<'a>(columns: &'a Columns, table: &str) -> Option<&'a str> {
    if let Some((name, _)) = columns.get_key_value(table) {
        return Some(name);
    }
    let mut same = columns
        .keys()
        .filter(|name| name.eq_ignore_ascii_case(table));
    match (same.next(), same.next()) {
        (Some(name), None) => Some(name),
        _ => None,
    }
}

/// Whether `table` exists and can be `spec`'s history (it has, or lacks, the marker column).
pub fn fits(spec: &ToolTable, table: &str, columns: &Columns) -> bool {
    stored_name(columns, table)
        .and_then(|name| columns.get(name))
        .is_some_and(|cols| {
            spec.marker
                .is_none_or(|(col, wanted)| cols.contains(col) == wanted)
        })
}

/// The tools whose history table exists under its default name.
pub fn present(columns: &Columns) -> Vec<Layout> {
    TOOL_TABLES
        .iter()
        .filter(|t| fits(t, t.table, columns))
        .map(|t| t.tool)
        .collect()
}

/// Reads `tool`'s history rows from `table` (one query), its name quoted where the dialect
/// needs it (a reserved word, upper-case letters).
pub fn read(backend: &mut dyn Driver, tool: Layout, table: &str) -> Result<Vec<ForeignRow>> {
    let name = table;
    let table = ident(checked_name(table)?, backend.dialect());
    let hex = match backend.dialect() {
        Dialect::Postgres => "encode(checksum, 'hex')",
        Dialect::Sqlite | Dialect::Mysql => "hex(checksum)",
    };
    let sql = match tool {
        Layout::Diesel | Layout::Dbmate | Layout::Pop => format!("SELECT version FROM {table}"),
        // sql-migrate's `gorp_migrations (id, applied_at)`: the id is the file name.
        Layout::SqlMigrate => format!("SELECT id FROM {table}"),
        // Unquoted column names: upper case on MySQL (Liquibase's DDL), lower case on
        // PostgreSQL, either on SQLite; all three match them without regard to case.
        Layout::Liquibase => format!(
            "SELECT id, author, filename, exectype FROM {table} ORDER BY orderexecuted, dateexecuted"
        ),
        Layout::Sqlx => {
            format!("SELECT version, description, success, {hex} FROM {table} ORDER BY version")
        }
        Layout::Refinery => {
            format!("SELECT version, name, checksum FROM {table} ORDER BY version")
        }
        Layout::Flyway => format!(
            "SELECT version, script, checksum, success, type FROM {table} ORDER BY installed_rank"
        ),
        Layout::GolangMigrate => format!("SELECT version, dirty FROM {table}"),
        Layout::Goose => format!("SELECT version_id, is_applied FROM {table} ORDER BY id"),
        Layout::Prisma => format!(
            "SELECT migration_name, checksum, finished_at, rolled_back_at FROM {table} ORDER BY started_at"
        ),
        Layout::Atlas => format!(
            "SELECT version, description, type, applied, total, hash FROM {table} ORDER BY version"
        ),
        Layout::Tern => format!("SELECT version FROM {table}"),
        Layout::Cairn | Layout::JsonDocs => {
            return Err(AdoptError::NotAnotherTool.into());
        }
        Layout::Sqitch => {
            return Err(AdoptError::RegistryElsewhere.into());
        }
    };
    let rows = backend.query(&sql)?;
    parse(tool, &rows)
        .map_err(|e| Error::Backend(BackendError::Other(format!("table {name}: {e}"))))
}

/// A table name as `--table` may give it: letters, digits and `_` only, so it can go into the
/// catalog query as a string literal.
fn checked_name(table: &str) -> Result<&str> {
    let mut chars = table.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(table)
    } else {
        Err(AdoptError::BadTableName {
            table: table.to_string(),
        }
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool_tables::table_of;

    #[test]
    fn tools_are_told_apart_by_their_columns_and_names_are_checked() {
        let mut columns = Columns::new();
        columns.insert(
            "schema_migrations".into(),
            ["version".to_string()].into_iter().collect(),
        );
        assert_eq!(present(&columns), [Layout::Dbmate]);
        columns
            .get_mut("schema_migrations")
            .unwrap()
            .insert("dirty".into());
        assert_eq!(present(&columns), [Layout::GolangMigrate]);
        let goose = table_of(Layout::Goose).unwrap();
        assert!(!fits(goose, "my_goose", &columns));
        assert!(checked_name("my_history_2").is_ok());
        assert!(checked_name("x; DROP TABLE y").is_err());
        assert!(checked_name("").is_err());
    }

    #[test]
    fn a_table_is_found_by_its_stored_name_exactly_else_ignoring_case() {
        let mut columns = Columns::new();
        for name in ["AppVersions", "Log", "log", "order"] {
            columns.insert(name.into(), BTreeSet::new());
        }
        assert_eq!(stored_name(&columns, "AppVersions"), Some("AppVersions"));
        assert_eq!(stored_name(&columns, "appversions"), Some("AppVersions"));
        assert_eq!(stored_name(&columns, "ORDER"), Some("order"));
        assert_eq!(stored_name(&columns, "log"), Some("log"));
        // Two tables differ from `LOG` in case alone: neither is guessed.
        assert_eq!(stored_name(&columns, "LOG"), None);
        assert_eq!(stored_name(&columns, "missing"), None);
        let goose = table_of(Layout::Goose).unwrap();
        assert!(fits(goose, "APPVERSIONS", &columns));
    }
}
