//! Other tools' folders through the CLI: `--layout auto` says what it detected, `migrate import`
//! writes Cairn files whose SQL is the original byte-for-byte, and a Flyway repeatable migration
//! runs again when its file changes.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::fs;
use std::path::Path;

use cairn::Dialect;
use cairn::layout::Layout;
use common::Project;

/// A goose folder: blocks, NO TRANSACTION, CRLF line endings, a file without a final newline.
fn goose(p: &Project) {
    p.write(
        "1_create_items.sql",
        "-- +goose Up\nCREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT);\n\n-- +goose Down\nDROP TABLE items;\n",
    );
    p.write(
        "2_trigger.sql",
        "-- +goose Up\n-- +goose StatementBegin\nCREATE TRIGGER items_label AFTER INSERT ON items\nBEGIN\n  UPDATE items SET label = upper(label) WHERE id = NEW.id;\nEND;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP TRIGGER items_label;",
    );
    p.write(
        "10_seed.sql",
        "-- +goose NO TRANSACTION\r\n-- +goose Up\r\nINSERT INTO items (label) VALUES ('a');  \r\n\r\n\r\n",
    );
}

#[test]
fn auto_detection_is_announced_once_and_the_folder_applies() {
    let p = Project::new();
    goose(&p);
    // goose skips a .go file without a version prefix; Cairn says so, once.
    p.write(
        "embed.go",
        "package migrations\n\nimport \"embed\"\n\n//go:embed *.sql\nvar FS embed.FS\n",
    );
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.matches("holds goose migrations").count(),
        1,
        "stderr: {err}"
    );
    assert_eq!(err.matches("skipping").count(), 1, "stderr: {err}");
    assert!(
        err.contains("embed.go: a .go file without"),
        "stderr: {err}"
    );
    assert_eq!(p.history_ids(), ["1_create_items", "2_trigger", "10_seed"]);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let label: String = conn
        .query_row("SELECT label FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(label, "A", "the trigger ran as one statement");

    // A Cairn folder is not announced; a wrong --layout is refused with the file named.
    let (_, _, err) = Project::new().run(&["migrate", "status"]);
    assert!(!err.contains("holds"), "{err}");
    let (code, _, err) = p.run(&["--layout", "dbmate", "migrate", "status"]);
    assert_eq!(code, 2);
    assert!(err.contains("1_create_items.sql"), "{err}");
    let (code, _, err) = p.run(&["--layout", "rails", "migrate", "status"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown layout `rails`"), "{err}");
}

#[test]
fn imported_files_load_with_the_original_sql() {
    let p = Project::new();
    goose(&p);
    let src = p.path().join("migrations");
    let (code, out, err) = p.run(&[
        "migrate",
        "import",
        "--from",
        "goose",
        "migrations",
        "--to",
        "converted",
    ]);
    assert_eq!(code, 1, "a note about the StatementBegin block: {out}{err}");
    assert!(out.contains("imported 3 goose migrations"), "{out}");
    assert!(out.contains("StatementBegin"), "{out}");
    same_sql(&src, Layout::Goose, &p.path().join("converted"));

    // Never overwrites.
    let (code, _, err) = p.run(&["migrate", "import", "migrations", "--to", "converted"]);
    assert_eq!(code, 2);
    assert!(err.contains("not overwriting"), "{err}");

    // The converted folder applies like the original.
    let (code, out, err) = p.run(&["--dir", "converted", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids(), ["1_create_items", "2_trigger", "10_seed"]);
}

#[test]
fn import_of_every_layout_keeps_order_and_bytes() {
    let p = Project::new();
    let root = p.path().join("src");
    let w = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    w(
        "diesel/2019-01-01-000000_a/up.sql",
        "CREATE TABLE a (x int);\n",
    );
    w("diesel/2019-01-01-000000_a/down.sql", "DROP TABLE a;\n");
    w("diesel/20190102000000_b/up.sql", "");
    w(
        "diesel/20190102000000_b/metadata.toml",
        "run_in_transaction = false\nother = 1\n",
    );
    w("flyway/V1_10__c.sql", "SELECT 3;\n");
    w("flyway/V1_9__b.sql", "SELECT 2;");
    w("flyway/V1__a.sql", "  SELECT 1;\n\n");
    w("flyway/U1__a.sql", "SELECT -1;\n");
    w("flyway/R__views.sql", "SELECT 'r';\n");
    w("pop/20240101000000_a.up.sql", "SELECT 1;\n");
    w("pop/20240101000000_a.postgres.up.sql", "SELECT 'pg';\n");
    w("pop/20240101000000_a.down.sql", "SELECT 0;\n");
    w(
        "dbmate/1_a.sql",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 0;\n",
    );
    for (dir, layout) in [
        ("diesel", Layout::Diesel),
        ("flyway", Layout::Flyway),
        ("pop", Layout::Pop),
        ("dbmate", Layout::Dbmate),
    ] {
        let to = p.path().join("out").join(dir);
        let (code, out, err) = p.run(&[
            "migrate",
            "import",
            root.join(dir).to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(code == 0 || code == 1, "{dir}: {out}{err}");
        assert!(err.contains(&format!("holds {layout} migrations")), "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let notes = doc["notes"].as_array().unwrap().len();
        assert_eq!(code == 1, notes > 0, "{dir}: {out}");
        same_sql(&root.join(dir), layout, &to);
    }
    let flyway: Vec<String> = cairn::load_dir(&p.path().join("out/flyway"), Dialect::Sqlite)
        .unwrap()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(flyway, ["V1__a", "V1_9__b", "V1_10__c", "R__views"]);
    let diesel = cairn::load_dir(&p.path().join("out/diesel"), Dialect::Sqlite).unwrap();
    let b = diesel.get("20190102000000_b").unwrap();
    assert!(!b.transaction);
}

/// Every imported migration, on every dialect, has the up and down SQL the original folder
/// has, byte for byte, and the same order.
fn same_sql(src: &Path, layout: Layout, converted: &Path) {
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let original = cairn::layout::load(src, layout, dialect).unwrap();
        let imported = cairn::load_dir(converted, dialect).unwrap();
        let ids = |s: &cairn::MigrationSet| s.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&imported), ids(&original), "{layout} on {dialect}");
        for m in original.iter() {
            let i = imported.get(&m.id).unwrap();
            assert_eq!(i.up.sql, m.up.sql, "{} up on {dialect}", m.id);
            assert_eq!(
                i.down.as_ref().map(|d| &d.sql),
                m.down.as_ref().map(|d| &d.sql),
                "{} down on {dialect}",
                m.id
            );
            assert_eq!(i.checksum, m.checksum);
            assert_eq!(i.transaction, m.transaction, "{}", m.id);
        }
    }
}

#[test]
fn a_changed_repeatable_migration_runs_again() {
    let p = Project::new();
    p.write("V1__items.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY, n INT);\nINSERT INTO items (n) VALUES (1), (2);\n");
    p.write(
        "R__total.sql",
        "DROP VIEW IF EXISTS total;\nCREATE VIEW total AS SELECT sum(n) AS s FROM items;\n",
    );
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids(), ["V1__items", "R__total"]);

    p.write(
        "R__total.sql",
        "DROP VIEW IF EXISTS total;\nCREATE VIEW total AS SELECT sum(n) * 10 AS s FROM items;\n",
    );
    p.write("V2__more.sql", "INSERT INTO items (n) VALUES (3);\n");
    let (code, out, _) = p.run(&["migrate", "status", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let state = |id: &str| {
        let rows = rows.get("migrations").unwrap_or(&rows);
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["state"].as_str().unwrap().to_string())
    };
    assert_eq!(state("R__total").as_deref(), Some("pending"), "{out}");
    assert_eq!(state("V2__more").as_deref(), Some("pending"), "{out}");
    let (code, out, err) = p.run(&["migrate", "validate"]);
    assert_eq!(code, 0, "a changed repeatable is not a finding: {out}{err}");

    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    // The new versioned migration first, then the repeatable one, with a new row.
    assert_eq!(p.history_ids(), ["V1__items", "V2__more", "R__total"]);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let s: i64 = conn
        .query_row("SELECT s FROM total", [], |r| r.get(0))
        .unwrap();
    assert_eq!(s, 60);
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids(), ["V1__items", "V2__more", "R__total"]);
    let (_, out, _) = p.run(&["migrate", "status"]);
    assert!(out.contains("3 applied, 0 pending, 0 changed"), "{out}");
}

/// `status` and a no-op `up` leave an sqlx folder's down files unread; an `up` with work to do
/// reads them, so the history keeps each applied migration's down SQL and `down` works.
#[test]
fn down_files_are_read_only_when_something_is_applied() {
    let p = Project::new();
    p.write("1_a.up.sql", "CREATE TABLE a (x INTEGER);\n")
        .write("1_a.down.sql", "DROP TABLE a;\n");
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Applied 1 migration"), "{out}");
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let down: Option<String> = conn
        .query_row("SELECT down_sql FROM cairn_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(down.as_deref(), Some("DROP TABLE a;\n"));

    // Unreadable down files (not UTF-8) show what is read: nothing to apply reads none.
    p.write("2_b.up.sql", "CREATE TABLE b (x INTEGER);\n");
    fs::write(
        p.path().join("migrations/2_b.down.sql"),
        b"DROP TABLE \xff;\n",
    )
    .unwrap();
    fs::write(
        p.path().join("migrations/1_a.down.sql"),
        b"DROP TABLE \xff;\n",
    )
    .unwrap();
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 applied, 1 pending"), "{out}");
    // With 2_b pending, `up` reads its down file, and only that one: it names it; nothing ran.
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "up"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("2_b.down.sql") && err.contains("not UTF-8") && !err.contains("1_a"),
        "{err}"
    );
    assert_eq!(p.history_ids(), ["1_a"]);
    // The applied migration's bad down file is never read.
    fs::write(p.path().join("migrations/2_b.down.sql"), "DROP TABLE b;\n").unwrap();
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids(), ["1_a", "2_b"]);
    let down: Option<String> = conn
        .query_row(
            "SELECT down_sql FROM cairn_migrations WHERE id = '2_b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(down.as_deref(), Some("DROP TABLE b;\n"));
    // Up to date: the down files are not read (an unreadable one does not matter).
    fs::write(
        p.path().join("migrations/1_a.down.sql"),
        b"DROP TABLE \xff;\n",
    )
    .unwrap();
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Nothing to do"), "{out}");
    fs::write(p.path().join("migrations/1_a.down.sql"), "DROP TABLE a;\n").unwrap();
    let (code, out, err) = p.run(&["--layout", "sqlx", "migrate", "down", "--all"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(p.history_ids().is_empty());
}
