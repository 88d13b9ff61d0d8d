//! Each command's result as a [`Suite`]: lint and validate (a case per migration), load
//! problems (a case per file), rollback proofs (a case per migration) and drift (a case per
//! table that differs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cairn::lint::{LintFinding, LintReport, Linter, Severity};
use cairn::{DriftReport, Finding, LoadErrors, MigrationSet, RollbackOutcome, RollbackReport};
use serde_json::json;

use super::{Case, Issue, Level, Location, Suite};

/// `path` relative to the working directory when it is under it, as SARIF and CI reporters
/// resolve paths from the repository root.
fn rel(path: &Path) -> PathBuf {
    if path.is_absolute()
        && let Ok(cwd) = std::env::current_dir()
        && let Ok(rest) = path.strip_prefix(&cwd)
    {
        return rest.to_path_buf();
    }
    path.to_path_buf()
}

fn at(file: &Path, line: u32, column: u32) -> Option<Location> {
    Some(Location::new(&rel(file), line, column))
}

fn case(name: &str, file: Option<&Path>) -> Case {
    Case::new(name, file.map(rel).as_deref())
}

/// A lint finding: deny is an error, warn a warning, info a note; an allowed finding keeps its
/// level and is suppressed with its reason.
fn lint_issue(f: &LintFinding) -> Issue {
    let level = match f.severity {
        Severity::Deny => Level::Error,
        Severity::Warn => Level::Warning,
        Severity::Info | Severity::Off => Level::Note,
    };
    let mut message = f.message.clone();
    if !f.help.is_empty() {
        message.push_str(&format!(". Instead: {}", f.help));
    }
    if let Some(reason) = &f.judged {
        message.push_str(&format!(" (not blocking: {reason})"));
    }
    Issue {
        rule: f.rule.clone(),
        level,
        message,
        location: at(&f.file, f.line, f.column),
        suppressed: f.allowed.clone(),
    }
}

/// Cases per migration of `set` with its lint findings; `lint: off` skips a case.
fn lint_cases(set: &MigrationSet, report: &LintReport) -> Vec<Case> {
    set.iter()
        .map(|m| {
            let mut c = case(&m.id, Some(&m.file));
            c.issues = report
                .findings
                .iter()
                .filter(|f| f.migration == m.id)
                .map(lint_issue)
                .collect();
            if report.skipped.contains(&m.id) {
                c.skipped = Some("lint: off".into());
            }
            c
        })
        .collect()
}

fn lint_rules(suite: &mut Suite, linter: &Linter) {
    for r in linter.rules() {
        suite.rule(r.id(), r.summary());
    }
}

/// `migrate lint`.
pub fn lint(set: &MigrationSet, report: &LintReport, linter: &Linter) -> Suite {
    let mut suite = Suite::new("migrate lint");
    lint_rules(&mut suite, linter);
    suite.property("dialect", set.dialect());
    suite.cases = lint_cases(set, report);
    suite
}

/// `migrate validate`: lint findings and the history's findings, per migration; a migration
/// applied but without a file gets a case of its own.
pub fn validate(
    set: &MigrationSet,
    report: &LintReport,
    findings: &[Finding],
    linter: &Linter,
    database: &str,
) -> Suite {
    let mut suite = Suite::new("migrate validate");
    lint_rules(&mut suite, linter);
    suite.property("dialect", set.dialect());
    suite.property("database", database);
    suite.cases = lint_cases(set, report);
    for f in findings {
        let (rule, description) = match f {
            Finding::Changed { .. } => ("validate/changed", "An applied migration's file changed"),
            Finding::Missing { .. } => ("validate/missing", "An applied migration has no file"),
            Finding::Failed { .. } => ("validate/failed", "A migration failed part-way"),
            Finding::RevertFailed { .. } => ("validate/revert_failed", "A revert failed part-way"),
            Finding::Interrupted { .. } => ("validate/interrupted", "A run was interrupted"),
        };
        suite.rule(rule, description);
        let file = set.get(f.id()).map(|m| m.file.clone());
        let mut message = f.headline();
        if let Finding::Changed { diff, .. } = f {
            message.push('\n');
            message.push_str(diff.trim_end());
        }
        let issue = Issue {
            rule: rule.into(),
            level: if f.is_error() {
                Level::Error
            } else {
                Level::Warning
            },
            message,
            location: file.as_deref().and_then(|p| at(p, 0, 0)),
            suppressed: None,
        };
        match suite.cases.iter_mut().find(|c| c.name == f.id()) {
            Some(c) => c.issues.push(issue),
            None => {
                let mut c = case(f.id(), None);
                c.issues.push(issue);
                suite.cases.push(c);
            }
        }
    }
    suite
}

/// Migration files that do not load (`lint`, `validate`): a case per file, an error per
/// problem.
pub fn load_problems(command: &str, problems: &LoadErrors) -> Suite {
    let mut suite = Suite::new(command);
    let mut by_file: BTreeMap<&Path, Case> = BTreeMap::new();
    for p in &problems.0 {
        let kind = json!(p.kind).as_str().unwrap_or("error").to_string();
        let rule = format!("load/{kind}");
        suite.rule(
            &rule,
            &format!(
                "Migration files that do not load: {}",
                kind.replace('_', " ")
            ),
        );
        let c = by_file
            .entry(&p.file)
            .or_insert_with(|| case(&p.file.display().to_string(), Some(&p.file)));
        c.issues.push(Issue {
            rule,
            level: Level::Error,
            message: p.message.clone(),
            location: at(&p.file, p.line, p.column),
            suppressed: None,
        });
    }
    suite.cases = by_file.into_values().collect();
    suite
}

/// `migrate test`: a case per migration reached (failed, passed, or skipped without `down`),
/// the ones never reached skipped.
pub fn rollback(report: &RollbackReport) -> Suite {
    let mut suite = Suite::new("migrate test");
    suite.property("database", &report.database);
    for check in &report.checks {
        let mut c = case(&check.id, Some(&check.file));
        c.time_ms = Some(check.up_ms + check.down_ms.unwrap_or(0));
        let rule = format!("rollback/{}", check.outcome.name());
        let headline = crate::migrate_test::headline(&check.outcome);
        let (level, message, location) = match &check.outcome {
            RollbackOutcome::Restored => {
                suite.cases.push(c);
                continue;
            }
            RollbackOutcome::NoDown => {
                c.skipped = Some(headline.to_string());
                (
                    Level::Note,
                    format!("{} has no down: its rollback is not tested", check.id),
                    at(&check.file, 0, 0),
                )
            }
            RollbackOutcome::NotRestored {
                differences,
                up_again,
            } => {
                let mut m = headline.to_string();
                for d in differences {
                    m.push_str(&format!("\n{}", d.describe()));
                }
                if let Some(f) = up_again {
                    m.push_str(&format!(
                        "\nthen up, applied again, failed at statement {}: {}",
                        f.statement, f.message
                    ));
                }
                (Level::Error, m, at(&check.file, check.down_line, 0))
            }
            outcome => match outcome.failure() {
                Some(f) => (
                    Level::Error,
                    format!(
                        "{headline}: {} statement {} of {} failed: {}\nstatement: {}",
                        f.direction,
                        f.statement,
                        f.count,
                        f.message,
                        f.excerpt()
                    ),
                    at(f.file.as_ref().unwrap_or(&check.file), f.line, 0),
                ),
                None => (Level::Error, headline.to_string(), at(&check.file, 0, 0)),
            },
        };
        suite.rule(
            &rule,
            &format!("Rollback proof: {}", check.outcome.name().replace('_', " ")),
        );
        c.issues.push(Issue {
            rule,
            level,
            message,
            location,
            suppressed: None,
        });
        suite.cases.push(c);
    }
    if let Some(s) = &report.stopped {
        for id in &report.untested {
            let mut c = case(id, None);
            c.skipped = Some(format!("not reached: the proof stopped after {}", s.id));
            suite.cases.push(c);
        }
        if !suite.cases.iter().any(Case::failed) {
            suite.rule("rollback/stopped", "Rollback proof stopped");
            let mut c = case(&format!("stopped after {}", s.id), None);
            c.issues.push(Issue {
                rule: "rollback/stopped".into(),
                level: Level::Error,
                message: s.reason.clone(),
                location: None,
                suppressed: None,
            });
            suite.cases.push(c);
        }
    }
    suite
}

/// `drift`: a failing case per table that differs, each difference an error located by
/// `locate` (the file that defines or last changes the table); one passing case without drift.
pub fn drift(report: &DriftReport, locate: impl Fn(&str) -> Option<Location>) -> Suite {
    let mut suite = Suite::new("drift");
    suite.property("database", &report.database);
    suite.property("expected", &report.expected);
    suite.property("ignored", report.ignored);
    if !report.drifted() {
        suite.cases.push(case(
            &format!("{} matches {}", report.database, report.expected),
            None,
        ));
        return suite;
    }
    for d in &report.differences {
        let table = d.table();
        let kind = json!(d)["kind"]
            .as_str()
            .unwrap_or("difference")
            .to_string();
        let rule = format!("drift/{kind}");
        suite.rule(&rule, &format!("Schema drift: {}", kind.replace('_', " ")));
        let location = locate(table);
        let issue = Issue {
            rule,
            level: Level::Error,
            message: format!(
                "{} (+ only in the database, - missing from it, ~ changed; expected: {})",
                d.describe(),
                report.expected
            ),
            location: location.clone(),
            suppressed: None,
        };
        match suite.cases.iter_mut().find(|c| c.name == table) {
            Some(c) => c.issues.push(issue),
            None => {
                let mut c = Case::new(table, None);
                c.file = location.map(|l| l.file);
                c.issues.push(issue);
                suite.cases.push(c);
            }
        }
    }
    suite
}

/// The first line of `files` (the last file that has one, with `last`) naming `table` as a
/// word, case-insensitively: where a reader looks for the table's definition.
pub fn locate_table(files: &[PathBuf], table: &str, last: bool) -> Option<Location> {
    let want = table.to_lowercase();
    let mut found = None;
    for file in files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let line = text.lines().position(|l| names(&l.to_lowercase(), &want));
        if let Some(i) = line {
            found = at(file, u32::try_from(i + 1).unwrap_or(0), 0);
            if !last {
                break;
            }
        }
    }
    found
}

/// Whether `line` has `word` not inside a longer identifier.
fn names(line: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_named_as_a_word() {
        assert!(names("create table users (id int);", "users"));
        assert!(names("  - name: \"users\"", "users"));
        assert!(!names("create table users_old (id int);", "users"));
        assert!(!names("create table app_users (id int);", "users"));
    }
}
