//! The clock defaults of each dialect: which spellings store what Cairn's `now()` stores, and
//! which other spellings store one same value (folded to one spelling), so two defaults compare
//! equal exactly when the database would store the same text or time. Spellings are matched in
//! their canonical text ([`canonical_expression`](super::canonical_expression)), where format
//! strings keep their case: `'%Y'` (year) is not `'%y'` (two-digit year).
//!
//! - SQLite: `now()` is `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` (ISO-8601 UTC, milliseconds);
//!   `CURRENT_TIMESTAMP`, `datetime('now')` and `datetime()` store `YYYY-MM-DD HH:MM:SS`, a
//!   different text; likewise `CURRENT_DATE`/`date('now')`, `CURRENT_TIME`/`time('now')`.
//! - PostgreSQL: `now()`, `CURRENT_TIMESTAMP(6)`, `CURRENT_TIMESTAMP` and
//!   `transaction_timestamp()` are the transaction's start time; `statement_timestamp()`,
//!   `clock_timestamp()` and `LOCALTIMESTAMP` are other values.
//! - MySQL/MariaDB: `now()` is `UTC_TIMESTAMP(6)`; `CURRENT_TIMESTAMP`, `NOW()`, `LOCALTIME`
//!   and `LOCALTIMESTAMP` are the session's local time (a different value unless the session
//!   is in UTC), one value per precision (none and `(0)` are the same).

use crate::Dialect;

/// What Cairn writes for `now()` on SQLite (inside the parentheses DEFAULT needs).
pub(super) const SQLITE_NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Whether `canonical` (a canonical expression) stores what `now()` stores on `dialect`.
pub(super) fn is_now(canonical: &str, dialect: Dialect) -> bool {
    match dialect {
        Dialect::Sqlite => canonical == SQLITE_NOW || canonical == "strftime('%Y-%m-%dT%H:%M:%fZ')",
        Dialect::Postgres => matches!(
            canonical,
            "now()" | "CURRENT_TIMESTAMP" | "CURRENT_TIMESTAMP(6)" | "transaction_timestamp()"
        ),
        Dialect::Mysql => mysql_clock(canonical) == Some(("utc_timestamp", 6)),
    }
}

/// `canonical` with a clock spelling replaced by the one spelling of its value.
pub(super) fn folded(canonical: String, dialect: Dialect) -> String {
    let one = match dialect {
        Dialect::Sqlite => match canonical.as_str() {
            "datetime('now')" | "datetime()" => "CURRENT_TIMESTAMP",
            "date('now')" | "date()" => "CURRENT_DATE",
            "time('now')" | "time()" => "CURRENT_TIME",
            _ => return canonical,
        },
        Dialect::Postgres => return canonical,
        Dialect::Mysql => {
            return match mysql_clock(&canonical) {
                Some((family, 0)) => format!(
                    "{family}{}",
                    if family == "utc_timestamp" { "()" } else { "" }
                ),
                Some((family, p)) => format!("{family}({p})"),
                None => canonical,
            };
        }
    };
    one.to_string()
}

/// A MySQL clock function and its precision: `now(6)` -> `("CURRENT_TIMESTAMP", 6)`.
fn mysql_clock(canonical: &str) -> Option<(&'static str, u32)> {
    let lower = canonical.to_ascii_lowercase();
    let (name, args) = match lower.split_once('(') {
        Some((name, rest)) => (name, Some(rest.strip_suffix(')')?)),
        None => (lower.as_str(), None),
    };
    let precision = match args {
        None | Some("") => 0,
        Some(p) => p.parse().ok()?,
    };
    let family = match (name, args.is_some()) {
        ("current_timestamp" | "localtimestamp" | "localtime", _) | ("now", true) => {
            "CURRENT_TIMESTAMP"
        }
        ("utc_timestamp", _) => "utc_timestamp",
        _ => return None,
    };
    Some((family, precision))
}

/// An expression default as `dialect`'s DEFAULT clause accepts it: SQLite takes only literals
/// and `CURRENT_*` bare, MySQL only those and its `CURRENT_TIMESTAMP` family; anything else
/// goes in parentheses there.
pub(super) fn default_clause(expr: &str, dialect: Dialect) -> String {
    let e = expr.trim();
    let bare = match dialect {
        Dialect::Postgres => true,
        Dialect::Sqlite => simple(e),
        Dialect::Mysql => {
            simple(e) || mysql_clock(e).is_some_and(|(family, _)| family == "CURRENT_TIMESTAMP")
        }
    };
    let wrapped = e.starts_with('(') && e.ends_with(')') && super::balanced(&e[1..e.len() - 1]);
    if bare || wrapped {
        e.to_string()
    } else {
        format!("({e})")
    }
}

/// A number, one literal, or one word (`NULL`, `CURRENT_TIMESTAMP`).
fn simple(e: &str) -> bool {
    e.parse::<f64>().is_ok()
        || super::single_literal(e).is_some()
        || (!e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}
