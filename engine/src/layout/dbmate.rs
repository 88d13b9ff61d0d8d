//! dbmate: `<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down` sections, each marker
//! optionally followed by `transaction:false`.

use std::path::Path;
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, lines, problem};
use super::files;
use crate::error::{Problem, ProblemKind};

const EXPECTED: &str = "<version>_<name>.sql (dbmate)";

/// Reads a dbmate folder.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for path in listing.files.iter().filter(|p| files::is_sql(p)) {
        match files::sectioned(path, EXPECTED, parse) {
            Ok(entry) => entries.push(entry),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// A `-- migrate:up` / `-- migrate:down` marker line: which one, and its options.
fn marker(line: &str) -> Option<(&str, &str)> {
    let rest = line
        .trim_start_matches('\u{feff}')
        .trim()
        .strip_prefix("--")?
        .trim_start();
    let rest = rest.strip_prefix("migrate:")?;
    ["up", "down"].into_iter().find_map(|dir| {
        let options = rest.strip_prefix(dir)?;
        (options.is_empty() || options.starts_with(char::is_whitespace))
            .then_some((dir, options.trim()))
    })
}

/// Whether the marker's options turn the transaction off; unknown options are errors.
fn transaction(options: &str) -> Result<bool, String> {
    let mut on = true;
    for option in options.split_whitespace() {
        match option.split_once(':') {
            Some(("transaction", "false")) => on = false,
            Some(("transaction", "true")) => on = true,
            _ => return Err(format!("unknown dbmate option `{option}`")),
        }
    }
    Ok(on)
}

/// The file's up and down sections and transaction mode.
pub(crate) fn parse(path: &Path, text: &Arc<str>) -> Result<(Variant, Vec<String>), Problem> {
    let fail = |line: u32, msg: String| problem(ProblemKind::Format, path, line, msg, Some(text));
    let mut up: Option<(usize, u32, bool)> = None;
    let mut down: Option<(usize, usize, u32, bool)> = None;
    for (at, n, line) in lines(text) {
        let Some((dir, options)) = marker(line) else {
            continue;
        };
        let tx = transaction(options).map_err(|m| fail(n, m))?;
        let next = at + line.len();
        match dir {
            "up" if up.is_none() && down.is_none() => up = Some((next, n + 1, tx)),
            "down" if up.is_some() && down.is_none() => down = Some((at, next, n + 1, tx)),
            _ => return Err(fail(n, format!("unexpected `-- migrate:{dir}` marker"))),
        }
    }
    let (up_start, up_line, up_tx) = match up {
        Some(u) => u,
        None if text.trim().is_empty() => (0, 1, true),
        None => return Err(fail(1, "no `-- migrate:up` marker".to_string())),
    };
    let up_end = down.map_or(text.len(), |d| d.0);
    let mut notes = Vec::new();
    if let Some((_, _, line, down_tx)) = down
        && down_tx != up_tx
    {
        notes.push(format!(
            "{}:{}: the down section's transaction setting differs from the up section's; Cairn uses the up section's for both",
            path.display(),
            line - 1
        ));
    }
    Ok((
        Variant {
            dialect: None,
            up: Section::cut(path, text, up_start..up_end, up_line, &[]),
            down: down
                .map(|(_, start, line, _)| Section::cut(path, text, start..text.len(), line, &[])),
            transaction: up_tx,
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
    fn sections_and_transaction_option() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n";
        let (v, notes) = read(text).unwrap();
        assert!(!v.transaction);
        assert_eq!(v.up.sql, "CREATE INDEX CONCURRENTLY i ON t (a);\n\n");
        assert_eq!(v.up.first_line, 2);
        let down = v.down.unwrap();
        assert_eq!((down.sql.as_str(), down.first_line), ("DROP INDEX i;\n", 5));
        assert_eq!(notes.len(), 1);
        let (v, _) = read("--migrate:up\nSELECT 1;\n").unwrap();
        assert!(v.transaction && v.down.is_none());
    }

    #[test]
    fn markers_are_checked() {
        assert_eq!(read("SELECT 1;\n").unwrap_err().line, 1);
        assert_eq!(read("-- migrate:up\n-- migrate:up\n").unwrap_err().line, 2);
        assert_eq!(read("-- migrate:up foo:bar\n").unwrap_err().line, 1);
        assert_eq!(read("").unwrap().0.up.sql, "");
        assert!(marker("-- migrate:upgrade").is_none());
    }
}
