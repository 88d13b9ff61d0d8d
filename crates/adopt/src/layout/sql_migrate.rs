//! sql-migrate (rubenv/sql-migrate): every `.sql` file of the folder, with `-- +migrate Up` /
//! `-- +migrate Down` sections (option `notransaction`) and `-- +migrate StatementBegin` /
//! `StatementEnd` around statements that must not be split.
//!
//! The rules are sql-migrate's own: the annotation is a line starting exactly with
//! `-- +migrate ` (`sqlparse.go`, `sqlCmdPrefix`); a section's last statement must end with `;`
//! on its line or with `StatementEnd` (`errNoTerminator`); a file without annotations is an
//! error. Files are ordered as `byId` in `migrate.go` does: names starting with digits first,
//! by that number as an `int64` (`VersionInt`), ties and the other names by the whole file name.

use std::cmp::Ordering;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, lines, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// The annotation prefix, space included, exactly as sql-migrate matches it.
const PREFIX: &str = "-- +migrate ";

/// Reads a sql-migrate folder: its entries already in sql-migrate's order.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for path in listing.files.iter().filter(|p| files::is_sql(p)) {
        match read_one(path) {
            Ok(entry) => found.push(entry),
            Err(p) => problems.push(p),
        }
    }
    let mut found = files::all_or_problems(found, problems)?;
    found.sort_by(|(a, a_name, _), (b, b_name, _)| by_id(a, a_name, b, b_name));
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(position, (_, _, entry))| Entry {
            // The position is the order: sql-migrate's rule is not a version comparison.
            key: VersionKey::number(&position.to_string()),
            ..entry
        })
        .collect())
}

/// sql-migrate's `Migration.Less`: numbered files first, by number, then by file name.
fn by_id(a: &Option<i64>, a_file: &str, b: &Option<i64>, b_file: &str) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if x != y => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        _ => a_file.cmp(b_file),
    }
}

/// One file as an entry (id: the file name without `.sql`), with its number when the name
/// starts with digits and its whole name (sql-migrate's id, which orders and is recorded).
fn read_one(path: &Path) -> Result<(Option<i64>, String, Entry), Problem> {
    let file_name = files::name(path);
    let stem = file_name.strip_suffix(".sql").unwrap_or(file_name);
    let digits = &stem[..stem.bytes().take_while(u8::is_ascii_digit).count()];
    let number = if digits.is_empty() {
        None
    } else {
        Some(digits.parse::<i64>().map_err(|_| {
            problem(
                ProblemKind::Format,
                path,
                0,
                format!("the number `{digits}` does not fit sql-migrate's int64 version (sql-migrate stops with a panic on it)"),
                None,
            )
        })?)
    };
    let (version, name) = if digits.is_empty() {
        (stem, stem)
    } else {
        (digits, stem[digits.len()..].trim_start_matches(['_', '-']))
    };
    let text = files::read(path)?;
    let (variant, notes) = parse(path, &text)?;
    Ok((
        number,
        file_name.to_string(),
        Entry {
            id: stem.to_string(),
            version: version.to_string(),
            key: VersionKey::number(digits),
            name: name.to_string(),
            repeatable: false,
            variants: vec![variant],
            notes,
        },
    ))
}

/// One `Up` or `Down` section while it is read.
struct Open {
    up: bool,
    start: usize,
    line: u32,
    transaction: bool,
}

/// What has been read of a file so far.
#[derive(Default)]
struct Marks {
    up: Option<(Range<usize>, u32, bool)>,
    down: Option<(Range<usize>, u32, bool)>,
    open: Option<Open>,
    blocks: Vec<Range<usize>>,
    block: Option<(usize, u32)>,
    /// The current statement has text that no `;` has ended yet (sql-migrate's `buf`).
    unterminated: Option<u32>,
}

impl Marks {
    fn close(&mut self, end: usize) {
        if let Some(o) = self.open.take() {
            let section = Some((o.start..end, o.line, o.transaction));
            if o.up {
                self.up = section;
            } else {
                self.down = section;
            }
        }
    }
}

/// The file's up and down sections, blocks and transaction mode, checked as sql-migrate's
/// `ParseMigration` checks them.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let fail = |line: u32, msg: String| problem(ProblemKind::Format, path, line, msg, Some(text));
    let no_terminator = |line: u32| {
        fail(
            line,
            "this statement does not end with `;` (sql-migrate requires a `;` at the end of a statement's last line, or `-- +migrate StatementEnd`)".to_string(),
        )
    };
    let mut m = Marks::default();
    for (at, n, raw) in lines(text) {
        let line = raw.trim_end_matches(['\n', '\r']);
        let line = if at == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        if let Some(rest) = line.strip_prefix(PREFIX) {
            let mut words = rest.split_whitespace();
            let command = words.next().unwrap_or("");
            let options: Vec<&str> = words.collect();
            let next = at + raw.len();
            match command {
                "Up" | "Down" => {
                    if let Some(line) = m.unterminated {
                        return Err(no_terminator(line));
                    }
                    let up = command == "Up";
                    let seen = if up { m.up.is_some() } else { m.down.is_some() };
                    if seen || m.open.as_ref().is_some_and(|o| o.up == up) {
                        return Err(fail(
                            n,
                            format!(
                                "second `-- +migrate {command}` section: sql-migrate appends it to the first; Cairn reads one section per direction"
                            ),
                        ));
                    }
                    if m.block.is_some() {
                        return Err(fail(
                            n,
                            format!("`-- +migrate {command}` inside a StatementBegin block"),
                        ));
                    }
                    m.close(at);
                    let transaction = !options.contains(&"notransaction");
                    m.open = Some(Open {
                        up,
                        start: next,
                        line: n + 1,
                        transaction,
                    });
                }
                "StatementBegin" if m.open.is_some() && m.block.is_none() => {
                    m.block = Some((next, n));
                }
                "StatementEnd" if m.open.is_some() => {
                    if let Some((start, _)) = m.block.take() {
                        m.blocks.push(start..at);
                        m.unterminated = None;
                    }
                }
                // sql-migrate ignores other commands (and a nested StatementBegin).
                _ => {}
            }
            continue;
        }
        if m.open.is_none() || line.starts_with("-- +") || line.starts_with("-- ") {
            continue;
        }
        if m.block.is_none() && ends_with_semicolon(line) {
            m.unterminated = None;
        } else if m.unterminated.is_none() && !line.trim().is_empty() {
            m.unterminated = Some(n);
        }
    }
    if let Some((_, n)) = m.block {
        return Err(fail(
            n,
            "`-- +migrate StatementBegin` without `-- +migrate StatementEnd`".to_string(),
        ));
    }
    if m.open.is_none() && m.up.is_none() && m.down.is_none() {
        return Err(fail(
            1,
            "no `-- +migrate Up` / `-- +migrate Down` annotation (sql-migrate refuses such a file)"
                .to_string(),
        ));
    }
    if let Some(line) = m.unterminated {
        return Err(no_terminator(line));
    }
    m.close(text.len());
    // A file with only a Down section applies nothing.
    let (up_range, up_line, up_tx) = m.up.clone().unwrap_or((text.len()..text.len(), 1, true));
    let mut notes = Vec::new();
    if let Some((_, line, down_tx)) = &m.down
        && *down_tx != up_tx
    {
        notes.push(format!(
            "{}:{}: `notransaction` differs between the Up and Down sections; Cairn uses the Up section's setting for both",
            path.display(),
            line - 1
        ));
    }
    Ok((
        Variant {
            dialect: None,
            up: Section::cut(path, text, up_range, up_line, &m.blocks),
            down: m
                .down
                .map(|(range, line, _)| Section::cut(path, text, range, line, &m.blocks)),
            transaction: up_tx,
        },
        notes,
    ))
}

/// sql-migrate's `endsWithSemicolon`: the last word before a word starting with `--` ends
/// with `;`.
fn ends_with_semicolon(line: &str) -> bool {
    line.split_whitespace()
        .take_while(|w| !w.starts_with("--"))
        .last()
        .is_some_and(|w| w.ends_with(';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Variant, Vec<String>), Problem> {
        parse(Path::new("1_x.sql"), &Arc::from(text))
    }

    #[test]
    fn sections_blocks_and_notransaction() {
        let text = "-- header\n-- +migrate Up notransaction\nCREATE TABLE a (x int);\n-- +migrate StatementBegin\nSELECT 1; SELECT 2\n-- +migrate StatementEnd\n\n-- +migrate Down\nDROP TABLE a;\n";
        let (v, notes) = read(text).unwrap();
        assert!(!v.transaction);
        assert_eq!(notes.len(), 1, "Down has a transaction, Up has none");
        assert_eq!(v.up.first_line, 3);
        assert!(v.up.sql.starts_with("CREATE TABLE a"));
        assert_eq!(&v.up.sql[v.up.blocks[0].clone()], "SELECT 1; SELECT 2\n");
        let down = v.down.unwrap();
        assert_eq!((down.sql.as_str(), down.first_line), ("DROP TABLE a;\n", 9));
    }

    #[test]
    fn down_before_up_and_down_only_files() {
        let (v, _) =
            read("-- +migrate Down\nDROP TABLE a;\n-- +migrate Up\nCREATE TABLE a (x int);\n")
                .unwrap();
        assert_eq!(v.up.sql, "CREATE TABLE a (x int);\n");
        assert_eq!(v.down.unwrap().sql, "DROP TABLE a;\n");
        let (v, _) = read("-- +migrate Down\n-- nothing to undo\n").unwrap();
        assert_eq!(v.up.sql, "");
    }

    #[test]
    fn the_annotation_is_matched_exactly() {
        // `--+migrate` and an indented annotation are plain comments to sql-migrate.
        assert!(read("--+migrate Up\nSELECT 1;\n").is_err());
        assert!(read(" -- +migrate Up\nSELECT 1;\n").is_err());
        assert!(
            read("-- +migrate up\nSELECT 1;\n").is_err(),
            "commands are case-sensitive"
        );
    }

    #[test]
    fn statements_must_end_with_a_semicolon_on_their_line() {
        let e = read("-- +migrate Up\nCREATE TABLE a (x int)\n-- +migrate Down\nDROP TABLE a;\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("does not end with `;`"), "{}", e.message);
        let e = read("-- +migrate Up\nSELECT 1;\nSELECT 2\n").unwrap_err();
        assert_eq!(e.line, 3);
        // A comment after the `;` still ends the statement; a `;` inside the comment does not.
        assert!(read("-- +migrate Up\nSELECT 1; -- done\n").is_ok());
        assert!(read("-- +migrate Up\nSELECT 1 -- done;\n").is_err());
        assert!(ends_with_semicolon("  SELECT 1;  "));
    }

    #[test]
    fn broken_files_are_located() {
        assert_eq!(read("SELECT 1;\n").unwrap_err().line, 1);
        assert_eq!(
            read("").unwrap_err().line,
            1,
            "sql-migrate refuses an empty file"
        );
        let open = read("-- +migrate Up\n-- +migrate StatementBegin\nSELECT 1;\n").unwrap_err();
        assert_eq!(open.line, 2);
        let twice =
            read("-- +migrate Up\nSELECT 1;\n-- +migrate Down\n-- +migrate Up\n").unwrap_err();
        assert_eq!(twice.line, 4);
    }

    #[test]
    fn order_is_by_number_then_by_file_name() {
        let mut names = [
            (None, "init.sql"),
            (Some(10), "10_c.sql"),
            (Some(2), "2_b.sql"),
            (Some(1), "1_z.sql"),
            (Some(1), "01_a.sql"),
            (None, "alpha.sql"),
        ];
        names.sort_by(|(a, x), (b, y)| by_id(a, x, b, y));
        let order: Vec<&str> = names.iter().map(|(_, n)| *n).collect();
        assert_eq!(
            order,
            [
                "01_a.sql",
                "1_z.sql",
                "2_b.sql",
                "10_c.sql",
                "alpha.sql",
                "init.sql"
            ]
        );
    }
}
