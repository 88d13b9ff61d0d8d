//! From a position in a script (statement start, or where the parser stopped inside it) to a
//! line and column of the migration file, with the text to underline.

use crate::error::Direction;
use crate::model::{Migration, Origin, Script};
use crate::source::locate::line_text;
use crate::split::Statement;

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub line: u32,
    pub column: u32,
    pub width: u32,
    pub source_line: Option<String>,
}

/// Where `stmt` of `script` (or the 1-based position `inside` it) is in `m`'s file.
pub(crate) fn statement_place(
    m: &Migration,
    script: &Script,
    origins: &[Origin],
    stmt: &Statement,
    inside: Option<(u32, u32)>,
) -> Place {
    let text = &*m.source;
    if !origins.is_empty() {
        // Generated SQL: point at the change it came from.
        let o = origins
            .iter()
            .rev()
            .find(|o| o.offset <= stmt.span.start)
            .unwrap_or(&origins[0]);
        return place_at(text, o.line, o.column);
    }
    // Position in the script.
    let (sline, scol) = match inside {
        Some((1, c)) => (stmt.line, stmt.column + c.saturating_sub(1)),
        Some((l, c)) if l > 1 => (stmt.line + l - 1, c.max(1)),
        _ => (stmt.line, stmt.column),
    };
    if script.lines_match {
        // A literal block: script line n is file line first_line + n - 1 behind the block's
        // indentation, which the YAML parser removed.
        let line = script.first_line + sline.saturating_sub(1);
        let Some(file_line) = line_text(text, line) else {
            return place_at(text, script.first_line, 0);
        };
        let sql_line = script
            .sql
            .split('\n')
            .nth(sline.saturating_sub(1) as usize)
            .map(|l| l.trim_end_matches('\r'))
            .unwrap_or_default();
        let indent = if !sql_line.is_empty() && file_line.ends_with(sql_line) {
            chars(file_line) - chars(sql_line)
        } else {
            chars(file_line) - chars(file_line.trim_start())
        };
        let column = to_u32(indent) + scol;
        return finish(file_line, line, column, inside.is_some());
    }
    // A quoted or one-line scalar (or a JSON string): find the statement's first line in the
    // lines the scalar spans.
    let needle: String = stmt
        .sql
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
        .chars()
        .take(60)
        .collect();
    let mut budget = script.sql.len() + 200;
    let mut line = script.first_line;
    while let Some(file_line) = line_text(text, line) {
        if let Some(at) = file_line.find(&needle).filter(|_| !needle.is_empty()) {
            let mut column = to_u32(chars(&file_line[..at])) + 1;
            if let Some((1, c)) = inside {
                column += c.saturating_sub(1);
            }
            return finish(file_line, line, column, inside.is_some());
        }
        budget = budget.saturating_sub(file_line.len() + 1);
        if budget == 0 {
            break;
        }
        line += 1;
    }
    place_at(text, script.first_line, 0)
}

/// The `up:`/`changes:` or `down:` key of the migration (its first occurrence as a key).
pub(crate) fn key_place(m: &Migration, direction: Direction) -> Place {
    let keys: &[&str] = match direction {
        Direction::Up => &["up", "changes"],
        Direction::Down => &["down", "changes"],
    };
    let text = &*m.source;
    for (i, l) in text.split('\n').enumerate() {
        let t = l.trim_start();
        for key in keys {
            let yaml = t.starts_with(key) && t[key.len()..].starts_with(':');
            let json = t.starts_with(&format!("\"{key}\""));
            let inline = l.contains(&format!("\"{key}\":"));
            if yaml || json || inline {
                let col = if inline && !json && !yaml {
                    l.find(&format!("\"{key}\"")).map_or(0, |b| chars(&l[..b]))
                } else {
                    chars(l) - chars(t)
                };
                let mut place = place_at(text, to_u32(i + 1), to_u32(col + 1));
                place.width = to_u32(key.len() + usize::from(json || inline) * 2);
                return place;
            }
        }
    }
    place_at(text, 1, 0)
}

/// `line`:`column` of `text`, underlining the rest of the line's content from `column` (the
/// whole content when `column` is 0).
pub(crate) fn place_at(text: &str, line: u32, column: u32) -> Place {
    match line_text(text, line) {
        Some(l) => finish(l, line, column, false),
        None => Place {
            line,
            column,
            width: 0,
            source_line: None,
        },
    }
}

fn finish(file_line: &str, line: u32, column: u32, word: bool) -> Place {
    let column = if column == 0 {
        to_u32(chars(file_line) - chars(file_line.trim_start())) + 1
    } else {
        column
    };
    let rest: String = file_line
        .chars()
        .skip(column.saturating_sub(1) as usize)
        .collect();
    let width = if word {
        // Where the parser stopped: the word there (at least one character).
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | '(' | ')'))
            .count()
            .max(1)
    } else {
        chars(rest.trim_end())
    };
    Place {
        line,
        column,
        width: to_u32(width),
        source_line: Some(file_line.to_string()),
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}
