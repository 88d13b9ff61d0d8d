//! Atlas versioned migrations: `<version>_<name>.sql` files at the top of the folder, checked
//! against `atlas.sum` before anything is read.
//!
//! Rules from ariga/atlas: files are `*.sql`, applied in the lexicographic order of their
//! names (`sql/migrate/dir.go`, `LocalDir.Files`); the version is the name up to the first `_`
//! and the rest is the description (`LocalFile.Version`, `Desc`); a folder with migration files
//! must have an `atlas.sum` that matches them (`Validate`, see `atlas_sum`); file directives
//! are the leading comment lines when a blank line follows them (`LocalFile.comments`), and
//! `atlas:txmode none` there runs the file outside a transaction (`cmd/atlas/internal/cmdapi/
//! migrate.go`, `txmodeFor`: one value, `none` or `file`); a first line `-- atlas:delimiter X`
//! changes how statements are cut (`sql/migrate/lex.go`, see `atlas_split`).

#[path = "atlas_split.rs"]
mod split;
#[path = "atlas_sum.rs"]
pub(crate) mod sum;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Layout;
use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::Dialect;
use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::model::Migration;

/// Reads an Atlas folder: its `.sql` files in name order, once `atlas.sum` vouches for them.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut texts: Vec<(PathBuf, Arc<str>)> = Vec::new();
    let mut problems = Vec::new();
    for path in listing.files.iter().filter(|p| files::is_sql(p)) {
        match files::read(path) {
            Ok(text) => texts.push((path.clone(), text)),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    check_sum(root, &texts)?;
    let mut entries = Vec::new();
    for (position, (path, text)) in texts.iter().enumerate() {
        match entry(path, text, position) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// The folder's migrations for `dialect`; files that set a delimiter get Atlas's statements.
pub(crate) fn migrations(
    entries: Vec<Entry>,
    dialect: Dialect,
) -> Result<Vec<Migration>, LoadErrors> {
    let mut out = super::entry::migrations(entries, Layout::Atlas, dialect)?;
    let mut problems = Vec::new();
    for m in &mut out {
        match split::delimited(&m.up.sql) {
            None => {}
            Some(Ok(statements)) => m.up.set_statements(statements),
            Some(Err((at, message))) => problems.push(problem(
                ProblemKind::Sql,
                &m.file,
                u32::try_from(m.up.sql[..at].matches('\n').count() + 1).unwrap_or(0),
                format!("cannot scan the statements as Atlas does: {message}"),
                Some(&m.source),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(LoadErrors(problems))
    }
}

/// Refuses the folder unless `atlas.sum` matches its files, as `atlas migrate validate` does.
fn check_sum(root: &Path, texts: &[(PathBuf, Arc<str>)]) -> Result<(), Vec<Problem>> {
    let path = root.join(sum::SUM_FILE);
    if !path.is_file() {
        if texts.is_empty() {
            return Ok(());
        }
        return Err(vec![problem(
            ProblemKind::Format,
            &path,
            0,
            "checksum file not found: Atlas refuses migration files without their atlas.sum; run `atlas migrate hash`".to_string(),
            None,
        )]);
    }
    let text = files::read(&path).map_err(|p| vec![p])?;
    let list: Vec<(&str, &[u8])> = texts
        .iter()
        .map(|(p, t)| (files::name(p), t.as_bytes()))
        .collect();
    sum::validate(&text, &sum::compute(&list)).map_err(|m| {
        vec![problem(
            ProblemKind::Format,
            &path,
            m.line,
            m.message,
            Some(&text),
        )]
    })
}

fn entry(path: &Path, text: &Arc<str>, position: usize) -> Result<Entry, Problem> {
    let file_name = files::name(path);
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    let (version, name) = stem.split_once('_').unwrap_or((stem, ""));
    let comments = file_comments(text);
    let fail = |line: usize, message: String| {
        problem(
            ProblemKind::Format,
            path,
            u32::try_from(line + 1).unwrap_or(0),
            message,
            Some(text),
        )
    };
    if let Some(i) = comments
        .iter()
        .position(|c| directive(c, "checkpoint").is_some())
    {
        return Err(fail(
            i,
            "Atlas checkpoint files (`atlas:checkpoint`) are not supported: Atlas starts a new database from the last checkpoint and skips the files before it".to_string(),
        ));
    }
    let modes: Vec<(usize, &str)> = comments
        .iter()
        .enumerate()
        .filter_map(|(i, c)| directive(c, "txmode").map(|(_, arg)| (i, arg)))
        .collect();
    let transaction = match modes.as_slice() {
        [] | [(_, "file")] => true,
        [(_, "none")] => false,
        [(i, "all")] => {
            return Err(fail(
                *i,
                "txmode \"all\" is not allowed in a file directive: use \"file\"".to_string(),
            ));
        }
        [(i, other)] => return Err(fail(*i, format!("unknown txmode {other:?}"))),
        [_, (i, _), ..] => return Err(fail(*i, "more than one txmode directive".to_string())),
    };
    let mut notes = Vec::new();
    let mut up = Section::whole(path, text);
    if split::delimited(text).is_some() {
        // Atlas cuts this file at its own delimiter (`atlas::migrations` does the same); the
        // whole text is one block so that Cairn's splitter does not cut it first.
        up.blocks = std::iter::once(0..text.len()).collect();
        notes.push(format!(
            "{}: statements end at the delimiter the file sets (`-- atlas:delimiter` or DELIMITER); an imported file is cut by Cairn's splitter instead",
            path.display()
        ));
    }
    Ok(Entry {
        id: stem.to_string(),
        version: version.to_string(),
        // Atlas orders by the file name as text.
        key: VersionKey::number(&position.to_string()),
        name: name.to_string(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            up,
            down: None,
            transaction,
        }],
        notes,
    })
}

/// The file directives' comment lines (`LocalFile.comments`): the lines starting with `#` or
/// `--` at the top, trimmed, only when a blank line (or the end) follows them.
fn file_comments(content: &str) -> Vec<&str> {
    let mut comments = Vec::new();
    let mut rest = content;
    while rest.starts_with('#') || rest.starts_with("--") {
        match rest.find('\n') {
            Some(i) => {
                comments.push(rest[..i].trim());
                rest = &rest[i + 1..];
            }
            None => {
                // A file of comments only; Atlas keeps `rest` as it is, so the check below
                // drops them unless the text ended in a newline.
                comments.push(rest);
                break;
            }
        }
    }
    if !rest.is_empty() && !rest.trim_start_matches([' ', '\t']).starts_with('\n') {
        return Vec::new();
    }
    comments
}

/// An `atlas:<name> <args>` directive at the start of `content` (Atlas's `reDirective`,
/// `^([ -~]*)atlas:(\w+)(?: +(.+))*`): the text before it and its arguments.
pub(crate) fn directive<'a>(content: &'a str, name: &str) -> Option<(&'a str, &'a str)> {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let printable = content
        .bytes()
        .take_while(|b| (b' '..=b'~').contains(b))
        .count();
    // The prefix is greedy: the last `atlas:` of the printable run that a word follows.
    let at = content[..printable]
        .match_indices("atlas:")
        .map(|(i, _)| i)
        .filter(|&i| content.as_bytes().get(i + 6).is_some_and(word))
        .last()?;
    let rest = &content[at + 6..];
    let len = rest.bytes().take_while(word).count();
    if &rest[..len] != name {
        return None;
    }
    let line = rest[len..].split('\n').next().unwrap_or("");
    let spaces = line.bytes().take_while(|b| *b == b' ').count();
    let args = match spaces {
        0 => "",
        n if n < line.len() => &line[n..],
        // Only spaces: the regex leaves the last one to `(.+)`.
        n if n >= 2 => &line[n - 1..],
        _ => "",
    };
    Some((&content[..at], args))
}

#[cfg(test)]
#[path = "atlas_tests.rs"]
mod tests;
