//! SQL validation and a safety lint over migrations, without a database.
//!
//! Every statement is parsed with sqlparser for the migration set's dialect. A statement the
//! parser refuses gets a `syntax` finding with the parser's message and position; it is a
//! warning by default, never an error, because sqlparser does not know every vendor extension a
//! server accepts, so a refusal may be the parser's gap rather than the user's mistake (a team
//! that writes only portable SQL can make it `deny` in `cairn.toml`). Such a statement is not
//! checked by the safety rules.
//!
//! The safety rules are plugins: each is a [`Rule`] with an id, a default [`Severity`] and a
//! check over one migration's statements ([`RuleContext`]). [`Linter::new`] holds the
//! engine's rules; a team adds its own with [`Linter::with_rule`]:
//!
//! ```
//! use cairn::lint::{LintFinding, Linter, Policy, Rule, RuleContext, Severity};
//! use cairn::Direction;
//!
//! /// Tables in this project are created through `changes` only.
//! struct NoRawCreateTable;
//!
//! impl Rule for NoRawCreateTable {
//!     fn id(&self) -> &'static str { "no_raw_create_table" }
//!     fn severity(&self) -> Severity { Severity::Deny }
//!     fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
//!         for (i, parsed) in ctx.up().iter().enumerate() {
//!             let words: Vec<String> = parsed.statement.sql.split_whitespace().take(2)
//!                 .map(str::to_uppercase).collect();
//!             if words == ["CREATE", "TABLE"] {
//!                 out.push(ctx.finding(self, Direction::Up, i,
//!                     "tables are created with `changes: - create_table` in this project",
//!                     "rewrite the statement as a portable `create_table` change"));
//!             }
//!         }
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = cairn::SourceFile {
//!     path: "migrations/0001_a.yaml".into(),
//!     default_id: "0001_a".into(),
//!     text: "up: CREATE TABLE a (id INTEGER);\ndown: DROP TABLE a;\n".into(),
//! };
//! let set = cairn::load_files(vec![file], cairn::Dialect::Sqlite)?;
//! let linter = Linter::new().with_rule(Box::new(NoRawCreateTable));
//! let report = cairn::lint::lint(&set, &Policy::default(), &linter);
//! assert!(report.blocking().any(|f| f.rule == "no_raw_create_table"));
//! # Ok(()) }
//! ```
//!
//! ## sqlparser's AST: the `lint-ast` feature
//!
//! A rule sees each statement's text ([`ParsedStatement::statement`]) and whether it parsed
//! ([`ParsedStatement::error`]). The cargo feature `lint-ast` (off by default) adds the parse
//! tree: `cairn::lint::sql` (sqlparser's `ast`), `ParsedStatement::ast`,
//! `RuleContext::up_statements`, `down_statements`, `creates_table`, `LintFinding::about`,
//! `table_key` and `parse_statement`. **These are tied to the sqlparser version and may change
//! in any minor release of Cairn**. See `examples/lint_rule.rs`.

#[macro_use]
mod ast;
mod context;
pub mod galera;
mod judge;
mod live;
mod locate;
mod parallel;
mod parse;
mod policy;
mod rules;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Dialect;
use crate::error::Direction;
use crate::load::MigrationSet;
use crate::model::Migration;

pub use context::{ParsedStatement, RuleContext};
pub use judge::{Created, Harmless, LiveTables, Target, judge, tables_to_count};
pub use live::live_tables;
pub use parse::SyntaxError;
pub use policy::{POLICY_FILE, Policy, PolicyError};
pub use rules::builtin_rules;

// sqlparser's AST and the functions over it: public with the `lint-ast` feature only.
#[cfg(feature = "lint-ast")]
pub use context::table_key;
#[cfg(not(feature = "lint-ast"))]
pub(crate) use context::table_key;
#[cfg(feature = "lint-ast")]
pub use parse::parse_statement;
/// sqlparser's AST, which rules match on (with the `lint-ast` feature only: it is tied to
/// the sqlparser version and may change in any minor release of Cairn).
#[cfg(feature = "lint-ast")]
pub use sqlparser::ast as sql;
#[cfg(not(feature = "lint-ast"))]
use sqlparser::ast as sql;

/// How much a finding matters: `deny` blocks `migrate up` and fails `migrate lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule does not run.
    Off,
    /// Reported, never blocks.
    Info,
    /// Reported, never blocks.
    Warn,
    /// Blocks `migrate up` and fails `migrate lint` / `migrate validate` unless allowed.
    Deny,
}

impl Severity {
    /// The name used in `cairn.toml` and in output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Deny => "deny",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "off" => Ok(Severity::Off),
            "info" => Ok(Severity::Info),
            "warn" => Ok(Severity::Warn),
            "deny" => Ok(Severity::Deny),
            other => Err(format!(
                "unknown severity `{other}` (expected \"deny\", \"warn\", \"info\" or \"off\")"
            )),
        }
    }
}

/// One finding, located in a migration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    /// The rule's id (`drop_table`, `syntax`, ...).
    pub rule: String,
    /// Its severity after the policy.
    pub severity: Severity,
    /// What the statement does and why it is risky.
    pub message: String,
    /// What to do instead.
    pub help: String,
    /// The migration.
    pub migration: String,
    /// Its file.
    pub file: PathBuf,
    /// 1-based file line (0 when the finding concerns the whole file).
    pub line: u32,
    /// 1-based column in characters (0 when unknown).
    pub column: u32,
    /// Characters to underline from `column` (0 when unknown).
    pub width: u32,
    /// The text of `line`.
    pub source_line: Option<String>,
    /// Whether it is in the `up` or the `down` SQL.
    pub direction: Direction,
    /// 1-based statement number in that script, when it concerns one statement.
    pub statement: Option<usize>,
    /// The migration's `allow` reason, when it accepts this finding.
    pub allowed: Option<String>,
    /// The tables it is about, when the rule knows them (set by `LintFinding::about`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Why the live database makes it harmless, when [`judge`] downgraded it to info.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged: Option<String>,
}

impl LintFinding {
    /// Whether it blocks: deny level and not allowed.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Deny && self.allowed.is_none()
    }
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {} [{}]: {}", self.severity, self.rule, self.message)?;
        if !self.help.is_empty() {
            write!(f, "; {}", self.help)?;
        }
        if let Some(reason) = &self.allowed {
            write!(f, " (allowed: {reason})")?;
        }
        if let Some(reason) = &self.judged {
            write!(f, " (not blocking: {reason})")?;
        }
        Ok(())
    }
}

/// A safety rule. The engine's rules implement it too; see the module docs for a custom one.
pub trait Rule: Send + Sync {
    /// Stable id, used in `cairn.toml`, `allow` entries and output.
    fn id(&self) -> &'static str;
    /// Severity when the policy does not set one.
    fn severity(&self) -> Severity;
    /// One line on what it catches, for `migrate lint --rules` and docs.
    fn summary(&self) -> &'static str {
        ""
    }
    /// Reports findings for one migration (use [`RuleContext::finding`] to locate them).
    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>);
}

/// A set of rules.
pub struct Linter {
    rules: Vec<Box<dyn Rule>>,
}

impl Default for Linter {
    fn default() -> Self {
        Linter::new()
    }
}

impl fmt::Debug for Linter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|r| r.id()))
            .finish()
    }
}

impl Linter {
    /// The engine's rules (see [`builtin_rules`]).
    pub fn new() -> Self {
        Linter {
            rules: builtin_rules(),
        }
    }

    /// No rules at all (statements are still parsed, but nothing reports).
    pub fn empty() -> Self {
        Linter { rules: Vec::new() }
    }

    /// Adds `rule`, replacing a rule with the same id.
    pub fn with_rule(mut self, rule: Box<dyn Rule>) -> Self {
        self.rules.retain(|r| r.id() != rule.id());
        self.rules.push(rule);
        self
    }

    /// The rules, in the order they run.
    pub fn rules(&self) -> impl Iterator<Item = &dyn Rule> + '_ {
        self.rules.iter().map(|r| r.as_ref())
    }

    /// The rule with `id`.
    pub fn rule(&self, id: &str) -> Option<&dyn Rule> {
        self.rules().find(|r| r.id() == id)
    }

    /// Fails when the policy names a rule this linter does not have (a typo there would
    /// silently leave the rule at its default).
    pub fn check_policy(&self, policy: &Policy) -> Result<(), PolicyError> {
        // The Galera rule runs outside the linter (only the target decides it) but is
        // configured like any other.
        let known: Vec<&str> = self.rules().map(|r| r.id()).chain([galera::RULE]).collect();
        match policy.rules().find(|(id, _)| !known.contains(id)) {
            None => Ok(()),
            Some((id, _)) => Err(PolicyError {
                path: policy.path().map(PathBuf::from),
                message: format!(
                    "[lint] names unknown rule `{id}` (known: {})",
                    known.join(", ")
                ),
            }),
        }
    }

    /// Lints `migrations` (resolved for `dialect`) under `policy`.
    pub fn lint<'a>(
        &self,
        migrations: impl IntoIterator<Item = &'a Migration>,
        dialect: Dialect,
        policy: &Policy,
    ) -> LintReport {
        let migrations: Vec<&Migration> = migrations.into_iter().collect();
        // Each migration is linted on its own: a long plan is cut among a few threads.
        parallel::in_chunks(&migrations, |chunk| {
            self.lint_chunk(chunk.iter().copied(), dialect, policy)
        })
    }

    /// [`Linter::lint`] on this thread.
    fn lint_chunk<'a>(
        &self,
        migrations: impl IntoIterator<Item = &'a Migration>,
        dialect: Dialect,
        policy: &Policy,
    ) -> LintReport {
        let mut report = LintReport::default();
        for m in migrations {
            report.migrations += 1;
            if m.lint.off {
                report.skipped.push(m.id.clone());
                continue;
            }
            let ctx = RuleContext::new(m, dialect);
            report.created.push(Created {
                migration: m.id.clone(),
                tables: ctx.created_tables(),
                before: report.findings.len(),
            });
            report.statements += ctx.statement_count();
            report.unparsed += ctx.unparsed_count();
            let mut found = Vec::new();
            for rule in &self.rules {
                let severity = policy.severity(rule.as_ref());
                if severity == Severity::Off {
                    continue;
                }
                let start = found.len();
                rule.check(&ctx, &mut found);
                for f in &mut found[start..] {
                    f.severity = severity;
                }
            }
            for f in &mut found {
                f.allowed = m
                    .lint
                    .allow
                    .iter()
                    .find(|a| a.rule == f.rule)
                    .map(|a| a.reason.clone());
            }
            found.extend(self.unknown_allows(&ctx));
            found.sort_by_key(|f| (f.direction == Direction::Down, f.line, f.column));
            report.findings.append(&mut found);
        }
        report
    }

    /// `allow` entries naming no rule of this linter: a typo there never allows anything.
    fn unknown_allows(&self, ctx: &RuleContext<'_>) -> Vec<LintFinding> {
        ctx.migration()
            .lint
            .allow
            .iter()
            .filter(|a| self.rule(&a.rule).is_none())
            .map(|a| {
                // The Galera rule runs outside the linter (only the target decides it) but is
                // configured like any other.
                let known: Vec<&str> = self.rules().map(|r| r.id()).chain([galera::RULE]).collect();
                ctx.finding_at_line(
                    "allow",
                    Severity::Warn,
                    a.line,
                    a.column,
                    format!("`allow` names unknown rule `{}`: it allows nothing", a.rule),
                    format!("use one of: {}", known.join(", ")),
                )
            })
            .collect()
    }
}

/// Lints every migration of `set` with `linter` under `policy`.
pub fn lint(set: &MigrationSet, policy: &Policy, linter: &Linter) -> LintReport {
    linter.lint(set.iter(), set.dialect(), policy)
}

/// What a lint run found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// Findings, by migration in apply order, then by position.
    pub findings: Vec<LintFinding>,
    /// Migrations looked at (including those with `lint: off`).
    pub migrations: usize,
    /// Statements parsed.
    pub statements: usize,
    /// Statements sqlparser could not parse (so no safety rule checked them).
    pub unparsed: usize,
    /// Migrations skipped by `lint: off`.
    pub skipped: Vec<String>,
    /// Tables each linted migration creates, in order (for [`judge`]'s reasons).
    #[serde(skip)]
    pub created: Vec<Created>,
}

impl LintReport {
    /// Findings that block: deny level and not allowed.
    pub fn blocking(&self) -> impl Iterator<Item = &LintFinding> + '_ {
        self.findings.iter().filter(|f| f.blocks())
    }

    /// Whether any finding blocks.
    pub fn is_blocked(&self) -> bool {
        self.blocking().next().is_some()
    }

    /// Number of findings at `severity` that are not allowed.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.allowed.is_none())
            .count()
    }
}

#[cfg(test)]
mod tests;
