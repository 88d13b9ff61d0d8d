//! Reading `information_schema` values the way each flavour writes them: column defaults
//! (MariaDB quotes literals and writes `NULL` for "no default"; MySQL does neither) and check
//! clauses (MySQL writes charset introducers such as `_utf8mb4'web'`).

use cairn::Dialect;
use cairn::schema::DefaultValue;

/// A column's default from `COLUMN_DEFAULT`; `None` when it has none (or NULL).
///
/// MariaDB (10.2.7 and later) writes a literal quoted (`'web'`, numbers bare) and an
/// expression as SQL (`utc_timestamp(6)`), so its text reads as any catalog's does. MySQL
/// writes a literal bare (`web`) and flags expressions with `DEFAULT_GENERATED` in `EXTRA`:
/// its literals of non-numeric columns are quoted first, so both read the same. A clock
/// (`CURRENT_TIMESTAMP`, which older servers do not flag) is an expression either way.
pub fn column_default(
    text: Option<&str>,
    mariadb: bool,
    data_type: &str,
    extra: &str,
) -> Option<DefaultValue> {
    let text = text?;
    let read = |t: &str| DefaultValue::from_catalog(Dialect::Mysql, t);
    let expression = mariadb
        || is_numeric(data_type)
        || is_clock(text)
        || extra.to_ascii_lowercase().contains("default_generated");
    let value = if expression {
        read(text)
    } else {
        read(&format!("'{}'", text.replace('\'', "''")))
    };
    (value != DefaultValue::Null).then_some(value)
}

/// `CURRENT_TIMESTAMP`, `current_timestamp(6)`, `now()`, `LOCALTIME`, `utc_timestamp(6)`...
fn is_clock(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    ["current_timestamp", "localtime", "utc_timestamp", "now("]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn is_numeric(data_type: &str) -> bool {
    matches!(
        data_type.to_ascii_lowercase().as_str(),
        "tinyint"
            | "smallint"
            | "mediumint"
            | "int"
            | "integer"
            | "bigint"
            | "decimal"
            | "numeric"
            | "float"
            | "double"
            | "real"
            | "bit"
    )
}

/// A `CHECK_CLAUSE` without MySQL's charset introducers (`_utf8mb4'a'` -> `'a'`), which
/// nobody writes and MariaDB does not add.
pub fn check_clause(clause: &str) -> String {
    let mut out = String::with_capacity(clause.len());
    let mut in_literal = false;
    let mut rest = clause;
    while let Some(c) = rest.chars().next() {
        if c == '\'' {
            in_literal = !in_literal;
        } else if !in_literal
            && c == '_'
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == '`')
            && let Some(len) = introducer_len(rest)
        {
            rest = &rest[len..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Length of a charset introducer (`_utf8mb4`, `_latin1`, `_binary`) directly followed by a
/// quote at the start of `s`.
fn introducer_len(s: &str) -> Option<usize> {
    let name_len = s[1..]
        .find(|c: char| !c.is_ascii_alphanumeric())
        .map_or(s.len() - 1, |n| n);
    let len = 1 + name_len;
    (name_len > 0 && s[len..].starts_with('\'')).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_read_the_same_on_both_flavours() {
        let text = |s: &str| Some(DefaultValue::Text(s.to_string()));
        let number = |s: &str| Some(DefaultValue::Number(s.to_string()));
        // MariaDB
        assert_eq!(
            column_default(Some("'web'"), true, "varchar", ""),
            text("web")
        );
        assert_eq!(column_default(Some("NULL"), true, "varchar", ""), None);
        assert_eq!(column_default(None, true, "varchar", ""), None);
        assert_eq!(
            column_default(Some("1.50"), true, "decimal", ""),
            number("1.50")
        );
        assert_eq!(
            column_default(Some("utc_timestamp(6)"), true, "datetime", ""),
            Some(DefaultValue::Now)
        );
        assert_eq!(
            column_default(Some("'it''s'"), true, "text", ""),
            text("it's")
        );
        // MySQL 8
        assert_eq!(
            column_default(Some("web"), false, "varchar", ""),
            text("web")
        );
        assert_eq!(
            column_default(Some("NULL"), false, "varchar", ""),
            text("NULL")
        );
        assert_eq!(column_default(None, false, "varchar", ""), None);
        assert_eq!(
            column_default(Some("it's"), false, "varchar", ""),
            text("it's")
        );
        assert_eq!(column_default(Some("-1"), false, "int", ""), number("-1"));
        // The session's local time, not what `now()` stores (UTC).
        assert_eq!(
            column_default(
                Some("CURRENT_TIMESTAMP(6)"),
                false,
                "datetime",
                "DEFAULT_GENERATED"
            ),
            Some(DefaultValue::Sql("CURRENT_TIMESTAMP(6)".into()))
        );
        assert_eq!(
            column_default(Some("CURRENT_TIMESTAMP"), false, "timestamp", ""),
            Some(DefaultValue::Sql("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(
            column_default(
                Some("utc_timestamp(6)"),
                false,
                "datetime",
                "DEFAULT_GENERATED"
            ),
            Some(DefaultValue::Now)
        );
        assert_eq!(
            column_default(Some("(upper(x))"), false, "varchar", "DEFAULT_GENERATED"),
            Some(DefaultValue::Sql("upper(x)".into()))
        );
    }

    #[test]
    fn check_clauses_lose_charset_introducers_only() {
        assert_eq!(
            check_clause("(`severity` in (_utf8mb4'info',_utf8mb4'low'))"),
            "(`severity` in ('info','low'))"
        );
        assert_eq!(
            check_clause("`my_col` = '_utf8mb4''x' and a_b > 0"),
            "`my_col` = '_utf8mb4''x' and a_b > 0"
        );
    }
}
