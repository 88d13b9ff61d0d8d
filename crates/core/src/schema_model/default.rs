//! Column defaults: parsed from declared files, rendered as each dialect's DDL, parsed back from
//! each catalog's spelling, and reduced to a canonical form per dialect. Two defaults are equal
//! only when the database would store the same value: on SQLite `CURRENT_TIMESTAMP` stores
//! `2024-05-01 12:00:00` and Cairn's `now()` stores `2024-05-01T12:00:00.000Z`, so they differ,
//! while `CURRENT_TIMESTAMP` and `datetime('now')` are one default spelled two ways (see
//! [`clock`]).

mod clock;
#[cfg(test)]
mod tests;

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::expr::canonical_expression;
use crate::Dialect;

/// A column default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DefaultValue {
    /// NULL.
    Null,
    /// true / false.
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A text literal (unquoted).
    Text(String),
    /// The current time, as Cairn stores it on each dialect (`now()` in files): a UTC ISO-8601
    /// text with milliseconds on SQLite, `now()` on PostgreSQL, `UTC_TIMESTAMP(6)` on MySQL.
    Now,
    /// Any other SQL expression, as written (`{sql: ...}` in files).
    Sql(String),
}

impl DefaultValue {
    /// The default as written in `dialect`'s DDL.
    pub fn sql(&self, dialect: Dialect) -> String {
        match (self, dialect) {
            (DefaultValue::Null, _) => "NULL".into(),
            (DefaultValue::Bool(b), Dialect::Postgres) => b.to_string(),
            (DefaultValue::Bool(b), _) => u8::from(*b).to_string(),
            (DefaultValue::Number(n), _) => n.clone(),
            (DefaultValue::Text(t), _) => format!("'{}'", t.replace('\'', "''")),
            (DefaultValue::Now, Dialect::Sqlite) => {
                format!("({})", clock::SQLITE_NOW)
            }
            (DefaultValue::Now, Dialect::Postgres) => "now()".into(),
            (DefaultValue::Now, Dialect::Mysql) => "(UTC_TIMESTAMP(6))".into(),
            (DefaultValue::Sql(s), d) => clock::default_clause(s, d),
        }
    }

    /// Reads `dialect`'s catalog spelling of a default: strips casts (`'web'::character
    /// varying`) and outer parentheses, and reads this dialect's spellings of Cairn's current
    /// time as [`DefaultValue::Now`]; any other expression is [`DefaultValue::Sql`] as read.
    pub fn from_catalog(dialect: Dialect, text: &str) -> DefaultValue {
        let t = without_outer_parentheses(text);
        let uncast = without_trailing_casts(t);
        let lower = uncast.to_ascii_lowercase();
        match lower.as_str() {
            "null" => return DefaultValue::Null,
            "true" => return DefaultValue::Bool(true),
            "false" => return DefaultValue::Bool(false),
            _ => {}
        }
        if let Some(inner) = single_literal(uncast) {
            let text = inner.replace("''", "'");
            if text.parse::<f64>().is_ok() && !text.is_empty() {
                return DefaultValue::Number(text);
            }
            return DefaultValue::Text(text);
        }
        if uncast.parse::<f64>().is_ok() {
            return DefaultValue::Number(uncast.to_string());
        }
        if clock::is_now(&canonical_expression(t, dialect), dialect) {
            return DefaultValue::Now;
        }
        DefaultValue::Sql(t.to_string())
    }

    /// What `dialect` stores: booleans are 1/0 outside PostgreSQL; numbers lose trailing
    /// `.0`s; SQL expressions are read as the catalog would give them back, in their canonical
    /// text, with the spellings of one clock value folded to one.
    pub fn canonical(&self, dialect: Dialect) -> DefaultValue {
        match (self, dialect) {
            (DefaultValue::Bool(b), Dialect::Sqlite | Dialect::Mysql) => {
                DefaultValue::Number(u8::from(*b).to_string())
            }
            (DefaultValue::Number(n), _) => {
                let n = if n.contains('.') {
                    n.trim_end_matches('0').trim_end_matches('.')
                } else {
                    n
                };
                DefaultValue::Number(n.to_string())
            }
            (DefaultValue::Sql(s), d) => match DefaultValue::from_catalog(d, s) {
                DefaultValue::Sql(t) => {
                    DefaultValue::Sql(clock::folded(canonical_expression(&t, d), d))
                }
                other => other.canonical(d),
            },
            (other, _) => other.clone(),
        }
    }
}

/// `text` without parentheses around all of it.
fn without_outer_parentheses(text: &str) -> &str {
    let mut t = text.trim();
    while t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
        t = t[1..t.len() - 1].trim();
    }
    t
}

/// Whether every parenthesis outside string literals is closed in order.
fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_literal = false;
    for c in s.chars() {
        match c {
            '\'' => in_literal = !in_literal,
            '(' if !in_literal => depth += 1,
            ')' if !in_literal => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `s` without the PostgreSQL casts that end it (`'web'::character varying`,
/// `'{}'::jsonb`), but not a cast inside (`'a'::text || 'b'`).
fn without_trailing_casts(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let mut in_literal = false;
        let mut last = None;
        let bytes = s.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\'' => in_literal = !in_literal,
                b':' if !in_literal && bytes.get(i + 1) == Some(&b':') => last = Some(i),
                _ => {}
            }
        }
        let Some(at) = last else {
            return s;
        };
        let ty = &s[at + 2..];
        let type_name = !ty.is_empty()
            && ty.chars().all(|c| {
                c.is_alphanumeric() || matches!(c, ' ' | '_' | '(' | ')' | ',' | '[' | ']' | '"')
            });
        if !type_name {
            return s;
        }
        s = s[..at].trim();
    }
}

/// The text inside `s` when `s` is exactly one string literal (`'it''s'`).
fn single_literal(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    // Every quote inside must be a doubled one, or `'a' || 'b'` would read as one literal.
    let undoubled = inner.replace("''", "");
    (!undoubled.contains('\'')).then_some(inner)
}

impl Serialize for DefaultValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            DefaultValue::Null => s.serialize_none(),
            DefaultValue::Bool(b) => s.serialize_bool(*b),
            DefaultValue::Number(n) => match n.parse::<i64>() {
                Ok(i) => s.serialize_i64(i),
                Err(_) => s.serialize_str(n),
            },
            DefaultValue::Text(t) => s.serialize_str(t),
            DefaultValue::Now => s.serialize_str("now()"),
            DefaultValue::Sql(e) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("sql", e)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for DefaultValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DefaultValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a default: true/false, a number, a text, `now()`, or {sql: EXPRESSION}",
                )
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<DefaultValue, E> {
                Ok(DefaultValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DefaultValue, E> {
                Ok(DefaultValue::Number(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DefaultValue, E> {
                Ok(DefaultValue::Number(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DefaultValue, E> {
                Ok(DefaultValue::Number(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DefaultValue, E> {
                Ok(if v.eq_ignore_ascii_case("now()") {
                    DefaultValue::Now
                } else {
                    DefaultValue::Text(v.to_string())
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<DefaultValue, E> {
                Ok(DefaultValue::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DefaultValue, A::Error> {
                match map.next_key::<String>()?.as_deref() {
                    Some("sql") => Ok(DefaultValue::Sql(map.next_value()?)),
                    Some(other) => Err(de::Error::unknown_field(other, &["sql"])),
                    None => Err(de::Error::custom("expected {sql: EXPRESSION}")),
                }
            }
        }
        d.deserialize_any(V)
    }
}
