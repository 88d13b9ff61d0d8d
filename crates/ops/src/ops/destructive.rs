//! Which migrations destroy data, so `migrate up`/`down` can take a backup before running them.
//!
//! A plan is destructive when a statement it would run gets a finding from one of
//! [`DESTRUCTIVE_RULES`]. The project's lint policy does not change that: a rule turned off or
//! a finding `allow`ed in the file still drops the data, so the check lints with the default
//! policy and ignores `lint: off` and `allow`.

use crate::Dialect;
use crate::error::Direction;
use crate::lint::{LintFinding, Linter, Policy};
use crate::model::{LintSettings, Migration};

/// Lint rules whose findings mean rows are deleted or rewritten for good.
pub const DESTRUCTIVE_RULES: &[&str] = &[
    "drop_table",
    "drop_column",
    "truncate",
    "delete_without_where",
    "update_without_where",
    "alter_column_type",
];

/// A word each destructive rule's statements start or go on with (`DROP TABLE`, `ALTER TABLE
/// ... DROP COLUMN | TYPE | MODIFY`, `TRUNCATE`, `DELETE`, `UPDATE`): SQL holding none of them
/// anywhere cannot get a destructive finding, so it is not parsed to find out (parsing every
/// statement of a long plan a second time, after the lint gate, was 7% of `up`).
const DESTRUCTIVE_WORDS: &[&str] = &["DROP", "ALTER", "TRUNCATE", "DELETE", "UPDATE"];

/// Whether `sql` may hold a statement with a destructive finding.
fn may_destroy(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    DESTRUCTIVE_WORDS.iter().any(|w| upper.contains(w))
}

/// Whether findings of the lint rule `rule` mean data is lost.
pub fn is_destructive(rule: &str) -> bool {
    DESTRUCTIVE_RULES.contains(&rule)
}

/// The destructive findings among the statements that running `migrations` in `direction`
/// executes: their `up` SQL for [`Direction::Up`]; for [`Direction::Down`] their `down` SQL
/// (linted as the script that runs, so reverting a `CREATE TABLE` is found to drop it).
pub fn destructive_findings<'a>(
    linter: &Linter,
    migrations: impl IntoIterator<Item = &'a Migration>,
    dialect: Dialect,
    direction: Direction,
) -> Vec<LintFinding> {
    let runs: Vec<Migration> = migrations
        .into_iter()
        .filter_map(|m| {
            let script = match direction {
                Direction::Up => &m.up,
                Direction::Down => m.down.as_ref()?,
            };
            if !may_destroy(&script.sql) {
                return None;
            }
            let mut run = m.clone();
            run.lint = LintSettings::default();
            if direction == Direction::Down {
                run.up = m.down.clone()?;
                run.down = None;
                run.up_origins = Vec::new();
            }
            Some(run)
        })
        .collect();
    let mut findings: Vec<LintFinding> = linter
        .lint(runs.iter(), dialect, &Policy::default())
        .findings
        .into_iter()
        .filter(|f| f.direction == Direction::Up && is_destructive(&f.rule))
        .collect();
    for f in &mut findings {
        f.direction = direction;
    }
    findings
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn set(text: &str) -> cairn_load::MigrationSet {
        let file = cairn_core::SourceFile {
            path: "m/0001_a.yaml".into(),
            default_id: "0001_a".into(),
            text: text.into(),
        };
        cairn_load::load_files(vec![file], Dialect::Sqlite).unwrap()
    }

    fn rules(text: &str, direction: Direction) -> Vec<String> {
        let set = set(text);
        destructive_findings(&Linter::new(), set.iter(), Dialect::Sqlite, direction)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn dropping_an_existing_table_is_destructive_even_when_allowed() {
        let text = "allow:\n  - {rule: drop_table, reason: gone}\nup: DROP TABLE t;\ndown: CREATE TABLE t (id INTEGER);\n";
        assert_eq!(rules(text, Direction::Up), ["drop_table"]);
        assert!(rules(text, Direction::Down).is_empty());
    }

    #[test]
    fn reverting_a_create_table_is_destructive() {
        let text = "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n";
        assert!(rules(text, Direction::Up).is_empty());
        let set = set(text);
        let found =
            destructive_findings(&Linter::new(), set.iter(), Dialect::Sqlite, Direction::Down);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "drop_table");
        assert_eq!(found[0].direction, Direction::Down);
    }

    #[test]
    fn lint_off_does_not_hide_data_loss() {
        let text = "lint: off\nup: DELETE FROM t;\n";
        assert_eq!(rules(text, Direction::Up), ["delete_without_where"]);
    }

    #[test]
    fn only_the_listed_rules_count() {
        assert!(is_destructive("drop_column"));
        assert!(!is_destructive("create_index_without_concurrently"));
        assert!(!is_destructive("syntax"));
    }
}
