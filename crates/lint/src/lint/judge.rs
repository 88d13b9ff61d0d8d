//! Deny-level findings judged against the database a run starts from.
//!
//! The data rules (`drop_table`, `truncate`, `add_column_not_null_without_default`, ...) exist
//! to protect rows that are in the database when `up` starts. A real history creates a table
//! in one migration and drops it ten migrations later; on a fresh database both are pending,
//! the table holds nothing from before the run, and refusing protects nothing. So a rule marks
//! the tables its finding is about ([`LintFinding::about`]) and [`judge`] downgrades the
//! finding to info, with the reason, when none of those tables holds rows before the run.
//! Judging is a pure function of the report and [`LiveTables`]; `lint::live` reads the
//! latter in a fixed number of queries.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::sql::ObjectName;
use super::{LintFinding, LintReport, Severity, table_key};

/// When a finding about some tables cannot hurt: what those tables must be when the run
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Harmless {
    /// Absent: the risk is to the running release's use of the table, which an empty table
    /// still has (renames).
    Absent,
    /// Absent, or present without a row: the risk is to the rows (drops, deletes, rewrites,
    /// a required column without a default).
    Empty,
}

/// The tables a finding is about, for judging it against the live database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Table names as `table_key` spells them (last part, lower-cased). Empty when the
    /// statement names no table the rule could resolve: then only a database without tables
    /// makes it harmless.
    pub tables: Vec<String>,
    /// What the tables must be for the finding to be harmless.
    pub harmless: Harmless,
}

impl LintFinding {
    ast_fn! {
        /// Marks the finding as about `tables`, harmless when they are as `harmless` says at
        /// the start of a run; `up` then judges it against the live database. With the
        /// `lint-ast` feature only (the names are sqlparser's).
        fn about<'n>(
            mut self,
            tables: impl IntoIterator<Item = &'n ObjectName>,
            harmless: Harmless,
        ) -> Self {
            let mut keys: Vec<String> = tables.into_iter().map(table_key).collect();
            keys.dedup();
            self.target = Some(Target {
                tables: keys,
                harmless,
            });
            self
        }
    }
}

/// The user tables of a database when a run starts (Cairn's history table left out), with
/// whether each holds a row where that was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveTables {
    tables: BTreeMap<String, Option<bool>>,
}

impl LiveTables {
    /// Tables by `table_key` (a name may occur in several schemas: any with rows counts),
    /// each with `Some(has_rows)`, or `None` when its rows were not read.
    pub fn new(tables: impl IntoIterator<Item = (String, Option<bool>)>) -> Self {
        let mut map: BTreeMap<String, Option<bool>> = BTreeMap::new();
        for (name, rows) in tables {
            let slot = map.entry(name).or_insert(Some(false));
            *slot = match (*slot, rows) {
                (Some(a), Some(b)) => Some(a || b),
                (Some(true), None) => Some(true),
                _ => None,
            };
        }
        LiveTables { tables: map }
    }

    /// Whether the database has no user table at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Whether `table` exists.
    pub fn contains(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// `Some(true)` when `table` exists and holds a row, `Some(false)` when it exists empty,
    /// `None` when it is absent or its rows were not read.
    pub fn has_rows(&self, table: &str) -> Option<bool> {
        self.tables.get(table).copied().flatten()
    }
}

/// The existing tables whose rows decide some finding of `report`: those a blocking
/// finding is about with [`Harmless::Empty`]. Reading rows of only these keeps the check to
/// one query.
pub fn tables_to_count(report: &LintReport) -> BTreeSet<&str> {
    report
        .blocking()
        .filter_map(|f| f.target.as_ref())
        .filter(|t| t.harmless == Harmless::Empty)
        .flat_map(|t| t.tables.iter().map(String::as_str))
        .collect()
}

/// Decides each blocking finding of `report` that has a [`Target`] against `live`: when the
/// tables it is about hold no rows from before the run, it becomes [`Severity::Info`] with
/// [`LintFinding::judged`] saying why. Findings without a target (policy rules, syntax) keep
/// their severity. Returns how many were downgraded.
pub fn judge(report: &mut LintReport, live: &LiveTables) -> usize {
    let created = &report.created;
    let mut downgraded = 0;
    for (index, f) in report.findings.iter_mut().enumerate() {
        if !f.blocks() {
            continue;
        }
        let Some(target) = &f.target else { continue };
        if let Some(reason) = harmless_because(target, live, |table| {
            created
                .iter()
                .take_while(|c| c.before < index)
                .find(|c| c.tables.iter().any(|t| t == table))
                .map(|c| c.migration.as_str())
        }) {
            f.severity = Severity::Info;
            f.judged = Some(reason);
            downgraded += 1;
        }
    }
    downgraded
}

/// Tables a migration of the report creates, and the index of its first finding (so a
/// finding can tell which creations come before it in apply order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    /// The migration.
    pub migration: String,
    /// Tables its up SQL creates, as `table_key` spells them.
    pub tables: Vec<String>,
    /// Number of findings of the report before this migration's.
    pub before: usize,
}

/// Why `target` cannot lose rows from before the run, or `None` when it can. `creator` names
/// the migration of the run (before the finding) that creates a table.
fn harmless_because<'a>(
    target: &Target,
    live: &LiveTables,
    creator: impl Fn(&str) -> Option<&'a str>,
) -> Option<String> {
    if live.is_empty() {
        return Some(
            "the database has no tables when the run starts, so no data can be lost".into(),
        );
    }
    if target.tables.is_empty() {
        return None;
    }
    let mut reasons = Vec::new();
    for table in &target.tables {
        let reason = match (live.contains(table), live.has_rows(table)) {
            (false, _) => match creator(table) {
                Some(m) => format!(
                    "table `{table}` does not exist when the run starts (migration {m} of this run creates it)"
                ),
                None => format!("table `{table}` does not exist when the run starts"),
            },
            (true, Some(false)) if target.harmless == Harmless::Empty => {
                format!("table `{table}` holds no rows when the run starts")
            }
            _ => return None,
        };
        reasons.push(reason);
    }
    Some(format!(
        "{}: no data from before the run can be lost",
        reasons.join("; ")
    ))
}
