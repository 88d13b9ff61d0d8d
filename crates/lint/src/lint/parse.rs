//! Parsing one statement with sqlparser for a dialect.

use serde::Serialize;
use sqlparser::ast;
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};

use crate::Dialect;

/// Why sqlparser refused a statement, and where inside the statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// The parser's message, without its position.
    pub message: String,
    /// 1-based line inside the statement (0 when the parser gave none).
    pub line: u32,
    /// 1-based column inside the statement (0 when the parser gave none).
    pub column: u32,
}

/// Parses `sql` (one statement, as [`crate::split()`] returns it) for `dialect`.
pub fn parse_statement(sql: &str, dialect: Dialect) -> Result<Vec<ast::Statement>, SyntaxError> {
    let result = match dialect {
        Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, sql),
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        Dialect::Mysql => Parser::parse_sql(&MySqlDialect {}, sql),
    };
    result.map_err(|e| syntax_error(&e))
}

/// sqlparser puts the position at the end of its message (" at Line: 2, Column: 7").
fn syntax_error(e: &ParserError) -> SyntaxError {
    let text = match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.as_str(),
        ParserError::RecursionLimitExceeded => "the statement nests deeper than the parser allows",
    };
    let Some(at) = text.rfind(" at Line: ") else {
        return SyntaxError {
            message: text.to_string(),
            line: 0,
            column: 0,
        };
    };
    let pos = &text[at + " at Line: ".len()..];
    let (line, column) = pos
        .split_once(", Column: ")
        .and_then(|(l, c)| Some((l.trim().parse().ok()?, c.trim().parse().ok()?)))
        .unwrap_or((0, 0));
    SyntaxError {
        message: text[..at].to_string(),
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_position_inside_the_statement() {
        let e = parse_statement(
            "CREATE TABLE a (\n  id INTEGER,\n  x INTEGR NOT NUL\n)",
            Dialect::Sqlite,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (3, 12), "{e:?}");
        assert!(e.message.starts_with("Expected"), "{e:?}");
        assert!(!e.message.contains("Line:"), "{e:?}");
        assert_eq!(
            parse_statement("SELEC 1", Dialect::Postgres)
                .unwrap_err()
                .column,
            1
        );
        assert_eq!(
            parse_statement("SELECT 1", Dialect::Mysql).unwrap().len(),
            1
        );
    }
}
