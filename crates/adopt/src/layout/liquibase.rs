//! Liquibase formatted SQL: every changeset of every `.sql` file under the folder, files in the
//! order `includeAll` reads them (`DatabaseChangeLog.getStandardChangeLogComparator`: the
//! path as a string, so `002-extra.sql` comes before `002/a.sql`), changesets in file order.
//!
//! A changeset is one migration with the id `<file>::<id>::<author>` (Liquibase's own
//! spelling; the file is the `logicalFilePath` when the header sets one). A `.sql` file without
//! the `--liquibase formatted sql` header is one changeset `raw::includeAll` run as a single
//! statement (`SqlChangeLogParser`). Lines are cut by `liquibase_parse`.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::liquibase_parse::{Changeset, attribute, flag, is_formatted, parse};
use super::version::VersionKey;
use crate::Dialect;
use crate::error::{Problem, ProblemKind};

/// Reads a folder of Liquibase changelogs: its entries already in Liquibase's order.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, true).map_err(|e| e.0)?;
    let mut paths: Vec<(String, &Path)> = listing
        .files
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(root).ok()?.to_str()?.replace('\\', "/");
            (!files::name(p).starts_with('.')).then_some((rel, p.as_path()))
        })
        .collect();
    paths.sort();
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (rel, path) in &paths {
        let lower = rel.to_ascii_lowercase();
        if [".xml", ".yaml", ".yml", ".json"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            problems.push(files::not_sql(path, "Liquibase XML/YAML/JSON changelogs"));
            continue;
        }
        if !lower.ends_with(".sql") {
            continue;
        }
        match files::read(path)
            .map_err(|p| vec![p])
            .and_then(|text| read_file(path, rel, &text))
        {
            Ok(found) => entries.extend(found),
            Err(mut p) => problems.append(&mut p),
        }
    }
    let entries = files::all_or_problems(entries, problems)?;
    Ok(entries
        .into_iter()
        .enumerate()
        .map(|(position, entry)| Entry {
            key: VersionKey::number(&position.to_string()),
            ..entry
        })
        .collect())
}

/// The entries of one file; `rel` is its path in the folder.
fn read_file(path: &Path, rel: &str, text: &Arc<str>) -> Result<Vec<Entry>, Vec<Problem>> {
    if !is_formatted(text) {
        if text.is_empty() {
            return Err(vec![problem(
                ProblemKind::Format,
                path,
                0,
                "Liquibase cannot read an empty changelog file".to_string(),
                None,
            )]);
        }
        let mut up = Section::whole(path, text);
        up.blocks = std::iter::once(0..text.len()).collect();
        return Ok(vec![entry(
            format!("{rel}::raw::includeAll"),
            "raw",
            "includeAll",
            vec![Variant {
                dialect: None,
                up,
                down: None,
                transaction: true,
            }],
            Vec::new(),
        )]);
    }
    let log = parse(path, text).map_err(|p| vec![p])?;
    let file = log.logical_path.as_deref().unwrap_or(rel);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut seen: Vec<(&str, &str, u32)> = Vec::new();
    for c in &log.changesets {
        if let Some((_, _, first)) = seen.iter().find(|(a, i, _)| *a == c.author && *i == c.id) {
            problems.push(fail(
                path,
                text,
                c.line,
                format!(
                    "changeset `{}:{}` is declared twice (first on line {first}); Liquibase refuses duplicate identifiers",
                    c.author, c.id
                ),
            ));
            continue;
        }
        seen.push((&c.author, &c.id, c.line));
        if flag(&c.attributes, "ignore", false) {
            continue;
        }
        match changeset_entry(path, text, file, c, &log.changesets) {
            Ok(e) => out.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(out, problems)
}

fn entry(
    id: String,
    version: &str,
    name: &str,
    variants: Vec<Variant>,
    notes: Vec<String>,
) -> Entry {
    Entry {
        id,
        version: version.to_string(),
        key: VersionKey::number(""),
        name: name.to_string(),
        repeatable: false,
        variants,
        notes,
    }
}

fn fail(path: &Path, text: &str, line: u32, msg: String) -> Problem {
    problem(ProblemKind::Format, path, line, msg, Some(text))
}

/// One changeset as an entry: its SQL with Liquibase's splitting rules, its rollback, one
/// variant per dialect its `dbms` admits.
fn changeset_entry(
    path: &Path,
    text: &Arc<str>,
    file: &str,
    c: &Changeset,
    all: &[Changeset],
) -> Result<Entry, Problem> {
    let attrs = c.attributes.as_str();
    if c.sql_lines.is_empty() {
        return Err(fail(
            path,
            text,
            c.line,
            format!(
                "no SQL for changeset `{}:{}` (Liquibase refuses it)",
                c.author, c.id
            ),
        ));
    }
    let up = up_section(path, text, c);
    let down = rollback(path, text, file, c, all)?;
    let mut notes: Vec<String> = c
        .unsupported
        .iter()
        .map(|n| format!("{}:{n}", path.display()))
        .collect();
    let at = format!("{}:{}", path.display(), c.line);
    for (name, default, what) in [
        (
            "runOnChange",
            false,
            "runOnChange: Cairn runs the changeset once; an edited changeset is reported as changed",
        ),
        (
            "runAlways",
            false,
            "runAlways: Cairn runs the changeset once",
        ),
        (
            "failOnError",
            true,
            "failOnError:false: Cairn stops on an error in this changeset",
        ),
    ] {
        if flag(attrs, name, default) != default {
            notes.push(format!("{at}: {what}"));
        }
    }
    for name in ["context", "contextFilter", "labels", "runWith"] {
        if attribute(attrs, name, false).is_some_and(|v| !v.is_empty()) {
            notes.push(format!(
                "{at}: `{name}` is not supported: Cairn runs the changeset as Liquibase does when no contexts or labels are given"
            ));
        }
    }
    let dbms = attribute(attrs, "dbms", false).map(str::to_ascii_lowercase);
    let dialects: Vec<Option<Dialect>> = match dbms.as_deref().filter(|d| !d.is_empty()) {
        None => vec![None],
        Some(list) => {
            let list: Vec<&str> = list.split(',').map(str::trim).collect();
            if admits(&list, "mysql") != admits(&list, "mariadb") {
                notes.push(format!(
                    "{at}: dbms `{}` tells MySQL and MariaDB apart; Cairn's MySQL dialect serves both and runs it",
                    list.join(",")
                ));
            }
            [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql]
                .into_iter()
                .filter(|d| match d {
                    Dialect::Sqlite => admits(&list, "sqlite"),
                    Dialect::Postgres => admits(&list, "postgresql"),
                    Dialect::Mysql => admits(&list, "mysql") || admits(&list, "mariadb"),
                })
                .map(Some)
                .collect()
        }
    };
    let transaction = flag(attrs, "runInTransaction", true);
    let variants = dialects
        .into_iter()
        .map(|dialect| Variant {
            dialect,
            up: up.clone(),
            down: down.clone(),
            transaction,
        })
        .collect();
    Ok(entry(
        format!("{file}::{}::{}", c.id, c.author),
        &c.id,
        &c.author,
        variants,
        notes,
    ))
}

/// `DatabaseList.definitionMatches` for one short name (`postgresql`, `mysql`, `mariadb`,
/// `sqlite`).
fn admits(list: &[&str], short_name: &str) -> bool {
    if list.contains(&"all") {
        return true;
    }
    if list.contains(&"none") || list.contains(&format!("!{short_name}").as_str()) {
        return false;
    }
    let positive: Vec<&&str> = list.iter().filter(|d| !d.starts_with('!')).collect();
    positive.is_empty() || positive.contains(&&short_name)
}

/// The changeset's SQL lines in place: every other line of the body (Liquibase directives,
/// which MySQL would not read as comments without a blank after `--`, and `--ignoreLines`)
/// is blanked with spaces of the same byte length, so lines and offsets still match the file.
fn up_section(path: &Path, text: &Arc<str>, c: &Changeset) -> Section {
    let shift = |r: &Range<usize>| r.start - c.body.start..r.end - c.body.start;
    let lines: Vec<Range<usize>> = c.sql_lines.iter().map(shift).collect();
    let body = &text[c.body.clone()];
    let mut sql = String::with_capacity(body.len());
    let mut next = lines.iter().peekable();
    for (at, ch) in body.char_indices() {
        while next.peek().is_some_and(|l| l.end <= at) {
            next.next();
        }
        let kept = next.peek().is_some_and(|l| l.contains(&at));
        if kept || matches!(ch, '\n' | '\r') {
            sql.push(ch);
        } else {
            sql.push_str(&" ".repeat(ch.len_utf8()));
        }
    }
    let attrs = &c.attributes;
    let blocks = blocks(
        &mut sql,
        &lines,
        flag(attrs, "splitStatements", true),
        attribute(attrs, "endDelimiter", true).filter(|d| !d.is_empty()),
    );
    Section {
        path: path.to_path_buf(),
        source: Arc::clone(text),
        sql,
        first_line: c.line + 1,
        blocks,
        unread: false,
    }
}

/// The rollback: `--rollback` lines, a `/* liquibase rollback */` block, `not required` /
/// `empty` (nothing to run), or another changeset of the file named by `changeSetId`.
fn rollback(
    path: &Path,
    text: &Arc<str>,
    file: &str,
    c: &Changeset,
    all: &[Changeset],
) -> Result<Option<Section>, Problem> {
    let Some((sql, line)) = &c.rollback else {
        return Ok(None);
    };
    let lower = sql.trim().to_ascii_lowercase();
    let section = |sql: String, blocks| Section {
        path: path.to_path_buf(),
        source: Arc::clone(text),
        sql,
        first_line: *line,
        blocks,
        unread: false,
    };
    if lower.starts_with("not required") || lower.starts_with("empty") {
        return Ok(Some(section(String::new(), Vec::new())));
    }
    if lower.contains("changesetid") {
        let flat = sql.replace(['\n', '\r'], "");
        let value = |name| attribute(&flat, name, false).filter(|v| !v.is_empty());
        let (Some(id), Some(author)) = (value("changeSetId"), value("changesetAuthor")) else {
            return Err(fail(
                path,
                text,
                *line,
                "a rollback naming a changeset needs `changeSetId:` and `changesetAuthor:`".into(),
            ));
        };
        let here = value("changesetPath").is_none_or(|p| p == file);
        let target = all
            .iter()
            .find(|o| here && o.id == id && o.author == author);
        return match target {
            Some(o) => Ok(Some(up_section(path, text, o))),
            None => Err(fail(
                path,
                text,
                *line,
                format!(
                    "the rollback names changeset `{author}:{id}`, which is not in this file (Cairn reads rollbacks from the same file only)"
                ),
            )),
        };
    }
    let mut lines = Vec::new();
    let mut at = 0;
    for l in sql.split_inclusive('\n') {
        if !l.trim().is_empty() {
            lines.push(at..at + l.len());
        }
        at += l.len();
    }
    let attrs = &c.attributes;
    let mut sql = sql.clone();
    let blocks = blocks(
        &mut sql,
        &lines,
        flag(attrs, "rollbackSplitStatements", true),
        attribute(attrs, "rollbackEndDelimiter", true).filter(|d| !d.is_empty()),
    );
    Ok(Some(section(sql, blocks)))
}

/// Statements that must not be split further: everything (`splitStatements:false`), or the
/// text between `delimiter`s at the ends of lines (`endDelimiter`, which replaces `;`). `lines`
/// are the byte ranges of the SQL lines. None: Cairn's splitter cuts at `;` as Liquibase does.
/// The delimiters are blanked out of `sql` (they are no SQL), keeping every offset.
fn blocks(
    sql: &mut String,
    lines: &[Range<usize>],
    split: bool,
    delimiter: Option<&str>,
) -> Vec<Range<usize>> {
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return Vec::new();
    };
    if !split {
        return std::iter::once(first.start..last.end).collect();
    }
    let Some(delimiter) = delimiter else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for l in lines {
        let text = sql[l.clone()].trim_end();
        let begin = *start.get_or_insert(l.start);
        let cut = text.len().checked_sub(delimiter.len()).filter(|&i| {
            text.get(i..)
                .is_some_and(|t| t.eq_ignore_ascii_case(delimiter))
        });
        if let Some(i) = cut {
            let at = l.start + i;
            out.push(begin..at);
            sql.replace_range(at..at + delimiter.len(), &" ".repeat(delimiter.len()));
            start = None;
        }
    }
    if let Some(begin) = start {
        out.push(begin..last.end);
    }
    out
}

#[cfg(test)]
#[path = "liquibase_tests.rs"]
mod tests;
