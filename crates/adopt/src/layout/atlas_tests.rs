//! Atlas folders: name order, `atlas.sum`, file directives, delimiters.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

use super::*;
use crate::layout::{detect, load};

/// A folder of `files` with the `atlas.sum` Atlas would write for them.
fn hashed(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut sorted: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    sorted.sort();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    fs::write(
        dir.path().join(sum::SUM_FILE),
        crate::layout::atlas_sum(&sorted),
    )
    .unwrap();
    dir
}

fn ids(dir: &Path) -> Vec<String> {
    load(dir, Layout::Atlas, Dialect::Sqlite)
        .unwrap()
        .iter()
        .map(|m| m.id.clone())
        .collect()
}

#[test]
fn files_apply_in_name_order_and_the_version_is_the_first_part() {
    let dir = hashed(&[
        ("9_c.sql", "SELECT 9;\n"),
        ("20240101000000_a.sql", "SELECT 1;\n"),
        ("10_b.sql", "SELECT 10;\n"),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Atlas);
    assert_eq!(ids(dir.path()), ["10_b", "20240101000000_a", "9_c"]);
    let set = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap();
    let f = set.get("20240101000000_a").unwrap().origin.clone().unwrap();
    assert_eq!(
        (f.version.as_str(), f.name.as_str()),
        ("20240101000000", "a")
    );
    assert!(set.iter().all(|m| m.down.is_none()));
}

#[test]
fn an_edited_file_or_a_missing_sum_is_refused_naming_the_file() {
    let dir = hashed(&[("1_a.sql", "SELECT 1;\n"), ("2_b.sql", "SELECT 2;\n")]);
    fs::write(dir.path().join("2_b.sql"), "SELECT 22;\n").unwrap();
    let e = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0[0].file, dir.path().join("atlas.sum"));
    assert_eq!(e.0[0].line, 3);
    assert!(e.0[0].message.contains("2_b.sql was edited"), "{e}");

    fs::write(dir.path().join("1_0_new.sql"), "SELECT 0;\n").unwrap();
    fs::write(dir.path().join("2_b.sql"), "SELECT 2;\n").unwrap();
    let e = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("1_0_new.sql was added"), "{e}");

    fs::remove_file(dir.path().join("atlas.sum")).unwrap();
    let e = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("checksum file not found"), "{e}");
}

#[test]
fn txmode_is_a_file_directive_only_above_a_blank_line() {
    let dir = hashed(&[
        (
            "1_none.sql",
            "-- atlas:txmode none\n\nCREATE INDEX i ON t (a);\n",
        ),
        (
            "2_attached.sql",
            "-- atlas:txmode none\nCREATE TABLE u (a int);\n",
        ),
        ("3_file.sql", "# atlas:txmode file\n\nSELECT 1;\n"),
    ]);
    let set = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap();
    assert!(!set.get("1_none").unwrap().transaction);
    assert!(
        set.get("2_attached").unwrap().transaction,
        "a comment attached to a statement is no file directive"
    );
    assert!(set.get("3_file").unwrap().transaction);

    for (text, message) in [
        ("-- atlas:txmode all\n\nSELECT 1;\n", "not allowed"),
        ("-- atlas:txmode sometimes\n\nSELECT 1;\n", "unknown txmode"),
        (
            "-- atlas:txmode none\n-- atlas:txmode file\n\nSELECT 1;\n",
            "more than one",
        ),
        ("-- atlas:checkpoint\n\nSELECT 1;\n", "checkpoint"),
    ] {
        let dir = hashed(&[("1_x.sql", text)]);
        let e = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap_err();
        assert!(e.0[0].message.contains(message), "{text}: {e}");
        assert_eq!(e.0[0].file, dir.path().join("1_x.sql"));
    }
}

#[test]
fn a_delimiter_directive_cuts_statements_as_atlas_does() {
    let text = "-- atlas:delimiter //\n\nCREATE TABLE t (a int)//\nCREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n  UPDATE t SET a = 1;\nEND//\n";
    let dir = hashed(&[("1_trigger.sql", text)]);
    let set = load(dir.path(), Layout::Atlas, Dialect::Sqlite).unwrap();
    let m = set.get("1_trigger").unwrap();
    let stmts: Vec<(&str, u32)> =
        m.up.statements()
            .unwrap()
            .iter()
            .map(|s| (s.sql.as_str(), m.up.file_line(s)))
            .collect();
    assert_eq!(
        stmts,
        [
            ("CREATE TABLE t (a int)", 3),
            (
                "CREATE TRIGGER tr AFTER INSERT ON t\nBEGIN\n  UPDATE t SET a = 1;\nEND",
                4
            )
        ]
    );
    assert_eq!(m.up.sql, text, "the whole file is the SQL Atlas hashes");
    let broken = hashed(&[("1_x.sql", "-- atlas:delimiter //\nSELECT (1//\n")]);
    let e = load(broken.path(), Layout::Atlas, Dialect::Sqlite).unwrap_err();
    assert_eq!(
        (e.0[0].line, e.0[0].file.clone()),
        (2, broken.path().join("1_x.sql"))
    );
}

#[test]
fn directives_follow_atlas_regular_expression() {
    assert_eq!(
        directive("-- atlas:delimiter //", "delimiter"),
        Some(("-- ", "//"))
    );
    assert_eq!(
        directive("atlas:sum ignore\nSELECT 1", "sum"),
        Some(("", "ignore"))
    );
    assert_eq!(directive("-- atlas:summary x", "sum"), None);
    assert_eq!(
        directive("SELECT 1;\n-- atlas:sum ignore", "sum"),
        None,
        "first line only"
    );
    assert_eq!(directive("-- atlas:txmode", "txmode"), Some(("-- ", "")));
    assert_eq!(file_comments("-- a\n# b\n\nSELECT 1;"), ["-- a", "# b"]);
    assert!(file_comments("-- a\nSELECT 1;").is_empty());
    assert!(
        file_comments("-- a\r\n\r\nSELECT 1;").is_empty(),
        "CRLF: no file directives"
    );
    assert_eq!(file_comments("-- only\n"), ["-- only"]);
    assert!(file_comments("-- only").is_empty());
}
