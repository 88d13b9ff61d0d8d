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
//! those tokens a few columns early; so the scanner also notes the `*!NNNNN` after the opening
//! `/` and the `/` of the closing `*/`, which the tokenizer is then given as spaces: the tokens
//! land where they are, and a statement that starts with `/*!` still starts at its `/`. The
//! closing `*` stays, as in the client: after a delimiter inside the code, the `*/` starts a
//! statement of its own; and `--*/` is no comment. (Unless the `/` starts a comment, `*/*`:
//! the client reads the closing `/` afresh.)
//!
//! Inside a block comment the client skips a `/*` whole, so `/*/` does not close it (a path
//! like `src/*/x` in a comment); the tokenizer is given a space for that `*`.
//!
//! `--` starts a comment when an ASCII blank, a line end or the end of the script follows it
//! (the client's `my_isspace`, or `!pos[2]`). sqlparser reads it differently in two cases, which
//! the scanner also notes for the tokenizer: `--` as the script's last bytes (two minus signs for
//! sqlparser; given as spaces) and `--` before a non-ASCII space such as U+00A0 (a comment for
//! sqlparser; that space is given as a letter of the same length, so nothing moves). And
//! sqlparser glues some operators to a comment after them (`|/* c */` reads as `|/`, `* c`,
//! ...): an operator character right before a comment is given as `,`, a token of its own; so
//! is an `@` before `;` or a quote, which sqlparser would read together as one word.

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
        /// What the tokenizer must read otherwise (see the module docs).
        blanks: Vec<Blank>,
    },
    /// The text between two custom delimiters (or a delimiter and a `DELIMITER` line or the
    /// end of the script): one statement, possibly with comments before it, possibly empty.
    Custom(Range<usize>),
}

/// Text the tokenizer must read otherwise (module docs): a byte range, and the character each
/// of its characters is read as (one of the same UTF-8 length).
pub(super) type Blank = (Range<usize>, char);

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
    // The last byte read as plain code.
    let mut last_code = None;
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
                    blanks.push((i + 1..i + 3 + digits, ' '));
                    (hint, i) = (true, i + 3 + digits);
                    continue;
                }
                // The client ends the code at its `*` and reads the `/` afresh: it may start a
                // delimiter (`//`) or a comment (`/*`).
                if hint && bytes[i..].starts_with(b"*/") {
                    if bytes.get(i + 2) != Some(&b'*') {
                        blanks.push((i + 1..i + 2, ' '));
                    }
                    (hint, i) = (false, i + 1);
                    continue;
                }
                if bytes[i..].starts_with(b"--") {
                    blanks.extend(dash_dash_for_tokenizer(script, i));
                }
                if let Some(len) = comment_start(script, i) {
                    if i > 0 && last_code == Some(i - 1) && GLUED.contains(&bytes[i - 1]) {
                        blanks.push((i - 1..i, ','));
                    }
                    state = if len == 0 {
                        State::LineComment
                    } else {
                        State::BlockComment(i)
                    };
                    i += len.max(1);
                    continue;
                }
                // sqlparser reads `@` or `@@` and the character after it as one word (a
                // variable), even a `;` or a quote; the client sees `@` and then that.
                if matches!(b, b';' | b'\'' | b'"' | b'`')
                    && i > 0
                    && last_code == Some(i - 1)
                    && bytes[i - 1] == b'@'
                {
                    blanks.push((i - 1..i, ','));
                }
                if matches!(b, b'\'' | b'"' | b'`') {
                    state = State::Quoted(b, i);
                } else {
                    last_code = Some(i);
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
            // The client skips a `/*` inside a comment whole, so `src/*/x` in a comment does
            // not close it; sqlparser would close it there, so it gets `/ /`.
            State::BlockComment(_) if bytes[i..].starts_with(b"/*") => {
                if bytes.get(i + 2) == Some(&b'/') {
                    blanks.push((i + 1..i + 2, ' '));
                }
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

/// The client's `my_isspace`: ASCII blanks only (U+00A0 after `--` starts no comment).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// At byte `i` (in code): `Some(0)` if a line comment starts, `Some(2)` if a block comment
/// starts (its `/*` is 2 bytes), else `None`. `--` needs an ASCII blank or the end of the
/// script after it, as in the client.
fn comment_start(script: &str, i: usize) -> Option<usize> {
    let rest = script.as_bytes().get(i..)?;
    match rest {
        [b'#', ..] => Some(0),
        [b'-', b'-'] => Some(0),
        [b'-', b'-', next, ..] => is_space(*next).then_some(0),
        [b'/', b'*', b'!', ..] => None,
        [b'/', b'*', ..] => Some(2),
        _ => None,
    }
}

/// Operator characters sqlparser may glue to the `/` of `/*` or the `-` of `--` after them
/// (`|/`, `@-`), missing the comment: the tokenizer is given a `,` instead.
const GLUED: &[u8] = b"|@&^~!<>=%+-*/?:";

/// For `--` at byte `i` (in code), what the tokenizer must read otherwise to see what the
/// client sees (module docs): the `--` itself at the end of the script, or the non-ASCII space
/// after it (as a letter of the same length).
fn dash_dash_for_tokenizer(script: &str, i: usize) -> Option<Blank> {
    let after = script.get(i + 2..)?;
    match after.chars().next() {
        None => Some((i..i + 2, ' ')),
        Some(c) if !c.is_ascii() && c.is_whitespace() => {
            let letter = if c.len_utf8() == 2 { 'é' } else { 'ก' };
            Some((i + 2..i + 2 + c.len_utf8(), letter))
        }
        Some(_) => None,
    }
}

/// The length of the block comment `rest` starts with (at its `/*`), if it is closed. As in
/// the client, a `/*` inside is skipped whole: `/*/` does not close it.
fn block_comment_len(rest: &[u8]) -> Option<usize> {
    let mut j = 2;
    while let Some(pair) = rest.get(j..j + 2) {
        match pair {
            b"*/" => return Some(j + 2),
            b"/*" => j += 2,
            _ => j += 1,
        }
    }
    None
}

/// Where the statement in `script[range]` starts: after the blanks and comments that begin it
/// (the client's; an unterminated comment runs to the end).
pub(super) fn statement_start(script: &str, range: Range<usize>) -> usize {
    let bytes = script.as_bytes();
    let mut i = range.start;
    loop {
        while i < range.end && is_space(bytes[i]) {
            i += 1;
        }
        let rest = bytes.get(i..range.end).unwrap_or_default();
        let len = match comment_start(script, i) {
            _ if rest.is_empty() => return i,
            Some(0) => rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len()),
            Some(_) => block_comment_len(rest).unwrap_or(rest.len()),
            None => return i,
        };
        i += len;
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
/// (`'$$'`); the rest of the line is ignored, as the client does. Blanks are the client's
/// ASCII ones. A bare `DELIMITER` is no command (it may be a column of a multi-line statement).
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
    let blank = |c: char| c.is_ascii() && is_space(c as u8);
    let arg = after.trim_start_matches(blank);
    if arg.is_empty() {
        return Ok(None);
    }
    let at = start + (line.len() - arg.len());
    let delimiter = match arg.chars().next() {
        Some(q @ ('\'' | '"' | '`')) => match arg[1..].find(q) {
            Some(end) => arg[1..=end].to_string(),
            None => return Err(error_at(script, at, "DELIMITER has an unterminated quote")),
        },
        _ => arg.split(blank).next().unwrap_or_default().to_string(),
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
