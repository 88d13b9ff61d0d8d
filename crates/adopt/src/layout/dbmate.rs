//! dbmate migrations, read by dbmate's own rules (amacneil/dbmate: `pkg/dbmate/db.go`,
//! `pkg/dbmate/migration.go`): files `^(\d+).*\.sql$`, the leading digits being the version
//! (as text), run in file name order; `-- migrate:up` / `-- migrate:down` sections, each marker
//! optionally followed by `key:value` options of which dbmate knows `transaction:false`.
//!
//! Since dbmate 2.29 a file may hold several `-- migrate:up` sections, each with its own
//! `-- migrate:down`. Cairn runs such a file as one migration: the up sections in file order,
//! and for down the down sections in the order dbmate's `Rollback` runs them, which is also
//! file order (the first section's down first).
//!
//! Where Cairn is laxer than dbmate it is only about files dbmate refuses outright (so no
//! database was migrated with them): a byte-order mark before the first marker.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, lines, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// The white space of Go's regular expressions (`\s`).
const GO_SPACE: [char; 5] = [' ', '\t', '\n', '\x0C', '\r'];

/// dbmate's `migrationFileRegexp` `^(\d+).*\.sql$`: the stem, the version (the leading digits,
/// as text) and the name (the rest, after one `_` or `-`).
fn file_version(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (version, rest) = stem.split_at(digits);
    Some((version, rest.strip_prefix(['_', '-']).unwrap_or(rest)))
}

/// Why dbmate skips this file, when it could be taken for a migration (`schema.sql`).
pub(crate) fn skipped(file_name: &str) -> Option<&'static str> {
    (file_name.ends_with(".sql") && file_version(file_name).is_none())
        .then_some("dbmate runs only .sql files whose name starts with digits (the version)")
}

/// Reads a dbmate folder. The order is the file name's, byte by byte (dbmate sorts by
/// `FileName`): `10_b.sql` runs before `9_a.sql`, and `01_a.sql` and `1_b.sql` are two
/// versions. Two files of one version are refused: dbmate records the version once, so it
/// fails on the second file's history row, or skips the file once the version is recorded.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut by_version: BTreeMap<&str, &Path> = BTreeMap::new();
    for path in &listing.files {
        let file_name = files::name(path);
        let Some((version, name)) = file_version(file_name) else {
            continue;
        };
        if let Some(first) = by_version.insert(version, path) {
            problems.push(problem(
                ProblemKind::DuplicateId,
                path,
                0,
                format!(
                    "version `{version}` is used twice: also by {}; dbmate records a version once, so it would not run both",
                    first.display()
                ),
                None,
            ));
            continue;
        }
        match files::sectioned(path, version, VersionKey::text(file_name), name, parse) {
            Ok(entry) => entries.push(entry),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// Which section a marker opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

/// A marker line: where it starts, where the next line starts, its line number, direction and
/// the text after the marker word (the options).
#[derive(Debug, Clone, Copy)]
struct Marker<'a> {
    at: usize,
    next: usize,
    line: u32,
    dir: Dir,
    options: &'a str,
}

/// dbmate's `upRegExp` / `downRegExp` `(?m)^--\s*migrate:up(\s*$|\s+\S+)`: at column 0,
/// case-sensitive, the marker word followed by white space or the end.
fn marker(line: &str) -> Option<(Dir, &str)> {
    let rest = line
        .strip_prefix("--")?
        .trim_start_matches(GO_SPACE)
        .strip_prefix("migrate:")?;
    [("up", Dir::Up), ("down", Dir::Down)]
        .into_iter()
        .find_map(|(word, dir)| {
            let options = rest.strip_prefix(word)?;
            (options.is_empty() || options.starts_with(GO_SPACE)).then_some((dir, options))
        })
}

/// dbmate's `parseMigrationOptions` on the marker line: white-space separated `key:value`
/// pairs; the transaction is off only for exactly `transaction:false` (the last
/// `transaction` pair wins). Returns that and the pairs dbmate ignores.
fn options(text: &str) -> (bool, Vec<&str>) {
    let mut transaction = true;
    let mut ignored = Vec::new();
    for pair in text.split(GO_SPACE).filter(|p| !p.is_empty()) {
        let parts: Vec<&str> = pair.split(':').collect();
        match parts.as_slice() {
            ["transaction", value] => transaction = *value != "false",
            _ => ignored.push(pair),
        }
    }
    (transaction, ignored)
}

/// One `-- migrate:up` section and its `-- migrate:down`.
struct Pair<'a> {
    up: Marker<'a>,
    down: Marker<'a>,
}

/// The file's markers, in order; a byte-order mark before the first line's marker is read past.
fn markers(text: &str) -> Vec<Marker<'_>> {
    lines(text)
        .filter_map(|(at, n, raw)| {
            let line = if at == 0 {
                raw.trim_start_matches('\u{feff}')
            } else {
                raw
            };
            let (dir, options) = marker(line)?;
            let options = options.split('\n').next().unwrap_or("");
            Some(Marker {
                at,
                next: at + raw.len(),
                line: n,
                dir,
                options,
            })
        })
        .collect()
}

/// The file's up and down SQL and transaction mode, with notes on what Cairn does differently.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let fail = |line: u32, msg: &str| {
        problem(ProblemKind::Format, path, line, msg.to_string(), Some(text))
    };
    let all = markers(text);
    let Some(first_up) = all.iter().position(|m| m.dir == Dir::Up) else {
        return Err(fail(
            1,
            "no `-- migrate:up` marker: dbmate refuses a file without one, even an empty file",
        ));
    };
    // `statementsPrecedeMigrateBlocks`: only blank and `--` lines before the first up (a down
    // marker there is such a comment line and opens nothing).
    for (at, n, line) in lines(text) {
        if at >= all[first_up].at {
            break;
        }
        let line = line
            .trim_start_matches('\u{feff}')
            .trim_start_matches(GO_SPACE);
        if !line.is_empty() && !line.starts_with("--") {
            return Err(fail(
                n,
                "SQL before the first `-- migrate:up`: dbmate allows only blank lines and comments there",
            ));
        }
    }
    let mut pairs = Vec::new();
    let mut rest = all[first_up..].iter().peekable();
    while let Some(up) = rest.next() {
        let mut down = None;
        while let Some(m) = rest.next_if(|m| m.dir == Dir::Down) {
            if down.is_some() {
                return Err(fail(
                    m.line,
                    "second `-- migrate:down` in one section: dbmate wants a `-- migrate:up` before each",
                ));
            }
            down = Some(*m);
        }
        let Some(down) = down else {
            return Err(fail(
                up.line,
                "this `-- migrate:up` section has no `-- migrate:down`: dbmate requires one in every section",
            ));
        };
        pairs.push(Pair { up: *up, down });
    }
    let mut notes = Vec::new();
    let up_tx: Vec<bool> = pairs.iter().map(|p| options(p.up.options).0).collect();
    let transaction = up_tx.iter().all(|on| *on);
    for m in pairs.iter().flat_map(|p| [p.up, p.down]) {
        let (tx, ignored) = options(m.options);
        for option in ignored {
            notes.push(format!(
                "{}:{}: dbmate ignores the option `{option}` (it knows only `transaction:false`)",
                path.display(),
                m.line
            ));
        }
        if m.dir == Dir::Down && tx != transaction {
            notes.push(format!(
                "{}:{}: the down section's transaction setting differs from the up sections'; Cairn uses the up sections' for both",
                path.display(),
                m.line
            ));
        }
    }
    if pairs.len() > 1 {
        notes.push(sections_note(path, pairs.len(), &up_tx));
    }
    Ok((
        Variant {
            dialect: None,
            up: joined(path, text, &pairs, Dir::Up),
            down: Some(joined(path, text, &pairs, Dir::Down)),
            transaction,
        },
        notes,
    ))
}

/// What a file of several sections does in dbmate that one Cairn migration does not.
fn sections_note(path: &Path, sections: usize, up_tx: &[bool]) -> String {
    let mixed = if up_tx.iter().any(|on| *on) && up_tx.iter().any(|on| !on) {
        " Some sections say `transaction:false`, so Cairn runs all of them without one."
    } else {
        ""
    };
    format!(
        "{}: {sections} `-- migrate:up` sections: dbmate runs each in a transaction of its own and rolls them back in file order; Cairn runs them as one migration. dbmate releases up to at least 2.35 record the version after the first section and then fail on the second (amacneil/dbmate#820), so a database dbmate migrated may hold only the first section's changes.{mixed}",
        path.display()
    )
}

/// The SQL of every section's `dir` part, in file order, as one section of the file: the
/// text from the first part to the end of the last, with the other direction's markers and
/// SQL in between replaced by empty lines, so each line stays on its file line.
fn joined(path: &Path, text: &Arc<str>, pairs: &[Pair<'_>], dir: Dir) -> Section {
    // Byte ranges of this direction's SQL, and the file line where the first starts.
    let parts: Vec<(usize, usize)> = pairs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let section_end = pairs.get(i + 1).map_or(text.len(), |next| next.up.at);
            match dir {
                Dir::Up => (p.up.next, p.down.at),
                Dir::Down => (p.down.next, section_end),
            }
        })
        .collect();
    let first_line = match dir {
        Dir::Up => pairs[0].up.line + 1,
        Dir::Down => pairs[0].down.line + 1,
    };
    let mut sql = String::new();
    let mut previous_end = parts[0].0;
    for (start, end) in parts {
        let between = text.get(previous_end..start).unwrap_or_default();
        sql.push_str(&"\n".repeat(between.matches('\n').count()));
        sql.push_str(text.get(start..end).unwrap_or_default());
        previous_end = end;
    }
    Section {
        path: path.to_path_buf(),
        source: Arc::clone(text),
        sql,
        first_line,
        blocks: Vec::new(),
        unread: false,
    }
}

#[cfg(test)]
#[path = "dbmate_tests.rs"]
mod tests;
