//! The engine's errors. Every variant carries what a user needs to find and fix the cause.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::finding::Finding;

/// What kind of problem a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file or directory could not be read.
    Io,
    /// YAML or JSON syntax error.
    Syntax,
    /// Valid syntax, wrong shape: unknown field, wrong type, missing field.
    Format,
    /// Two files declare the same id.
    DuplicateId,
    /// `depends_on` names an id no file has.
    UnknownDependency,
    /// Migrations depend on each other in a circle.
    Cycle,
    /// No `up` SQL for the target dialect.
    MissingSql,
    /// The SQL cannot be split into statements.
    Sql,
}

/// One problem found while loading migrations, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Its kind.
    pub kind: ProblemKind,
    /// The file it is in.
    pub file: PathBuf,
    /// 1-based line (0 when the problem concerns the whole file).
    pub line: u32,
    /// 1-based column in characters (0 when unknown).
    pub column: u32,
    /// What is wrong and what was expected.
    pub message: String,
    /// The text of `line`, for display under the message.
    pub source_line: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one load, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadErrors(pub Vec<Problem>);

impl LoadErrors {
    /// `N problems in WHAT:` and each problem on its own line.
    pub fn summary(&self, what: &str) -> String {
        let n = self.0.len();
        let mut out = format!("{n} problem{} in {what}:", if n == 1 { "" } else { "s" });
        for p in &self.0 {
            out.push_str(&format!("\n  {p}"));
        }
        out
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary("migrations"))
    }
}

impl std::error::Error for LoadErrors {}

/// Which way a migration was running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Applying (`up`).
    Up,
    /// Reverting (`down`).
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// A statement the database refused, located in the migration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementFailure {
    /// The migration.
    pub id: String,
    /// Applying or reverting.
    pub direction: Direction,
    /// Its file, if it has one (a rollback from stored SQL has none).
    pub file: Option<PathBuf>,
    /// 1-based index of the failing statement.
    pub statement: usize,
    /// Number of statements in the script.
    pub count: usize,
    /// File line where the statement starts (or its line in the stored SQL).
    pub line: u32,
    /// The statement.
    pub sql: String,
    /// The database's message.
    pub message: String,
    /// The database's error code (SQLSTATE, MySQL error number, SQLite extended code).
    pub code: Option<String>,
    /// Whether everything the migration did was rolled back (it ran in a transaction).
    pub rolled_back: bool,
    /// Whether a changed repeatable migration, re-applied outside a transaction, had its
    /// previous history row put back after the failure (so the next `up` runs it again).
    pub previous_row_kept: bool,
}

impl StatementFailure {
    /// The statement as a message shows it: whole when it is one short line, else its first
    /// and last lines, each cut to a readable length, and its size (a generated statement can be
    /// megabytes long).
    pub fn excerpt(&self) -> String {
        crate::excerpt::excerpt(&self.sql)
    }
}

impl fmt::Display for StatementFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} ({}) failed at statement {} of {}",
            self.id, self.direction, self.statement, self.count
        )?;
        match &self.file {
            Some(file) => write!(f, ", line {} of {}", self.line, file.display())?,
            None => write!(f, ", line {} of its stored SQL", self.line)?,
        }
        write!(f, ": {}", self.message)?;
        write!(f, "\n  statement: {}", self.excerpt())?;
        if self.rolled_back {
            write!(
                f,
                "\n  the migration was rolled back: the database and its history are as before"
            )
        } else {
            let done = match self.statement {
                ..=1 => "no statement".to_string(),
                2 => "statement 1".to_string(),
                k => format!("statements 1–{}", k - 1),
            };
            match (self.direction, self.statement) {
                (Direction::Down, ..=1) => write!(
                    f,
                    "\n  no statement of its down took effect: the migration is still applied"
                )?,
                (Direction::Down, k) => write!(
                    f,
                    "\n  the revert ran outside a transaction: {done} of its {} took effect; fix the cause, then `migrate down --resume` runs it from statement {k}",
                    self.count
                )?,
                (Direction::Up, _) => write!(
                    f,
                    "\n  the migration ran outside a transaction: {done} of its {} took effect",
                    self.count
                )?,
            }
            if self.previous_row_kept {
                write!(
                    f,
                    "\n  its history row is still the previous run's, so the next `migrate up` runs it again"
                )?;
            }
            Ok(())
        }
    }
}

/// An error from a backend (a database driver), in terms the engine can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// Statement `index` (0-based) of the script failed; earlier ones ran.
    #[error("statement {} failed: {message}", index + 1)]
    Statement {
        /// 0-based index.
        index: usize,
        /// The database's message.
        message: String,
        /// 1-based character offset in the statement where the database located the error
        /// (PostgreSQL reports one), so the engine can name the exact file line.
        position: Option<usize>,
        /// The database's own error code, for callers that branch on it: the SQLSTATE on
        /// PostgreSQL (`42P07`), the error number on MySQL/MariaDB (`1050`), the extended
        /// result code on SQLite (`2067`).
        code: Option<String>,
    },
    /// A statement the database refused, as a [`crate::Driver`] reports it; the engine
    /// turns it into [`BackendError::Statement`] when it is a migration's statement.
    #[error("{message}")]
    Sql {
        /// The database's message.
        message: String,
        /// 1-based character offset in the statement where the database located the error.
        position: Option<usize>,
        /// The database's own error code (SQLSTATE, MySQL error number, SQLite extended code).
        code: Option<String>,
    },
    /// The database could not be reached or the connection broke.
    #[error("{0}")]
    Connection(String),
    /// There is no database where the URL points (a SQLite file that does not exist), and
    /// the command does not create one.
    #[error("{0}")]
    NoDatabase(String),
    /// The driver of this database does not offer a feature (a role it does not implement).
    #[error("{database} does not support {feature}")]
    Unsupported {
        /// The database, described without password.
        database: String,
        /// What was asked for.
        feature: &'static str,
    },
    /// A statement of the project's `init_sql` failed on a new connection.
    #[error("init_sql statement {} (`{sql}`) failed: {message}", index + 1)]
    InitSql {
        /// 0-based index of the statement in `init_sql`.
        index: usize,
        /// The statement, trimmed.
        sql: String,
        /// The database's message.
        message: String,
    },
    /// Another runner held the migration lock for longer than the timeout.
    #[error("timed out after {waited:?} waiting for the migration lock{}", holder.as_ref().map(|h| format!(" (held by {h})")).unwrap_or_default())]
    LockTimeout {
        /// How long it waited.
        waited: Duration,
        /// Who holds it, where the database can tell.
        holder: Option<String>,
    },
    /// The server takes no writes, so a command that writes refused before the lock; nothing
    /// was changed.
    #[error("{database} {reason}")]
    ReadOnly {
        /// The database, described without password.
        database: String,
        /// Why it takes no writes.
        reason: ReadOnlyReason,
    },
    /// The URL is malformed or names an unsupported option.
    #[error("invalid database URL: {0}")]
    Url(String),
    /// A connection option (`ConnectOptions`) is invalid.
    #[error("{0}")]
    Options(String),
    /// Any other database error.
    #[error("{0}")]
    Other(String),
}

/// Why a server takes no writes ([`BackendError::ReadOnly`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadOnlyReason {
    /// A replica replaying its primary's changes (PostgreSQL: in recovery).
    Replica {
        /// The primary it follows, as `host=... port=...` without any password, where the
        /// server tells this user.
        primary: Option<String>,
    },
    /// A setting makes every transaction read-only on a server that could write.
    Setting {
        /// The setting, e.g. `default_transaction_read_only`.
        name: String,
        /// Where its value comes from, as the server says (`database`, `user`,
        /// `configuration file`, ...), when it says.
        source: Option<String>,
    },
}

impl std::fmt::Display for ReadOnlyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadOnlyReason::Replica { primary: Some(p) } => write!(
                f,
                "is a read-only replica (in recovery); migrations must run on the primary: {p}"
            ),
            ReadOnlyReason::Replica { primary: None } => write!(
                f,
                "is a read-only replica (in recovery); migrations must run on the primary, which \
                 this server does not name to this user (pg_stat_wal_receiver and \
                 primary_conninfo are hidden or empty)"
            ),
            ReadOnlyReason::Setting { name, source } => {
                write!(f, "is read-only: {name} is on")?;
                if let Some(source) = source {
                    write!(f, " (set by {source})")?;
                }
                write!(
                    f,
                    "; migrations need a writable session: turn {name} off for this database \
                     or role, or add `SET {name} = off` to init_sql"
                )
            }
        }
    }
}

/// Why `up`, `down`, `repair` or `up --resume` refuses to run; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    /// The plan itself is impossible (unknown or unapplied target, entangled steps).
    #[error(transparent)]
    Plan(#[from] crate::plan_error::PlanError),
    /// `--resume` with no migration failed part-way.
    #[error("nothing to resume: no migration failed part-way")]
    NothingToResume,
    /// `--single-transaction` where the run cannot be one transaction: MySQL (its DDL commits
    /// at once), a `transaction: false` migration, a SQLite table rebuild.
    #[error("cannot apply the pending migrations in one transaction: {reason}")]
    SingleTransaction {
        /// Why, naming the migration or the database.
        reason: String,
    },
    /// `--resume` of a migration whose runner died: how far it got is unknown.
    #[error(
        "migration {id} stopped while running (the runner died), so which statements took effect is unknown; check the database, then `migrate repair {id}`"
    )]
    RunnerDied {
        /// The migration.
        id: String,
    },
    /// `--resume` of a failed migration whose file is gone.
    #[error(
        "migration {id} failed but its file is gone: it cannot be resumed; fix the database, then `migrate repair {id}`"
    )]
    ResumeWithoutFile {
        /// The migration.
        id: String,
    },
    /// An interrupted run stopped while a statement that commits on its own was running, and
    /// the catalog cannot tell whether it took effect.
    #[error(
        "migration {id} was interrupted while statement {statement} of {count} ({direction}) was running: `{sql}`. Whether it took effect cannot be read from the catalog: {check}. If it took effect, `migrate repair {id} --from {next}`; if it did not, `migrate repair {id} --from {statement}`; then `migrate {direction} --resume`"
    )]
    Uncertain {
        /// The migration.
        id: String,
        /// Up or down.
        direction: Direction,
        /// 1-based statement that was running.
        statement: usize,
        /// The statement after it.
        next: usize,
        /// Statements in the script.
        count: usize,
        /// The statement's first line, shortened.
        sql: String,
        /// What to look at to decide.
        check: String,
    },
    /// `repair --from` a statement the script does not have.
    #[error(
        "migration {id}'s script has {count} statements: `--from` takes 1 to {} (the statement to run next)", count + 1
    )]
    FromOutOfRange {
        /// The migration.
        id: String,
        /// The statement given.
        from: usize,
        /// Statements in the script.
        count: usize,
    },
    /// `--resume` where the file now has fewer statements than where it failed.
    #[error(
        "migration {id} failed at statement {failed_at}, but its file now has {statements} statements"
    )]
    FileShorter {
        /// The migration.
        id: String,
        /// 1-based statement that failed.
        failed_at: i64,
        /// Statements in the file now.
        statements: usize,
    },
    /// `--resume` where statements that already ran were edited since.
    #[error(
        "statements 1-{ran} of migration {id} changed since they ran: resuming would skip SQL that never ran; restore them, or fix the database and `migrate repair {id}`"
    )]
    RanStatementsChanged {
        /// The migration.
        id: String,
        /// Statements that ran before the failure.
        ran: usize,
    },
    /// `repair` of a migration that is applied.
    #[error("migration {id} is applied, not failed: nothing to repair")]
    NotFailed {
        /// The migration.
        id: String,
    },
    /// A rollback of a migration without down SQL anywhere.
    #[error("migration {id} has no down SQL in its file or its history: it cannot be rolled back")]
    NoDownSql {
        /// The migration.
        id: String,
    },
    /// The down SQL stored in the history cannot be split into statements.
    #[error("stored down SQL of {id} cannot be split: {message}")]
    StoredDownUnsplittable {
        /// The migration.
        id: String,
        /// The splitter's message.
        message: String,
    },
    /// History rows and files together do not form a dependency graph.
    #[error("history and files form an invalid graph: {problems:?}")]
    InvalidGraph {
        /// What is wrong.
        problems: Vec<crate::graph::GraphProblem>,
    },
    /// `--builtin` named a module this build does not ship.
    #[error("no built-in module `{name}` (available: {})", known.join(", "))]
    UnknownBuiltin {
        /// The name given.
        name: String,
        /// The modules there are.
        known: Vec<String>,
    },
}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migration files have problems.
    #[error(transparent)]
    Load(#[from] LoadErrors),
    /// The declared schema files have problems.
    #[error("{}", .0.summary("declared schema files"))]
    Schema(LoadErrors),
    /// A command named a migration id that does not exist.
    #[error("unknown migration `{0}`")]
    UnknownMigration(String),
    /// The command will not run as asked (a rollback without `down` SQL, nothing to resume,
    /// ...); nothing was changed.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// Adopting another tool's history is not possible as asked; nothing was recorded.
    #[error(transparent)]
    Adopt(#[from] crate::adopt_error::AdoptError),
    /// The scratch database cannot be used; nothing was replayed.
    #[error(transparent)]
    Scratch(#[from] crate::scratch_error::ScratchError),
    /// A state the engine never expects (a bug): please report it with the message.
    #[error("internal: {0}")]
    Internal(String),
    /// Applied migrations no longer match their files.
    #[error("{}", crate::finding::summary(.0))]
    Validation(Vec<Finding>),
    /// A statement failed.
    #[error("{0}")]
    Statement(Box<StatementFailure>),
    /// A migration to apply was read without its down SQL (`cairn::layout::read_up`, for
    /// commands that look at the up side): read those down files
    /// (`cairn::layout::read_down`) or the folder whole to apply it. Nothing ran.
    #[error(
        "migration {id} was read without its down SQL ({}): read it (`cairn::layout::read_down`) to apply it",
        file.display()
    )]
    DownNotRead {
        /// The first such migration.
        id: String,
        /// Its down file, not read.
        file: PathBuf,
        /// Every migration the run needs whose down SQL was not read, in the run's order.
        ids: Vec<String>,
    },
    /// A previous run left a migration half-applied; nothing runs until it is repaired.
    #[error(
        "migration {id} failed in an earlier run at statement {statement}: {message}\n  statements before it took effect and were not rolled back; fix the database by hand, then run `migrate repair {id}`"
    )]
    Failed {
        /// The migration.
        id: String,
        /// 1-based statement that failed.
        statement: i64,
        /// The database's message then.
        message: String,
    },
    /// A backend error outside a statement.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The database URL has no scheme (a libpq keyword string, a path, a typo): `url` is
    /// redacted.
    #[error("`{url}` is not a database URL: it needs a scheme ({}){hint}", known.join(", "))]
    NotAUrl {
        /// What was given, without its credentials.
        url: String,
        /// The schemes this build supports.
        known: Vec<String>,
        /// What was probably meant (`; for a SQLite file, write ...`), or empty.
        hint: String,
    },
    /// No backend is registered for the URL's scheme.
    #[error("no backend for `{scheme}:` URLs (available: {}){hint}", known.join(", "))]
    UnsupportedUrl {
        /// The scheme asked for.
        scheme: String,
        /// The schemes this build supports.
        known: Vec<String>,
        /// What was probably meant, or empty.
        hint: String,
    },
    /// A backup is damaged, does not match its manifest, or could not be made or restored;
    /// the message says what, and what state the database is in.
    #[error("{}: {message}", path.display())]
    Backup {
        /// The backup file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
