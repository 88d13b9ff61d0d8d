//! Every other tool's history table by name ([`TOOL_TABLES`]): plain facts in a leaf module (it
//! needs only [`Layout`]), so a scratch database can ignore these tables without depending on
//! `adopt`, which reads them. Re-exported as `cairn::adopt::{ToolTable, TOOL_TABLES, table_of}`.

use crate::origin::Layout;

/// A tool's history table.
#[derive(Debug, Clone, Copy)]
pub struct ToolTable {
    /// The tool.
    pub tool: Layout,
    /// Its table's default name.
    pub table: &'static str,
    /// A column only this tool's table has, for tables two tools share a name of
    /// (`schema_migrations`: golang-migrate has `dirty`, dbmate does not).
    pub marker: Option<(&'static str, bool)>,
}

/// Every tool's history table, in the order `adopt` prefers them.
pub const TOOL_TABLES: [ToolTable; 13] = [
    ToolTable {
        tool: Layout::Diesel,
        table: "__diesel_schema_migrations",
        marker: None,
    },
    ToolTable {
        tool: Layout::Sqlx,
        table: "_sqlx_migrations",
        marker: None,
    },
    ToolTable {
        tool: Layout::Refinery,
        table: "refinery_schema_history",
        marker: None,
    },
    ToolTable {
        tool: Layout::Flyway,
        table: "flyway_schema_history",
        marker: None,
    },
    ToolTable {
        tool: Layout::GolangMigrate,
        table: "schema_migrations",
        marker: Some(("dirty", true)),
    },
    ToolTable {
        tool: Layout::Dbmate,
        table: "schema_migrations",
        marker: Some(("dirty", false)),
    },
    ToolTable {
        tool: Layout::Goose,
        table: "goose_db_version",
        marker: None,
    },
    ToolTable {
        tool: Layout::Pop,
        table: "schema_migration",
        marker: None,
    },
    ToolTable {
        tool: Layout::Prisma,
        table: "_prisma_migrations",
        marker: None,
    },
    ToolTable {
        tool: Layout::Atlas,
        table: "atlas_schema_revisions",
        marker: None,
    },
    // Flyway before version 5 named its history `schema_version` too; it has `installed_rank`.
    ToolTable {
        tool: Layout::Tern,
        table: "schema_version",
        marker: Some(("installed_rank", false)),
    },
    ToolTable {
        tool: Layout::SqlMigrate,
        table: "gorp_migrations",
        marker: None,
    },
    ToolTable {
        tool: Layout::Liquibase,
        table: "databasechangelog",
        marker: None,
    },
];

/// The history table of `tool`.
pub fn table_of(tool: Layout) -> Option<&'static ToolTable> {
    TOOL_TABLES.iter().find(|t| t.tool == tool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_one_table_and_shared_names_are_told_apart_by_a_column() {
        // The JSON documents' module keeps no table Cairn knows of; Sqitch keeps its registry
        // in another schema or database (or file): neither is adopted.
        let others = Layout::ALL
            .into_iter()
            .filter(|l| !matches!(l, Layout::Cairn | Layout::JsonDocs | Layout::Sqitch));
        for tool in others {
            assert!(table_of(tool).is_some(), "{tool}");
        }
        let shared: Vec<_> = TOOL_TABLES
            .iter()
            .filter(|t| t.table == "schema_migrations")
            .collect();
        assert_eq!(shared.len(), 2);
        assert_ne!(shared[0].marker, shared[1].marker);
    }
}
