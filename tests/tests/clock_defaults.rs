//! Clock defaults compare equal only when the database stores the same value: on SQLite
//! `DEFAULT CURRENT_TIMESTAMP` (`2024-05-01 12:00:00`) is not Cairn's `now()`
//! (`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`, `2024-05-01T12:00:00.000Z`), while spellings of
//! one value (`CURRENT_TIMESTAMP` and `datetime('now')`) are no drift; likewise on PostgreSQL
//! and MySQL with their own clocks.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::schema::{Difference, Schema};
use cairn::{Dialect, Expected};
use cairn_tests::TestDb;

/// One column: its DEFAULT clause in the database, the default declared for it, and whether
/// drift must report the pair.
struct Case {
    clause: &'static str,
    declared: &'static str,
    differs: bool,
}

const fn case(clause: &'static str, declared: &'static str, differs: bool) -> Case {
    Case {
        clause,
        declared,
        differs,
    }
}

fn cases(d: Dialect) -> (&'static str, Vec<Case>) {
    match d {
        Dialect::Sqlite => (
            "TEXT",
            vec![
                // The two defaults of the report: different texts.
                case("CURRENT_TIMESTAMP", r#""now()""#, true),
                case(
                    "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    r#"{"sql": "CURRENT_TIMESTAMP"}"#,
                    true,
                ),
                // Spellings of one value.
                case(
                    "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                    r#""now()""#,
                    false,
                ),
                case("CURRENT_TIMESTAMP", r#"{"sql": "datetime('now')"}"#, false),
                case(
                    "(datetime('now'))",
                    r#"{"sql": "current_timestamp"}"#,
                    false,
                ),
                case("CURRENT_DATE", r#"{"sql": "date('now')"}"#, false),
                case(
                    "(datetime('now', 'localtime'))",
                    r#"{"sql": "datetime('now')"}"#,
                    true,
                ),
            ],
        ),
        Dialect::Postgres => (
            "TIMESTAMPTZ",
            vec![
                case("CURRENT_TIMESTAMP", r#""now()""#, false),
                case("transaction_timestamp()", r#""now()""#, false),
                case("now()", r#"{"sql": "CURRENT_TIMESTAMP"}"#, false),
                case("statement_timestamp()", r#""now()""#, true),
                case("clock_timestamp()", r#""now()""#, true),
            ],
        ),
        Dialect::Mysql => (
            "DATETIME(6)",
            vec![
                case("(UTC_TIMESTAMP(6))", r#""now()""#, false),
                case("NOW(6)", r#"{"sql": "CURRENT_TIMESTAMP(6)"}"#, false),
                // The session's local time, not UTC.
                case("CURRENT_TIMESTAMP(6)", r#""now()""#, true),
                case("CURRENT_TIMESTAMP", r#""now()""#, true),
                case(
                    "(UTC_TIMESTAMP(6))",
                    r#"{"sql": "CURRENT_TIMESTAMP(6)"}"#,
                    true,
                ),
            ],
        ),
    }
}

fn clock_defaults_differ_only_when_the_stored_value_does(db: &TestDb) {
    let d = cairn_tests::registry().dialect(&db.url).unwrap();
    let (ty, cases) = cases(d);
    let columns: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| format!("c{i} {ty} DEFAULT {}", c.clause))
        .collect();
    db.execute(&format!(
        "CREATE TABLE clocks (id INTEGER NOT NULL PRIMARY KEY, {})",
        columns.join(", ")
    ));
    let declared_columns: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                r#"{{"name": "c{i}", "type": {{"sqlite": "TEXT", "postgres": "TIMESTAMPTZ", "mysql": "DATETIME(6)"}}, "default": {}}}"#,
                c.declared
            )
        })
        .collect();
    let declared: Schema = serde_json::from_str(&format!(
        r#"{{"tables": [{{"name": "clocks", "primary_key": ["id"], "columns": [
            {{"name": "id", "type": "integer", "nullable": false}}, {}]}}]}}"#,
        declared_columns.join(", ")
    ))
    .unwrap();

    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let report = cairn::drift(conn.as_mut(), Expected::Declared(declared), &[]).unwrap();
    let reported: Vec<String> = report
        .differences
        .iter()
        .map(|x| match x {
            Difference::ColumnChanged { to, .. } => to.name.clone(),
            other => panic!("{}: unexpected {}", db.kind.name(), other.describe()),
        })
        .collect();
    let expected: Vec<String> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| c.differs)
        .map(|(i, _)| format!("c{i}"))
        .collect();
    let described: Vec<String> = report.differences.iter().map(|x| x.describe()).collect();
    assert_eq!(reported, expected, "{}: {described:#?}", db.kind.name());
}

/// The premise on SQLite: the two defaults store different text in the same row.
#[test]
fn sqlite_stores_different_text() {
    let db = TestDb::new(cairn_tests::Kind::Sqlite).unwrap();
    db.execute(
        "CREATE TABLE stamps (id INTEGER PRIMARY KEY, a TEXT DEFAULT CURRENT_TIMESTAMP, \
         b TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))); \
         INSERT INTO stamps (id) VALUES (1)",
    );
    assert_eq!(
        db.scalar_i64("SELECT a = b OR length(a) = length(b) FROM stamps"),
        0
    );
    assert_eq!(
        db.scalar_i64("SELECT instr(b, 'T') > 0 AND b LIKE '%Z' AND instr(a, 'T') = 0 FROM stamps"),
        1
    );
}

cairn_tests::on_every_backend!(clock_defaults_differ_only_when_the_stored_value_does);
