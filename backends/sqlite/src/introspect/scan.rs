//! A small scanner for the SQL SQLite keeps in `sqlite_schema`, for the facts it has no catalog
//! for: CHECK constraints, the AUTOINCREMENT keyword, a partial index's WHERE clause and the
//! text of an index's expression columns. It knows string literals, quoted identifiers and
//! comments, so a `CHECK` or `WHERE` inside a literal or a quoted name is never mistaken for
//! the keyword.

use cairn::schema::Check;

/// One token of SQL text; `start..end` is its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An unquoted word: a keyword or a plain identifier.
    Word,
    /// A quoted identifier (`"x"`, `` `x` ``, `[x]`), unquoted.
    Quoted(String),
    /// A string or blob literal.
    Literal,
    Open,
    Close,
    Comma,
    /// Anything else (operators, numbers, `;`).
    Other,
}

fn tokens(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let kind = match b {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\'' => {
                i = closing(bytes, i, b'\'');
                Kind::Literal
            }
            b'"' | b'`' => {
                i = closing(bytes, i, b);
                let q = char::from(b).to_string();
                let inner = &sql[start + 1..i.saturating_sub(1).max(start + 1)];
                Kind::Quoted(inner.replace(&format!("{q}{q}"), &q))
            }
            b'[' => {
                i = sql[i..].find(']').map_or(bytes.len(), |n| i + n + 1);
                Kind::Quoted(sql[start + 1..i.saturating_sub(1).max(start + 1)].to_string())
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// The index just past the quote closing the quoted text that starts at `open` (a doubled
/// quote is an escaped one), or the end of the text when it is unterminated.
fn closing(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn is_word(sql: &str, t: &Token, word: &str) -> bool {
    t.kind == Kind::Word && sql[t.start..t.end].eq_ignore_ascii_case(word)
}

fn name_of(sql: &str, t: &Token) -> Option<String> {
    match &t.kind {
        Kind::Word => Some(sql[t.start..t.end].to_string()),
        Kind::Quoted(name) => Some(name.clone()),
        Kind::Literal => Some(sql[t.start + 1..t.end.saturating_sub(1)].replace("''", "'")),
        _ => None,
    }
}

/// Position of the token closing the parenthesis opened by `tokens[open]`.
fn matching(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a `CREATE TABLE` statement uses AUTOINCREMENT (only a rowid-alias `INTEGER PRIMARY
/// KEY` column can, so it says which column is an identity).
pub fn has_autoincrement(sql: &str) -> bool {
    tokens(sql).iter().any(|t| is_word(sql, t, "AUTOINCREMENT"))
}

/// The CHECK constraints of a `CREATE TABLE` statement, table- and column-level, with the
/// name of `CONSTRAINT name CHECK (...)` when there is one. Expressions are the text between
/// the CHECK's parentheses, as written.
pub fn checks(sql: &str) -> Vec<Check> {
    let toks = tokens(sql);
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            // Depth 1 is the table body: column definitions and table constraints.
            _ if depth == 1 && is_word(sql, t, "CHECK") => {
                let Some(open) = toks.get(i + 1).filter(|n| n.kind == Kind::Open) else {
                    continue;
                };
                let Some(close) = matching(&toks, i + 1) else {
                    continue;
                };
                let name = match (
                    i.checked_sub(2).map(|p| &toks[p]),
                    toks.get(i.wrapping_sub(1)),
                ) {
                    (Some(c), Some(n)) if is_word(sql, c, "CONSTRAINT") => name_of(sql, n),
                    _ => None,
                };
                out.push(Check {
                    name,
                    expression: sql[open.end..toks[close].start].trim().to_string(),
                });
            }
            _ => {}
        }
    }
    out
}

/// The WHERE clause of a partial `CREATE INDEX` statement, as written.
pub fn index_predicate(sql: &str) -> Option<String> {
    let toks = tokens(sql);
    let mut depth = 0usize;
    for t in &toks {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            _ if depth == 0 && is_word(sql, t, "WHERE") => {
                let rest = sql[t.end..].trim().trim_end_matches(';').trim_end();
                return (!rest.is_empty()).then(|| rest.to_string());
            }
            _ => {}
        }
    }
    None
}

/// The text of each key item of a `CREATE INDEX` statement (`lower(email)`, `name COLLATE
/// nocase`), for expression columns, which have no column name in the catalog. Sort order
/// keywords are left out: the catalog reports them separately.
pub fn index_items(sql: &str) -> Vec<String> {
    let toks = tokens(sql);
    let Some(open) = toks.iter().position(|t| t.kind == Kind::Open) else {
        return Vec::new();
    };
    let Some(close) = matching(&toks, open) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = toks[open].end;
    let mut last_end = start;
    for t in &toks[open + 1..close] {
        match t.kind {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Comma if depth == 0 => {
                items.push(sql[start..last_end].to_string());
                start = t.end;
                last_end = start;
                continue;
            }
            _ if depth == 0 && (is_word(sql, t, "ASC") || is_word(sql, t, "DESC")) => continue,
            _ => {}
        }
        last_end = t.end;
    }
    items.push(sql[start..last_end].to_string());
    items.into_iter().map(|s| s.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_table_and_column_checks_with_their_names() {
        let sql = "CREATE TABLE \"t\" (\n  qty INTEGER NOT NULL CHECK (qty >= 0),\n  \
                   note TEXT DEFAULT 'CHECK (no)', -- CHECK (comment)\n  \
                   \"check\" TEXT /* CHECK (x) */,\n  \
                   CONSTRAINT ck_t_state CHECK (state IN ('a', 'b (c)')),\n  \
                   CONSTRAINT \"odd name\" CHECK(length(note) < 10),\n  \
                   CHECK ((qty))\n)";
        let found = checks(sql);
        let pairs: Vec<(Option<&str>, &str)> = found
            .iter()
            .map(|c| (c.name.as_deref(), c.expression.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                (None, "qty >= 0"),
                (Some("ck_t_state"), "state IN ('a', 'b (c)')"),
                (Some("odd name"), "length(note) < 10"),
                (None, "(qty)"),
            ]
        );
    }

    #[test]
    fn autoincrement_only_as_a_keyword() {
        assert!(has_autoincrement(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)"
        ));
        assert!(!has_autoincrement(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, \"autoincrement\" TEXT DEFAULT 'AUTOINCREMENT')"
        ));
    }

    #[test]
    fn partial_index_predicates_and_items() {
        let sql = "CREATE INDEX \"i\" ON t (a DESC, lower(b), c COLLATE nocase ASC) WHERE deleted_at IS NULL;";
        assert_eq!(index_predicate(sql).as_deref(), Some("deleted_at IS NULL"));
        assert_eq!(index_items(sql), ["a", "lower(b)", "c COLLATE nocase"]);
        assert_eq!(index_predicate("CREATE INDEX i ON t (a)"), None);
        assert_eq!(
            index_predicate("CREATE INDEX i ON \"where\" (a) WHERE a = 'WHERE'").as_deref(),
            Some("a = 'WHERE'")
        );
    }
}
