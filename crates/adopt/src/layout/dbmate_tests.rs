//! dbmate's rules, each on a small synthetic file or folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::Dialect;
use crate::layout::{Layout, detect, ignored, load};

fn read(text: &str) -> Result<(Variant, Vec<String>), Problem> {
    parse(Path::new("1_x.sql"), &Arc::from(text))
}

use crate::layout::tests::folder;

const PAIR: &str = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 0;\n";

#[test]
fn sections_and_transaction_option() {
    let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n";
    let (v, notes) = read(text).unwrap();
    assert!(!v.transaction);
    assert_eq!(v.up.sql, "CREATE INDEX CONCURRENTLY i ON t (a);\n\n");
    assert_eq!(v.up.first_line, 2);
    let down = v.down.unwrap();
    assert_eq!((down.sql.as_str(), down.first_line), ("DROP INDEX i;\n", 5));
    assert_eq!(notes.len(), 1, "the down's setting differs: {notes:?}");
    let (v, notes) = read("--migrate:up\nSELECT 1;\n--migrate:down").unwrap();
    assert!(v.transaction && notes.is_empty());
    assert_eq!(v.down.unwrap().sql, "");
}

#[test]
fn markers_are_at_column_zero_and_case_sensitive() {
    assert_eq!(marker("-- migrate:up\n"), Some((Dir::Up, "\n")));
    assert_eq!(marker("--\tmigrate:down x:y"), Some((Dir::Down, " x:y")));
    assert!(marker("-- migrate:upgrade").is_none());
    assert!(marker(" -- migrate:up").is_none());
    assert!(marker("-- Migrate:up").is_none());
    // An indented marker is SQL comment text of the section it is in.
    let (v, _) = read("-- migrate:up\nSELECT 1;\n  -- migrate:down\n-- migrate:down\n").unwrap();
    assert_eq!(v.up.sql, "SELECT 1;\n  -- migrate:down\n");
}

#[test]
fn options_unknown_keys_are_ignored_and_only_false_turns_the_transaction_off() {
    assert_eq!(options(" transaction:false"), (false, vec![]));
    assert_eq!(options(" transaction:FALSE"), (true, vec![]));
    assert_eq!(options(" transaction:no"), (true, vec![]));
    assert_eq!(
        options(" transaction:false transaction:true"),
        (true, vec![])
    );
    assert_eq!(
        options(" lock:none transaction:false -- x:y:z\r"),
        (false, vec!["lock:none", "--", "x:y:z"])
    );
    let (v, notes) =
        read("-- migrate:up foo:bar transaction:FALSE\nSELECT 1;\n-- migrate:down\n").unwrap();
    assert!(v.transaction);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("foo:bar"), "{notes:?}");
}

#[test]
fn what_dbmate_refuses_is_refused() {
    for (text, line, says) in [
        ("", 1, "no `-- migrate:up`"),
        ("SELECT 1;\n", 1, "no `-- migrate:up`"),
        ("-- migrate:up\nSELECT 1;\n", 1, "no `-- migrate:down`"),
        (
            "CREATE TABLE early (x int);\n-- migrate:up\nSELECT 1;\n-- migrate:down\n",
            1,
            "SQL before",
        ),
        (
            "-- c\n/* block */\n-- migrate:up\n-- migrate:down\n",
            2,
            "SQL before",
        ),
        (
            "-- migrate:up\n-- migrate:down\nSELECT 0;\n-- migrate:down\n",
            4,
            "second `-- migrate:down`",
        ),
        (
            "-- migrate:up\n-- migrate:down\n-- migrate:up\nSELECT 2;\n",
            3,
            "no `-- migrate:down`",
        ),
    ] {
        let e = read(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e:?}");
        assert!(e.message.contains(says), "{text:?}: {}", e.message);
    }
    // Comments, blank lines and a stray down marker may precede the first up.
    let (v, _) =
        read("\n  -- about\n-- migrate:down\n-- migrate:up\nSELECT 1;\n-- migrate:down\n").unwrap();
    assert_eq!(v.up.sql, "SELECT 1;\n");
}

#[test]
fn several_sections_run_in_file_order_in_both_directions() {
    let text = "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n\n-- migrate:up transaction:false\nCREATE TABLE b (x int);\n-- migrate:down\nDROP TABLE b;\n";
    let (v, notes) = read(text).unwrap();
    assert_eq!(
        v.up.sql,
        "CREATE TABLE a (x int);\n\n\n\n\nCREATE TABLE b (x int);\n"
    );
    assert_eq!(v.up.first_line, 2);
    // dbmate's `Rollback` runs the sections' downs in file order: a's first.
    let down = v.down.unwrap();
    assert_eq!(down.sql, "DROP TABLE a;\n\n\n\n\nDROP TABLE b;\n");
    assert_eq!(down.first_line, 4);
    assert!(!v.transaction, "one section says transaction:false");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("2 `-- migrate:up` sections")),
        "{notes:?}"
    );
    // Statements keep their file lines.
    let dir = folder(&[("1_two.sql", text)]);
    let set = load(dir.path(), Layout::Dbmate, Dialect::Sqlite).unwrap();
    let m = set.get("1_two").unwrap();
    let lines: Vec<u32> =
        m.up.statements()
            .unwrap()
            .iter()
            .map(|s| m.up.file_line(s))
            .collect();
    assert_eq!(lines, [2, 7]);
    let down = m.down.as_ref().unwrap();
    let lines: Vec<u32> = down
        .statements()
        .unwrap()
        .iter()
        .map(|s| down.file_line(s))
        .collect();
    assert_eq!(lines, [4, 9]);
}

#[test]
fn file_names_versions_and_order_follow_dbmate() {
    assert_eq!(
        file_version("20190101-init.sql"),
        Some(("20190101", "init"))
    );
    assert_eq!(
        file_version("2019_01_01_000000_x.sql"),
        Some(("2019", "01_01_000000_x"))
    );
    assert_eq!(file_version("1.sql"), Some(("1", "")));
    assert_eq!(file_version("schema.sql"), None);
    assert_eq!(file_version("1_x.txt"), None);
    let dir = folder(&[
        ("9_a.sql", PAIR),
        ("10_b.sql", PAIR),
        ("01_c.sql", PAIR),
        ("1_d.sql", PAIR),
        ("2019010100_e.sql", PAIR),
        ("20190101-f.sql", PAIR),
        ("schema.sql", "CREATE TABLE dumped (x int);\n"),
        ("notes.txt", ""),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Dbmate);
    let set = load(dir.path(), Layout::Dbmate, Dialect::Sqlite).unwrap();
    let got: Vec<(&str, &str)> = set
        .iter()
        .map(|m| (m.id.as_str(), m.origin.as_ref().unwrap().version.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("01_c", "01"),
            ("10_b", "10"),
            ("1_d", "1"),
            ("20190101-f", "20190101"),
            ("2019010100_e", "2019010100"),
            ("9_a", "9"),
        ]
    );
    let skipped = ignored(dir.path(), Layout::Dbmate);
    assert_eq!(skipped.len(), 1);
    assert_eq!(files::name(&skipped[0].path), "schema.sql");
}

#[test]
fn two_files_of_one_version_are_refused() {
    let dir = folder(&[("1_a.sql", PAIR), ("1_b.sql", PAIR), ("01_c.sql", PAIR)]);
    let e = load(dir.path(), Layout::Dbmate, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert_eq!(files::name(&e.0[0].file), "1_b.sql");
    assert!(e.0[0].message.contains("version `1` is used twice"), "{e}");
}
