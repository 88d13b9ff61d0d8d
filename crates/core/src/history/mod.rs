//! The history table's rows, as every backend reads and writes them.

use serde::Serialize;

pub mod batch;
pub mod log;
pub mod sql;
pub mod table;

pub use crate::driver::HISTORY_TABLE;

/// Columns of the history table on every backend. An existing table must have them all: one
/// without them was made by something else (or an incompatible version) and is not written to.
pub const HISTORY_COLUMNS: [&str; 14] = [
    "id",
    "checksum",
    "description",
    "applied_at",
    "execution_ms",
    "applied_by",
    "engine_version",
    "up_sql",
    "down_sql",
    "depends_on",
    "status",
    "installed_rank",
    "failed_statement",
    "error",
];

/// State of a history row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryStatus {
    /// Applied completely.
    Applied,
    /// Started outside a transaction and not finished: a statement failed, or the process
    /// stopped. Statements before `failed_statement` took effect.
    Failed,
    /// Being applied outside a transaction right now; seen by a later run (which holds the
    /// lock), it means the runner died mid-way.
    Running,
    /// Being reverted outside a transaction right now; seen by a later run, the runner died
    /// while reverting it.
    Reverting,
    /// Its revert (`down`) failed at `failed_statement` outside a transaction: the down's
    /// statements before it took effect, so it is neither applied nor reverted.
    RevertFailed,
}

impl HistoryStatus {
    /// The value stored in the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryStatus::Applied => "applied",
            HistoryStatus::Failed => "failed",
            HistoryStatus::Running => "running",
            HistoryStatus::Reverting => "reverting",
            HistoryStatus::RevertFailed => "revert_failed",
        }
    }

    /// Parses a stored `status`; anything unknown reads as failed, so it is never ignored.
    pub fn parse(s: &str) -> HistoryStatus {
        match s {
            "applied" => HistoryStatus::Applied,
            "running" => HistoryStatus::Running,
            "reverting" => HistoryStatus::Reverting,
            "revert_failed" => HistoryStatus::RevertFailed,
            _ => HistoryStatus::Failed,
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedMigration {
    /// Migration id.
    pub id: String,
    /// Hex SHA-256 of the normalized up SQL that was applied.
    pub checksum: String,
    /// Description at the time it was applied.
    pub description: String,
    /// When it was applied, UTC, ISO-8601 (set by the database).
    pub applied_at: String,
    /// How long its SQL took.
    pub execution_ms: i64,
    /// Who applied it (OS user).
    pub applied_by: String,
    /// Version of Cairn that applied it.
    pub engine_version: String,
    /// The up SQL that ran, so a changed file can be shown as a diff.
    pub up_sql: Option<String>,
    /// The SQL that reverts it, so a rollback works when the file is gone.
    pub down_sql: Option<String>,
    /// Its dependencies when applied.
    pub depends_on: Vec<String>,
    /// Applied, failed or running.
    pub status: HistoryStatus,
    /// Order of application (1, 2, ...), used by `down --steps`.
    pub rank: i64,
    /// 1-based statement that failed, for `failed` rows.
    pub failed_statement: Option<i64>,
    /// The database's message, for `failed` rows.
    pub error: Option<String>,
}

/// Encodes `depends_on` for its text column.
pub fn encode_depends_on(ids: &[String]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".to_string())
}

/// Decodes the `depends_on` column; a damaged value reads as no dependencies.
pub fn decode_depends_on(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

#[cfg(test)]
impl AppliedMigration {
    /// A row for unit tests: `id` with `checksum` and `status`, rank 1, everything else empty.
    pub(crate) fn for_test(id: &str, checksum: String, status: HistoryStatus) -> Self {
        AppliedMigration {
            id: id.to_string(),
            checksum,
            description: String::new(),
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: String::new(),
            engine_version: String::new(),
            up_sql: None,
            down_sql: None,
            depends_on: Vec::new(),
            status,
            rank: 1,
            failed_statement: None,
            error: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_on_round_trips_and_status_never_reads_as_applied_by_accident() {
        let ids = vec!["auth/0001".to_string(), "a,b\"c".to_string()];
        assert_eq!(decode_depends_on(&encode_depends_on(&ids)), ids);
        assert_eq!(HistoryStatus::parse("applied"), HistoryStatus::Applied);
        assert_eq!(HistoryStatus::parse("garbage"), HistoryStatus::Failed);
        // Every status reads back as itself: a `running` row is an interrupted run, not a
        // failure at a statement.
        for s in [
            HistoryStatus::Applied,
            HistoryStatus::Failed,
            HistoryStatus::Running,
            HistoryStatus::Reverting,
            HistoryStatus::RevertFailed,
        ] {
            assert_eq!(HistoryStatus::parse(s.as_str()), s);
        }
    }
}
