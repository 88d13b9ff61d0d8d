//! The migration model: what a loaded migration is, resolved for one dialect.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::Checksum;
use crate::error::{LoadErrors, Problem};
use crate::origin::ToolOrigin;
use crate::split::Statement;

/// How a script is cut into statements: run on its SQL the first time they are asked for.
/// A failure is the load problem the file would have had (file, line, what is wrong).
pub type Splitter = Arc<dyn Fn(&str) -> Result<Vec<Statement>, Problem> + Send + Sync>;

/// SQL of one direction of a migration, for the dialect it will run on.
///
/// Its statements are split on first use ([`Script::statements`]), not when the file is read:
/// `status` and a no-op `up` need only the checksum, which is of the text, and splitting every
/// script was most of their time on a long history. Commands that run or check SQL split what
/// they use before anything runs, so a script that cannot be split is still reported, with
/// its file and line, before the database is touched.
#[derive(Clone)]
pub struct Script {
    /// The SQL text as written.
    pub sql: String,
    /// Line of the file on which the SQL text starts.
    pub first_line: u32,
    /// Whether line `n` of the SQL is line `first_line + n - 1` of the file (true for YAML
    /// literal blocks `|`; false for quoted or JSON strings, where the SQL sits on one line).
    pub lines_match: bool,
    statements: OnceLock<Result<Vec<Statement>, Problem>>,
    splitter: Option<Splitter>,
}

impl Script {
    /// A script already split into `statements`.
    pub fn new(
        sql: String,
        statements: Vec<Statement>,
        first_line: u32,
        lines_match: bool,
    ) -> Script {
        Script {
            sql,
            first_line,
            lines_match,
            statements: OnceLock::from(Ok(statements)),
            splitter: None,
        }
    }

    /// A script split by `splitter` when its statements are first asked for.
    pub fn deferred(sql: String, first_line: u32, lines_match: bool, splitter: Splitter) -> Script {
        Script {
            sql,
            first_line,
            lines_match,
            statements: OnceLock::new(),
            splitter: Some(splitter),
        }
    }

    /// The statements, split now if they were not yet; the problem when the SQL cannot be
    /// split.
    pub fn statements(&self) -> Result<&[Statement], LoadErrors> {
        self.statements
            .get_or_init(|| match &self.splitter {
                Some(split) => split(&self.sql),
                None => Ok(Vec::new()),
            })
            .as_deref()
            .map_err(|p| LoadErrors(vec![p.clone()]))
    }

    /// Replaces the statements (a layout whose tool cuts the SQL its own way).
    pub fn set_statements(&mut self, statements: Vec<Statement>) {
        self.statements = OnceLock::from(Ok(statements));
    }

    /// The file line where `statement` starts.
    pub fn file_line(&self, statement: &Statement) -> u32 {
        if self.lines_match {
            self.first_line + statement.line.saturating_sub(1)
        } else {
            self.first_line
        }
    }
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Script")
            .field("sql", &self.sql)
            .field("first_line", &self.first_line)
            .field("lines_match", &self.lines_match)
            .field("statements", &self.statements.get())
            .finish_non_exhaustive()
    }
}

/// Two scripts are equal when their text and place are: the statements follow from those.
impl PartialEq for Script {
    fn eq(&self, other: &Script) -> bool {
        (&self.sql, self.first_line, self.lines_match)
            == (&other.sql, other.first_line, other.lines_match)
    }
}

impl Eq for Script {}

impl Serialize for Script {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Script", 4)?;
        s.serialize_field("sql", &self.sql)?;
        s.serialize_field("statements", self.statements().unwrap_or_default())?;
        s.serialize_field("first_line", &self.first_line)?;
        s.serialize_field("lines_match", &self.lines_match)?;
        s.end()
    }
}

impl Migration {
    /// The file a user opens to fix `down`: [`Migration::down_file`], else [`Migration::file`].
    pub fn down_path(&self) -> &PathBuf {
        self.down_file.as_ref().unwrap_or(&self.file)
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
