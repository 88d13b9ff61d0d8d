//! Statements and the history writes that record them, in one exchange
//! ([`cairn::Driver::execute_all`]). The server runs the statements of one multi-statement
//! query in order and stops at the first that fails, so the count of results before the
//! failing one says which it was: a user's statement, or a record.

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

/// Runs `parts` in one query. On failure, the index of the part that failed.
pub fn run(conn: &mut Conn, parts: &[String]) -> Result<(), (usize, mysql::Error)> {
    // A line break before each `;`: a statement may end in a `--` comment.
    let mut result = conn.query_iter(parts.join("\n;\n")).map_err(|e| (0, e))?;
    let mut index = 0;
    while let Some(set) = result.iter() {
        for row in set {
            row.map_err(|e| (index, e))?;
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
