//! Splitting a SQL script into statements, each with its position in the script.
//!
//! Built on sqlparser's tokenizer for the target dialect, so semicolons inside string literals,
//! quoted identifiers, comments and PostgreSQL dollar quotes never split. Compound bodies
//! (`CREATE TRIGGER ... BEGIN ... END` on SQLite and MySQL, MySQL procedures, functions and
//! events, MariaDB `BEGIN NOT ATOMIC`, PostgreSQL `BEGIN ATOMIC`) are kept whole.
//!
//! MySQL scripts may also use the `mysql` client's `DELIMITER` command. Its lines are found
//! first by a small scanner that knows MySQL's quotes and comments (`mysql.rs`); stretches where
//! `;` ends statements then go through the tokenizer (`tokens.rs`), and statements under another
//! delimiter end wherever the scanner finds it, as in the `mysql` client.
//!
//! Whatever the input, the statements come out in order, with non-overlapping spans, and every
//! byte outside them is a terminator, whitespace, a comment or a `DELIMITER` line.

mod mysql;
mod plain;
mod tokens;

#[cfg(test)]
mod checks;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::ops::Range;

use serde::Serialize;
use sqlparser::tokenizer::Location;

use crate::Dialect;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The statement text, without its terminator and without the whitespace and comments
    /// before it.
    pub sql: String,
    /// Byte range of `sql` in the script.
    pub span: Range<usize>,
    /// 1-based line in the script where the statement starts.
    pub line: u32,
    /// 1-based column (in characters) where the statement starts.
    pub column: u32,
}

/// A script the splitter cannot read (e.g. an unterminated string literal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line}, column {column} of the SQL)")]
pub struct SplitError {
    /// What is wrong (the tokenizer's message, or a `DELIMITER` problem).
    pub message: String,
    /// 1-based line in the script.
    pub line: u32,
    /// 1-based column in the script.
    pub column: u32,
}

/// Splits `script` into statements for `dialect`. Empty statements and comment-only tails are
/// dropped. For MySQL, `DELIMITER` lines switch the terminator and are not statements.
pub fn split(script: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    let mut out = Vec::new();
    if plain::split(script, &mut out) {
        return Ok(out);
    }
    split_tokenized(script, dialect)
}

/// [`split`] on the tokenizer, for any script.
fn split_tokenized(script: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    let mut out = Vec::new();
    if dialect != Dialect::Mysql {
        tokens::split_section(script, 0..script.len(), 1, &[], dialect, &mut out)?;
        return Ok(out);
    }
    // Statements under a custom delimiter are located by byte; one walker serves them all, so
    // the whole script is walked once however many there are.
    let mut walker = Walker::new(script, 0, 1);
    for part in mysql::parts(script)? {
        match part {
            mysql::Part::Semicolon {
                range,
                line,
                blanks,
            } => {
                tokens::split_section(script, range, line, &blanks, dialect, &mut out)?;
            }
            mysql::Part::Custom(range) => {
                let start = mysql::statement_start(script, range.clone());
                let (line, column) = walker.position_of(start);
                push(&mut out, script, start..range.end, line, column);
            }
        }
    }
    Ok(out)
}

/// Adds the statement in `range` (trailing whitespace trimmed) unless it is empty.
fn push(out: &mut Vec<Statement>, script: &str, range: Range<usize>, line: u64, column: u64) {
    let text = script.get(range.clone()).unwrap_or_default().trim_end();
    if text.is_empty() {
        return;
    }
    out.push(Statement {
        sql: text.to_string(),
        span: range.start..range.start + text.len(),
        line: clamp(line),
        column: clamp(column),
    });
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Walks a script forward, converting between byte offsets and (line, column-in-characters)
/// positions as sqlparser counts them (only `\n` starts a line). Positions are asked for in
/// increasing order, so a walk is linear in the script's length. A position behind the walker
/// (sqlparser gives the rows of `COPY ... FROM STDIN` before the `;` that precedes them) maps
/// to where the walker is, which keeps statements in order and non-overlapping.
struct Walker<'a> {
    script: &'a str,
    byte: usize,
    line: u64,
    column: u64,
}

impl<'a> Walker<'a> {
    /// A walker at `byte`, which starts line `line`.
    fn new(script: &'a str, byte: usize, line: u64) -> Self {
        Walker {
            script,
            byte,
            line,
            column: 1,
        }
    }

    /// Steps over one character; false at the end of the script.
    fn step(&mut self) -> bool {
        let Some(c) = self.script.get(self.byte..).and_then(|s| s.chars().next()) else {
            return false;
        };
        self.byte += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        true
    }

    /// The byte offset of `to`.
    fn offset_of(&mut self, to: Location) -> usize {
        while (self.line, self.column) < (to.line, to.column) && self.step() {}
        self.byte
    }

    /// The (line, column) of byte offset `to`.
    fn position_of(&mut self, to: usize) -> (u64, u64) {
        while self.byte < to && self.step() {}
        (self.line, self.column)
    }
}

/// A [`SplitError`] at byte `at` of `script` (walked from the start: errors happen once).
fn error_at(script: &str, at: usize, message: impl Into<String>) -> SplitError {
    let (line, column) = Walker::new(script, 0, 1).position_of(at);
    SplitError {
        message: message.into(),
        line: clamp(line),
        column: clamp(column),
    }
}
