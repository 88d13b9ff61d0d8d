use super::*;
use crate::Dialect::{Mysql, Postgres, Sqlite};

fn sql(s: &str) -> DefaultValue {
    DefaultValue::Sql(s.into())
}

/// Whether `a` and `b` compare equal on `d`, as drift compares them.
fn same(d: Dialect, a: &DefaultValue, b: &DefaultValue) -> bool {
    a.canonical(d) == b.canonical(d)
}

#[test]
fn catalog_literals_lose_casts_and_parentheses() {
    for d in Dialect::ALL {
        let read = |t: &str| DefaultValue::from_catalog(d, t);
        assert_eq!(
            read("'web'::character varying"),
            DefaultValue::Text("web".into())
        );
        assert_eq!(read("'it''s'"), DefaultValue::Text("it's".into()));
        assert_eq!(read("true"), DefaultValue::Bool(true));
        assert_eq!(read("0"), DefaultValue::Number("0".into()));
        assert_eq!(read("'0'::integer"), DefaultValue::Number("0".into()));
        assert_eq!(read("(-1)"), DefaultValue::Number("-1".into()));
        assert_eq!(read("NULL"), DefaultValue::Null);
        // A cast inside is part of the expression; two literals are not one.
        assert_eq!(
            read("('a'::text || 'b'::text)"),
            sql("'a'::text || 'b'::text")
        );
        assert_eq!(read("'a' || 'b'"), sql("'a' || 'b'"));
    }
    assert_eq!(
        DefaultValue::Bool(true).canonical(Mysql),
        DefaultValue::from_catalog(Mysql, "1").canonical(Mysql)
    );
    assert_eq!(DefaultValue::Text("web".into()).sql(Postgres), "'web'");
}

#[test]
fn each_dialect_reads_its_own_spellings_of_now() {
    for (d, spellings) in [
        (
            Sqlite,
            &[
                "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                "strftime('%Y-%m-%dT%H:%M:%fZ','now')",
                "STRFTIME('%Y-%m-%dT%H:%M:%fZ', 'now')",
            ][..],
        ),
        (
            Postgres,
            &["now()", "CURRENT_TIMESTAMP", "transaction_timestamp()"][..],
        ),
        (Mysql, &["utc_timestamp(6)", "(UTC_TIMESTAMP(6))"][..]),
    ] {
        for s in spellings {
            assert_eq!(
                DefaultValue::from_catalog(d, s),
                DefaultValue::Now,
                "{d}: {s}"
            );
        }
        // What Cairn writes for `now()` reads back as `now()`.
        let written = DefaultValue::Now.sql(d);
        assert_eq!(
            DefaultValue::from_catalog(d, &written),
            DefaultValue::Now,
            "{d}"
        );
    }
}

#[test]
fn sqlite_current_timestamp_is_not_now() {
    // CURRENT_TIMESTAMP stores `2024-05-01 12:00:00`; now() stores `2024-05-01T12:00:00.000Z`.
    let current = DefaultValue::from_catalog(Sqlite, "CURRENT_TIMESTAMP");
    assert_eq!(current, sql("CURRENT_TIMESTAMP"));
    assert!(!same(Sqlite, &current, &DefaultValue::Now));
    let strftime = DefaultValue::from_catalog(Sqlite, "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
    assert!(!same(Sqlite, &current, &strftime));
    // Another format is another text: the format string's case matters.
    for other in [
        "strftime('%y-%m-%dT%H:%M:%fZ', 'now')",
        "strftime('%Y-%m-%d %H:%M:%S', 'now')",
        "datetime('now', 'localtime')",
    ] {
        let read = DefaultValue::from_catalog(Sqlite, other);
        assert!(!same(Sqlite, &read, &DefaultValue::Now), "{other}");
        assert!(!same(Sqlite, &read, &current), "{other}");
    }
}

#[test]
fn equivalent_spellings_of_one_default_are_equal() {
    let cases: &[(Dialect, &str, &str)] = &[
        (Sqlite, "CURRENT_TIMESTAMP", "datetime('now')"),
        (Sqlite, "current_timestamp", "(DATETIME( 'now' ))"),
        (Sqlite, "CURRENT_TIMESTAMP", "datetime()"),
        (Sqlite, "CURRENT_DATE", "date('now')"),
        (Sqlite, "CURRENT_TIME", "time('now')"),
        (
            Sqlite,
            "(lower(hex(randomblob(16))))",
            "lower(hex( randomblob(16) ))",
        ),
        (Postgres, "now()", "CURRENT_TIMESTAMP"),
        (Postgres, "gen_random_uuid()", "GEN_RANDOM_UUID()"),
        (Mysql, "CURRENT_TIMESTAMP", "current_timestamp()"),
        (Mysql, "CURRENT_TIMESTAMP(6)", "now(6)"),
        (Mysql, "localtimestamp(3)", "CURRENT_TIMESTAMP(3)"),
        (Mysql, "utc_timestamp(6)", "UTC_TIMESTAMP(6)"),
    ];
    for (d, a, b) in cases {
        let (a, b) = (sql(a), DefaultValue::from_catalog(*d, b));
        assert!(same(*d, &a, &b), "{d}: {a:?} vs {b:?}");
    }
    assert!(same(
        Sqlite,
        &sql("strftime('%Y-%m-%dT%H:%M:%fZ','now')"),
        &DefaultValue::Now
    ));
}

#[test]
fn different_values_are_different_defaults() {
    let cases: &[(Dialect, &str, &str)] = &[
        (Sqlite, "CURRENT_TIMESTAMP", "CURRENT_DATE"),
        (Sqlite, "upper('a')", "upper('A')"),
        (Postgres, "now()", "statement_timestamp()"),
        (Postgres, "now()", "clock_timestamp()"),
        (Postgres, "now()", "LOCALTIMESTAMP"),
        // The session's local time, not UTC; and another precision.
        (Mysql, "utc_timestamp(6)", "CURRENT_TIMESTAMP(6)"),
        (Mysql, "CURRENT_TIMESTAMP(6)", "CURRENT_TIMESTAMP"),
    ];
    for (d, a, b) in cases {
        let (a, b) = (
            DefaultValue::from_catalog(*d, a),
            DefaultValue::from_catalog(*d, b),
        );
        assert!(!same(*d, &a, &b), "{d}: {a:?} vs {b:?}");
    }
}

#[test]
fn expression_defaults_print_as_each_default_clause_accepts() {
    let cases: &[(Dialect, &str, &str)] = &[
        (Sqlite, "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"),
        (Sqlite, "strftime('%s', 'now')", "(strftime('%s', 'now'))"),
        (Sqlite, "(random())", "(random())"),
        (Postgres, "gen_random_uuid()", "gen_random_uuid()"),
        (Mysql, "CURRENT_TIMESTAMP(6)", "CURRENT_TIMESTAMP(6)"),
        (Mysql, "uuid()", "(uuid())"),
    ];
    for (d, expr, clause) in cases {
        assert_eq!(sql(expr).sql(*d), *clause, "{d}");
    }
    // The canonical form prints as valid SQL too.
    assert_eq!(
        sql("datetime('now')").canonical(Sqlite).sql(Sqlite),
        "CURRENT_TIMESTAMP"
    );
}
