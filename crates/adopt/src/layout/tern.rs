//! tern: `<n>_<name>.sql` files, up and down in one file around the text
//! `---- create above / drop below ----`.
//!
//! Rules from jackc/tern `migrate/migrate.go`: a migration file matches `\A(\d+)_.+\.sql\z`
//! at the top of the folder (`.sql` files in sub-folders are shared templates, not migrations)
//! and other files are ignored; the number is an int32 and the file's place in the sequence,
//! which must run 1, 2, 3... without a gap or a duplicate (`FindMigrations`: "Missing
//! migration N", "Duplicate migration N"); each side of the separator is trimmed of white space
//! (`strings.TrimSpace`), an up side without SQL (only blank and `--` comment lines) is an error
//! (`ErrNoFwMigration`) and an empty down side means irreversible; a line
//! `---- tern: disable-tx ----` runs that side outside a transaction (`disableTxPattern`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// The text between the up and the down SQL.
pub(crate) const SEPARATOR: &str = "---- create above / drop below ----";

/// The line that turns the transaction off.
pub(crate) const DISABLE_TX: &str = "---- tern: disable-tx ----";

/// Reads a tern folder.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut problems = Vec::new();
    let mut by_number: BTreeMap<u32, PathBuf> = BTreeMap::new();
    for path in &listing.files {
        let Some((digits, _)) = name_parts(files::name(path)) else {
            continue;
        };
        // tern parses the number as an int32, and its place in the sequence is number - 1.
        let number = match digits.parse::<i32>() {
            Ok(n) if n >= 1 => n.unsigned_abs(),
            _ => {
                problems.push(problem(
                    ProblemKind::Format,
                    path,
                    0,
                    format!("tern migration number `{digits}` is not between 1 and 2147483647"),
                    None,
                ));
                continue;
            }
        };
        if let Some(first) = by_number.insert(number, path.clone()) {
            problems.push(problem(
                ProblemKind::DuplicateId,
                path,
                0,
                format!("duplicate migration {number}: also {}", first.display()),
                None,
            ));
        }
    }
    if let Some(&last) = by_number.keys().next_back() {
        for gap in (1..last).filter(|n| !by_number.contains_key(n)) {
            problems.push(problem(
                ProblemKind::MissingSql,
                root,
                0,
                format!("missing migration {gap}: tern numbers migrations 1, 2, 3... without gaps"),
                None,
            ));
        }
    }
    let mut entries = Vec::new();
    for path in by_number.values() {
        match entry(path) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// `(digits, name)` of a file name tern reads as a migration.
fn name_parts(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty();
    ok.then_some((digits, name))
}

fn entry(path: &Path) -> Result<Entry, Problem> {
    let file_name = files::name(path);
    let (digits, name) = name_parts(file_name).unwrap_or_default();
    let text = files::read(path)?;
    let (variant, notes) = parse(path, &text)?;
    Ok(Entry {
        id: file_name.trim_end_matches(".sql").to_string(),
        version: digits.to_string(),
        key: VersionKey::number(digits),
        name: name.to_string(),
        repeatable: false,
        variants: vec![variant],
        notes,
    })
}

/// The up and down sections of a tern file, with notes on what Cairn does differently.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let (up_part, down_part) = match text.find(SEPARATOR) {
        Some(at) => (0..at, Some(at + SEPARATOR.len()..text.len())),
        None => (0..text.len(), None),
    };
    let up = trimmed(text, up_part);
    let has_sql = text[up.clone()].lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("--")
    });
    if !has_sql {
        return Err(problem(
            ProblemKind::MissingSql,
            path,
            line_of(text, up.start),
            "no SQL in the up part (above `---- create above / drop below ----`): tern refuses such a migration".to_string(),
            Some(text),
        ));
    }
    let down = down_part
        .map(|range| trimmed(text, range))
        .filter(|range| !range.is_empty());
    let disabled = |range: &Range<usize>| text[range.clone()].split('\n').any(|l| l == DISABLE_TX);
    let mut notes = Vec::new();
    if down.as_ref().is_some_and(|d| disabled(d) != disabled(&up)) {
        notes.push(format!(
            "{}: `{DISABLE_TX}` is on one side only; Cairn runs both directions as the up side says",
            path.display()
        ));
    }
    if text.contains("{{") {
        notes.push(format!(
            "{}: tern evaluates `{{{{ ... }}}}` as a Go template; Cairn runs the SQL as written",
            path.display()
        ));
    }
    let section = |range: Range<usize>| {
        // A leading marker line is tern's, not SQL (and no comment to MySQL, where `--` needs
        // a space after it): the section starts below it, as goose's does below its marker.
        let range = match text[range.clone()].strip_prefix(DISABLE_TX) {
            Some(rest) if rest.is_empty() || rest.starts_with('\n') => {
                trimmed(text, range.end - rest.len()..range.end)
            }
            _ => range,
        };
        let line = line_of(text, range.start);
        Section::cut(path, text, range, line, &[])
    };
    Ok((
        Variant {
            dialect: None,
            transaction: !disabled(&up),
            up: section(up),
            down: down.map(section),
        },
        notes,
    ))
}

/// `range` of `text` without white space at either end (`strings.TrimSpace`).
fn trimmed(text: &str, range: Range<usize>) -> Range<usize> {
    let part = &text[range.clone()];
    let start = range.start + (part.len() - part.trim_start().len());
    let end = range.end - (part.len() - part.trim_end().len());
    start..end.max(start)
}

/// The 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> u32 {
    u32::try_from(text[..at].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Dialect;
    use crate::layout::{Layout, load};

    fn read(text: &str) -> Result<(Variant, Vec<String>), Problem> {
        parse(Path::new("001_x.sql"), &Arc::from(text))
    }

    use crate::layout::tests::folder;

    #[test]
    fn both_sides_are_trimmed_and_located() {
        let text = "\n\nCREATE TABLE a (x int);\n\n---- create above / drop below ----\n\nDROP TABLE a;\n\n";
        let (v, notes) = read(text).unwrap();
        assert!(notes.is_empty());
        assert_eq!(
            (v.up.sql.as_str(), v.up.first_line),
            ("CREATE TABLE a (x int);", 3)
        );
        let down = v.down.unwrap();
        assert_eq!((down.sql.as_str(), down.first_line), ("DROP TABLE a;", 7));
        assert!(v.transaction);
    }

    #[test]
    fn an_empty_down_is_irreversible_and_an_empty_up_is_refused() {
        let (v, _) = read("SELECT 1;\n---- create above / drop below ----\n  \n").unwrap();
        assert!(v.down.is_none());
        let e =
            read("-- nothing yet\n\n---- create above / drop below ----\nSELECT 1;\n").unwrap_err();
        assert!(e.message.contains("no SQL in the up part"), "{e}");
        assert_eq!(e.line, 1);
        assert!(read("").is_err());
    }

    #[test]
    fn disable_tx_must_be_a_whole_line() {
        let (v, _) = read("---- tern: disable-tx ----\nCREATE INDEX i ON t (a);\n").unwrap();
        assert!(!v.transaction);
        assert_eq!(
            (v.up.sql.as_str(), v.up.first_line),
            ("CREATE INDEX i ON t (a);", 2)
        );
        let (v, _) = read("-- ---- tern: disable-tx ----\nSELECT 1;\n").unwrap();
        assert!(v.transaction, "not the whole line");
        let (v, notes) = read(
            "SELECT 1;\n---- create above / drop below ----\n---- tern: disable-tx ----\nSELECT 2;\n",
        )
        .unwrap();
        assert!(v.transaction);
        assert_eq!(notes.len(), 1, "the down side differs");
    }

    #[test]
    fn numbers_order_by_value_and_must_not_skip_or_repeat() {
        let dir = folder(&[
            ("10_j.sql", "SELECT 10;\n"),
            ("002_b.sql", "SELECT 2;\n"),
            ("1_a.sql", "SELECT 1;\n"),
            ("README.md", "not a migration"),
            ("shared/helpers.sql", "SELECT 'template';\n"),
        ]);
        for n in 3..10 {
            std::fs::write(dir.path().join(format!("{n}_n{n}.sql")), "SELECT 0;\n").unwrap();
        }
        let set = load(dir.path(), Layout::Tern, Dialect::Sqlite).unwrap();
        let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids[..3], ["1_a", "002_b", "3_n3"]);
        assert_eq!(ids.last(), Some(&"10_j"));

        std::fs::remove_file(dir.path().join("5_n5.sql")).unwrap();
        let e = load(dir.path(), Layout::Tern, Dialect::Sqlite).unwrap_err();
        assert!(e.0[0].message.contains("missing migration 5"), "{e}");

        let dup = folder(&[("1_a.sql", "SELECT 1;\n"), ("01_b.sql", "SELECT 1;\n")]);
        let e = load(dup.path(), Layout::Tern, Dialect::Sqlite).unwrap_err();
        assert!(e.0[0].message.contains("duplicate migration 1"), "{e}");
        let zero = folder(&[("0_a.sql", "SELECT 1;\n")]);
        assert!(load(zero.path(), Layout::Tern, Dialect::Sqlite).is_err());
    }
}
