//! The history table a tool creates before its first migration, for the folders whose
//! migrations change it: Harbor's golang-migrate history runs `ALTER TABLE schema_migrations
//! ADD COLUMN data_version int`, which works with golang-migrate only because the tool made
//! the table first (`database/{postgres,mysql,sqlite3}`, `ensureVersionTable`).

use super::Layout;
use crate::Dialect;
use crate::model::Migration;

/// The statements that create `layout`'s history table as the tool creates it on `dialect`,
/// when one of `migrations` names that table in its up SQL; `None` otherwise (nothing to
/// create: most folders never touch the tool's table, and creating it would add a table the
/// schema does not declare).
pub fn tool_history_table(
    layout: Layout,
    dialect: Dialect,
    migrations: &[Migration],
) -> Option<&'static str> {
    let (table, ddl) = match (layout, dialect) {
        (Layout::GolangMigrate, Dialect::Postgres | Dialect::Mysql) => (
            "schema_migrations",
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)",
        ),
        (Layout::GolangMigrate, Dialect::Sqlite) => (
            "schema_migrations",
            "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64, dirty bool);\nCREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version)",
        ),
        _ => return None,
    };
    migrations
        .iter()
        .any(|m| names_word(&m.up.sql, table))
        .then_some(ddl)
}

/// Whether `word` occurs in `sql` as a whole identifier.
fn names_word(sql: &str, word: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.match_indices(word).any(|(at, _)| {
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let before = lower[..at].chars().next_back().is_none_or(|c| !ident(c));
        let after = lower[at + word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !ident(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_folder_that_names_the_table_gets_it() {
        assert!(names_word(
            "ALTER TABLE schema_migrations ADD x int;",
            "schema_migrations"
        ));
        assert!(names_word(
            "alter table \"schema_migrations\"",
            "schema_migrations"
        ));
        assert!(!names_word(
            "CREATE TABLE my_schema_migrations (x int);",
            "schema_migrations"
        ));
        assert!(!names_word(
            "CREATE TABLE schema_migrations_old (x int);",
            "schema_migrations"
        ));
    }
}
