//! Splitting where `;` ends statements, on sqlparser's tokenizer: literals, quoted identifiers,
//! comments and dollar quotes are single tokens, so only top-level semicolons remain to look
//! at, plus the `BEGIN ... END` nesting of compound bodies.

use std::borrow::Cow;
use std::ops::Range;

use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use super::mysql::Blank;
use super::{SplitError, Statement, Walker, clamp, push};
use crate::Dialect;

/// Splits `script[range]`, which starts at column 1 of line `first_line`, appending its
/// statements (positioned in the whole script) to `out`. `blanks` (in script order) are read as
/// they say: see [`super::mysql`] for why.
pub(super) fn split_section(
    script: &str,
    range: Range<usize>,
    first_line: u64,
    blanks: &[Blank],
    dialect: Dialect,
    out: &mut Vec<Statement>,
) -> Result<(), SplitError> {
    let text = blanked(
        script.get(range.clone()).unwrap_or_default(),
        range.start,
        blanks,
    );
    // The tokenizer counts from line 1 of the section; statements are placed in the script.
    let shift = first_line.saturating_sub(1);
    let place = |loc: Location| Location {
        line: loc.line.saturating_add(shift),
        column: loc.column,
    };
    let tokens = tokenize(&text, dialect).map_err(|mut e| {
        e.line = clamp(u64::from(e.line).saturating_add(shift));
        e
    })?;
    let significant: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();

    let mut walker = Walker::new(script, range.start, first_line);
    let mut start: Option<(usize, Location)> = None;
    let mut body = BodyTracker::default();
    for (i, tok) in significant.iter().enumerate() {
        let next = significant.get(i + 1).map(|t| &t.token);
        if matches!(tok.token, Token::CopyData { .. }) {
            // The rows after `COPY ... FROM STDIN;` (up to `\.`) belong to the COPY statement:
            // sqlparser gives them before the `;`, and the statement then ends after them.
            walker.offset_of(place(tok.span.end));
            continue;
        }
        if tok.token == Token::SemiColon && body.depth == 0 {
            if let Some((from, loc)) = start.take() {
                let to = walker.offset_of(place(tok.span.start));
                push(out, script, from..to, loc.line, loc.column);
            }
            body = BodyTracker::default();
            continue;
        }
        if start.is_none() {
            // The walker's own position, not the token's: they differ only for tokens that
            // sqlparser places behind an earlier one (after `COPY` rows), and the statement's
            // position must be that of its first byte.
            let from = walker.offset_of(place(tok.span.start));
            start = Some((from, Location::new(walker.line, walker.column)));
        }
        body.see(&tok.token, next, dialect);
    }
    if let Some((from, loc)) = start {
        push(out, script, from..range.end, loc.line, loc.column);
    }
    Ok(())
}

/// `text` (at byte `offset` of the script) with each character of `blanks` replaced by the
/// blank's character, which has the same UTF-8 length: same bytes and character counts, so
/// every position stays right.
fn blanked<'a>(text: &'a str, offset: usize, blanks: &[Blank]) -> Cow<'a, str> {
    if blanks.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for (range, with) in blanks {
        let (from, to) = (
            range.start.saturating_sub(offset),
            range.end.saturating_sub(offset),
        );
        let Some(old) = out.get(from..to) else {
            continue;
        };
        if old.chars().all(|c| c.len_utf8() == with.len_utf8()) {
            let new = with.to_string().repeat(old.chars().count());
            out.replace_range(from..to, &new);
        }
    }
    Cow::Owned(out)
}

/// All tokens of `text`, comments included.
fn tokenize(text: &str, dialect: Dialect) -> Result<Vec<TokenWithSpan>, SplitError> {
    let result = match dialect {
        Dialect::Sqlite => Tokenizer::new(&SQLiteDialect {}, text).tokenize_with_location(),
        Dialect::Postgres => Tokenizer::new(&PostgreSqlDialect {}, text).tokenize_with_location(),
        Dialect::Mysql => Tokenizer::new(&MySqlDialect {}, text).tokenize_with_location(),
    };
    result.map_err(|e| SplitError {
        message: e.message,
        line: clamp(e.location.line),
        column: clamp(e.location.column),
    })
}

/// Tracks `BEGIN ... END` nesting inside statements whose body is a block of statements, and
/// parentheses in PostgreSQL rules (`DO ALSO (INSERT ...; UPDATE ...)`).
#[derive(Default)]
struct BodyTracker {
    /// Upper-cased leading words of the current statement (enough to classify it).
    head: Vec<String>,
    compound: bool,
    depth: u32,
    /// Set after `END` when the next word only names what `END` closed (`END CASE`).
    skip_next: bool,
}

/// The upper-cased text of an unquoted word.
fn word(token: Option<&Token>) -> Option<String> {
    match token {
        Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

impl BodyTracker {
    fn see(&mut self, token: &Token, next: Option<&Token>, dialect: Dialect) {
        if self.is_rule() {
            match token {
                Token::LParen => self.depth += 1,
                Token::RParen => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            return;
        }
        // A statement known after its first six words not to hold a body needs no more words
        // (most statements: this keeps splitting from upper-casing every word of a script).
        if !self.compound && self.head.len() >= 6 {
            return;
        }
        let Some(kw) = word(Some(token)) else {
            return;
        };
        let next_kw = word(next).unwrap_or_default();
        if self.head.len() < 6 {
            self.head.push(kw.clone());
            self.compound = self.compound || self.starts_compound(dialect, &next_kw);
        }
        if !self.compound || std::mem::take(&mut self.skip_next) {
            return;
        }
        match kw.as_str() {
            // PostgreSQL bodies are dollar-quoted except for SQL-standard `BEGIN ATOMIC`.
            "BEGIN" if dialect != Dialect::Postgres || next_kw == "ATOMIC" => self.depth += 1,
            "CASE" if self.depth > 0 => self.depth += 1,
            // MySQL closes IF/LOOP/WHILE/REPEAT (and MariaDB FOR) with `END IF` etc.; those
            // never opened a level.
            "END"
                if self.depth > 0
                    && !matches!(next_kw.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") =>
            {
                self.depth -= 1;
                self.skip_next = next_kw == "CASE";
            }
            _ => {}
        }
    }

    fn is_rule(&self) -> bool {
        self.compound && self.head.last().is_some_and(|k| k == "RULE")
    }

    fn starts_compound(&self, dialect: Dialect, next_kw: &str) -> bool {
        let first = self.head.first().map(String::as_str);
        // MariaDB runs anonymous blocks: `BEGIN NOT ATOMIC ... END`.
        if dialect == Dialect::Mysql && self.head.len() == 1 && first == Some("BEGIN") {
            return next_kw == "NOT";
        }
        if first != Some("CREATE") {
            return false;
        }
        let objects: &[&str] = match dialect {
            Dialect::Sqlite => &["TRIGGER"],
            Dialect::Postgres => &["FUNCTION", "PROCEDURE", "RULE"],
            Dialect::Mysql => &["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"],
        };
        self.head
            .last()
            .is_some_and(|k| objects.contains(&k.as_str()))
    }
}
