//! What a rollback proof reports: one [`RollbackCheck`] per migration reached, why it stopped
//! early if it did, and [`ProofEvent`]s while it runs.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::StatementFailure;
use crate::schema::Difference;

/// What proving one migration's rollback found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RollbackOutcome {
    /// `down` ran and the schema equals the one before `up` (canonical form), and `up` applied
    /// again afterwards.
    Restored,
    /// The migration has no `down`: applied, not tested.
    NoDown,
    /// A `down` statement failed.
    DownFailed {
        /// The statement, its file and line, and the database's message.
        failure: Box<StatementFailure>,
    },
    /// `down` ran but the schema differs from the one before `up`.
    NotRestored {
        /// From the schema before `up` to the one after `down`: `+` left behind by `down`,
        /// `-` removed by `down` although `up` did not create it, `~` changed.
        differences: Vec<Difference>,
        /// How `up` failed when applied again on what `down` left (usually "already exists"),
        /// which ends the proof.
        #[serde(skip_serializing_if = "Option::is_none")]
        up_again: Option<Box<StatementFailure>>,
    },
    /// `down` restored the schema as far as Cairn models it (tables, columns, keys, indexes,
    /// checks), but `up` failed when applied again: `down` left something behind that the
    /// model does not cover (a type, sequence, view, trigger, function...).
    NotRepeatable {
        /// The failure of the second `up`.
        failure: Box<StatementFailure>,
    },
    /// `up` itself failed; the proof stops there since later migrations depend on it.
    UpFailed {
        /// The failure.
        failure: Box<StatementFailure>,
    },
}

impl RollbackOutcome {
    /// Whether this is a finding: a rollback that does not work, or an `up` that failed.
    pub fn failed(&self) -> bool {
        !matches!(self, RollbackOutcome::Restored | RollbackOutcome::NoDown)
    }

    /// The snake_case name used in JSON (`restored`, `no_down`, `down_failed`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            RollbackOutcome::Restored => "restored",
            RollbackOutcome::NoDown => "no_down",
            RollbackOutcome::DownFailed { .. } => "down_failed",
            RollbackOutcome::NotRestored { .. } => "not_restored",
            RollbackOutcome::NotRepeatable { .. } => "not_repeatable",
            RollbackOutcome::UpFailed { .. } => "up_failed",
        }
    }

    /// The statement failure it carries, if any (for a schema difference, that of `up`
    /// applied again).
    pub fn failure(&self) -> Option<&StatementFailure> {
        match self {
            RollbackOutcome::DownFailed { failure }
            | RollbackOutcome::NotRepeatable { failure }
            | RollbackOutcome::UpFailed { failure } => Some(failure),
            RollbackOutcome::NotRestored { up_again, .. } => up_again.as_deref(),
            RollbackOutcome::Restored | RollbackOutcome::NoDown => None,
        }
    }
}

/// One migration's rollback, proved on the scratch database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackCheck {
    /// Migration id.
    pub id: String,
    /// The file `down` is in (the migration's file when it has no `down`).
    pub file: PathBuf,
    /// File line where the `down` SQL starts (0 without a `down`).
    pub down_line: u32,
    /// What was found.
    #[serde(flatten)]
    pub outcome: RollbackOutcome,
    /// Time the first `up` took.
    pub up_ms: u64,
    /// Time `down` took, when it ran to the end.
    pub down_ms: Option<u64>,
}

/// Why the proof ended before the last migration (the last check says what failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stopped {
    /// The migration after which nothing more could be tested.
    pub id: String,
    /// Why.
    pub reason: String,
}

/// The result of [`crate::prove_rollbacks`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollbackReport {
    /// The scratch database the migrations ran on (password removed).
    pub database: String,
    /// One per migration reached, in plan order.
    pub checks: Vec<RollbackCheck>,
    /// Set when a failure left nothing later testable.
    pub stopped: Option<Stopped>,
    /// Migrations after the stop, never applied.
    pub untested: Vec<String>,
}

impl RollbackReport {
    /// Whether every rollback that exists was proved and nothing stopped the proof.
    pub fn passed(&self) -> bool {
        self.stopped.is_none() && !self.checks.iter().any(|c| c.outcome.failed())
    }

    /// How many checks have outcome `name` ([`RollbackOutcome::name`]).
    pub fn count(&self, name: &str) -> usize {
        self.checks
            .iter()
            .filter(|c| c.outcome.name() == name)
            .count()
    }
}

/// Progress of a proof, for progress bars and logs.
#[derive(Debug, Clone, Copy)]
pub enum ProofEvent<'a> {
    /// `total` migrations will be proved.
    Planned {
        /// How many.
        total: usize,
    },
    /// Migration `index` (0-based, plan order) starts.
    Started {
        /// Migration id.
        id: &'a str,
        /// 0-based position in the plan.
        index: usize,
    },
    /// A migration was proved (or failed).
    Checked(&'a RollbackCheck),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Direction;

    fn check(id: &str, outcome: RollbackOutcome) -> RollbackCheck {
        RollbackCheck {
            id: id.into(),
            file: PathBuf::from(format!("migrations/{id}.yaml")),
            down_line: 4,
            outcome,
            up_ms: 1,
            down_ms: Some(2),
        }
    }

    fn failure() -> Box<StatementFailure> {
        Box::new(StatementFailure {
            id: "b".into(),
            direction: Direction::Down,
            file: Some(PathBuf::from("migrations/b.yaml")),
            statement: 1,
            count: 1,
            line: 5,
            sql: "DROP TABLE bb".into(),
            message: "no such table: bb".into(),
            code: Some("1".into()),
            rolled_back: true,
            previous_row_kept: false,
        })
    }

    #[test]
    fn the_json_shape_is_flat_with_a_result_tag() {
        let v = serde_json::to_value(check(
            "b",
            RollbackOutcome::DownFailed { failure: failure() },
        ))
        .unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "down_line",
                "down_ms",
                "failure",
                "file",
                "id",
                "result",
                "up_ms"
            ]
        );
        assert_eq!(v["result"], "down_failed");
        assert_eq!(v["failure"]["line"], 5);
        let v = serde_json::to_value(check(
            "c",
            RollbackOutcome::NotRestored {
                differences: Vec::new(),
                up_again: None,
            },
        ))
        .unwrap();
        assert_eq!(v["result"], "not_restored");
        assert!(v.get("up_again").is_none());
        assert_eq!(v["differences"], serde_json::json!([]));
    }

    #[test]
    fn no_down_passes_and_any_failure_or_stop_does_not() {
        let mut report = RollbackReport {
            database: "sqlite::memory:".into(),
            checks: vec![
                check("a", RollbackOutcome::Restored),
                check("n", RollbackOutcome::NoDown),
            ],
            stopped: None,
            untested: Vec::new(),
        };
        assert!(report.passed());
        assert_eq!((report.count("restored"), report.count("no_down")), (1, 1));
        report.stopped = Some(Stopped {
            id: "n".into(),
            reason: "r".into(),
        });
        assert!(!report.passed());
        report.stopped = None;
        report.checks.push(check(
            "u",
            RollbackOutcome::NotRepeatable { failure: failure() },
        ));
        assert!(!report.passed());
        assert_eq!(report.checks[2].outcome.failure().map(|f| f.line), Some(5));
    }
}
