use super::keywords::KEYWORDS;
use super::*;
use crate::Dialect::{Mysql, Postgres, Sqlite};

#[test]
fn keyword_list_is_sorted_for_binary_search() {
    let mut sorted = KEYWORDS.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, KEYWORDS);
}

#[test]
fn every_catalog_spelling_of_a_builtin_check_reads_the_same() {
    let want = "scanner IN ('xasm', 'lightbox')";
    for (dialect, read) in [
        (Sqlite, "scanner IN ('xasm', 'lightbox')"),
        // PostgreSQL, after the backend undid its casts and `= ANY (ARRAY[..])`.
        (Postgres, "(scanner IN ('xasm', 'lightbox'))"),
        // MySQL 8 (charset introducers dropped by the backend) and MariaDB.
        (Mysql, "(`scanner` in ('xasm','lightbox'))"),
        (Mysql, "`scanner` in ('xasm','lightbox')"),
    ] {
        assert_eq!(canonical_expression(read, dialect), want, "{read}");
    }
}

#[test]
fn parentheses_go_only_where_they_cannot_change_the_meaning() {
    let c = |s: &str| canonical_expression(s, Postgres);
    assert_eq!(c("((a > 0) AND (b > 0))"), "a > 0 AND b > 0");
    assert_eq!(
        c("((a > 0) OR ((b > 0) AND (c > 0)))"),
        "a > 0 OR b > 0 AND c > 0"
    );
    assert_eq!(c("((a OR b) AND c)"), "(a OR b) AND c");
    assert_eq!(c("(a AND (b OR c))"), "a AND (b OR c)");
    assert_eq!(c("((a + b) * c > 0)"), "(a + b) * c > 0");
    assert_eq!(c("(x BETWEEN 1 AND 5) OR y"), "x BETWEEN 1 AND 5 OR y");
    assert_eq!(c("(price >= (0))"), "price >= 0");
    assert_eq!(c("x IN (1)"), "x IN (1)");
    assert_eq!(c("length((note)) < 10"), "length(note) < 10");
    assert_eq!(c("(a, b) = (1, 2)"), "(a, b) = (1, 2)");
    assert_eq!(c("NOT (a AND b)"), "NOT (a AND b)");
    assert_eq!(
        c("(t = ANY (ARRAY['x', 'y']))"),
        "t = ANY (ARRAY['x', 'y'])"
    );
    assert_eq!(
        c("((created_at)::date > '2020-01-01')"),
        "created_at::date > '2020-01-01'"
    );
    assert_eq!(c("(f(x)).y > 0"), "(f(x)).y > 0");
    assert_eq!(
        c("CASE WHEN (a > 0) THEN (1) ELSE (2) END = 1"),
        "CASE WHEN a > 0 THEN 1 ELSE 2 END = 1"
    );
    // MySQL's `||` is OR: its group stays next to AND.
    assert_eq!(
        canonical_expression("(a || b) AND c", Mysql),
        "(a || b) AND c"
    );
}

#[test]
fn literals_stay_byte_for_byte_and_words_fold() {
    let c = |s: &str| canonical_expression(s, Sqlite);
    assert_eq!(c("State in ('A', 'b  c')"), "state IN ('A', 'b  c')");
    assert_eq!(c("note <> 'it''s (x)'"), "note <> 'it''s (x)'");
    assert_eq!(c("a != b AND c == d"), "a <> b AND c = d");
    assert_eq!(c("n > -1 AND m - 1 > 0"), "n > -1 AND m - 1 > 0");
    assert_eq!(c("x IS NOT NULL"), "x IS NOT NULL");
    assert_eq!(c("LENGTH( trim(x) )>=1"), "length(trim(x)) >= 1");
    assert_eq!(c("b = X'00FF' AND s = E'a'"), "b = x'00FF' AND s = e'a'");
    assert_eq!(c("t.\"a\" > 1.5e-3 -- note"), "t.a > 1.5e-3");
    assert_eq!(c("CAST(x AS TEXT) = 'a' /* c */"), "CAST(x AS text) = 'a'");
}

#[test]
fn identifiers_keep_the_quotes_they_need_in_each_dialect() {
    assert_eq!(canonical_expression("\"qty\" >= 0", Postgres), "qty >= 0");
    assert_eq!(canonical_expression("`qty` >= 0", Mysql), "qty >= 0");
    assert_eq!(canonical_expression("[qty] >= 0", Sqlite), "qty >= 0");
    assert_eq!(
        canonical_expression("\"Price\" > 0 AND \"order\" > 0", Postgres),
        "\"Price\" > 0 AND \"order\" > 0"
    );
    assert_eq!(
        canonical_expression("\"Price\" > 0 AND `order` > 0", Mysql),
        "`Price` > 0 AND `order` > 0"
    );
    assert_eq!(
        canonical_expression("\"a\"\"b\" > 0", Sqlite),
        "\"a\"\"b\" > 0"
    );
}

#[test]
fn mysql_literals_may_escape_with_backslashes() {
    assert_eq!(
        canonical_expression("s <> 'it\\'s (' AND t > 0", Mysql),
        "s <> 'it\\'s (' AND t > 0"
    );
}

#[test]
fn the_canonical_form_is_a_fixed_point() {
    for (d, e) in [
        (Postgres, "((a > 0) OR ((b > 0) AND (c > 0)))"),
        (Mysql, "(`severity` in ('info','low'))"),
        (Sqlite, "CASE WHEN (x) THEN -(1) END"),
    ] {
        let once = canonical_expression(e, d);
        assert_eq!(canonical_expression(&once, d), once, "{e}");
    }
}
