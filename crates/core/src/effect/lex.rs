//! The words of one statement, read lazily from its start: enough to tell what it does without
//! tokenizing a multi-megabyte `INSERT` to its end.

use super::Ident;

/// One token of a statement, as classifying it needs: words and punctuation. Literals,
/// comments and whitespace are skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// An unquoted word (keyword or identifier) or a quoted identifier.
    Word(Ident),
    /// `(`, `)`, `,`, `.`, `=` or any other single character outside literals.
    Punct(char),
    /// A string literal (its text is not needed).
    Literal,
    /// A number, as written.
    Number(String),
}

impl Tok {
    /// The upper-cased word, when this is an unquoted word.
    pub(super) fn keyword(&self) -> Option<String> {
        match self {
            Tok::Word(w) if !w.quoted => Some(w.text.to_ascii_uppercase()),
            _ => None,
        }
    }
}

/// Tokens of `sql`, from its start, on demand.
pub(super) struct Lexer<'a> {
    rest: &'a str,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(sql: &'a str) -> Self {
        Lexer { rest: sql }
    }

    fn skip_blank(&mut self) {
        loop {
            let trimmed = self.rest.trim_start();
            if let Some(after) = trimmed.strip_prefix("--") {
                self.rest = after.find('\n').map_or("", |i| &after[i..]);
            } else if trimmed.starts_with('#') && !trimmed.starts_with("#>") {
                self.rest = trimmed.find('\n').map_or("", |i| &trimmed[i..]);
            } else if let Some(after) = trimmed.strip_prefix("/*") {
                self.rest = after.find("*/").map_or("", |i| &after[i + 2..]);
            } else {
                self.rest = trimmed;
                return;
            }
        }
    }

    /// Consumes up to the closing `close` (doubled `close` escapes it); returns the inside.
    fn quoted(&mut self, close: char) -> String {
        let mut out = String::new();
        let mut chars = self.rest.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\\' && close == '\'' {
                chars.next();
                continue;
            }
            if c == close {
                if chars.peek().is_some_and(|&(_, n)| n == close) {
                    chars.next();
                    out.push(c);
                    continue;
                }
                self.rest = &self.rest[i + c.len_utf8()..];
                return out;
            }
            out.push(c);
        }
        self.rest = "";
        out
    }

    /// A PostgreSQL dollar-quoted body (`$tag$ ... $tag$`), when one starts here.
    fn dollar_quoted(&mut self) -> bool {
        let Some(end) = self.rest[1..].find('$') else {
            return false;
        };
        let tag = &self.rest[..end + 2];
        if !tag[1..tag.len() - 1]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
        {
            return false;
        }
        let body = &self.rest[tag.len()..];
        self.rest = body.find(tag).map_or("", |i| &body[i + tag.len()..]);
        true
    }
}

impl Iterator for Lexer<'_> {
    type Item = Tok;

    fn next(&mut self) -> Option<Tok> {
        self.skip_blank();
        let c = self.rest.chars().next()?;
        match c {
            '\'' => {
                self.quoted('\'');
                Some(Tok::Literal)
            }
            '"' | '`' => Some(Tok::Word(Ident {
                text: self.quoted(c),
                quoted: true,
            })),
            '[' => Some(Tok::Word(Ident {
                text: self.quoted(']'),
                quoted: true,
            })),
            '$' if self.dollar_quoted() => Some(Tok::Literal),
            c if c.is_ascii_digit() => {
                let end = self
                    .rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                    .unwrap_or(self.rest.len());
                let number = self.rest[..end].to_string();
                self.rest = &self.rest[end..];
                Some(Tok::Number(number))
            }
            c if c.is_alphanumeric() || c == '_' => {
                let end = self
                    .rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '@'))
                    .unwrap_or(self.rest.len());
                let word = &self.rest[..end];
                self.rest = &self.rest[end..];
                Some(Tok::Word(Ident {
                    text: word.to_string(),
                    quoted: false,
                }))
            }
            c => {
                self.rest = &self.rest[c.len_utf8()..];
                Some(Tok::Punct(c))
            }
        }
    }
}
