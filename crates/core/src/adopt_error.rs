//! Why adopting, stamping or baselining will not run as asked: a leaf module (it needs only
//! [`Layout`]), so that [`crate::Error`] can carry it without depending on `adopt`.

use crate::origin::Layout;

/// Why `migrate adopt`, `stamp` or `baseline` refuses; nothing was recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdoptError {
    /// Cairn's own layout (or the JSON documents) has no other tool's history to adopt.
    #[error("cairn is not another tool: there is nothing to adopt from it")]
    NotAnotherTool,
    /// The tool keeps its history outside the migrated database (Sqitch's registry).
    #[error(
        "adopting Sqitch's registry (sqitch.changes, in its own schema, database or file) is not supported yet: use `migrate stamp` for the deployed changes"
    )]
    RegistryElsewhere,
    /// `--from TOOL` names a tool without a history table adopt can read.
    #[error(
        "`{tool}` has no history adopt can read: adopt reads diesel, sqlx, flyway, refinery, golang-migrate, goose, dbmate, pop, prisma, atlas, tern, sql-migrate or liquibase history (Sqitch's registry lives outside the migrated schema; use `migrate stamp`)"
    )]
    NoHistoryFor {
        /// The tool named.
        tool: Layout,
    },
    /// `--table NAME` is not a plain name.
    #[error("history table name `{table}`: only letters, digits and `_` are accepted")]
    BadTableName {
        /// The name given.
        table: String,
    },
    /// The database has no history table of the tool named.
    #[error(
        "{database} has no {table} table ({tool}'s history{shape}): nothing to adopt from {tool}"
    )]
    NoTable {
        /// The database, described without password.
        database: String,
        /// The table looked for.
        table: String,
        /// The tool.
        tool: Layout,
        /// How the table was told apart from another tool's of the same name, if it is.
        shape: String,
    },
    /// `--table` without `--from`: the tool cannot be told from the name.
    #[error("a history table named `{table}` could be any tool's: say which with --from")]
    TableWithoutTool {
        /// The name given.
        table: String,
    },
    /// No history table of any tool adopt reads.
    #[error(
        "{database} has none of the history tables adopt reads ({}); for a database whose schema exists without any history, use `migrate baseline`",
        tables.join(", ")
    )]
    NoToolHistory {
        /// The database, described without password.
        database: String,
        /// The tables looked for.
        tables: Vec<String>,
    },
    /// History tables of several tools, none of them the folder's own.
    #[error("{database} has history tables of several tools ({}); say which with --from", tools.join(", "))]
    SeveralTools {
        /// The database, described without password.
        database: String,
        /// The tools found.
        tools: Vec<String>,
    },
    /// `baseline` on a database that already has Cairn history.
    #[error(
        "{database} already has Cairn history ({rows} rows): baseline is for a database without any; use `migrate stamp ID` to record more"
    )]
    HasHistory {
        /// The database, described without password.
        database: String,
        /// Its history rows.
        rows: usize,
    },
}
