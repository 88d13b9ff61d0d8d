//! The `mysql` client's `DELIMITER` command.
//!
//! `DELIMITER //` at the start of a line (outside quotes and comments) makes `//` end
//! statements until the next `DELIMITER`; the line itself is a client command, never sent to
//! the server. sqlparser's tokenizer cannot know about it (`END//` or `END$$` are no tokens),
//! so this scanner walks the script once, tracking MySQL quotes (`'`, `"`, `` ` ``, with
//! backslash escapes and doubled quotes) and comments (`#`, `-- `, `/* */`; `/*! */` is code)
//! like the client does, and cuts it into [`Part`]s.
//!
//! A `/*!NNNNN ... */` comment is code for MySQL. sqlparser re-tokenizes its content but places
//! those tokens a few columns early; so the scanner also notes the `*!NNNNN` and `*/` around
//! such code, which the tokenizer is then given as spaces: the tokens land where they are, and a
//! statement that starts with `/*!` still starts at its `/`.

use std::ops::Range;

use super::{SplitError, error_at};

/// A stretch of a MySQL script.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// Where `;` ends statements: split by the tokenizer. It starts at column 1 of `line`.
    Semicolon {
        /// Byte range in the script.
        range: Range<usize>,
        /// 1-based line of `range.start`.
        line: u64,
        /// Byte ranges (ASCII) to read as spaces: the markers of `/*! ... */` code.
        blanks: Vec<Range<usize>>,
    },
    /// The text between two custom delimiters (or a delimiter and a `DELIMITER` line or the
    /// end of the script): one statement, possibly with comments before it, possibly empty.
    Custom(Range<usize>),
}

/// Where the scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    /// Inside a quoted string or identifier opened at byte `.1` by quote `.0`.
    Quoted(u8, usize),
    LineComment,
    /// Inside `/* ... */` opened at byte `.0`.
    BlockComment(usize),
}

/// Cuts `script` at its `DELIMITER` lines and, under a custom delimiter, at each delimiter.
pub(super) fn parts(script: &str) -> Result<Vec<Part>, SplitError> {
    let bytes = script.as_bytes();
    let mut parts = Vec::new();
    // `None` while `;` is the delimiter.
    let mut delimiter: Option<String> = None;
    let mut state = State::Code;
    // Inside `/*! ... */` code.
    let mut hint = false;
    let mut blanks = Vec::new();
    let (mut section_start, mut section_line) = (0, 1);
    let mut piece_start = 0;
    let mut line: u64 = 1;
    let mut i = 0;
    while i < bytes.len() {
        if state == State::Code
            && (i == 0 || bytes[i - 1] == b'\n')
            && let Some(command) = delimiter_command(script, i)?
        {
            match delimiter {
                None => parts.push(Part::Semicolon {
                    range: section_start..i,
                    line: section_line,
                    blanks: std::mem::take(&mut blanks),
                }),
                Some(_) => parts.push(Part::Custom(piece_start..i)),
            }
            (hint, blanks) = (false, Vec::new());
            delimiter = (command.delimiter != ";").then_some(command.delimiter);
            i = command.line_end;
            if bytes.get(i - 1) == Some(&b'\n') {
                line += 1;
            }
            (section_start, section_line, piece_start) = (i, line, i);
            continue;
        }
        let b = bytes[i];
        match state {
            State::Code => {
                if let Some(d) = &delimiter
                    && bytes[i..].starts_with(d.as_bytes())
                {
                    parts.push(Part::Custom(piece_start..i));
                    i += d.len();
                    piece_start = i;
                    continue;
                }
                if bytes[i..].starts_with(b"/*!") {
                    let digits = bytes[i + 3..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count();
                    blanks.push(i + 1..i + 3 + digits);
                    (hint, i) = (true, i + 3 + digits);
                    continue;
                }
                if hint && bytes[i..].starts_with(b"*/") {
                    blanks.push(i..i + 2);
                    (hint, i) = (false, i + 2);
                    continue;
                }
                if let Some(len) = comment_start(script, i) {
                    state = if len == 0 {
                        State::LineComment
                    } else {
                        State::BlockComment(i)
                    };
                    i += len.max(1);
                    continue;
                }
                if matches!(b, b'\'' | b'"' | b'`') {
                    state = State::Quoted(b, i);
                }
            }
            // Backslash escapes the next character in strings, not in identifiers.
            State::Quoted(q, _) if b == b'\\' && q != b'`' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    line += 1;
                }
                i += 2;
                continue;
            }
            State::Quoted(q, _) if b == q => state = State::Code,
            State::BlockComment(_) if bytes[i..].starts_with(b"*/") => {
                state = State::Code;
                i += 2;
                continue;
            }
            State::LineComment if b == b'\n' => state = State::Code,
            _ => {}
        }
        if b == b'\n' {
            line += 1;
        }
        i += 1;
    }
    match state {
        State::Quoted(_, at) => return Err(error_at(script, at, "Unterminated quoted text")),
        State::BlockComment(at) => return Err(error_at(script, at, "Unterminated comment")),
        State::Code | State::LineComment => {}
    }
    match delimiter {
        None => parts.push(Part::Semicolon {
            range: section_start..script.len(),
            line: section_line,
            blanks,
        }),
        Some(_) => parts.push(Part::Custom(piece_start..script.len())),
    }
    Ok(parts)
}

/// At byte `i` (in code): `Some(0)` if a line comment starts, `Some(2)` if a block comment
/// starts (its `/*` is 2 bytes), else `None`. `--` needs whitespace after it, as in MySQL.
fn comment_start(script: &str, i: usize) -> Option<usize> {
    let rest = script.as_bytes().get(i..)?;
    match rest {
        [b'#', ..] => Some(0),
        [b'-', b'-', ..] => script
            .get(i + 2..)
            .and_then(|s| s.chars().next())
            .filter(|c| c.is_whitespace())
            .map(|_| 0),
        [b'/', b'*', b'!', ..] => None,
        [b'/', b'*', ..] => Some(2),
        _ => None,
    }
}

/// The length of the whitespace and comments that start `text` (the client's comments; an
/// unterminated one runs to the end).
pub(super) fn leading_trivia(text: &str) -> usize {
    let mut i = 0;
    loop {
        let rest = &text[i..];
        let trimmed = rest.trim_start();
        i += rest.len() - trimmed.len();
        let end = match comment_start(text, i) {
            Some(0) => trimmed.find('\n').unwrap_or(trimmed.len()),
            Some(_) => trimmed[2..].find("*/").map_or(trimmed.len(), |e| e + 4),
            None => return i,
        };
        i += end;
    }
}

/// A `DELIMITER` command line.
struct Command {
    delimiter: String,
    /// Byte after the line (after its `\n`, or the end of the script).
    line_end: usize,
}

/// The `DELIMITER` command on the line starting at byte `start`, if it is one: the word
/// `DELIMITER` (any case) after optional blanks, a blank, then the delimiter, bare or quoted
/// (`'$$'`); the rest of the line is ignored, as the client does. A bare `DELIMITER` is no
/// command (it may be a column of a multi-line statement).
fn delimiter_command(script: &str, start: usize) -> Result<Option<Command>, SplitError> {
    let line_end = script[start..]
        .find('\n')
        .map_or(script.len(), |n| start + n + 1);
    let line = &script[start..line_end];
    let body = line.trim_start_matches([' ', '\t']);
    let Some(word) = body.get(..9) else {
        return Ok(None);
    };
    let after = &body[9..];
    if !word.eq_ignore_ascii_case("delimiter") || !after.starts_with([' ', '\t']) {
        return Ok(None);
    }
    let arg = after.trim_start();
    if arg.is_empty() {
        return Ok(None);
    }
    let at = start + (line.len() - arg.len());
    let delimiter = match arg.chars().next() {
        Some(q @ ('\'' | '"' | '`')) => match arg[1..].find(q) {
            Some(end) => arg[1..=end].to_string(),
            None => return Err(error_at(script, at, "DELIMITER has an unterminated quote")),
        },
        _ => arg
            .split(char::is_whitespace)
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    if delimiter.is_empty() {
        return Err(error_at(
            script,
            at,
            "DELIMITER must be followed by a delimiter",
        ));
    }
    if delimiter.contains('\\') {
        return Err(error_at(script, at, "DELIMITER cannot contain a backslash"));
    }
    Ok(Some(Command {
        delimiter,
        line_end,
    }))
}
