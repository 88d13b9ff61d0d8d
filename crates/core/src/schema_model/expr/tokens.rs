//! Splitting an SQL expression into tokens: words, quoted identifiers, literals (kept byte for
//! byte), numbers, parentheses, commas and operators; comments and spaces dropped.

use crate::Dialect;

/// One token; `text` is its source text, except for a quoted identifier (unquoted name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) text: String,
    /// Whether it follows the previous token without a space (`E'x'`, `X'00'`).
    pub(super) joined: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An unquoted word: keyword, identifier or function name.
    Word,
    /// A quoted identifier; `text` is the name without quotes.
    Quoted,
    /// A string literal, quotes included.
    Literal,
    Number,
    Open,
    Close,
    Comma,
    /// Operators and any other punctuation (`.`, `::`, `[`, `]` included).
    Op,
}

/// Operators of more than one character, longest first.
const OPERATORS: &[&str] = &[
    "->>", "#>>", "!~*", "::", "<=", ">=", "<>", "!=", "==", "||", "->", "#>", "<<", ">>", "&&",
    "@>", "<@", "~*", "!~", ":=",
];

pub(super) fn tokens(sql: &str, dialect: Dialect) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut joined = false;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        let kind = match c {
            c if c.is_whitespace() => {
                i += 1;
                joined = false;
                continue;
            }
            '-' if next == Some('-') => {
                i = find(&chars, i, "\n").map_or(chars.len(), |n| n + 1);
                joined = false;
                continue;
            }
            '/' if next == Some('*') => {
                i = find(&chars, i + 2, "*/").map_or(chars.len(), |n| n + 2);
                joined = false;
                continue;
            }
            '\'' => {
                i = closing(&chars, i, '\'', dialect == Dialect::Mysql);
                Kind::Literal
            }
            '"' | '`' => {
                i = closing(&chars, i, c, false);
                Kind::Quoted
            }
            '[' if dialect == Dialect::Sqlite => {
                i = find(&chars, i, "]").map_or(chars.len(), |n| n + 1);
                Kind::Quoted
            }
            '(' => {
                i += 1;
                Kind::Open
            }
            ')' => {
                i += 1;
                Kind::Close
            }
            ',' => {
                i += 1;
                Kind::Comma
            }
            c if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    let exponent_sign = matches!(d, '+' | '-')
                        && matches!(chars[i - 1], 'e' | 'E')
                        && !chars[start..i].iter().any(|x| matches!(x, 'x' | 'X'));
                    if !(d.is_ascii_alphanumeric() || d == '.' || d == '_' || exponent_sign) {
                        break;
                    }
                    i += 1;
                }
                Kind::Number
            }
            c if c.is_alphabetic() || c == '_' => {
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
                let len = OPERATORS
                    .iter()
                    .find(|op| rest.starts_with(*op))
                    .map_or(1, |op| op.chars().count());
                i += len;
                Kind::Op
            }
        };
        let raw: String = chars[start..i].iter().collect();
        let text = if kind == Kind::Quoted {
            unquote(&raw)
        } else {
            raw
        };
        out.push(Token { kind, text, joined });
        joined = true;
    }
    out
}

/// The name inside a quoted identifier, with doubled quotes undoubled.
fn unquote(raw: &str) -> String {
    let mut chars = raw.chars();
    let (Some(open), Some(close)) = (chars.next(), chars.next_back()) else {
        return String::new();
    };
    let inner: String = chars.collect();
    if open == close {
        let q = open.to_string();
        inner.replace(&format!("{q}{q}"), &q)
    } else {
        inner
    }
}

/// Position of `pattern` in `chars` at or after `from`.
fn find(chars: &[char], from: usize, pattern: &str) -> Option<usize> {
    let p: Vec<char> = pattern.chars().collect();
    (from..chars.len()).find(|&i| chars[i..].starts_with(&p))
}

/// The index just past the quote closing the quoted text opening at `open` (a doubled quote
/// is an escaped one; so is a backslash-escaped one where `backslash`), or the end.
fn closing(chars: &[char], open: usize, quote: char, backslash: bool) -> usize {
    let mut i = open + 1;
    while i < chars.len() {
        if backslash && chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}
