//! The migration model: what a loaded migration is, resolved for one dialect.

use std::path::PathBuf;

use serde::Serialize;

use crate::Checksum;
use crate::split::Statement;

/// SQL of one direction of a migration, for the dialect it will run on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Script {
    /// The SQL text as written.
    pub sql: String,
    /// `sql` split into statements.
    pub statements: Vec<Statement>,
    /// Line of the file on which the SQL text starts.
    pub first_line: u32,
    /// Whether line `n` of the SQL is line `first_line + n - 1` of the file (true for YAML
    /// literal blocks `|`; false for quoted or JSON strings, where the SQL sits on one line).
    pub lines_match: bool,
}

impl Script {
    /// The file line where `statement` starts.
    pub fn file_line(&self, statement: &Statement) -> u32 {
        if self.lines_match {
            self.first_line + statement.line.saturating_sub(1)
        } else {
            self.first_line
        }
    }
}

/// A migration loaded from a file and resolved for one dialect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Migration {
    /// Unique id; defaults to the file path relative to the root, without extension.
    pub id: String,
    /// Free text shown by `status` and stored in the history.
    pub description: String,
    /// Ids this migration needs applied first.
    pub depends_on: Vec<String>,
    /// The SQL that applies it.
    pub up: Script,
    /// The SQL that reverts it, if it can be reverted.
    pub down: Option<Script>,
    /// Whether it runs inside one transaction with its history row (default true).
    pub transaction: bool,
    /// SHA-256 of the normalized `up` SQL.
    pub checksum: Checksum,
    /// The file it came from, as a path a user can open.
    pub file: PathBuf,
}
