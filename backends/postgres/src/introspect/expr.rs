//! Undoing what PostgreSQL adds when it prints back a stored expression (a CHECK, a partial
//! index's predicate), so it compares equal to what was declared: the casts it inserts
//! (`'web'::character varying`, `(status)::text`, `(0)::numeric`, `(ARRAY[...])::text[]`) and
//! its rewrite of `x IN (a, b)` as `x = ANY (ARRAY[a, b])` (and `NOT IN` as `<> ALL`).
//!
//! The deparser prints a cast it added and one the user wrote alike, so which to drop is a
//! choice: every cast of a literal (`'a'::text`, added to nearly every literal), of a
//! parenthesised number (`(0)::numeric`) or ARRAY constructor, and the cast of a column to
//! `text` (`(status)::text`, how a varchar column is compared). A cast the user wrote on a
//! column to another type (`(created_at)::date`) or on an expression stays; one the user wrote
//! on a literal (`'2020-01-01'::date`) is dropped too, and reads back without it.

/// Words that continue a multi-word type name after its first word.
const MULTI_WORD_TYPES: &[&str] = &[
    "character varying",
    "double precision",
    "bit varying",
    "timestamp with time zone",
    "timestamp without time zone",
    "time with time zone",
    "time without time zone",
];

/// Numeric types whose cast turns a quoted number (`'-1'::integer`) into a plain number.
const NUMERIC_TYPES: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
];

/// `expr` without the casts PostgreSQL adds and with `= ANY (ARRAY[..])` back to `IN (..)`.
pub fn declared_form(expr: &str) -> String {
    in_lists(&without_casts(expr))
}

fn without_casts(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = String::with_capacity(expr.len());
    // Output offsets of the open parentheses not yet closed.
    let mut opens: Vec<usize> = Vec::new();
    // What the output ends with, when it ends with a literal or a parenthesised group:
    // `(start, end)` byte offsets in `out`.
    let mut literal: Option<(usize, usize)> = None;
    let mut group: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' => {
                let start = out.len();
                let end = literal_end(&chars, i);
                out.extend(&chars[i..end]);
                literal = Some((start, out.len()));
                i = end;
                continue;
            }
            '(' => opens.push(out.len()),
            ')' => {
                if let Some(open) = opens.pop() {
                    out.push(')');
                    group = Some((open, out.len()));
                    i += 1;
                    continue;
                }
            }
            ':' if chars.get(i + 1) == Some(&':') => {
                let (ty, end) = cast_type(&chars, i + 2);
                if let Some(rewritten) = uncast(&out, literal, group, &ty) {
                    out = rewritten;
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The output with the cast to `ty` of what it ends with dropped, or `None` to keep the cast.
fn uncast(
    out: &str,
    literal: Option<(usize, usize)>,
    group: Option<(usize, usize)>,
    ty: &str,
) -> Option<String> {
    if let Some((start, end)) = literal.filter(|(_, end)| *end == out.len()) {
        let inner = &out[start + 1..end - 1];
        let numeric = NUMERIC_TYPES.contains(&base_type(ty)) && inner.parse::<f64>().is_ok();
        return Some(if numeric {
            format!("{}{inner}", &out[..start])
        } else {
            out.to_string()
        });
    }
    let (start, end) = group.filter(|(_, end)| *end == out.len())?;
    let inner = &out[start + 1..end - 1];
    let simple = (is_name(inner) && base_type(ty) == "text")
        || inner.parse::<f64>().is_ok()
        || (inner.starts_with("ARRAY[") && inner.ends_with(']'));
    simple.then(|| format!("{}{inner}", &out[..start]))
}

/// Whether every parenthesis of `s` outside string literals is closed in order, so
/// `(a) AND (b)` is not taken for one parenthesised group.
pub fn balanced(s: &str) -> bool {
    let mut depth = 0usize;
    let mut in_literal = false;
    for c in s.chars() {
        match c {
            '\'' => in_literal = !in_literal,
            '(' if !in_literal => depth += 1,
            ')' if !in_literal => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => {}
        }
    }
    depth == 0
}

/// `numeric` from `numeric(10,2)[]`.
fn base_type(ty: &str) -> &str {
    ty.split(['(', '[']).next().unwrap_or(ty).trim()
}

/// A plain or double-quoted identifier.
fn is_name(s: &str) -> bool {
    let quoted = s.len() >= 2 && s.starts_with('"') && s.ends_with('"');
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    quoted || plain
}

/// The index just past the literal opening at `open` (`''` is an escaped quote).
fn literal_end(chars: &[char], open: usize) -> usize {
    let mut i = open + 1;
    while i < chars.len() {
        if chars[i] == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// The type name of a cast starting at `start` (just after `::`) and the index past it:
/// a word or quoted name, the further words of a multi-word type, a modifier, `[]`s.
fn cast_type(chars: &[char], start: usize) -> (String, usize) {
    let word_at = |i: usize| -> (String, usize) {
        if chars.get(i) == Some(&'"') {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += 1;
            }
            let end = (j + 1).min(chars.len());
            return (chars[i..end].iter().collect(), end);
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        (chars[i..j].iter().collect(), j)
    };
    let (mut ty, mut i) = word_at(start);
    loop {
        if chars.get(i) != Some(&' ') {
            break;
        }
        let (next, end) = word_at(i + 1);
        let longer = format!("{ty} {next}");
        if next.is_empty() || !MULTI_WORD_TYPES.iter().any(|m| m.starts_with(&longer)) {
            break;
        }
        ty = longer;
        i = end;
    }
    if chars.get(i) == Some(&'(') {
        let close = chars[i..].iter().position(|c| *c == ')').map(|p| i + p + 1);
        if let Some(close) = close {
            ty.extend(&chars[i..close]);
            i = close;
        }
    }
    while chars.get(i) == Some(&'[') && chars.get(i + 1) == Some(&']') {
        ty.push_str("[]");
        i += 2;
    }
    (ty, i)
}

/// `x = ANY (ARRAY[a, b])` -> `x IN (a, b)`; `x <> ALL (ARRAY[a, b])` -> `x NOT IN (a, b)`.
fn in_lists(expr: &str) -> String {
    let mut s = expr.to_string();
    for (pattern, replacement) in [
        (" = ANY (ARRAY[", " IN ("),
        (" <> ALL (ARRAY[", " NOT IN ("),
    ] {
        while let Some(at) = find_outside_literals(&s, pattern) {
            let open = at + pattern.len() - 1;
            let Some(close) = closing_bracket(&s, open) else {
                break;
            };
            if !s[close + 1..].starts_with(')') {
                break;
            }
            let items = s[open + 1..close].to_string();
            s = format!("{}{replacement}{items}){}", &s[..at], &s[close + 2..]);
        }
    }
    s
}

/// Byte offset of the first `pattern` that is not inside a string literal.
fn find_outside_literals(s: &str, pattern: &str) -> Option<usize> {
    let mut in_literal = false;
    for (i, c) in s.char_indices() {
        if c == '\'' {
            in_literal = !in_literal;
        } else if !in_literal && s[i..].starts_with(pattern) {
            return Some(i);
        }
    }
    None
}

/// Byte offset of the `]` closing the `[` at `open`, skipping literals and nested brackets.
fn closing_bracket(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_literal = false;
    for (i, c) in s[open..].char_indices() {
        match c {
            '\'' => in_literal = !in_literal,
            '[' if !in_literal => depth += 1,
            ']' if !in_literal => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::declared_form;

    #[test]
    fn in_lists_come_back_without_casts() {
        assert_eq!(
            declared_form(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b''c'::character varying])::text[]))"
            ),
            "(status IN ('a', 'b''c'))"
        );
        assert_eq!(
            declared_form("(t = ANY (ARRAY['x'::text, 'y'::text]))"),
            "(t IN ('x', 'y'))"
        );
        assert_eq!(
            declared_form("((kind)::text <> ALL ((ARRAY['a'::character varying])::text[]))"),
            "(kind NOT IN ('a'))"
        );
    }

    #[test]
    fn added_casts_go_and_written_ones_stay() {
        assert_eq!(
            declared_form("((status)::text = 'a'::text)"),
            "(status = 'a')"
        );
        assert_eq!(declared_form("(price >= (0)::numeric)"), "(price >= 0)");
        assert_eq!(declared_form("(n > '-1'::integer)"), "(n > -1)");
        assert_eq!(
            declared_form("((created_at)::date > '2020-01-01'::date)"),
            "((created_at)::date > '2020-01-01')"
        );
        assert_eq!(
            declared_form("((a + b)::numeric > 0)"),
            "((a + b)::numeric > 0)"
        );
        assert_eq!(
            declared_form("(\"Order\" = 'x::y'::character varying(10))"),
            "(\"Order\" = 'x::y')"
        );
        assert_eq!(
            declared_form("(ts > '2020-01-01 00:00:00+00'::timestamp with time zone)"),
            "(ts > '2020-01-01 00:00:00+00')"
        );
    }
}
