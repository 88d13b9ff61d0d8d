//! [`cairn::Driver::query`]: any query's rows as text, through the simple query protocol
//! (the server sends every value as text, so no type mapping is needed).

use postgres::{Client, SimpleQueryMessage};

/// Runs `sql` and returns the rows of its result, each value as the server's text form.
pub fn rows(client: &mut Client, sql: &str) -> Result<cairn::Rows, postgres::Error> {
    let mut out = Vec::new();
    for message in client.simple_query(sql)? {
        if let SimpleQueryMessage::Row(row) = message {
            out.push(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            );
        }
    }
    Ok(out)
}
