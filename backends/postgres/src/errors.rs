//! Turning driver errors into one-line [`BackendError`]s without the password.

use cairn::BackendError;
use postgres::error::{DbError, ErrorPosition};

use crate::url::Target;

/// `cannot connect to PostgreSQL at HOST:PORT (database DB, user USER): CAUSE`.
pub fn connect(target: &Target, e: &postgres::Error) -> BackendError {
    BackendError::Connection(target.scrub(&format!(
        "cannot connect to PostgreSQL at {} (database {}, user {}): {}",
        target.address(),
        target.dbname,
        target.user,
        cause(e)
    )))
}

/// A statement the server refused ([`BackendError::Sql`], with its SQLSTATE and position),
/// or a lost connection.
pub fn sql(target: &Target, e: &postgres::Error) -> BackendError {
    match e.as_db_error() {
        Some(db) if !is_fatal(db) => BackendError::Sql {
            message: target.scrub(&db_message(db)),
            position: match db.position() {
                Some(ErrorPosition::Original(n)) => usize::try_from(*n).ok(),
                _ => None,
            },
            code: Some(db.code().code().to_string()),
        },
        _ => other(target, e),
    }
}

/// Any other failure: the server's message, or a lost connection.
pub fn other(target: &Target, e: &postgres::Error) -> BackendError {
    match e.as_db_error() {
        Some(db) if !is_fatal(db) => BackendError::Other(target.scrub(&db_message(db))),
        _ if is_lost(e) => BackendError::Connection(target.scrub(&format!(
            "lost the connection to PostgreSQL at {}: {}",
            target.address(),
            cause(e)
        ))),
        _ => BackendError::Other(target.scrub(&cause(e))),
    }
}

/// `SEVERITY SQLSTATE: message`, then DETAIL and HINT lines when the server sent them.
pub fn db_message(db: &DbError) -> String {
    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(detail) = db.detail() {
        text.push_str("\n  DETAIL: ");
        text.push_str(detail);
    }
    if let Some(hint) = db.hint() {
        text.push_str("\n  HINT: ");
        text.push_str(hint);
    }
    text
}

/// FATAL and PANIC end the session (e.g. `pg_terminate_backend`, a server shutdown).
fn is_fatal(db: &DbError) -> bool {
    matches!(db.severity(), "FATAL" | "PANIC")
}

fn is_lost(e: &postgres::Error) -> bool {
    e.is_closed()
        || e.as_db_error().is_some_and(is_fatal)
        || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// The driver's short message: the server's text, or the OS error, on one line.
fn cause(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return one_line(db.message());
    }
    let outer = e.to_string();
    let text = match std::error::Error::source(e) {
        Some(source) => {
            let inner = tidy(&source.to_string());
            if inner == "password missing" {
                "the server asks for a password and the URL has none".to_string()
            } else if outer == "error connecting to server" {
                // The kind adds nothing to "connection refused" in a message that starts with
                // "cannot connect".
                inner
            } else {
                format!("{outer}: {inner}")
            }
        }
        None => outer,
    };
    one_line(&text)
}

/// `Connection refused (os error 111)` -> `connection refused`.
fn tidy(text: &str) -> String {
    let text = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => text,
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => {
            first.to_lowercase().chain(text.chars().skip(1)).collect()
        }
        _ => text.to_string(),
    }
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_read_as_short_lower_case_causes() {
        assert_eq!(
            tidy("Connection refused (os error 111)"),
            "connection refused"
        );
        assert_eq!(tidy("TLS failure"), "TLS failure");
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
    }
}
