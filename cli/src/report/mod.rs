//! CI reports: what `drift`, `migrate validate`, `migrate lint` and `migrate test` found, as
//! JUnit XML (test reporters: GitLab, Jenkins, GitHub test-report actions) and SARIF 2.1.0
//! (code-scanning dashboards). Each command turns its result into one [`Suite`] (`from.rs`);
//! the renderers ([`junit::render`], [`sarif::render`]) are pure functions of it.

pub mod from;
pub mod junit;
pub mod sarif;
#[cfg(test)]
pub mod xml_check;

use std::path::Path;

/// How serious an [`Issue`] is: SARIF's `level`; an error fails its JUnit test case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Fails the check (exit 1).
    Error,
    /// Worth a look; does not fail.
    Warning,
    /// Information (an allowed or judged finding, a migration without `down`).
    Note,
}

impl Level {
    /// SARIF's spelling.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// A place in a file: path relative to the working directory, 1-based line and column (0 when
/// unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the command names it.
    pub file: String,
    /// 1-based line, 0 when the issue concerns the whole file.
    pub line: u32,
    /// 1-based column in characters, 0 when unknown.
    pub column: u32,
}

impl Location {
    /// `file`, line and column.
    pub fn new(file: &Path, line: u32, column: u32) -> Location {
        Location {
            file: file.display().to_string(),
            line,
            column,
        }
    }

    /// `file:line:column`, leaving out what is unknown.
    pub fn text(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.file.clone(),
            (l, 0) => format!("{}:{l}", self.file),
            (l, c) => format!("{}:{l}:{c}", self.file),
        }
    }
}

/// One thing found: a lint finding, a validation finding, a failed rollback, a difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Rule id (`delete_without_where`, `validate/changed`, `rollback/down_failed`, ...).
    pub rule: String,
    /// How serious.
    pub level: Level,
    /// What was found (may span lines).
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// Why it is accepted (a migration's `allow` reason): a SARIF suppression.
    pub suppressed: Option<String>,
}

impl Issue {
    /// Whether it fails its test case: an error not suppressed.
    pub fn fails(&self) -> bool {
        self.level == Level::Error && self.suppressed.is_none()
    }

    /// `file:line:col: level [rule] message`, on one or more lines.
    pub fn text(&self) -> String {
        let place = self
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!("{}: ", l.text()));
        let mut s = format!(
            "{place}{} [{}] {}",
            self.level.name(),
            self.rule,
            self.message
        );
        if let Some(reason) = &self.suppressed {
            s.push_str(&format!(" (allowed: {reason})"));
        }
        s
    }
}

/// One JUnit test case: a migration, a rollback proof, a table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Case {
    /// Its name (a migration id, a table).
    pub name: String,
    /// The file it is about, when there is one.
    pub file: Option<String>,
    /// How long it took, when measured.
    pub time_ms: Option<u64>,
    /// What was found.
    pub issues: Vec<Issue>,
    /// Why it was not checked (`lint: off`, no `down`, not reached).
    pub skipped: Option<String>,
}

impl Case {
    /// A case named `name` about `file`.
    pub fn new(name: impl Into<String>, file: Option<&Path>) -> Case {
        Case {
            name: name.into(),
            file: file.map(|f| f.display().to_string()),
            ..Case::default()
        }
    }

    /// Whether an issue fails it.
    pub fn failed(&self) -> bool {
        self.issues.iter().any(Issue::fails)
    }
}

/// A rule a SARIF result can name: its id and a one-line description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The id results use.
    pub id: String,
    /// What it catches.
    pub description: String,
}

/// What one command found: one JUnit test suite, one SARIF run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    /// The command (`cairn migrate lint`).
    pub name: String,
    /// The test cases, in order.
    pub cases: Vec<Case>,
    /// Every rule a result may name (the linter's, then the command's own).
    pub rules: Vec<Rule>,
    /// Facts about the run (dialect, database), as JUnit properties.
    pub properties: Vec<(String, String)>,
}

impl Suite {
    /// An empty suite for `command`.
    pub fn new(command: &str) -> Suite {
        Suite {
            name: format!("cairn {command}"),
            cases: Vec::new(),
            rules: Vec::new(),
            properties: Vec::new(),
        }
    }

    /// Adds rule `id` unless it is there.
    pub fn rule(&mut self, id: &str, description: &str) {
        if !self.rules.iter().any(|r| r.id == id) {
            self.rules.push(Rule {
                id: id.to_string(),
                description: description.to_string(),
            });
        }
    }

    /// Adds a property.
    pub fn property(&mut self, name: &str, value: impl ToString) {
        self.properties.push((name.to_string(), value.to_string()));
    }

    /// Every issue, case by case.
    pub fn issues(&self) -> impl Iterator<Item = &Issue> + '_ {
        self.cases.iter().flat_map(|c| c.issues.iter())
    }
}

/// The two CI formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiFormat {
    /// JUnit XML.
    Junit,
    /// SARIF 2.1.0.
    Sarif,
}

/// `suite` in `format`, as the whole of stdout.
pub fn render(suite: &Suite, format: CiFormat) -> String {
    match format {
        CiFormat::Junit => junit::render(suite),
        CiFormat::Sarif => format!("{:#}\n", sarif::render(suite)),
    }
}
