//! The migration model: what a loaded migration is, resolved for one dialect.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use crate::Checksum;
use crate::origin::ToolOrigin;
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

impl Migration {
    /// The file a user opens to fix `down`: [`Migration::down_file`], else [`Migration::file`].
    pub fn down_path(&self) -> &PathBuf {
        self.down_file.as_ref().unwrap_or(&self.file)
    }
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
    /// The file `down` is in when it is not `file`: other tools keep it in a file of its own
    /// (diesel's `down.sql`, sqlx's `.down.sql`, Flyway's `U` files), and a failing rollback
    /// statement must name that file. `None` when `down` is in `file` (or absent).
    pub down_file: Option<PathBuf>,
    /// The file's text, so lint findings can quote and underline the line they concern (built-in
    /// migrations have no file on disk to read it back from).
    #[serde(skip)]
    pub source: Arc<str>,
    /// Lint settings from the file (`lint: off`, `allow`).
    pub lint: LintSettings,
    /// For SQL rendered from `changes`: where each change's statements start in `up.sql` and
    /// where that change is in the file (empty for SQL written as text).
    pub up_origins: Vec<Origin>,
    /// Whether `down` was derived from `changes` (the exact reverse, by construction) rather than
    /// written in the file.
    pub down_derived: bool,
    /// A repeatable migration (Flyway's `R__` files): applied again whenever its checksum
    /// changes, so a changed checksum is never a finding.
    pub repeatable: bool,
    /// For a migration read from another tool's folder: that tool, and the version and name its
    /// file name spells (None for Cairn files).
    pub origin: Option<ToolOrigin>,
}

/// A migration's lint settings, from its file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintSettings {
    /// `lint: off`: neither the syntax check nor any safety rule looks at this migration.
    pub off: bool,
    /// Rules whose findings this migration accepts, each with the reason the file gives.
    pub allow: Vec<Allow>,
}

/// One `allow` entry: `{rule: drop_table, reason: "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    /// The rule id.
    pub rule: String,
    /// Why its findings are acceptable here (required, never empty).
    pub reason: String,
    /// File line of the entry.
    pub line: u32,
    /// File column of the entry.
    pub column: u32,
}

/// Where part of a generated script comes from: statements starting at or after byte `offset`
/// of the script (up to the next origin) were rendered from the item at `line`:`column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Byte offset in the script's SQL.
    pub offset: usize,
    /// File line of the change it was rendered from.
    pub line: u32,
    /// File column of that change.
    pub column: u32,
}
