//! What a rule sees of one migration: its statements parsed for the dialect, and helpers to
//! locate a finding in the file.

use std::collections::HashSet;

use super::locate::{Place, key_place, statement_place};
use super::parse::{SyntaxError, parse_statement};
use super::sql;
use super::{LintFinding, Rule, Severity};
use crate::Dialect;
use crate::error::Direction;
use crate::model::{Migration, Script};
use crate::split::Statement;

/// One statement of a script and what sqlparser made of it.
#[derive(Debug, Clone)]
pub struct ParsedStatement<'a> {
    /// The statement as split from the script.
    pub statement: &'a Statement,
    /// The parsed statement(s); empty when parsing failed. Public with the `lint-ast` feature
    /// only: sqlparser's AST changes with every sqlparser release.
    #[cfg(feature = "lint-ast")]
    pub ast: Vec<sql::Statement>,
    /// The parsed statement(s); empty when parsing failed.
    #[cfg(not(feature = "lint-ast"))]
    pub(crate) ast: Vec<sql::Statement>,
    /// Why parsing failed, with the position inside the statement.
    pub error: Option<SyntaxError>,
}

/// One migration, parsed, as rules see it.
#[derive(Debug)]
pub struct RuleContext<'a> {
    migration: &'a Migration,
    dialect: Dialect,
    up: Vec<ParsedStatement<'a>>,
    down: Option<Vec<ParsedStatement<'a>>>,
    created: HashSet<String>,
}

/// A script that cannot be split has no statements to lint: its callers report it as a load
/// problem first (`MigrationSet::split`).
fn parse_script(script: &Script, dialect: Dialect) -> Vec<ParsedStatement<'_>> {
    script
        .statements()
        .unwrap_or_default()
        .iter()
        .map(|statement| match parse_statement(&statement.sql, dialect) {
            Ok(ast) => ParsedStatement {
                statement,
                ast,
                error: None,
            },
            Err(e) => ParsedStatement {
                statement,
                ast: Vec::new(),
                error: Some(e),
            },
        })
        .collect()
}

impl<'a> RuleContext<'a> {
    /// Parses `migration`'s up and down SQL for `dialect`.
    pub fn new(migration: &'a Migration, dialect: Dialect) -> Self {
        let up = parse_script(&migration.up, dialect);
        let down = migration.down.as_ref().map(|d| parse_script(d, dialect));
        let created = up
            .iter()
            .flat_map(|p| &p.ast)
            .filter_map(|s| match s {
                sql::Statement::CreateTable(t) => Some(table_key(&t.name)),
                _ => None,
            })
            .collect();
        RuleContext {
            migration,
            dialect,
            up,
            down,
            created,
        }
    }

    /// The migration.
    pub fn migration(&self) -> &'a Migration {
        self.migration
    }

    /// The dialect its SQL was resolved and parsed for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The up statements.
    pub fn up(&self) -> &[ParsedStatement<'a>] {
        &self.up
    }

    /// The down statements, when the migration has a `down` (written or derived).
    pub fn down(&self) -> Option<&[ParsedStatement<'a>]> {
        self.down.as_deref()
    }

    ast_fn! {
        /// Parsed up statements with their 0-based statement index (unparsed ones are left
        /// out). With the `lint-ast` feature only.
        fn up_statements(&self) -> impl Iterator<Item = (usize, &sql::Statement)> + '_ {
            indexed(&self.up)
        }
    }

    ast_fn! {
        /// Parsed down statements with their 0-based statement index. With the `lint-ast`
        /// feature only.
        fn down_statements(&self) -> impl Iterator<Item = (usize, &sql::Statement)> + '_ {
            indexed(self.down.as_deref().unwrap_or_default())
        }
    }

    ast_fn! {
        /// Whether this migration's up SQL creates table `name`: a table born in the same
        /// migration is empty and unused, so locking, rewriting or dropping it is harmless.
        /// With the `lint-ast` feature only.
        fn creates_table(&self, name: &sql::ObjectName) -> bool {
            self.created.contains(&table_key(name))
        }
    }

    /// Tables this migration's up SQL creates, as `table_key` spells them, sorted.
    pub(crate) fn created_tables(&self) -> Vec<String> {
        let mut tables: Vec<String> = self.created.iter().cloned().collect();
        tables.sort();
        tables
    }

    pub(crate) fn statement_count(&self) -> usize {
        self.up.len() + self.down.as_ref().map_or(0, Vec::len)
    }

    pub(crate) fn unparsed_count(&self) -> usize {
        self.up
            .iter()
            .chain(self.down.iter().flatten())
            .filter(|p| p.error.is_some())
            .count()
    }

    fn script(&self, direction: Direction) -> Option<&'a Script> {
        match direction {
            Direction::Up => Some(&self.migration.up),
            Direction::Down => self.migration.down.as_ref(),
        }
    }

    /// A finding of `rule` at the start of statement `index` (0-based) of the `direction`
    /// script, underlining its first line.
    pub fn finding(
        &self,
        rule: &dyn Rule,
        direction: Direction,
        index: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> LintFinding {
        self.finding_inside(rule, direction, index, None, message, help)
    }

    /// A finding at 1-based (`line`, `column`) inside statement `index` (e.g. where the parser
    /// stopped), underlining the word there.
    pub fn finding_inside(
        &self,
        rule: &dyn Rule,
        direction: Direction,
        index: usize,
        inside: Option<(u32, u32)>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> LintFinding {
        let m = self.migration;
        let place = self
            .script(direction)
            .and_then(|script| {
                let stmt = script.statements().ok()?.get(index)?;
                let origins: &[_] = match direction {
                    Direction::Up => &m.up_origins,
                    // A derived rollback is not in the file: it is found at the `changes` key.
                    Direction::Down => &[],
                };
                Some(statement_place(m, script, origins, stmt, inside))
            })
            .unwrap_or_else(|| key_place(m, direction));
        self.located(
            rule.id(),
            rule.severity(),
            direction,
            Some(index + 1),
            place,
        )
        .with(message.into(), help.into())
    }

    /// A finding of `rule` about the whole `direction` script, at its key (`up:`, `down:`).
    pub fn finding_for_script(
        &self,
        rule: &dyn Rule,
        direction: Direction,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> LintFinding {
        let place = key_place(self.migration, direction);
        self.located(rule.id(), rule.severity(), direction, None, place)
            .with(message.into(), help.into())
    }

    /// A finding at a known file position (used for `allow` entries).
    pub(crate) fn finding_at_line(
        &self,
        rule: &str,
        severity: Severity,
        line: u32,
        column: u32,
        message: String,
        help: String,
    ) -> LintFinding {
        let place = super::locate::place_at(&self.migration.source, line, column);
        self.located(rule, severity, Direction::Up, None, place)
            .with(message, help)
    }

    fn located(
        &self,
        rule: &str,
        severity: Severity,
        direction: Direction,
        statement: Option<usize>,
        place: Place,
    ) -> LintFinding {
        LintFinding {
            rule: rule.to_string(),
            severity,
            message: String::new(),
            help: String::new(),
            migration: self.migration.id.clone(),
            file: self.migration.file.clone(),
            line: place.line,
            column: place.column,
            width: place.width,
            source_line: place.source_line,
            direction,
            statement,
            allowed: None,
            target: None,
            judged: None,
        }
    }
}

impl LintFinding {
    fn with(mut self, message: String, help: String) -> Self {
        self.message = message;
        self.help = help;
        self
    }
}

fn indexed<'s>(
    parsed: &'s [ParsedStatement<'_>],
) -> impl Iterator<Item = (usize, &'s sql::Statement)> + 's {
    parsed
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.ast.iter().map(move |s| (i, s)))
}

/// A table name for comparisons: its last part, lower-cased (schemas and quoting aside, this
/// is how the same table is usually written twice in one migration). Public with the
/// `lint-ast` feature only.
pub fn table_key(name: &sql::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map_or_else(|| name.to_string(), |i| i.value.to_lowercase())
}
