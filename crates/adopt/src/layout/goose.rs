//! goose SQL migrations, read by goose's own rules (pressly/goose: `migrate.go`,
//! `migration.go`, `internal/sqlparser/parser.go`): `<version>_<name>.sql` with
//! `-- +goose Up` / `-- +goose Down` sections, `-- +goose StatementBegin` / `StatementEnd`
//! around statements that must not be split, and `-- +goose NO TRANSACTION`.
//!
//! Where Cairn is laxer than goose it is only about files goose refuses outright (so no
//! database was migrated with them): a byte-order mark before the first annotation, and a
//! statement without its final `;` (goose: "missing semicolon?"), which Cairn's splitter reads.

use std::num::IntErrorKind;
use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, lines, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// What goose makes of one file name (`collectMigrationsFS`, `collectGoMigrations`).
#[derive(Debug, PartialEq)]
enum Kind<'a> {
    /// A SQL migration: the version as spelled (without a `+` sign), and the name.
    Sql { version: &'a str, name: &'a str },
    /// A Go migration (numeric prefix, not `_test.go`): Cairn cannot run it.
    Go,
    /// A `.sql` file whose version goose cannot read: the goose CLI refuses the folder.
    BadName(String),
    /// Not read by goose; `Some` says why when the file could be taken for a migration.
    Skipped(Option<&'static str>),
}

/// goose's `NumericComponent`: the text before the first `_` of the file name is the version,
/// a 64-bit integer of at least 1 (`strconv.ParseInt`, so a `+` sign and leading zeros are
/// allowed). `2019_01_01_000000_x.sql` is version 2019. Returns the version as spelled
/// (without `+`) and the name after the `_`.
fn numeric_component(stem: &str) -> Result<(&str, &str), String> {
    let Some((before, name)) = stem.split_once('_') else {
        return Err("no `_` after the version".to_string());
    };
    match before.parse::<i64>() {
        Ok(n) if n >= 1 => Ok((before.strip_prefix('+').unwrap_or(before), name)),
        Ok(_) => Err("goose versions start at 1".to_string()),
        Err(e) if matches!(e.kind(), IntErrorKind::PosOverflow) => Err(format!(
            "version `{before}` is larger than goose's maximum {}",
            i64::MAX
        )),
        Err(_) => Err(format!(
            "`{before}` (the text before the first `_`) is not an integer"
        )),
    }
}

fn classify(file_name: &str) -> Kind<'_> {
    if let Some(stem) = file_name.strip_suffix(".sql") {
        return match numeric_component(stem) {
            Ok((version, name)) => Kind::Sql { version, name },
            Err(why) => Kind::BadName(why),
        };
    }
    let Some(stem) = file_name.strip_suffix(".go") else {
        return Kind::Skipped(None);
    };
    if numeric_component(stem).is_err() {
        Kind::Skipped(Some(
            "a .go file without a version prefix is no goose migration",
        ))
    } else if file_name.ends_with("_test.go") {
        Kind::Skipped(Some("goose skips Go test files"))
    } else {
        Kind::Go
    }
}

/// Why goose skips this file, when it could be taken for a migration (`embed.go`,
/// `helpers.go`, `00001_x_test.go`).
pub(crate) fn skipped(file_name: &str) -> Option<&'static str> {
    match classify(file_name) {
        Kind::Skipped(why) => why,
        _ => None,
    }
}

/// Reads a goose folder.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for path in &listing.files {
        match classify(files::name(path)) {
            Kind::Sql { version, name } => {
                let key = VersionKey::number(version);
                match files::sectioned(path, version, key, name, parse) {
                    Ok(entry) => entries.push(entry),
                    Err(p) => problems.push(p),
                }
            }
            Kind::Go => problems.push(files::not_sql(path, "goose Go migrations")),
            Kind::BadName(why) => problems.push(problem(
                ProblemKind::Format,
                path,
                0,
                format!(
                    "goose cannot read the version of this file name: {why}; goose expects <version>_<name>.sql with an integer version from 1 and refuses the folder"
                ),
                None,
            )),
            Kind::Skipped(_) => {}
        }
    }
    files::all_or_problems(entries, problems)
}

/// goose's annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Annotation {
    Up,
    Down,
    StatementBegin,
    StatementEnd,
    NoTransaction,
    Envsub,
}

const ANNOTATIONS: [(&str, Annotation); 7] = [
    ("Up", Annotation::Up),
    ("Down", Annotation::Down),
    ("StatementBegin", Annotation::StatementBegin),
    ("StatementEnd", Annotation::StatementEnd),
    ("NO TRANSACTION", Annotation::NoTransaction),
    ("ENVSUB ON", Annotation::Envsub),
    ("ENVSUB OFF", Annotation::Envsub),
];

/// The annotation on `line` (without its line ending), as goose's `ParseSQLMigration` and
/// `extractAnnotation` read it: a line that starts with `--` (after white space) and contains
/// `+goose` is one; every `--` and the first `+goose` are removed and the rest, trimmed, must
/// name an annotation, case-insensitively (`--+goose up`, `--   +goose Down`). White space
/// before the `--` is an error in goose, and so is anything else after `+goose`.
fn annotation(line: &str) -> Result<Option<Annotation>, String> {
    if !(line.trim().starts_with("--") && line.contains("+goose")) {
        return Ok(None);
    }
    if line.starts_with([' ', '\t']) {
        return Err("white space before a goose annotation: goose refuses it".to_string());
    }
    let without_dashes = line.replace("--", "");
    let cmd = without_dashes.replacen("+goose", "", 1);
    if cmd.contains("+goose") {
        return Err("more than one `+goose` on one line".to_string());
    }
    let cmd = cmd.trim();
    if cmd.is_empty() {
        return Err("`+goose` without an annotation".to_string());
    }
    ANNOTATIONS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(cmd))
        .map(|(_, a)| Some(*a))
        .ok_or_else(|| {
            format!(
                "unknown goose annotation `{cmd}` (goose knows Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON, ENVSUB OFF)"
            )
        })
}

/// Where goose's state machine is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before `-- +goose Up`: only blank lines, comments and annotations.
    Start,
    Up,
    Down,
}

/// The file's up and down sections, blocks and transaction mode, with notes on what Cairn
/// does differently.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let fail = |line: u32, msg: &str| {
        problem(ProblemKind::Format, path, line, msg.to_string(), Some(text))
    };
    let mut state = State::Start;
    let mut up: Option<(usize, u32)> = None;
    let mut down: Option<(usize, usize, u32)> = None;
    let mut blocks = Vec::new();
    let mut open_block: Option<(usize, u32)> = None;
    let mut transaction = true;
    let mut envsub = false;
    for (at, n, raw) in lines(text) {
        // goose's scanner drops `\n` and a `\r` before it.
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = if at == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let next = at + raw.len();
        let Some(found) = annotation(line).map_err(|m| fail(n, &m))? else {
            let trimmed = line.trim();
            if state == State::Start && !trimmed.is_empty() && !trimmed.starts_with("--") {
                return Err(fail(
                    n,
                    "SQL before `-- +goose Up`: goose allows only blank lines, comments and annotations there",
                ));
            }
            continue;
        };
        match (found, state) {
            (Annotation::Up, State::Start) => {
                state = State::Up;
                up = Some((next, n + 1));
            }
            (Annotation::Up, _) => return Err(fail(n, "second `-- +goose Up` annotation")),
            (Annotation::Down, State::Start) => {
                return Err(fail(n, "`-- +goose Down` before `-- +goose Up`"));
            }
            (Annotation::Down, State::Down) => {
                return Err(fail(n, "second `-- +goose Down` annotation"));
            }
            (Annotation::Down, State::Up) if open_block.is_some() => {
                return Err(fail(n, "`-- +goose Down` inside a StatementBegin block"));
            }
            (Annotation::Down, State::Up) => {
                state = State::Down;
                down = Some((at, next, n + 1));
            }
            (Annotation::StatementBegin | Annotation::StatementEnd, State::Start) => {
                return Err(fail(n, "a statement block before `-- +goose Up`"));
            }
            (Annotation::StatementBegin, _) if open_block.is_some() => {
                return Err(fail(n, "`StatementBegin` inside another block"));
            }
            (Annotation::StatementBegin, _) => open_block = Some((next, n)),
            (Annotation::StatementEnd, _) => match open_block.take() {
                Some((start, _)) => blocks.push(start..at),
                None => return Err(fail(n, "`StatementEnd` without `StatementBegin`")),
            },
            (Annotation::NoTransaction, _) => transaction = false,
            (Annotation::Envsub, _) => envsub = true,
        }
    }
    if let Some((_, n)) = open_block {
        return Err(fail(n, "`StatementBegin` without `StatementEnd`"));
    }
    // An empty or comment-only file too: goose fails on it ("must start with '-- +goose Up'").
    let Some((up_start, up_line)) = up else {
        return Err(fail(
            1,
            "no `-- +goose Up` annotation: goose refuses a file without one, even an empty file",
        ));
    };
    let up_end = down.map_or(text.len(), |(at, _, _)| at);
    let mut notes = Vec::new();
    if envsub {
        notes.push(format!(
            "{}: goose ENVSUB substitutes environment variables; Cairn runs the SQL as written",
            path.display()
        ));
    }
    Ok((
        Variant {
            dialect: None,
            up: Section::cut(path, text, up_start..up_end, up_line, &blocks),
            down: down
                .map(|(_, start, line)| Section::cut(path, text, start..text.len(), line, &blocks)),
            transaction,
        },
        notes,
    ))
}

#[cfg(test)]
#[path = "goose_tests.rs"]
mod tests;
