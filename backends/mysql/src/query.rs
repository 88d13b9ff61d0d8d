//! [`cairn::Driver::query`]: any query's rows as text, through the text protocol.

use mysql::prelude::{FromValue, Queryable};
use mysql::{Conn, FromValueError, Row, Value};

/// Runs `sql` and returns the rows of its result, each value as text.
pub fn rows(conn: &mut Conn, sql: &str) -> Result<cairn::Rows, mysql::Error> {
    let rows: Vec<Row> = conn.query(sql)?;
    Ok(rows
        .into_iter()
        .map(|row| row.unwrap().into_iter().map(text).collect())
        .collect())
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Value::Int(n) => Some(n.to_string()),
        Value::UInt(n) => Some(n.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Double(x) => Some(x.to_string()),
        Value::Date(y, mo, d, h, mi, s, us) => Some(format!(
            "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}.{us:06}"
        )),
        Value::Time(neg, days, h, mi, s, us) => Some(format!(
            "{}{:02}:{mi:02}:{s:02}.{us:06}",
            if neg { "-" } else { "" },
            u64::from(days) * 24 + u64::from(h)
        )),
    }
}

/// Column `index` of `row` as `T` (use `Option<T>` for nullable columns). Unlike the driver's
/// `Row::take`, an unexpected value is an error, not a panic.
pub fn col<T: FromValue>(row: &mut Row, index: usize) -> mysql::Result<T> {
    match row.take_opt::<T, _>(index) {
        Some(Ok(v)) => Ok(v),
        Some(Err(FromValueError(v))) => Err(mysql::Error::FromValueError(v)),
        None => Err(mysql::Error::FromValueError(Value::NULL)),
    }
}
