//! Splitting a SQL script into statements, each with its position in the script.
//!
//! Built on sqlparser's tokenizer for the target dialect, so semicolons inside string literals,
//! quoted identifiers, comments and PostgreSQL dollar quotes never split. Compound bodies
//! (`CREATE TRIGGER ... BEGIN ... END` on SQLite and MySQL, MySQL procedures, PostgreSQL
//! `BEGIN ATOMIC`) are kept whole.

use std::ops::Range;

use serde::Serialize;
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

use crate::Dialect;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    /// The statement text, without its terminating semicolon.
    pub sql: String,
    /// Byte range of `sql` in the script.
    pub span: Range<usize>,
    /// 1-based line in the script where the statement starts.
    pub line: u32,
    /// 1-based column (in characters) where the statement starts.
    pub column: u32,
}

/// A script the tokenizer cannot read (e.g. an unterminated string literal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line}, column {column} of the SQL)")]
pub struct SplitError {
    /// The tokenizer's message.
    pub message: String,
    /// 1-based line in the script.
    pub line: u32,
    /// 1-based column in the script.
    pub column: u32,
}

/// Splits `script` into statements for `dialect`. Empty statements and comment-only tails are
/// dropped.
pub fn split(script: &str, dialect: Dialect) -> Result<Vec<Statement>, SplitError> {
    let tokens = tokenize(script, dialect)?;
    let significant: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();

    let mut cursor = Cursor::new(script);
    let mut out = Vec::new();
    let mut start: Option<(usize, Location)> = None;
    let mut body = BodyTracker::default();
    for (i, tok) in significant.iter().enumerate() {
        let next = significant.get(i + 1).map(|t| &t.token);
        if tok.token == Token::SemiColon && body.depth == 0 {
            if let Some((from, loc)) = start.take() {
                let to = cursor.offset(tok.span.start);
                push(&mut out, script, from..to, loc);
            }
            body = BodyTracker::default();
            continue;
        }
        if start.is_none() {
            start = Some((cursor.offset(tok.span.start), tok.span.start));
        }
        body.see(&tok.token, next, dialect);
    }
    if let Some((from, loc)) = start {
        push(&mut out, script, from..script.len(), loc);
    }
    Ok(out)
}

fn tokenize(script: &str, dialect: Dialect) -> Result<Vec<TokenWithSpan>, SplitError> {
    let result = match dialect {
        Dialect::Sqlite => Tokenizer::new(&SQLiteDialect {}, script).tokenize_with_location(),
        Dialect::Postgres => Tokenizer::new(&PostgreSqlDialect {}, script).tokenize_with_location(),
        Dialect::Mysql => Tokenizer::new(&MySqlDialect {}, script).tokenize_with_location(),
    };
    result.map_err(|e| SplitError {
        message: e.message,
        line: clamp(e.location.line),
        column: clamp(e.location.column),
    })
}

fn push(out: &mut Vec<Statement>, script: &str, range: Range<usize>, loc: Location) {
    let text = script[range.clone()].trim_end();
    if text.is_empty() {
        return;
    }
    out.push(Statement {
        sql: text.to_string(),
        span: range.start..range.start + text.len(),
        line: clamp(loc.line),
        column: clamp(loc.column),
    });
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Tracks `BEGIN ... END` nesting inside statements whose body is a block of statements.
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
        let Some(kw) = word(Some(token)) else {
            return;
        };
        if self.head.len() < 6 {
            self.head.push(kw.clone());
            self.compound = self.compound || self.starts_compound(dialect);
        }
        if !self.compound || std::mem::take(&mut self.skip_next) {
            return;
        }
        let next_kw = word(next).unwrap_or_default();
        match kw.as_str() {
            // PostgreSQL bodies are dollar-quoted except for SQL-standard `BEGIN ATOMIC`.
            "BEGIN" if dialect != Dialect::Postgres || next_kw == "ATOMIC" => self.depth += 1,
            "CASE" if self.depth > 0 => self.depth += 1,
            // MySQL closes IF/LOOP/WHILE/REPEAT with `END IF` etc.; those never opened a level.
            "END"
                if self.depth > 0
                    && !matches!(next_kw.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT") =>
            {
                self.depth -= 1;
                self.skip_next = next_kw == "CASE";
            }
            _ => {}
        }
    }

    fn starts_compound(&self, dialect: Dialect) -> bool {
        if self.head.first().map(String::as_str) != Some("CREATE") {
            return false;
        }
        let objects: &[&str] = match dialect {
            Dialect::Sqlite => &["TRIGGER"],
            Dialect::Postgres => &["FUNCTION", "PROCEDURE"],
            Dialect::Mysql => &["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"],
        };
        self.head
            .last()
            .is_some_and(|k| objects.contains(&k.as_str()))
    }
}

/// Converts sqlparser's (line, column-in-characters) locations to byte offsets. Locations are
/// asked for in increasing order, so the walk is linear in the script's length.
struct Cursor<'a> {
    script: &'a str,
    line: u64,
    column: u64,
    byte: usize,
}

impl<'a> Cursor<'a> {
    fn new(script: &'a str) -> Self {
        Cursor {
            script,
            line: 1,
            column: 1,
            byte: 0,
        }
    }

    fn offset(&mut self, to: Location) -> usize {
        while (self.line, self.column) < (to.line, to.column) {
            let Some(c) = self.script[self.byte..].chars().next() else {
                break;
            };
            self.byte += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, d: Dialect) -> Vec<String> {
        split(sql, d).unwrap().into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_with_positions() {
        let sql = "CREATE TABLE a (x INT);\n\n  -- a comment; with a semicolon\n  INSERT INTO a VALUES (1);\nSELECT 'x;y'";
        let stmts = split(sql, Dialect::Sqlite).unwrap();
        assert_eq!(stmts.len(), 3);
        assert_eq!(stmts[0].sql, "CREATE TABLE a (x INT)");
        assert_eq!((stmts[0].line, stmts[0].column), (1, 1));
        assert_eq!(stmts[1].sql, "INSERT INTO a VALUES (1)");
        assert_eq!((stmts[1].line, stmts[1].column), (4, 3));
        assert_eq!(stmts[2].sql, "SELECT 'x;y'");
        assert_eq!(stmts[2].line, 5);
        for s in &stmts {
            assert_eq!(&sql[s.span.clone()], s.sql);
        }
    }

    #[test]
    fn quotes_comments_and_dollar_quotes_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END; $body$ LANGUAGE plpgsql;\n/* x; y */ SELECT \"a;b\", E'it''s; ok', $$;$$;";
        assert_eq!(split(sql, Dialect::Postgres).unwrap().len(), 2);
        let my = "INSERT INTO t VALUES ('a\\';b'); SELECT `x;y` FROM t # c;\n;";
        assert_eq!(texts(my, Dialect::Mysql).len(), 2);
    }

    #[test]
    fn trigger_and_procedure_bodies_stay_whole() {
        let sqlite = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x > 1 THEN 1 ELSE 2 END;\n  DELETE FROM b;\nEND;\nSELECT 1;";
        let got = texts(sqlite, Dialect::Sqlite);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END"));

        let mysql = "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  lbl: LOOP LEAVE lbl; END LOOP;\n  CASE WHEN 1 THEN SELECT 2; END CASE;\nEND;\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1;\nSELECT 3";
        let got = texts(mysql, Dialect::Mysql);
        assert_eq!(got.len(), 3, "{got:?}");

        let pg = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nBEGIN;\nCOMMIT;";
        assert_eq!(texts(pg, Dialect::Postgres).len(), 3);
    }

    #[test]
    fn empty_and_comment_only_scripts_have_no_statements() {
        assert!(split("", Dialect::Sqlite).unwrap().is_empty());
        assert!(
            split(" ;; -- nothing\n", Dialect::Postgres)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn multibyte_text_keeps_byte_spans_right() {
        let sql = "INSERT INTO t VALUES ('é;ü');\nINSERT INTO t VALUES ('ß')";
        let stmts = split(sql, Dialect::Sqlite).unwrap();
        assert_eq!(stmts.len(), 2);
        assert_eq!(&sql[stmts[1].span.clone()], "INSERT INTO t VALUES ('ß')");
        assert_eq!(stmts[1].line, 2);
    }

    #[test]
    fn unterminated_string_is_an_error_with_position() {
        let err = split("SELECT 1;\nSELECT 'oops", Dialect::Sqlite).unwrap_err();
        assert_eq!(err.line, 2);
    }
}
