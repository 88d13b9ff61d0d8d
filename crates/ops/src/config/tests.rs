#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("/project/cairn.toml"))
}

#[test]
fn every_setting_is_read_with_its_line() {
    let c = parse(
        r#"database_url = "postgres://app@db/app"
history_table = "schema_history"
scratch_url = "postgres://app@db/postgres"
builtin = ["auth", "audit"]
lock_timeout = 5

[[migrations]]
dir = "db/migrations"
layout = "flyway"

[[migrations]]
dir = "more"

[init_sql]
mysql = "SET SESSION foreign_key_checks = 0"
postgres = "SET search_path TO app, public"

[lint]
drop_table = "deny"
"#,
    )
    .unwrap();
    let url = c.database_url.as_ref().unwrap();
    assert_eq!((url.value.as_str(), url.line), ("postgres://app@db/app", 1));
    assert_eq!(c.history_table.as_ref().unwrap().value, "schema_history");
    assert_eq!(c.builtin.as_ref().unwrap().value, ["auth", "audit"]);
    assert_eq!(c.lock_timeout.as_ref().unwrap().value, 5);
    assert_eq!(c.lock_timeout.as_ref().unwrap().line, 5);
    assert_eq!(c.migrations.len(), 2);
    assert_eq!(
        c.migrations[0].value.dir,
        Path::new("/project/db/migrations")
    );
    assert_eq!(c.migrations[0].value.layout, Some(Layout::Flyway));
    assert_eq!(c.migrations[0].line, 7);
    assert_eq!(c.migrations[1].value.layout, None);
    let my = c.init_sql_for(Dialect::Mysql).unwrap();
    assert_eq!(
        (my.value.as_str(), my.line),
        ("SET SESSION foreign_key_checks = 0", 15)
    );
    assert!(c.init_sql_for(Dialect::Sqlite).is_none());
}

#[test]
fn relative_sqlite_paths_are_relative_to_the_file() {
    let c = parse("database_url = \"sqlite:data/app.db\"").unwrap();
    assert_eq!(c.database_url.unwrap().value, "sqlite:/project/data/app.db");
    for kept in ["sqlite::memory:", "sqlite:///abs/app.db", "postgres://h/db"] {
        let c = parse(&format!("database_url = \"{kept}\"")).unwrap();
        assert_eq!(c.database_url.unwrap().value, kept);
    }
}

#[test]
fn a_misspelt_key_is_an_error_naming_its_line() {
    let e = parse("history_table = \"h\"\ndatabse_url = \"x\"\n").unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("databse_url"), "{e}");
    assert!(e.to_string().starts_with("/project/cairn.toml:2: "), "{e}");
}

#[test]
fn bad_values_are_errors_naming_their_line() {
    let e = parse("\n[init_sql]\noracle = \"x\"\n").unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(e.message.contains("oracle"), "{e}");
    let e = parse("[[migrations]]\ndir = \"m\"\nlayout = \"rails\"\n").unwrap_err();
    assert!(e.message.contains("rails"), "{e}");
    let e = parse("history_table = \"drop table x; --\"").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
    assert!(e.message.contains("plain lower-case identifier"), "{e}");
    let e = parse("lock_timeout = \"soon\"").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn discover_walks_up_from_a_subdirectory() {
    let root = tempfile::tempdir().unwrap();
    let sub = root.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    assert_eq!(Config::discover(&sub).unwrap(), None);
    std::fs::write(root.path().join("cairn.toml"), "history_table = \"h\"\n").unwrap();
    let c = Config::discover(&sub).unwrap().unwrap();
    assert_eq!(c.path, root.path().join("cairn.toml"));
    assert_eq!(c.history_table.unwrap().value, "h");
}
