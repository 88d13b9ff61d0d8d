//! Lint tests: one module per area; helpers here.

mod config;
mod judge;
mod locate;
mod rules;

use super::*;
use crate::load::load_files;
use crate::source::SourceFile;

/// Loads one migration file (`0001_m.yaml` unless `name` ends in `.json`) for `d`.
fn set_of(name: &str, text: &str, d: Dialect) -> MigrationSet {
    let file = SourceFile {
        path: PathBuf::from(format!("migrations/{name}")),
        default_id: name.rsplit_once('.').map_or(name, |(s, _)| s).to_string(),
        text: text.to_string(),
    };
    load_files(vec![file], d).unwrap_or_else(|e| panic!("{e}"))
}

/// Findings for a YAML migration under the default policy.
fn findings(yaml: &str, d: Dialect) -> Vec<LintFinding> {
    lint(
        &set_of("0001_m.yaml", yaml, d),
        &Policy::default(),
        &Linter::new(),
    )
    .findings
}

/// Rule ids found in a migration whose up is `up` and down is `down`.
fn rules_in(up: &str, down: Option<&str>, d: Dialect) -> Vec<String> {
    let mut yaml = format!("up: |\n{}", indent(up));
    if let Some(down) = down {
        yaml.push_str(&format!("down: |\n{}", indent(down)));
    }
    findings(&yaml, d).into_iter().map(|f| f.rule).collect()
}

/// Rule ids of the up SQL alone, leaving out `down_missing` (no down given).
fn up_rules(up: &str, d: Dialect) -> Vec<String> {
    let mut r = rules_in(up, None, d);
    r.retain(|id| id != "down_missing");
    r
}

fn indent(sql: &str) -> String {
    sql.lines().map(|l| format!("  {l}\n")).collect()
}
