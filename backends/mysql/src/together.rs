//! A statement and the history write that records it, in one exchange
//! ([`cairn::Driver::execute_then`]). The server runs the statements of one multi-statement
//! query in order and stops at the first that fails, so the result set that fails says which
//! one it was: the user's statement, or its record.

use cairn::Param;
use mysql::Conn;
use mysql::prelude::Queryable;

/// `then` with each `?` replaced by its parameter as a literal, or `None` when placeholders and
/// parameters do not pair up (the statement then runs with bound parameters instead).
pub fn inlined(then: &str, params: &[Param<'_>]) -> Option<String> {
    let mut pieces = then.split('?');
    let mut out = pieces.next()?.to_string();
    let mut params = params.iter();
    for piece in pieces {
        out.push_str(&literal(params.next()?));
        out.push_str(piece);
    }
    params.next().is_none().then_some(out)
}

/// A parameter as SQL: text as a hex literal of its UTF-8 bytes ([`cairn::mysql_text`]),
/// which needs no escaping whatever the SQL mode.
fn literal(param: &Param<'_>) -> String {
    match param {
        Param::Text(None) | Param::Int(None) => "NULL".to_string(),
        Param::Int(Some(n)) => n.to_string(),
        Param::Text(Some(text)) => cairn::mysql_text(text),
    }
}

/// Runs `first`, then `then`, in one query. On failure, the flag says whether `first` ran.
pub fn run(conn: &mut Conn, first: &str, then: &str) -> Result<(), (bool, mysql::Error)> {
    // A line break before the `;`: the statement may end in a `--` comment.
    let mut result = conn
        .query_iter(format!("{first}\n;\n{then}"))
        .map_err(|e| (false, e))?;
    let mut index = 0;
    while let Some(set) = result.iter() {
        for row in set {
            row.map_err(|e| (index > 0, e))?;
        }
        index += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_literals_in_order() {
        let sql = "UPDATE `h` SET failed_statement = ? WHERE id = ?";
        assert_eq!(
            inlined(sql, &[Param::Int(Some(3)), Param::Text(Some("a'é"))]).as_deref(),
            Some("UPDATE `h` SET failed_statement = 3 WHERE id = _utf8mb4 X'6127C3A9'")
        );
        assert_eq!(
            inlined("SELECT ?", &[Param::Text(None)]).as_deref(),
            Some("SELECT NULL")
        );
        assert_eq!(inlined("SELECT ?, ?", &[Param::Int(Some(1))]), None);
        assert_eq!(
            inlined("SELECT ?", &[Param::Int(Some(1)), Param::Int(Some(2))]),
            None
        );
    }
}
