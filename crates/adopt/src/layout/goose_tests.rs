//! goose's rules, each on a small synthetic file or folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::Dialect;
use crate::layout::{Layout, detect, ignored, load};

fn read(text: &str) -> Result<(Variant, Vec<String>), Problem> {
    parse(Path::new("1_x.sql"), &Arc::from(text))
}

use crate::layout::tests::folder;

#[test]
fn sections_blocks_and_transaction_markers() {
    let text = "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE TABLE a (x int);\n-- +goose StatementBegin\nSELECT 1; SELECT 2;\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n";
    let (v, notes) = read(text).unwrap();
    assert!(!v.transaction);
    assert!(notes.is_empty());
    assert_eq!(v.up.first_line, 3);
    assert!(v.up.sql.starts_with("CREATE TABLE a"));
    assert!(v.up.sql.ends_with("-- +goose StatementEnd\n"));
    assert_eq!(&v.up.sql[v.up.blocks[0].clone()], "SELECT 1; SELECT 2;\n");
    let down = v.down.unwrap();
    assert_eq!((down.sql.as_str(), down.first_line), ("DROP TABLE a;\n", 8));
    assert!(down.blocks.is_empty());
}

#[test]
fn transaction_by_default_and_envsub_is_noted() {
    let (v, _) = read("-- +goose Up\nSELECT 1;\n").unwrap();
    assert!(v.transaction);
    assert!(v.down.is_none());
    let (_, notes) = read("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${X}';\n").unwrap();
    assert_eq!(notes.len(), 1);
}

#[test]
fn annotations_are_recognised_as_goose_extracts_them() {
    // `extractAnnotation`: every `--` and the first `+goose` removed, the rest trimmed and
    // compared case-insensitively.
    let (v, _) = read("--+goose Up\nSELECT 1;\n--   +goose down\nSELECT 2;\n").unwrap();
    assert_eq!(v.up.sql, "SELECT 1;\n");
    assert_eq!(v.down.unwrap().sql, "SELECT 2;\n");
    let (v, _) = read("-- +goose no transaction\r\n---- +goose UP\r\nSELECT 1;\r\n").unwrap();
    assert!(!v.transaction);
    assert_eq!(v.up.sql, "SELECT 1;\r\n");
    // `+GOOSE` is not `+goose`: a plain comment, so the file has no Up.
    assert!(read("-- +GOOSE Up\nSELECT 1;\n").is_err());
    for (text, line, says) in [
        ("  -- +goose Up\nSELECT 1;\n", 1, "white space"),
        ("\t-- +goose Up\n", 1, "white space"),
        (
            "-- +goose Up\n-- a note about +goose\n",
            2,
            "unknown goose annotation",
        ),
        ("-- +goose Up -- tables\n", 1, "unknown goose annotation"),
        ("-- +goose Up +goose\n", 1, "more than one"),
        ("-- +goose\n", 1, "without an annotation"),
        ("-- +goose Up\n-- +goose Sideways\n", 2, "Sideways"),
    ] {
        let e = read(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e:?}");
        assert!(e.message.contains(says), "{text:?}: {}", e.message);
    }
}

#[test]
fn only_comments_and_annotations_may_precede_up() {
    let (v, _) = read("\n-- a comment\n  -- indented comment\n-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n").unwrap();
    assert_eq!(v.up.first_line, 6);
    let e = read("CREATE TABLE early (x int);\n-- +goose Up\nSELECT 1;\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.message.contains("SQL before `-- +goose Up`"), "{e:?}");
    let e = read("-- +goose StatementBegin\nSELECT 1;\n-- +goose StatementEnd\n").unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn empty_and_comment_only_files_are_refused_as_goose_does() {
    for text in ["", "\n\n", "-- nothing yet\n", "-- +goose NO TRANSACTION\n"] {
        let e = read(text).unwrap_err();
        assert!(e.message.contains("no `-- +goose Up`"), "{text:?}: {e:?}");
    }
    // An Up with nothing after it is an empty migration goose runs ("EMPTY").
    let (v, _) = read("-- +goose Up\n").unwrap();
    assert_eq!(v.up.sql, "");
}

#[test]
fn annotation_order_is_checked() {
    let e = |text: &str| read(text).unwrap_err().line;
    assert_eq!(e("-- +goose Down\n-- +goose Up\n"), 1);
    assert_eq!(e("-- +goose Up\n-- +goose Down\n-- +goose Up\n"), 3);
    assert_eq!(e("-- +goose Up\n-- +goose Down\n-- +goose Down\n"), 3);
    assert_eq!(
        e("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- +goose Down\n"),
        4
    );
    assert_eq!(e("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n"), 2);
    assert_eq!(e("-- +goose Up\n-- +goose StatementEnd\n"), 2);
}

#[test]
fn versions_are_read_as_goose_numeric_component() {
    let sql = |name| classify(name);
    assert_eq!(
        sql("2019_01_01_000000_x.sql"),
        Kind::Sql {
            version: "2019",
            name: "01_01_000000_x"
        }
    );
    assert_eq!(
        sql("00001_init.sql"),
        Kind::Sql {
            version: "00001",
            name: "init"
        }
    );
    assert_eq!(
        sql("+7_x.sql"),
        Kind::Sql {
            version: "7",
            name: "x"
        }
    );
    assert_eq!(
        sql("9223372036854775807_max.sql"),
        Kind::Sql {
            version: "9223372036854775807",
            name: "max"
        }
    );
    for (name, says) in [
        ("20190101.sql", "no `_`"),
        ("init.sql", "no `_`"),
        ("0_x.sql", "start at 1"),
        ("-3_x.sql", "start at 1"),
        ("2019-01-01-000000_x.sql", "not an integer"),
        ("9223372036854775808_x.sql", "maximum"),
    ] {
        match sql(name) {
            Kind::BadName(why) => assert!(why.contains(says), "{name}: {why}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn go_files_are_migrations_only_with_a_version_prefix() {
    assert_eq!(classify("00002_add_users.go"), Kind::Go);
    assert!(matches!(classify("embed.go"), Kind::Skipped(Some(_))));
    assert!(matches!(classify("helpers.go"), Kind::Skipped(Some(_))));
    assert!(matches!(
        classify("00002_x_test.go"),
        Kind::Skipped(Some(_))
    ));
    assert_eq!(classify("README.md"), Kind::Skipped(None));
    assert_eq!(skipped("README.md"), None);
    assert!(skipped("embed.go").is_some());
}

#[test]
fn a_folder_with_embed_go_loads_and_lists_what_goose_skips() {
    let dir = folder(&[
        (
            "embed.go",
            "package migrations\n\nimport \"embed\"\n\n//go:embed *.sql\nvar FS embed.FS\n",
        ),
        ("00001_x_test.go", "package migrations\n"),
        ("README.md", "notes\n"),
        ("00001_init.sql", "-- +goose Up\nCREATE TABLE a (x int);\n"),
        // Version 2019 for goose: before version 10.
        (
            "2019_01_01_000000_b.sql",
            "--+goose Up\nCREATE TABLE b (x int);\n",
        ),
        ("20190101000001_c.sql", "-- +goose Up\nSELECT 1;\n"),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Goose);
    let set = load(dir.path(), Layout::Goose, Dialect::Sqlite).unwrap();
    let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        ["00001_init", "2019_01_01_000000_b", "20190101000001_c"]
    );
    let b = set
        .get("2019_01_01_000000_b")
        .unwrap()
        .origin
        .clone()
        .unwrap();
    assert_eq!(
        (b.version.as_str(), b.name.as_str()),
        ("2019", "01_01_000000_b")
    );
    let skipped: Vec<String> = ignored(dir.path(), Layout::Goose)
        .iter()
        .map(|i| files::name(&i.path).to_string())
        .collect();
    assert_eq!(skipped, ["00001_x_test.go", "embed.go"]);
}

#[test]
fn go_migrations_bad_names_and_shared_versions_are_refused() {
    let dir = folder(&[
        ("00001_a.sql", "-- +goose Up\nSELECT 1;\n"),
        ("00002_b.go", "package migrations\n"),
        ("20190101.sql", "-- +goose Up\nSELECT 2;\n"),
    ]);
    let e = load(dir.path(), Layout::Goose, Dialect::Sqlite).unwrap_err();
    let files: Vec<&str> = e.0.iter().map(|p| files::name(&p.file)).collect();
    assert_eq!(files, ["00002_b.go", "20190101.sql"], "{e}");
    assert!(e.0[0].message.contains("Go migrations"), "{e}");
    assert!(e.0[1].message.contains("no `_`"), "{e}");

    // `1` and `01` are one version for goose (it panics: duplicate version).
    let dup = folder(&[
        ("1_a.sql", "-- +goose Up\nSELECT 1;\n"),
        ("01_b.sql", "-- +goose Up\nSELECT 2;\n"),
    ]);
    let e = load(dup.path(), Layout::Goose, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("used twice"), "{e}");
}
