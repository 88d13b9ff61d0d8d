//! Fewer round trips per migration, with the blocking client's one-message-at-a-time
//! protocol. `BEGIN` is not sent on its own: it travels in the same simple-query message as
//! the migration's first statement (`BEGIN;\n<statement>`), so a migration costs its
//! statements plus the history insert and `COMMIT`, as `psql` costs its statements plus
//! `BEGIN` and `COMMIT`. An error in that message is the statement's (`BEGIN` cannot fail
//! inside a healthy session), and its position is moved back by the prefix. The history
//! writes, run with parameters, are prepared once per connection instead of on every call
//! (the unnamed statement of `Client::execute` costs a round trip to prepare each time).

use std::collections::HashMap;

use cairn::BackendError;
use postgres::{Client, Error, Statement};

/// What goes before the first statement of a transaction.
const BEGIN_PREFIX: &str = "BEGIN;\n";

/// Distinct statements kept prepared; a connection uses a handful (history insert, update,
/// delete), so this only bounds a caller that sends many.
const MOST_PREPARED: usize = 32;

/// `sql` with the transaction's `BEGIN` before it, in one message.
pub fn with_begin(sql: &str) -> String {
    format!("{BEGIN_PREFIX}{sql}")
}

/// The error of a [`with_begin`] message, its position counted in the statement again.
pub fn unshift(error: BackendError) -> BackendError {
    match error {
        BackendError::Sql {
            message,
            position,
            code,
        } => BackendError::Sql {
            message,
            // Positions count characters from 1; the prefix is ASCII.
            position: position
                .and_then(|p| p.checked_sub(BEGIN_PREFIX.len()))
                .filter(|p| *p > 0),
            code,
        },
        other => other,
    }
}

/// Statements prepared on one connection, by their SQL.
#[derive(Default)]
pub struct Prepared(HashMap<String, Statement>);

impl Prepared {
    /// `sql` prepared on `client`, once.
    pub fn get(&mut self, client: &mut Client, sql: &str) -> Result<Statement, Error> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(sql)?;
        if self.0.len() >= MOST_PREPARED {
            self.0.clear();
        }
        self.0.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Drops `sql`'s prepared statement, so the next call prepares it again.
    pub fn forget(&mut self, sql: &str) {
        self.0.remove(sql);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_in_the_message_is_moved_back_into_the_statement() {
        let sql = "CREATE TABLE t (id INT PRIMARY KEY, x BOGUS)";
        let message = with_begin(sql);
        let at_bogus = message.find("BOGUS").unwrap() + 1;
        let error = unshift(BackendError::Sql {
            message: "type \"bogus\" does not exist".into(),
            position: Some(at_bogus),
            code: Some("42704".into()),
        });
        let BackendError::Sql { position, .. } = error else {
            panic!("{error:?}");
        };
        assert_eq!(position, Some(sql.find("BOGUS").unwrap() + 1));
        let inside_prefix = unshift(BackendError::Sql {
            message: String::new(),
            position: Some(3),
            code: None,
        });
        assert!(matches!(
            inside_prefix,
            BackendError::Sql { position: None, .. }
        ));
    }
}
