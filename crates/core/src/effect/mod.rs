//! What one statement does, read from its words, so a run that stopped between a statement and
//! its progress record can be resumed without a human: statements that change rows run in one
//! transaction with their record; a schema change that commits on its own is looked up in the
//! catalog (did the table, column, index... appear or go?); session settings are replayed;
//! statements that can safely run twice run again; anything else stops the run with what to
//! check.

mod alter;
mod lex;
mod object;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::Dialect;
use lex::{Lexer, Tok};
pub use object::{Change, Ident, Name, Object};

/// What a statement does, as far as resuming a run needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// Reads or writes rows (`INSERT`, `UPDATE`, `DELETE`, `SELECT`, ...): it can run in a
    /// transaction with its progress record, so it took effect exactly when its record did.
    Rows,
    /// Sets connection state (`SET`, `USE`, `PRAGMA`, `LOCK TABLES`): replayed on a new
    /// connection when a run resumes after it.
    Session,
    /// Starts the script's own transaction (`BEGIN`, `START TRANSACTION`, `SET autocommit = 0`).
    Begin,
    /// Commits the script's own transaction.
    Commit,
    /// Rolls back the script's own transaction.
    Rollback,
    /// Gives the same database whether it runs once or twice in a row (`IF NOT EXISTS`,
    /// `OR REPLACE`, `ANALYZE`, `TRUNCATE`, a column's new type or default, ...).
    Repeatable,
    /// Creates, drops or renames objects the catalog can be asked about.
    Schema(Change),
    /// Anything else (`CALL`, an unnamed index, ...): whether it took effect cannot be read
    /// from the catalog.
    Unknown,
}

impl Effect {
    /// What `sql` (one statement) does in `dialect`.
    pub fn of(sql: &str, dialect: Dialect) -> Effect {
        let mut words = Words::new(sql);
        let Some(first) = words.keyword() else {
            return Effect::Unknown;
        };
        match first.as_str() {
            "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "MERGE" | "SELECT" | "WITH" | "VALUES"
            | "TABLE" | "COPY" | "LOAD" => Effect::Rows,
            "SET" => set(&mut words),
            "USE" | "PRAGMA" | "LOCK" | "UNLOCK" | "RESET" | "ATTACH" | "DETACH" | "DISCARD" => {
                Effect::Session
            }
            "BEGIN" | "START" => Effect::Begin,
            "COMMIT" | "END" => Effect::Commit,
            "ROLLBACK" | "ABORT" => {
                if words.rest_has("TO") {
                    Effect::Rows
                } else {
                    Effect::Rollback
                }
            }
            "SAVEPOINT" | "RELEASE" => Effect::Rows,
            "ANALYZE" | "ANALYSE" | "VACUUM" | "OPTIMIZE" | "CHECK" | "REPAIR" | "REINDEX"
            | "CLUSTER" | "GRANT" | "REVOKE" | "COMMENT" | "TRUNCATE" | "REFRESH" | "FLUSH"
            | "CHECKPOINT" => Effect::Repeatable,
            "CREATE" => object::create(&mut words, dialect),
            "DROP" => object::drop(&mut words, dialect),
            "ALTER" => match words.keyword().as_deref() {
                Some("TABLE") => alter::table(&mut words),
                Some("SYSTEM") => Effect::Repeatable,
                _ => Effect::Unknown,
            },
            "RENAME" => object::rename_tables(&mut words),
            _ => Effect::Unknown,
        }
    }
}

/// Whether `sql` can run inside a transaction block in `dialect`. PostgreSQL refuses some
/// statements there (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), SQLite a few (`VACUUM`,
/// `ATTACH`); MySQL runs anything (DDL commits the transaction first).
pub fn runs_in_transaction(sql: &str, dialect: Dialect) -> bool {
    let mut words = Words::new(sql);
    let Some(first) = words.keyword() else {
        return true;
    };
    match dialect {
        Dialect::Mysql => true,
        Dialect::Sqlite => !matches!(first.as_str(), "VACUUM" | "ATTACH" | "DETACH"),
        Dialect::Postgres => match first.as_str() {
            "VACUUM" | "CHECKPOINT" => false,
            "CREATE" | "DROP" => {
                let head: Vec<String> = words.keywords(4);
                let object = head
                    .iter()
                    .find(|w| *w != "UNIQUE")
                    .map(String::as_str)
                    .unwrap_or_default();
                match object {
                    "INDEX" => !head.iter().any(|w| w == "CONCURRENTLY"),
                    "DATABASE" | "TABLESPACE" | "SUBSCRIPTION" => false,
                    _ => true,
                }
            }
            "REINDEX" => {
                let head = words.keywords(6);
                !(head.iter().any(|w| w == "CONCURRENTLY")
                    || head.iter().any(|w| w == "DATABASE" || w == "SYSTEM"))
            }
            "ALTER" => words.keyword().as_deref() != Some("SYSTEM"),
            _ => true,
        },
    }
}

/// `SET ...`: a transaction boundary when it switches autocommit, else a session setting.
fn set(words: &mut Words<'_>) -> Effect {
    let mut head = words.keywords(3);
    head.retain(|w| w != "SESSION" && w != "LOCAL" && w != "GLOBAL" && w != "@@");
    if head.first().map(String::as_str) != Some("AUTOCOMMIT") {
        return Effect::Session;
    }
    let mut value = words.next_token();
    if matches!(value, Some(Tok::Punct('=')))
        || value.as_ref().and_then(Tok::keyword).as_deref() == Some("TO")
    {
        value = words.next_token();
    }
    match value {
        Some(Tok::Number(n)) if n == "0" => Effect::Begin,
        Some(Tok::Number(n)) if n == "1" => Effect::Commit,
        Some(tok) => match tok.keyword().as_deref() {
            Some("OFF" | "FALSE") => Effect::Begin,
            Some("ON" | "TRUE") => Effect::Commit,
            _ => Effect::Session,
        },
        None => Effect::Session,
    }
}

/// A statement's tokens with the lookahead classifying needs.
pub(crate) struct Words<'a> {
    lexer: Lexer<'a>,
    peeked: Option<Tok>,
}

impl<'a> Words<'a> {
    fn new(sql: &'a str) -> Self {
        Words {
            lexer: Lexer::new(sql),
            peeked: None,
        }
    }

    fn next_token(&mut self) -> Option<Tok> {
        self.peeked.take().or_else(|| self.lexer.next())
    }

    fn peek(&mut self) -> Option<&Tok> {
        if self.peeked.is_none() {
            self.peeked = self.lexer.next();
        }
        self.peeked.as_ref()
    }

    /// The next token as an upper-cased keyword (`None` when it is not an unquoted word).
    fn keyword(&mut self) -> Option<String> {
        self.next_token().and_then(|t| t.keyword())
    }

    /// Whether the next token is the keyword `word`; consumes it when it is.
    fn eat(&mut self, word: &str) -> bool {
        if self.peek().and_then(Tok::keyword).as_deref() == Some(word) {
            self.peeked = None;
            true
        } else {
            false
        }
    }

    /// Consumes `words` in order when they all come next (only the first is looked at before
    /// consuming, which is all the phrases used here need).
    fn eat_all(&mut self, words: &[&str]) -> bool {
        match words.split_first() {
            Some((first, rest)) if self.eat(first) => rest.iter().all(|w| self.eat(w)),
            _ => false,
        }
    }

    /// The next `n` tokens that are keywords, upper-cased (stops at the first non-word).
    fn keywords(&mut self, n: usize) -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.peek().and_then(Tok::keyword) {
                Some(k) => {
                    self.peeked = None;
                    out.push(k);
                }
                None => break,
            }
        }
        out
    }

    /// Whether `word` comes later in the statement, at any depth.
    fn rest_has(&mut self, word: &str) -> bool {
        std::iter::from_fn(|| self.next_token()).any(|t| t.keyword().as_deref() == Some(word))
    }

    /// A possibly qualified name (`a`, `s.a`, `"S"."a"`).
    fn name(&mut self) -> Option<Name> {
        let first = self.ident()?;
        if self.peek() == Some(&Tok::Punct('.')) {
            self.peeked = None;
            let second = self.ident()?;
            return Some(Name {
                schema: Some(first),
                name: second,
            });
        }
        Some(Name {
            schema: None,
            name: first,
        })
    }

    /// One identifier, quoted or not.
    fn ident(&mut self) -> Option<Ident> {
        match self.next_token()? {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    /// Skips to the end of the current comma-separated item at parenthesis depth 0; returns
    /// whether a `,` ended it (false at the end of the statement).
    fn skip_item(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(t) = self.next_token() {
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth = depth.saturating_sub(1),
                Tok::Punct(',') if depth == 0 => return true,
                _ => {}
            }
        }
        false
    }
}
