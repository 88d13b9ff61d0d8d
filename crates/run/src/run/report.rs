//! What a run is told (`Options`) and what it reports (`Event`s as it goes, a `RunReport` at
//! the end).

use std::time::Duration;

use serde::Serialize;

use crate::error::Direction;
use crate::registry::DEFAULT_LOCK_TIMEOUT;
use crate::validate::Finding;

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait for another runner's lock.
    pub lock_timeout: Duration,
    /// Plan and report the SQL without changing the database (no lock, no history table).
    pub dry_run: bool,
    /// Recorded as `applied_by`.
    pub applied_by: String,
    /// Before applying, resume migrations that failed part-way outside a transaction, from
    /// the statement that failed (see `migrate up --resume`).
    pub resume: bool,
    /// `up`: apply every pending migration in one transaction (with their history rows), so
    /// a failure anywhere leaves the database as before the run; refused where DDL is not
    /// transactional (MySQL) and for migrations that cannot run in a transaction.
    pub single_transaction: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            dry_run: false,
            applied_by: crate::history::log::actor(),
            resume: false,
            single_transaction: false,
        }
    }
}

/// Progress of a run, for progress bars and logs.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// The plan is made: `total` migrations will run.
    Planned {
        /// Up or down.
        direction: Direction,
        /// How many.
        total: usize,
    },
    /// Migration `index` (0-based) of the plan starts.
    Started {
        /// Migration id.
        id: &'a str,
        /// 0-based position in the plan.
        index: usize,
    },
    /// A migration finished.
    Finished {
        /// Migration id.
        id: &'a str,
        /// Time its SQL took.
        execution_ms: u64,
    },
}

/// What happened to one migration in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    /// Migration id.
    pub id: String,
    /// Time its SQL took (0 in a dry run).
    pub execution_ms: u64,
    /// Number of statements.
    pub statements: usize,
    /// The statements, in a dry run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<String>,
}

/// The result of `up` or `down`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Up or down.
    pub direction: Direction,
    /// Whether nothing was changed.
    pub dry_run: bool,
    /// The migrations run (or that would run), in order.
    pub migrations: Vec<MigrationReport>,
    /// Findings that did not stop the run (e.g. applied migrations whose file is gone).
    pub warnings: Vec<Finding>,
    /// Migrations an earlier run left interrupted (its runner stopped mid-way), which this run
    /// found and finished first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recovered: Vec<Recovery>,
}

/// A migration an earlier run left interrupted, and how this run finished it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// Migration id.
    pub id: String,
    /// Applying or reverting, when the runner stopped.
    pub direction: Direction,
    /// Statements in its script.
    pub statements: usize,
    /// Statements the history recorded as done (1 to this) before the runner stopped.
    pub done: usize,
    /// The statement that was running, when it commits on its own and so could have taken
    /// effect without its record, and what the catalog showed.
    pub running: Option<InDoubt>,
}

/// What a resumed run found about the statement that was running when its runner stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InDoubt {
    /// 1-based statement.
    pub statement: usize,
    /// Whether it had taken effect (then it was not run again).
    pub took_effect: bool,
    /// What the catalog showed.
    pub found: String,
}

impl Recovery {
    /// One line for a terminal: what was found and what was done.
    pub fn headline(&self) -> String {
        let (doing, what) = match self.direction {
            Direction::Up => ("applying", "it"),
            Direction::Down => ("reverting", "its down"),
        };
        let done = match self.done {
            0 => format!("no statement of {what} had taken effect"),
            1 => format!("statement 1 of {} had taken effect", self.statements),
            k => format!("statements 1–{k} of {} had taken effect", self.statements),
        };
        let running = match &self.running {
            Some(c) if c.took_effect => format!(
                "; statement {} was running: {}, so it had taken effect and was not run again",
                c.statement, c.found
            ),
            Some(c) => format!("; statement {} was running: {}", c.statement, c.found),
            None => String::new(),
        };
        format!(
            "migration {} was interrupted while {doing} when an earlier run stopped: {done}{running}; finished it",
            self.id
        )
    }
}
