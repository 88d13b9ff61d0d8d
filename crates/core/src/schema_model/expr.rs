//! SQL expressions (CHECK constraints, partial index predicates, default expressions) in a
//! canonical form per dialect: still valid SQL of that dialect, so it can be printed in DDL and
//! reports, and the same text whichever catalog it was read from. Catalogs print an expression
//! back their own way: PostgreSQL parenthesizes every operand of AND/OR and the whole
//! expression, MySQL quotes every column with backticks, MariaDB drops the spaces after commas.
//!
//! The canonical form re-spaces the tokens, upper-cases operator keywords (`IN`, `AND`, `IS
//! NULL`), lower-cases other unquoted words (identifiers and function names are
//! case-insensitive unquoted on all three), drops the quotes of a quoted identifier that needs
//! none, spells `!=` as `<>`, and drops parentheses that cannot change the meaning (around the
//! whole expression, around an operand of AND/OR that binds at least as tightly, around a
//! single operand). String literals are kept byte for byte: `'A'` and `'a'` differ.

mod keywords;
#[cfg(test)]
mod tests;
mod tokens;

use crate::Dialect;
use tokens::{Kind, Token, tokens};

/// Operator keywords, printed upper-case. They connect operands, so they neither end an
/// operand (a `-` after them is unary) nor call a function (a `(` after them opens a group).
const CONNECTIVES: &[&str] = &[
    "all", "and", "any", "as", "between", "case", "collate", "distinct", "else", "escape",
    "exists", "from", "glob", "ilike", "in", "is", "like", "not", "or", "regexp", "similar",
    "some", "then", "when", "xor",
];

/// Keywords that are operands by themselves, printed upper-case.
const VALUE_KEYWORDS: &[&str] = &[
    "array",
    "cast",
    "current_date",
    "current_time",
    "current_timestamp",
    "end",
    "false",
    "localtime",
    "localtimestamp",
    "null",
    "true",
    "unknown",
];

/// `expr` in the canonical form of `dialect` (see the module documentation).
pub fn canonical_expression(expr: &str, dialect: Dialect) -> String {
    let mut toks = tokens(expr, dialect);
    for t in &mut toks {
        match t.kind {
            Kind::Word => t.text = t.text.to_ascii_lowercase(),
            Kind::Op if t.text == "!=" => t.text = "<>".into(),
            Kind::Op if t.text == "==" => t.text = "=".into(),
            _ => {}
        }
    }
    while let Some((open, close)) = removable_group(&toks, dialect) {
        toks.remove(close);
        toks.remove(open);
    }
    print(&toks, dialect)
}

/// A key two expressions are compared by when their dialects differ or are unknown: without
/// case outside literals, spaces, identifier quotes or parentheses (catalogs add those).
pub fn expression_key(expr: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut last_word = false;
    for t in tokens(expr, Dialect::Postgres) {
        if matches!(t.kind, Kind::Open | Kind::Close) {
            continue;
        }
        let word = matches!(
            t.kind,
            Kind::Word | Kind::Quoted | Kind::Literal | Kind::Number
        );
        // Only between two words does a space matter (`a OR b`, not `aorb`).
        if word && last_word {
            out.push(' ');
        }
        last_word = word;
        match t.kind {
            Kind::Word | Kind::Quoted => out.push_str(&t.text.to_ascii_lowercase()),
            Kind::Op if t.text == "!=" => out.push_str("<>"),
            _ => out.push_str(&t.text),
        }
    }
    out
}

fn is_word(t: Option<&Token>, words: &[&str]) -> bool {
    t.is_some_and(|t| t.kind == Kind::Word && words.contains(&t.text.as_str()))
}

fn is_op(t: Option<&Token>, op: &str) -> bool {
    t.is_some_and(|t| t.kind == Kind::Op && t.text == op)
}

/// Whether the token ends an operand, so an operator after it is binary.
fn ends_operand(t: &Token) -> bool {
    match t.kind {
        Kind::Word => !CONNECTIVES.contains(&t.text.as_str()),
        Kind::Quoted | Kind::Literal | Kind::Number | Kind::Close => true,
        Kind::Op => t.text == "]",
        Kind::Open | Kind::Comma => false,
    }
}

/// The first pair of parentheses that can go without changing the meaning, as token
/// positions `(open, close)`.
fn removable_group(toks: &[Token], dialect: Dialect) -> Option<(usize, usize)> {
    let mut opens = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => opens.push(i),
            Kind::Close => {
                let open = opens.pop()?;
                if redundant(toks, open, i, dialect) {
                    return Some((open, i));
                }
            }
            _ => {}
        }
    }
    None
}

fn redundant(toks: &[Token], open: usize, close: usize, dialect: Dialect) -> bool {
    let inner = &toks[open + 1..close];
    let before = open.checked_sub(1).map(|p| &toks[p]);
    let after = toks.get(close + 1);
    if inner.is_empty() || is_word(inner.first(), &["select", "with", "values"]) {
        return false;
    }
    // Top level of the group: commas make it a row or a list; an OR binds more loosely than
    // the AND next to it.
    let (mut depth, mut comma, mut or, mut between) = (0usize, false, false, 0);
    for t in inner {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => comma = true,
            _ if depth > 0 => {}
            Kind::Word if t.text == "between" => between += 1,
            // The AND of `x BETWEEN a AND b` belongs to BETWEEN.
            Kind::Word if t.text == "and" && between > 0 => between -= 1,
            Kind::Word if t.text == "or" || t.text == "xor" => or = true,
            // MySQL reads `||` as OR (unless PIPES_AS_CONCAT).
            Kind::Op if t.text == "||" && dialect == Dialect::Mysql => or = true,
            _ => {}
        }
    }
    if comma {
        return false;
    }
    // A group in a place where a whole boolean term goes: after/before AND, OR, a comma, an
    // opening/closing parenthesis, CASE's keywords or the ends of the expression.
    let term_start = before.is_none_or(|b| {
        matches!(b.kind, Kind::Open | Kind::Comma) || is_word(Some(b), &["and", "or"])
    }) || is_word(before, &["when", "then", "else"]);
    let term_end = after.is_none_or(|a| {
        matches!(a.kind, Kind::Close | Kind::Comma) || is_word(Some(a), &["and", "or"])
    }) || is_word(after, &["when", "then", "else", "end"]);
    let next_to_and = is_word(before, &["and"]) || is_word(after, &["and"]);
    if term_start && term_end && !(or && next_to_and) {
        return true;
    }
    // A single operand (`(0)`, `(status)`, `(lower(x))`) wherever an operand goes; not after a
    // word (`f(x)`, `IN (1)`) nor before `.` or `[` (`(row).field`, `(f(x))[1]`).
    let single = match inner {
        [one] => matches!(
            one.kind,
            Kind::Word | Kind::Quoted | Kind::Literal | Kind::Number
        ),
        [name, second, .., last] => {
            matches!(name.kind, Kind::Word | Kind::Quoted)
                && second.kind == Kind::Open
                && last.kind == Kind::Close
                && closes(inner, 1) == Some(inner.len() - 1)
        }
        _ => false,
    };
    let operand_place = before.is_none_or(|b| match b.kind {
        Kind::Word => CONNECTIVES.contains(&b.text.as_str()) && b.text != "in",
        Kind::Open | Kind::Comma => true,
        Kind::Op => b.text != "." && b.text != "]",
        _ => false,
    });
    single && operand_place && !is_op(after, ".") && !is_op(after, "[")
}

/// Position of the token closing the parenthesis at `open` in `toks`.
fn closes(toks: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn print(toks: &[Token], dialect: Dialect) -> String {
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &toks[p]);
        let unary_prev = prev.is_some_and(|p| {
            p.kind == Kind::Op
                && matches!(p.text.as_str(), "-" | "+" | "~")
                && !i.checked_sub(2).map(|q| &toks[q]).is_some_and(ends_operand)
        });
        let space = match prev {
            None => false,
            Some(_) if unary_prev => false,
            Some(p) => !glued(p, t),
        };
        if space {
            out.push(' ');
        }
        out.push_str(&token_text(t, dialect));
    }
    out
}

/// Whether `t` is printed right after `prev`, without a space.
fn glued(prev: &Token, t: &Token) -> bool {
    let tight = |x: &Token| x.kind == Kind::Op && matches!(x.text.as_str(), "." | "::");
    if matches!(prev.kind, Kind::Open) || tight(prev) || is_op(Some(prev), "[") {
        return true;
    }
    if matches!(t.kind, Kind::Close | Kind::Comma) || tight(t) {
        return true;
    }
    if t.kind == Kind::Op && matches!(t.text.as_str(), "[" | "]") {
        return true;
    }
    match t.kind {
        // A function call or type modifier; after an operator keyword, a group.
        Kind::Open => {
            matches!(prev.kind, Kind::Word | Kind::Quoted)
                && !CONNECTIVES.contains(&prev.text.as_str())
        }
        // A prefixed literal: E'..', X'..', N'..'.
        Kind::Literal => t.joined && prev.kind == Kind::Word,
        _ => false,
    }
}

fn token_text(t: &Token, dialect: Dialect) -> String {
    match t.kind {
        Kind::Word
            if CONNECTIVES.contains(&t.text.as_str())
                || VALUE_KEYWORDS.contains(&t.text.as_str()) =>
        {
            t.text.to_ascii_uppercase()
        }
        Kind::Quoted => {
            let plain = t
                .text
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && t.text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !keywords::is_keyword(&t.text);
            match dialect {
                _ if plain => t.text.clone(),
                Dialect::Mysql => format!("`{}`", t.text.replace('`', "``")),
                _ => format!("\"{}\"", t.text.replace('"', "\"\"")),
            }
        }
        _ => t.text.clone(),
    }
}
