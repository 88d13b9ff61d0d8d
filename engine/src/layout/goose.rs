//! goose SQL migrations: `<version>_<name>.sql` with `-- +goose Up` / `-- +goose Down` sections,
//! `-- +goose StatementBegin` / `StatementEnd` around statements that must not be split, and
//! `-- +goose NO TRANSACTION`.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, lines, problem};
use super::files;
use crate::error::{Problem, ProblemKind};

const EXPECTED: &str = "<version>_<name>.sql (goose)";

/// Reads a goose folder.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for path in &listing.files {
        let file_name = files::name(path);
        if file_name.ends_with(".go") {
            problems.push(files::not_sql(path, "goose Go migrations"));
            continue;
        }
        if !files::is_sql(path) {
            continue;
        }
        match files::sectioned(path, EXPECTED, parse) {
            Ok(entry) => entries.push(entry),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// Where the sections of a goose file are.
#[derive(Default)]
struct Marks {
    up: Option<(usize, u32)>,
    down: Option<(usize, usize, u32)>,
    blocks: Vec<Range<usize>>,
    open_block: Option<(usize, u32)>,
    transaction: bool,
    envsub: bool,
}

/// The file's up and down sections, blocks and transaction mode, with notes on what Cairn
/// does differently.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let fail = |line: u32, msg: &str| {
        problem(ProblemKind::Format, path, line, msg.to_string(), Some(text))
    };
    let mut m = Marks {
        transaction: true,
        ..Marks::default()
    };
    for (at, n, line) in lines(text) {
        let Some(cmd) = line
            .trim_start_matches('\u{feff}')
            .trim()
            .strip_prefix("-- +goose")
        else {
            continue;
        };
        let next = at + line.len();
        match cmd.trim().to_ascii_uppercase().as_str() {
            "UP" if m.up.is_none() => m.up = Some((next, n + 1)),
            "DOWN" if m.down.is_none() => m.down = Some((at, next, n + 1)),
            "UP" | "DOWN" => return Err(fail(n, "second `-- +goose Up`/`Down` annotation")),
            "STATEMENTBEGIN" if m.open_block.is_none() => m.open_block = Some((next, n)),
            "STATEMENTEND" => match m.open_block.take() {
                Some((start, _)) => m.blocks.push(start..at),
                None => return Err(fail(n, "`StatementEnd` without `StatementBegin`")),
            },
            "STATEMENTBEGIN" => return Err(fail(n, "`StatementBegin` inside another block")),
            "NO TRANSACTION" => m.transaction = false,
            "ENVSUB ON" | "ENVSUB OFF" => m.envsub = true,
            _ => return Err(fail(n, "unknown goose annotation")),
        }
    }
    if let Some((_, n)) = m.open_block {
        return Err(fail(n, "`StatementBegin` without `StatementEnd`"));
    }
    let (up_start, up_line) = match m.up {
        Some(up) => up,
        None if text.trim().is_empty() => (0, 1),
        None => return Err(fail(1, "no `-- +goose Up` annotation")),
    };
    let up_end = m.down.map_or(text.len(), |(at, _, _)| at);
    if up_end < up_start {
        return Err(fail(1, "`-- +goose Down` comes before `-- +goose Up`"));
    }
    let mut notes = Vec::new();
    if m.envsub {
        notes.push(format!(
            "{}: goose ENVSUB substitutes environment variables; Cairn runs the SQL as written",
            path.display()
        ));
    }
    Ok((
        Variant {
            dialect: None,
            up: Section::cut(path, text, up_start..up_end, up_line, &m.blocks),
            down: m.down.map(|(_, start, line)| {
                Section::cut(path, text, start..text.len(), line, &m.blocks)
            }),
            transaction: m.transaction,
        },
        notes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Variant, Vec<String>), Problem> {
        parse(Path::new("1_x.sql"), &Arc::from(text))
    }

    #[test]
    fn sections_blocks_and_transaction_markers() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (x int);\n-- +goose StatementBegin\nSELECT 1; SELECT 2;\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n";
        let (v, notes) = read(text).unwrap();
        assert!(!v.transaction);
        assert!(notes.is_empty());
        assert_eq!(v.up.first_line, 3);
        assert!(v.up.sql.starts_with("CREATE TABLE a"));
        assert!(v.up.sql.ends_with("-- +goose StatementEnd\n"));
        assert_eq!(&v.up.sql[v.up.blocks[0].clone()], "SELECT 1; SELECT 2;\n");
        let down = v.down.unwrap();
        assert_eq!((down.sql.as_str(), down.first_line), ("DROP TABLE a;\n", 8));
        assert!(down.blocks.is_empty());
    }

    #[test]
    fn transaction_by_default_and_empty_files_are_no_ops() {
        let (v, _) = read("-- +goose Up\nSELECT 1;\n").unwrap();
        assert!(v.transaction);
        assert!(v.down.is_none());
        let (v, _) = read("").unwrap();
        assert_eq!(v.up.sql, "");
        let (_, notes) = read("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n").unwrap();
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn broken_annotations_are_located() {
        assert_eq!(read("SELECT 1;\n").unwrap_err().line, 1);
        let open = read("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n").unwrap_err();
        assert_eq!(open.line, 2);
        assert_eq!(
            read("-- +goose Up\n-- +goose Sideways\n").unwrap_err().line,
            2
        );
    }
}
