//! Liquibase folders on disk: order, ids, attributes, rollbacks and problems.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::layout::{Layout, detect, load};

use crate::layout::tests::folder;

const HEADER: &str = "--liquibase formatted sql\n\n";

#[test]
fn files_in_include_all_order_changesets_in_file_order() {
    let dir = folder(&[
        (
            "002/a.sql",
            &format!("{HEADER}--changeset ann:1\nSELECT 'sub';\n"),
        ),
        (
            "002-extra.sql",
            &format!("{HEADER}--changeset ann:1\nSELECT 'dash';\n"),
        ),
        (
            "001_base.sql",
            &format!("{HEADER}--changeset bob:b\nSELECT 'b';\n--changeset ann:a\nSELECT 'a';\n"),
        ),
        ("readme.txt", "not read"),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Liquibase);
    let set = load(dir.path(), Layout::Liquibase, Dialect::Sqlite).unwrap();
    let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
    // Java's String order: `-` (0x2d) sorts before `/` (0x2f).
    assert_eq!(
        ids,
        [
            "001_base.sql::b::bob",
            "001_base.sql::a::ann",
            "002-extra.sql::1::ann",
            "002/a.sql::1::ann"
        ]
    );
    let f = set
        .get("001_base.sql::a::ann")
        .unwrap()
        .origin
        .clone()
        .unwrap();
    assert_eq!((f.version.as_str(), f.name.as_str()), ("a", "ann"));
}

#[test]
fn attributes_decide_transaction_splitting_and_dialects() {
    let text = format!(
        "{HEADER}--changeset a:1 runInTransaction:false splitStatements:false\nSELECT 1; SELECT 2;\n--rollback SELECT -1;\n\n--changeset a:2 endDelimiter:@@\nSELECT 'x;y'@@\nSELECT 3;\nSELECT 4@@\n--changeset a:3 dbms:postgresql,sqlite\nSELECT 5;\n--changeset a:4 dbms:!postgresql\nSELECT 6;\n--changeset a:5 ignore:true\nSELECT 7;\n"
    );
    let dir = folder(&[("log.sql", &text)]);
    let lite = load(dir.path(), Layout::Liquibase, Dialect::Sqlite).unwrap();
    let ids: Vec<&str> = lite.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "log.sql::1::a",
            "log.sql::2::a",
            "log.sql::3::a",
            "log.sql::4::a"
        ]
    );
    let one = lite.get("log.sql::1::a").unwrap();
    assert!(!one.transaction);
    let stmts: Vec<&str> = one
        .up
        .statements()
        .unwrap()
        .iter()
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(stmts, ["SELECT 1; SELECT 2"]);
    assert_eq!(one.down.as_ref().unwrap().sql, "SELECT -1;\n");
    let two = lite.get("log.sql::2::a").unwrap();
    let stmts: Vec<(&str, u32)> = two
        .up
        .statements()
        .unwrap()
        .iter()
        .map(|s| (s.sql.as_str(), two.up.file_line(s)))
        .collect();
    assert_eq!(stmts, [("SELECT 'x;y'", 8), ("SELECT 3;\nSELECT 4", 9)]);
    let pg = load(dir.path(), Layout::Liquibase, Dialect::Postgres).unwrap();
    assert!(pg.get("log.sql::4::a").is_none());
    let my = load(dir.path(), Layout::Liquibase, Dialect::Mysql).unwrap();
    assert!(my.get("log.sql::3::a").is_none());
    assert!(my.get("log.sql::4::a").is_some());
}

#[test]
fn rollbacks_empty_and_by_reference() {
    let text = format!(
        "{HEADER}--changeset a:1\nCREATE TABLE t (x int);\n--rollback not required\n--changeset a:2\nDROP TABLE t;\n--rollback changeSetId:1 changesetAuthor:a\n--changeset a:3\nSELECT 1;\n"
    );
    let dir = folder(&[("log.sql", &text)]);
    let set = load(dir.path(), Layout::Liquibase, Dialect::Sqlite).unwrap();
    assert_eq!(
        set.get("log.sql::1::a").unwrap().down.as_ref().unwrap().sql,
        ""
    );
    let two = set.get("log.sql::2::a").unwrap().down.clone().unwrap();
    assert_eq!(two.statements().unwrap()[0].sql, "CREATE TABLE t (x int)");
    assert!(set.get("log.sql::3::a").unwrap().down.is_none());
}

#[test]
fn a_plain_sql_file_is_one_raw_changeset() {
    let dir = folder(&[
        (
            "1.sql",
            &format!("{HEADER}--changeset a:1\nCREATE TABLE t (x int);\n"),
        ),
        ("2.sql", "INSERT INTO t VALUES (1);\n"),
    ]);
    let set = load(dir.path(), Layout::Liquibase, Dialect::Sqlite).unwrap();
    let raw = set.get("2.sql::raw::includeAll").unwrap();
    assert_eq!(raw.up.statements().unwrap().len(), 1);
}

#[test]
fn problems_name_file_and_line() {
    let dir = folder(&[
        (
            "a.sql",
            &format!("{HEADER}--changeset a:1\nSELECT 1;\n--changeset a:1\nSELECT 2;\n"),
        ),
        (
            "b.sql",
            &format!("{HEADER}--changeset a:1\n--comment: nothing\n--changeset a:2\nSELECT 1;\n"),
        ),
        ("c.sql", &format!("{HEADER}--changeset nobody\nSELECT 1;\n")),
        ("d.xml", "<databaseChangeLog/>"),
    ]);
    let e = load(dir.path(), Layout::Liquibase, Dialect::Sqlite).unwrap_err();
    let got: Vec<(&str, u32)> =
        e.0.iter()
            .map(|p| (crate::layout::files::name(&p.file), p.line))
            .collect();
    assert_eq!(
        got,
        [("a.sql", 5), ("b.sql", 3), ("c.sql", 3), ("d.xml", 0)]
    );
    assert!(
        e.0[0].message.contains("declared twice"),
        "{}",
        e.0[0].message
    );
    assert!(e.0[1].message.contains("no SQL"), "{}", e.0[1].message);
    assert!(
        e.0[2].message.contains("<author>:<id>"),
        "{}",
        e.0[2].message
    );
}

#[test]
fn unsupported_attributes_become_notes() {
    let text = format!(
        "{HEADER}--changeset a:1 runOnChange:true context:dev dbms:mariadb\n--preconditions onFail:MARK_RAN\nSELECT 1;\n"
    );
    let dir = folder(&[("log.sql", &text)]);
    let entries = scan(dir.path()).unwrap();
    let notes = entries[0].notes.join("\n");
    assert!(notes.contains("runOnChange"), "{notes}");
    assert!(notes.contains("`context`"), "{notes}");
    assert!(notes.contains("MySQL and MariaDB"), "{notes}");
    assert!(notes.contains("preconditions"), "{notes}");
}

#[test]
fn directives_and_ignored_lines_are_no_sql_and_lines_still_match() {
    let text = format!(
        "{HEADER}--changeset a:1\n--comment: x\n--ignoreLines:start\nSELECT 'skipped';\n--ignoreLines:end\nSELECT 1;\n--ignoreLines:1\nSELECT 'also skipped';\n--rollback SELECT -1;\nSELECT 2;\n"
    );
    let dir = folder(&[("log.sql", &text)]);
    let set = load(dir.path(), Layout::Liquibase, Dialect::Mysql).unwrap();
    let m = set.get("log.sql::1::a").unwrap();
    let got: Vec<(&str, u32)> =
        m.up.statements()
            .unwrap()
            .iter()
            .map(|s| (s.sql.as_str(), m.up.file_line(s)))
            .collect();
    assert_eq!(got, [("SELECT 1", 8), ("SELECT 2", 12)]);
}
