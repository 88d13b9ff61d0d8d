//! What must hold of any successful split, for the unit and property tests: statements in
//! order, at the right positions, and nothing but terminators, blanks, comments (and, for
//! MySQL, `DELIMITER` lines) outside them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ops::Range;

use super::{Statement, split};
use crate::Dialect;

/// Checks what must hold of any successful split: statements in order, non-overlapping, each
/// `sql` exactly its span's text, non-empty and without surrounding whitespace, positions
/// matching the span start, and no text lost: the gaps between statements hold only what the
/// splitter may drop (see [`Gaps`]).
pub(super) fn check_invariants(script: &str, dialect: Dialect, stmts: &[Statement]) {
    let mut gaps = Gaps::new(script, dialect);
    let mut prev_end = 0;
    // The position of `prev_end`, kept up to date so that checking stays linear.
    let (mut line, mut column) = (1, 1);
    for s in stmts {
        assert!(s.span.start >= prev_end, "overlap or disorder at {s:?}");
        assert!(s.span.end <= script.len(), "span past the end: {s:?}");
        assert_eq!(script.get(s.span.clone()), Some(s.sql.as_str()), "{s:?}");
        assert!(!s.sql.is_empty());
        // (MySQL identifiers may start with characters Unicode counts as whitespace.)
        assert_eq!(s.sql.trim_end(), s.sql, "untrimmed statement {s:?}");
        assert!(
            !s.sql.starts_with(|c: char| c.is_ascii_whitespace()),
            "{s:?}"
        );
        for c in script[prev_end..s.span.start].chars() {
            (line, column) = if c == '\n' {
                (line + 1, 1)
            } else {
                (line, column + 1)
            };
        }
        assert_eq!((s.line, s.column), (line, column), "position of {s:?}");
        gaps.check(prev_end..s.span.start);
        for c in s.sql.chars() {
            (line, column) = if c == '\n' {
                (line + 1, 1)
            } else {
                (line, column + 1)
            };
        }
        prev_end = s.span.end;
    }
    gaps.check(prev_end..script.len());
}

/// (line, column in characters) of byte `at`, the slow obvious way.
pub(super) fn naive_position(script: &str, at: usize) -> (u32, u32) {
    let before = &script[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line as u32, column as u32)
}

/// The text between statements, checked in script order. For SQLite and PostgreSQL a gap must
/// split into no statement. For MySQL the script is re-read the `mysql` client's way, tracking
/// `DELIMITER` lines independently of the splitter: a gap may hold only blanks, comments, the
/// delimiter in force and whole `DELIMITER` lines (the only text the splitter removes).
struct Gaps<'a> {
    script: &'a str,
    dialect: Dialect,
    delimiter: String,
}

impl<'a> Gaps<'a> {
    fn new(script: &'a str, dialect: Dialect) -> Self {
        Gaps {
            script,
            dialect,
            delimiter: ";".to_string(),
        }
    }

    fn check(&mut self, gap: Range<usize>) {
        let script = self.script;
        if self.dialect != Dialect::Mysql {
            let text = &script[gap];
            assert_eq!(
                split(text, self.dialect),
                Ok(vec![]),
                "gap {text:?} is not empty"
            );
            return;
        }
        let lost = |at: usize, delimiter: &str| -> String {
            format!(
                "text outside the statements at byte {at}: {:?} (gap {:?}, delimiter {delimiter:?}) in {script:?}",
                &script[at..gap.end],
                &script[gap.clone()],
            )
        };
        let mut i = gap.start;
        while i < gap.end {
            let rest = &script[i..];
            let line_start = i == 0 || script.as_bytes()[i - 1] == b'\n';
            if let Some((delimiter, len)) = line_start.then(|| delimiter_line(rest)).flatten() {
                assert!(
                    i + len <= gap.end,
                    "DELIMITER line cut: {}",
                    lost(i, &self.delimiter)
                );
                self.delimiter = delimiter;
                i += len;
                continue;
            }
            let end = if rest.starts_with(self.delimiter.as_str()) {
                i + self.delimiter.len()
            } else if let Some(c) = rest.chars().next().filter(|c| c.is_whitespace()) {
                i + c.len_utf8()
            } else if line_comment(rest) {
                i + rest.find('\n').unwrap_or(rest.len())
            } else if rest.starts_with("/*") && !rest.starts_with("/*!") {
                let len = block_comment(rest.as_bytes());
                i + len.unwrap_or_else(|| panic!("unclosed comment: {}", lost(i, &self.delimiter)))
            } else {
                panic!("{}", lost(i, &self.delimiter));
            };
            assert!(
                end <= gap.end,
                "comment runs into a statement: {}",
                lost(i, &self.delimiter)
            );
            i = end;
        }
    }
}

/// The length of the block comment at the start of `text`: the client skips each `/*` in it,
/// so the first `*/` that is not the end of such a `/*` closes it.
fn block_comment(text: &[u8]) -> Option<usize> {
    let mut j = 2;
    loop {
        match text.get(j..j + 2)? {
            b"*/" => return Some(j + 2),
            b"/*" => j += 2,
            _ => j += 1,
        }
    }
}

/// `#`, or `--` followed by an ASCII blank or nothing (the client's rule).
fn line_comment(rest: &str) -> bool {
    rest.starts_with('#')
        || rest.strip_prefix("--").is_some_and(|after| {
            after
                .bytes()
                .next()
                .is_none_or(|b| b" \t\n\x0b\x0c\r".contains(&b))
        })
}

/// The delimiter set by the `DELIMITER` line `text` starts with, and the line's length with its
/// `\n`: blanks, `DELIMITER` in any case, a blank, then the delimiter, bare (to the next ASCII
/// blank) or in quotes; the rest of the line does not count.
fn delimiter_line(text: &str) -> Option<(String, usize)> {
    let len = text.find('\n').map_or(text.len(), |n| n + 1);
    let line = text[..len].trim_start_matches([' ', '\t']);
    let (word, after) = line.split_at_checked(9)?;
    if !word.eq_ignore_ascii_case("delimiter") || !after.starts_with([' ', '\t']) {
        return None;
    }
    let blank = |c: char| c.is_ascii_whitespace() || c == '\x0b';
    let arg = after.trim_start_matches(blank);
    let delimiter = match arg.chars().next()? {
        q @ ('\'' | '"' | '`') => &arg[1..=arg[1..].find(q)?],
        _ => arg.split(blank).next()?,
    };
    Some((delimiter.to_string(), len))
}
