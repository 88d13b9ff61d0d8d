//! The common form every tool's folder is read into ([`Entry`]), and how entries become Cairn
//! migrations: sorted by version, checked for duplicates, split into statements for a dialect
//! and chained so they apply in the tool's order.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::transactions::{cannot_run_in_transaction, may_refuse_transaction};
use super::version::VersionKey;
use super::{Layout, ToolOrigin};
use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::model::{LintSettings, Migration, Script, Splitter};
use crate::split::{Statement, split};
use crate::{Checksum, Dialect};

/// One direction's SQL: a whole file, or a section of one (goose, dbmate).
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// The file it is in.
    pub path: PathBuf,
    /// The whole file's text.
    pub source: Arc<str>,
    /// The SQL, byte-for-byte as in the file.
    pub sql: String,
    /// File line of the first line of `sql`.
    pub first_line: u32,
    /// Byte ranges of `sql` that are one statement each, never split (goose
    /// `StatementBegin`/`StatementEnd` blocks), in order.
    pub blocks: Vec<Range<usize>>,
    /// A down file left unread by an up-side read ([`Section::unread`]): it exists, its SQL is
    /// not known.
    pub unread: bool,
}

impl Section {
    /// A whole file as the SQL.
    pub fn whole(path: &Path, text: &Arc<str>) -> Section {
        Section {
            path: path.to_path_buf(),
            source: Arc::clone(text),
            sql: text.to_string(),
            first_line: 1,
            blocks: Vec::new(),
            unread: false,
        }
    }

    /// A file that exists but was not read (an up-side read's down file).
    pub fn unread(path: &Path) -> Section {
        Section {
            path: path.to_path_buf(),
            source: Arc::from(""),
            sql: String::new(),
            first_line: 1,
            blocks: Vec::new(),
            unread: true,
        }
    }
}

impl Section {
    /// Bytes `range` of `text` as the SQL, starting on file line `first_line`; `blocks` are
    /// byte ranges of `text` inside `range`.
    pub fn cut(
        path: &Path,
        text: &Arc<str>,
        range: Range<usize>,
        first_line: u32,
        blocks: &[Range<usize>],
    ) -> Section {
        Section {
            path: path.to_path_buf(),
            source: Arc::clone(text),
            sql: text.get(range.clone()).unwrap_or_default().to_string(),
            first_line,
            blocks: blocks
                .iter()
                .filter(|b| b.start >= range.start && b.end <= range.end)
                .map(|b| b.start - range.start..b.end - range.start)
                .collect(),
            unread: false,
        }
    }
}

/// Lines of `text` with their byte offset and 1-based line number, line endings included.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, u32, &str)> {
    text.split_inclusive('\n')
        .scan((0usize, 0u32), |(at, n), line| {
            let item = (*at, *n + 1, line);
            *at += line.len();
            *n += 1;
            Some(item)
        })
}

/// One migration's SQL for one dialect (pop has per-dialect files), or for every dialect.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    /// `None`: for every dialect without a variant of its own.
    pub dialect: Option<Dialect>,
    /// Applying SQL.
    pub up: Section,
    /// Reverting SQL, when the tool has one.
    pub down: Option<Section>,
    /// Whether it runs in a transaction.
    pub transaction: bool,
}

/// One migration of another tool's folder.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The Cairn id (see `layout` module docs).
    pub id: String,
    /// The version as spelled in the file name (empty for a repeatable migration).
    pub version: String,
    /// Its order.
    pub key: VersionKey,
    /// The name part of the file name.
    pub name: String,
    /// A Flyway `R__` migration.
    pub repeatable: bool,
    /// Its SQL, per dialect.
    pub variants: Vec<Variant>,
    /// What `migrate import` cannot carry over into a Cairn file.
    pub notes: Vec<String>,
}

impl Entry {
    /// Where the variant for `dialect` is: its own, else the generic one.
    fn variant_at(variants: &[Variant], dialect: Dialect) -> Option<usize> {
        variants
            .iter()
            .position(|v| v.dialect == Some(dialect))
            .or_else(|| variants.iter().position(|v| v.dialect.is_none()))
    }

    /// The file shown for the entry as a whole.
    pub fn path(&self) -> Option<&Path> {
        self.variants.first().map(|v| v.up.path.as_path())
    }
}

/// Sorts entries into the tool's order (versioned by version, then repeatable ones by name) and
/// reports versions that two files share, unless `shared_versions` (then the names and ids
/// order them).
pub(crate) fn order(
    mut entries: Vec<Entry>,
    shared_versions: bool,
) -> Result<Vec<Entry>, Vec<Problem>> {
    entries.sort_by(|a, b| {
        (a.repeatable, &a.key, &a.name, &a.id).cmp(&(b.repeatable, &b.key, &b.name, &b.id))
    });
    let mut problems = Vec::new();
    for pair in entries.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let clash = if a.repeatable {
            b.repeatable && a.name == b.name
        } else {
            !b.repeatable && a.key == b.key && !shared_versions
        };
        if clash {
            let what = if a.repeatable {
                format!("name `{}`", a.name)
            } else {
                format!("version `{}`", b.version)
            };
            problems.push(problem(
                ProblemKind::DuplicateId,
                b.path().unwrap_or(Path::new("")),
                0,
                format!(
                    "{what} is used twice: also by {}",
                    a.path().unwrap_or(Path::new("")).display()
                ),
                None,
            ));
        }
    }
    super::files::all_or_problems(entries, problems)
}

/// Cairn migrations of ordered `entries` for `dialect`, each depending on the one before it.
/// Entries with no SQL for `dialect` (pop files for other dialects only) are left out.
pub(crate) fn migrations(
    entries: Vec<Entry>,
    layout: Layout,
    dialect: Dialect,
) -> Result<Vec<Migration>, LoadErrors> {
    let mut out: Vec<Migration> = Vec::with_capacity(entries.len());
    let mut problems = Vec::new();
    let mut previous: Option<String> = None;
    for entry in entries {
        let Entry {
            id,
            version,
            name,
            repeatable,
            mut variants,
            ..
        } = entry;
        // Taken, not copied: the texts move into the migration.
        let Some(at) = Entry::variant_at(&variants, dialect) else {
            continue;
        };
        let variant = variants.swap_remove(at);
        let own_transaction = manages_own_transaction(&variant.up.sql);
        let file = variant.up.path.clone();
        let source = Arc::clone(&variant.up.source);
        let down_file = variant
            .down
            .as_ref()
            .map(|d| d.path.clone())
            .filter(|p| p.as_os_str() != file.as_os_str());
        let up = script(variant.up, dialect);
        // An unread down file leaves `down` unknown, its file named: running the migration
        // needs it read (`cairn::Error::DownNotRead`).
        let down = variant
            .down
            .filter(|d| !d.unread)
            .map(|d| script(d, dialect));
        // Only SQL naming one of the statements that refuse a transaction is split now; the
        // rest is split when it runs.
        let refuses = if may_refuse_transaction(&up.sql, dialect) {
            match up.statements() {
                Ok(statements) => statements
                    .iter()
                    .any(|s| cannot_run_in_transaction(&s.sql, dialect)),
                Err(e) => {
                    problems.extend(e.0);
                    continue;
                }
            }
        } else {
            false
        };
        let transaction = variant.transaction && !own_transaction && !refuses;
        out.push(Migration {
            description: name.replace('_', " "),
            depends_on: previous.take().into_iter().collect(),
            checksum: Checksum::of_sql(&up.sql),
            up,
            down,
            transaction,
            file,
            down_file,
            source,
            lint: LintSettings::default(),
            up_origins: Vec::new(),
            down_derived: false,
            repeatable,
            origin: Some(ToolOrigin {
                layout,
                version,
                name,
            }),
            id: id.clone(),
        });
        previous = Some(id);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(LoadErrors(problems))
    }
}

/// Whether the SQL opens or commits its own transaction (`BEGIN;` ... `COMMIT;` on lines of
/// their own, as golang-migrate and goose users write): then Cairn must not wrap it in one.
pub(crate) fn manages_own_transaction(sql: &str) -> bool {
    let is = |word: Option<&str>, options: &[&str]| {
        word.is_some_and(|w| options.iter().any(|o| w.eq_ignore_ascii_case(o)))
    };
    sql.lines().any(|line| {
        let Some(stmt) = line.trim().strip_suffix(';') else {
            return false;
        };
        let mut words = stmt.split_whitespace();
        let (first, second) = (words.next(), words.next());
        if words.next().is_some() {
            return false;
        }
        match second {
            None => is(first, &["BEGIN", "COMMIT"]),
            Some(_) if is(first, &["BEGIN", "COMMIT"]) => is(second, &["TRANSACTION", "WORK"]),
            Some(_) => is(first, &["START"]) && is(second, &["TRANSACTION"]),
        }
    })
}

/// The section as a script for `dialect`, split into statements when they are first asked
/// for; `blocks` are one statement each. A problem shows when splitting.
pub(crate) fn script(section: Section, dialect: Dialect) -> Script {
    let Section {
        path,
        source,
        sql,
        first_line,
        blocks,
        ..
    } = section;
    let place = Place {
        path,
        source,
        first_line,
        blocks,
    };
    let splitter: Splitter = Arc::new(move |sql: &str| place.split(sql, dialect));
    Script::deferred(sql, first_line, true, splitter)
}

/// What splitting a section needs besides its SQL, to place statements and problems in the
/// file.
struct Place {
    path: PathBuf,
    source: Arc<str>,
    first_line: u32,
    blocks: Vec<Range<usize>>,
}

impl Place {
    fn split(&self, sql: &str, dialect: Dialect) -> Result<Vec<Statement>, Problem> {
        let mut statements = Vec::new();
        // A byte-order mark stays in the SQL (tools checksum the file as it is) but is no part
        // of the first statement.
        let mut at = if sql.starts_with('\u{feff}') { 3 } else { 0 };
        let end = sql.len()..sql.len();
        for block in self.blocks.iter().chain(std::iter::once(&end)) {
            self.split_part(sql, at..block.start, dialect, &mut statements)?;
            if let Some(stmt) = block_statement(sql, block.clone()) {
                statements.push(stmt);
            }
            at = block.end;
        }
        Ok(statements)
    }

    /// Splits `range` of the SQL (which starts a line) and appends its statements, located in
    /// the whole SQL.
    fn split_part(
        &self,
        sql: &str,
        range: Range<usize>,
        dialect: Dialect,
        out: &mut Vec<Statement>,
    ) -> Result<(), Problem> {
        let Some(part) = sql.get(range.clone()) else {
            return Ok(());
        };
        let lines_before = line_count(&sql[..range.start]);
        let stmts = split(part, dialect).map_err(|e| {
            problem(
                ProblemKind::Sql,
                &self.path,
                self.first_line + lines_before + e.line.saturating_sub(1),
                format!("cannot split the SQL for {dialect}: {e}"),
                Some(&self.source),
            )
        })?;
        out.extend(stmts.into_iter().map(|s| Statement {
            span: s.span.start + range.start..s.span.end + range.start,
            line: s.line + lines_before,
            ..s
        }));
        Ok(())
    }
}

/// The statement of a never-split block: its text without surrounding white space and without
/// one final `;`.
fn block_statement(sql: &str, block: Range<usize>) -> Option<Statement> {
    let text = sql.get(block.clone())?;
    let start = block.start + (text.len() - text.trim_start().len());
    let body = text.trim();
    let body = body.strip_suffix(';').unwrap_or(body).trim_end();
    if body.is_empty() {
        return None;
    }
    let before = &sql[..start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some(Statement {
        sql: body.to_string(),
        span: start..start + body.len(),
        line: line_count(before) + 1,
        column: u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
    })
}

fn line_count(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX)
}

/// A problem in another tool's file; `source` gives the text of `line` for display.
pub(crate) fn problem(
    kind: ProblemKind,
    path: &Path,
    line: u32,
    message: String,
    source: Option<&str>,
) -> Problem {
    let source_line = source
        .filter(|_| line > 0)
        .and_then(|s| s.split('\n').nth(usize::try_from(line - 1).ok()?))
        .map(|l| l.trim_end_matches('\r').to_string());
    Problem {
        kind,
        file: path.to_path_buf(),
        line,
        column: 0,
        message,
        source_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_transactions_are_recognised_on_their_own_lines_only() {
        assert!(manages_own_transaction(
            "BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\n"
        ));
        assert!(manages_own_transaction("start transaction;\n"));
        assert!(!manages_own_transaction(
            "CREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n  SELECT 1;\nEND;\n"
        ));
        assert!(!manages_own_transaction("-- BEGIN;\n"));
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one block: a list of ranges, not a range
    fn blocks_stay_whole_and_lines_map_to_the_file() {
        let sql = "CREATE TABLE a (x int);\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\nCREATE TABLE b (y int);\n";
        let begin = sql.find("CREATE FUNCTION").unwrap();
        let end = sql.find("-- +goose StatementEnd").unwrap();
        let text: Arc<str> = Arc::from(sql);
        let section = Section {
            blocks: vec![begin..end],
            first_line: 3,
            ..Section::whole(Path::new("x.sql"), &text)
        };
        let s = script(section, Dialect::Sqlite);
        let got: Vec<(&str, u32)> = s
            .statements()
            .unwrap()
            .iter()
            .map(|st| (st.sql.as_str(), s.file_line(st)))
            .collect();
        assert_eq!(
            got,
            [
                ("CREATE TABLE a (x int)", 3),
                (
                    "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                    5
                ),
                ("CREATE TABLE b (y int)", 7),
            ]
        );
        assert_eq!(
            &sql[s.statements().unwrap()[1].span.clone()],
            s.statements().unwrap()[1].sql
        );
    }
}
