//! Folders of each tool on disk: detection, order, markers, foreign versions, problems.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use super::*;
use cairn_load::MigrationSet;

/// A temporary folder holding `files` (relative path, text), sub-folders created.
pub(crate) fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn ids(set: &MigrationSet) -> Vec<&str> {
    set.iter().map(|m| m.id.as_str()).collect()
}

fn loaded(dir: &Path, layout: Layout) -> MigrationSet {
    assert_eq!(detect(dir).unwrap(), layout);
    load(dir, layout, Dialect::Sqlite).unwrap()
}

#[test]
fn diesel_orders_versions_as_text_and_reads_metadata() {
    let dir = folder(&[
        // Version `2019`: as text it sorts first, as diesel runs it.
        ("2019_01_03_000000_c/up.sql", "SELECT 3;\n"),
        ("20190102000000_b/up.sql", ""),
        (
            "20190102000000_b/metadata.toml",
            "run_in_transaction = false\n",
        ),
        ("2019-01-01-000000_a/up.sql", "SELECT 1;\n"),
        ("2019-01-01-000000_a/down.sql", "SELECT -1;\n"),
        ("no underscore/up.sql", "SELECT 4;\n"),
        (".hidden/up.sql", "not SQL"),
        (".keep", ""),
    ]);
    fs::create_dir(dir.path().join("empty")).unwrap();
    let set = loaded(dir.path(), Layout::Diesel);
    assert_eq!(
        ids(&set),
        [
            "2019_01_03_000000_c",
            "2019-01-01-000000_a",
            "20190102000000_b",
            "no underscore",
        ]
    );
    let a = set.get("2019-01-01-000000_a").unwrap();
    let origin = a.origin.as_ref().unwrap();
    assert_eq!(
        (origin.version.as_str(), origin.name.as_str()),
        ("2019-01-01-000000", "a")
    );
    assert_eq!(a.down.as_ref().unwrap().sql, "SELECT -1;\n");
    let b = set.get("20190102000000_b").unwrap();
    assert!(!b.transaction && b.up.statements().unwrap().is_empty());
    assert_eq!(b.depends_on, ["2019-01-01-000000_a"]);
}

#[test]
fn diesel_metadata_is_read_as_diesel_reads_it() {
    let dir = folder(&[
        ("1_keyless/up.sql", "SELECT 1;\n"),
        ("1_keyless/metadata.toml", "other = 1\n"),
        ("2_broken/up.sql", "SELECT 2;\n"),
        ("2_broken/metadata.toml", "run_in_transaction = \n"),
        ("3_not_bool/up.sql", "SELECT 3;\n"),
        ("3_not_bool/metadata.toml", "run_in_transaction = \"no\"\n"),
    ]);
    let set = loaded(dir.path(), Layout::Diesel);
    // serde's default for the missing field is false; a file diesel cannot read is ignored.
    assert!(!set.get("1_keyless").unwrap().transaction);
    assert!(set.get("2_broken").unwrap().transaction);
    assert!(set.get("3_not_bool").unwrap().transaction);
}

#[test]
fn diesel_folders_of_one_version_all_run_ordered_by_name() {
    let dir = folder(&[
        ("2024-03-13_170000_b/up.sql", "SELECT 2;\n"),
        ("2024-03-13_090000_a/up.sql", "SELECT 1;\n"),
        ("2024-03-13-120000_c/up.sql", "SELECT 3;\n"),
    ]);
    let set = loaded(dir.path(), Layout::Diesel);
    // Both date-only folders are version `20240313`, before `20240313120000`.
    assert_eq!(
        ids(&set),
        [
            "2024-03-13_090000_a",
            "2024-03-13_170000_b",
            "2024-03-13-120000_c"
        ]
    );
}

#[test]
fn a_diesel_folder_without_up_sql_is_refused_by_name() {
    let dir = folder(&[
        ("1_a/up.sql", "SELECT 1;\n"),
        ("2_b/down.sql", "SELECT 2;\n"),
    ]);
    let err = load(dir.path(), Layout::Diesel, Dialect::Sqlite).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("2_b") && text.contains("no up.sql"), "{text}");
}

#[test]
fn sqlx_no_transaction_marker_and_versions_as_sqlx_reads_them() {
    let dir = folder(&[
        ("9223372036854775807_big.sql", "SELECT 2;\n"),
        ("9_small.sql", "-- no-transaction\nSELECT 1;\n"),
        // sqlx skips names without `_` and files that are not .sql.
        ("schema.sql", "CREATE TABLE not_a_migration (x INTEGER);\n"),
        ("1_notes.txt", "not SQL"),
        // Version 2019 (the first `_` ends it), description `01 02 000000 dated`.
        ("2019_01_02_000000_dated.sql", "SELECT 3;\n"),
    ]);
    let set = loaded(dir.path(), Layout::Sqlx);
    assert_eq!(
        ids(&set),
        [
            "9_small",
            "2019_01_02_000000_dated",
            "9223372036854775807_big"
        ]
    );
    assert!(!set.get("9_small").unwrap().transaction);
    assert!(set.get("9223372036854775807_big").unwrap().transaction);
    // The whole file, marker included, is the up SQL (what sqlx checksums).
    assert_eq!(
        set.get("9_small").unwrap().up.sql,
        "-- no-transaction\nSELECT 1;\n"
    );
    let skipped: Vec<String> = ignored(dir.path(), Layout::Sqlx)
        .into_iter()
        .map(|i| files::name(&i.path).to_string())
        .collect();
    assert_eq!(skipped, ["schema.sql"]);
    // Past i64, sqlx refuses the name: so does Cairn, naming the file.
    let big = folder(&[("10000000000000000001_big.sql", "SELECT 2;\n")]);
    let e = load(big.path(), Layout::Sqlx, Dialect::Sqlite).unwrap_err();
    assert!(
        e.0[0].message.contains("not an integer version prefix"),
        "{e}"
    );
    assert!(e.0[0].file.ends_with("10000000000000000001_big.sql"));
}

#[test]
fn a_byte_order_mark_stays_in_the_sql_but_not_in_the_statement() {
    let dir = folder(&[
        ("1_a.sql", "\u{feff}SELECT 1;\n"),
        ("2_b.sql", "\u{feff}-- +goose Up\nSELECT 2;\n"),
    ]);
    let set = load(dir.path(), Layout::Sqlx, Dialect::Postgres).unwrap();
    let a = set.get("1_a").unwrap();
    assert_eq!(a.up.sql, "\u{feff}SELECT 1;\n");
    assert_eq!(a.up.statements().unwrap()[0].sql, "SELECT 1");
    let e = load(dir.path(), Layout::Goose, Dialect::Postgres).unwrap_err();
    // 1_a.sql has no goose annotation: refused at its first line, naming the file.
    assert_eq!(e.0.len(), 1, "{e}");
    assert!(e.0[0].file.ends_with("1_a.sql"), "{e}");
    assert_eq!(e.0[0].line, 1, "{e}");
    assert!(
        e.0[0].message.starts_with("SQL before `-- +goose Up`"),
        "{e}"
    );
    fs::remove_file(dir.path().join("1_a.sql")).unwrap();
    let set = load(dir.path(), Layout::Goose, Dialect::Postgres).unwrap();
    assert_eq!(set.get("2_b").unwrap().up.sql, "SELECT 2;\n");
}

#[test]
fn golang_migrate_pairs_and_missing_up() {
    let dir = folder(&[
        ("2_b.up.sql", "SELECT 2;\n"),
        ("2_b.down.sql", ""),
        ("10_c.up.sql", "BEGIN;\nSELECT 3;\nCOMMIT;\n"),
        ("1_a.up.sql", "SELECT 1;\n"),
    ]);
    let set = loaded(dir.path(), Layout::GolangMigrate);
    assert_eq!(ids(&set), ["1_a", "2_b", "10_c"]);
    assert_eq!(set.get("2_b").unwrap().down.as_ref().unwrap().sql, "");
    assert!(
        !set.get("10_c").unwrap().transaction,
        "the file commits on its own"
    );
    // golang-migrate pairs by version, whatever the names; a version with only a down file
    // is applied with no SQL; files without a direction are skipped.
    let odd = folder(&[
        ("1_create.up.sql", "SELECT 1;\n"),
        ("1_drop.down.sql", "SELECT -1;\n"),
        ("2_only_down.down.sql", "SELECT -2;\n"),
        ("3_init.sql", "SELECT 3;\n"),
        ("README.md", "notes"),
    ]);
    let set = load(odd.path(), Layout::GolangMigrate, Dialect::Sqlite).unwrap();
    assert_eq!(ids(&set), ["1_create", "2_only_down"]);
    assert_eq!(
        set.get("1_create").unwrap().down.as_ref().unwrap().sql,
        "SELECT -1;\n"
    );
    assert!(
        set.get("2_only_down")
            .unwrap()
            .up
            .statements()
            .unwrap()
            .is_empty()
    );
    let skipped: Vec<String> = ignored(odd.path(), Layout::GolangMigrate)
        .into_iter()
        .map(|i| files::name(&i.path).to_string())
        .collect();
    assert_eq!(skipped, ["3_init.sql"]);
}

#[test]
fn flyway_undo_repeatable_and_duplicate_versions() {
    let dir = folder(&[
        ("V1_10__c.sql", "SELECT 3;\n"),
        ("V1_9__b.sql", "SELECT 2;\n"),
        ("sub/V1__a.sql", "SELECT 1;\n"),
        ("U1__a.sql", "SELECT -1;\n"),
        ("R__b_view.sql", "SELECT 'b';\n"),
        ("R__a_view.sql", "SELECT 'a';\n"),
        ("V1_9__b.sql.conf", "executeInTransaction=false\n"),
    ]);
    let set = loaded(dir.path(), Layout::Flyway);
    assert_eq!(
        ids(&set),
        ["V1__a", "V1_9__b", "V1_10__c", "R__a_view", "R__b_view"]
    );
    assert_eq!(
        set.get("V1__a").unwrap().down.as_ref().unwrap().sql,
        "SELECT -1;\n"
    );
    assert!(!set.get("V1_9__b").unwrap().transaction);
    let r = set.get("R__a_view").unwrap();
    assert!(r.repeatable && r.origin.as_ref().unwrap().version.is_empty());

    let dup = folder(&[("V1__a.sql", ""), ("V1.0__b.sql", "")]);
    let e = load(dup.path(), Layout::Flyway, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("used twice"), "{e}");
    let twice = folder(&[("a/V1__x.sql", ""), ("b/V1__x.sql", "")]);
    let e = load(twice.path(), Layout::Flyway, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("same name as"), "{e}");
}

#[test]
fn refinery_is_detected_from_integer_versions_only() {
    let dir = folder(&[("V2__b.sql", ""), ("V10__c.sql", ""), ("V1__a.sql", "")]);
    let set = loaded(dir.path(), Layout::Refinery);
    assert_eq!(ids(&set), ["V1__a", "V2__b", "V10__c"]);
}

#[test]
fn goose_and_dbmate_sections_map_statements_to_file_lines() {
    let dir = folder(&[(
        "1_a.sql",
        "-- comment\n-- +goose Up\nCREATE TABLE a (x int);\nCREATE TABLE b (x int);\n-- +goose Down\nDROP TABLE b;\n",
    )]);
    let set = loaded(dir.path(), Layout::Goose);
    let a = set.get("1_a").unwrap();
    let lines: Vec<u32> =
        a.up.statements()
            .unwrap()
            .iter()
            .map(|s| a.up.file_line(s))
            .collect();
    assert_eq!(lines, [3, 4]);
    let down = a.down.as_ref().unwrap();
    assert_eq!(down.file_line(&down.statements().unwrap()[0]), 6);

    let dir = folder(&[(
        "20200101000000_a.sql",
        "-- migrate:up\n\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n",
    )]);
    let set = loaded(dir.path(), Layout::Dbmate);
    let a = set.get("20200101000000_a").unwrap();
    assert_eq!(a.up.file_line(&a.up.statements().unwrap()[0]), 3);
}

#[test]
fn pop_overrides_each_direction_per_dialect() {
    let dir = folder(&[
        ("1_a.up.sql", "SELECT 'generic';\n"),
        ("1_a.down.sql", "SELECT 'generic down';\n"),
        ("1_a.postgres.autocommit.up.sql", "SELECT 'pg';\n"),
        ("1_a.mysql.down.sql", "SELECT 'my down';\n"),
        ("2_b.sqlite3.up.sql", "SELECT 'lite only';\n"),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Pop);
    let on = |d| load(dir.path(), Layout::Pop, d).unwrap();
    let pg = on(Dialect::Postgres);
    assert_eq!(ids(&pg), ["1_a"], "2_b has no file for PostgreSQL");
    let a = pg.get("1_a").unwrap();
    assert_eq!(a.up.sql, "SELECT 'pg';\n");
    assert!(!a.transaction);
    assert_eq!(a.down.as_ref().unwrap().sql, "SELECT 'generic down';\n");
    let my = on(Dialect::Mysql);
    let a = my.get("1_a").unwrap();
    assert_eq!(
        (a.up.sql.as_str(), a.down.as_ref().unwrap().sql.as_str()),
        ("SELECT 'generic';\n", "SELECT 'my down';\n")
    );
    assert_eq!(ids(&on(Dialect::Sqlite)), ["1_a", "2_b"]);
}

#[test]
fn detection_reports_mixed_and_unknown_folders() {
    let mixed = folder(&[
        ("1_a.sql", "-- +goose Up\nSELECT 1;\n"),
        ("2_b.sql", "-- migrate:up\nSELECT 1;\n"),
    ]);
    let e = detect(mixed.path()).unwrap_err().to_string();
    assert!(
        e.contains("more than one layout") && e.contains("goose") && e.contains("dbmate"),
        "{e}"
    );
    let unknown = folder(&[("schema.sql", "SELECT 1;\n")]);
    let e = detect(unknown.path()).unwrap_err().to_string();
    assert!(e.contains("schema.sql"), "{e}");
    let empty = folder(&[]);
    assert_eq!(detect(empty.path()).unwrap(), Layout::Cairn);
    let cairn = folder(&[("0001_a.yaml", "up: SELECT 1;\n")]);
    assert_eq!(detect(cairn.path()).unwrap(), Layout::Cairn);
    let pairs = folder(&[("1_a.up.sql", ""), ("1_a.down.sql", "")]);
    assert_eq!(detect(pairs.path()).unwrap(), Layout::GolangMigrate);
}

#[test]
fn imported_and_cairn_files_load_together() {
    let dir = folder(&[("1_a.up.sql", "CREATE TABLE a (x int);\n")]);
    let imported = read(dir.path(), Layout::GolangMigrate, Dialect::Sqlite).unwrap();
    let file = cairn_core::SourceFile {
        path: "m/2_b.yaml".into(),
        default_id: "2_b".to_string(),
        text: "depends_on: [1_a]\nup: CREATE TABLE b (x int);\n".to_string(),
    };
    let set =
        cairn_load::load_sources(vec![file.clone()], imported.clone(), Dialect::Sqlite).unwrap();
    assert_eq!(ids(&set), ["1_a", "2_b"]);
    let clash = cairn_core::SourceFile {
        default_id: "1_a".to_string(),
        ..file
    };
    let e = cairn_load::load_sources(vec![clash], imported, Dialect::Sqlite).unwrap_err();
    assert!(
        e.0[0].message.contains("duplicate migration id `1_a`"),
        "{e}"
    );
}

#[test]
fn refinery_reads_sub_folders_and_skips_names_it_does_not_match() {
    let dir = folder(&[
        ("V1__init.sql", "SELECT 1;\n"),
        ("2024/V2__more.sql", "SELECT 2;\n"),
        ("V3__add-index.sql", "NOT SQL;\n"),
        ("V4_1__x.sql", "NOT SQL;\n"),
        ("mod.rs", "// not a migration\n"),
    ]);
    let set = load(dir.path(), Layout::Refinery, Dialect::Sqlite).unwrap();
    assert_eq!(ids(&set), ["V1__init", "V2__more"]);
    let skipped: Vec<String> = ignored(dir.path(), Layout::Refinery)
        .into_iter()
        .map(|i| files::name(&i.path).to_string())
        .collect();
    assert_eq!(skipped, ["V3__add-index.sql", "V4_1__x.sql"]);
    // A dotted version matches refinery's pattern, and refinery refuses it.
    let dotted = folder(&[("V1.2__x.sql", "SELECT 1;\n")]);
    let e = load(dotted.path(), Layout::Refinery, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("InvalidVersion"), "{e}");
    assert!(e.0[0].file.ends_with("V1.2__x.sql"));
    let rust = folder(&[("V1__init.rs", "fn migration() {}\n")]);
    let e = load(rust.path(), Layout::Refinery, Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("only .sql migrations"), "{e}");
}

#[test]
fn flyway_skips_callbacks_baselines_and_invalid_names_and_hidden_folders() {
    let dir = folder(&[
        ("V1__init.sql", "SELECT 1;\n"),
        ("V2__upper.SQL", "SELECT 2;\n"),
        ("afterMigrate.sql", "NOT SQL;\n"),
        ("beforeEachMigrate__log.sql", "NOT SQL;\n"),
        ("B5__baseline.sql", "NOT SQL;\n"),
        ("V1a__typo.sql", "NOT SQL;\n"),
        (".idea/V9__hidden.sql", "NOT SQL;\n"),
    ]);
    let set = load(dir.path(), Layout::Flyway, Dialect::Sqlite).unwrap();
    assert_eq!(ids(&set), ["V1__init", "V2__upper"]);
    let reasons: Vec<String> = ignored(dir.path(), Layout::Flyway)
        .into_iter()
        .map(|i| format!("{}: {}", files::name(&i.path), i.reason))
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(
        reasons[0].starts_with("B5__baseline.sql: a Flyway baseline migration"),
        "{reasons:#?}"
    );
    assert!(
        reasons[1].starts_with("V1a__typo.sql: not a Flyway migration name"),
        "{reasons:#?}"
    );
    assert!(reasons[2].contains("`afterMigrate` event"), "{reasons:#?}");
    assert!(
        reasons[3].contains("`beforeEachMigrate` event"),
        "{reasons:#?}"
    );
}

#[test]
fn statements_refused_in_a_transaction_run_outside_one() {
    let dir = folder(&[
        ("V1__table.sql", "CREATE TABLE t (a INTEGER);\n"),
        (
            "V2__index.sql",
            "-- online\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
        ),
    ]);
    let set = load(dir.path(), Layout::Flyway, Dialect::Postgres).unwrap();
    assert!(set.get("V1__table").unwrap().transaction);
    assert!(!set.get("V2__index").unwrap().transaction);
    // The same file on MySQL has nothing to avoid.
    let set = load(dir.path(), Layout::Flyway, Dialect::Mysql).unwrap();
    assert!(set.get("V2__index").unwrap().transaction);
}

#[test]
fn pop_orders_versions_as_strings_reads_sub_folders_and_refuses_templates() {
    let dir = folder(&[
        ("9_a.up.sql", "SELECT 9;\n"),
        ("10_b.up.sql", "SELECT 10;\n"),
        ("deep/8_c.up.sql", "SELECT 8;\n"),
        ("1_d.all.up.sql", "NOT SQL;\n"),
        ("1_e.pgx.up.sql", "SELECT 1;\n"),
    ]);
    let set = load(dir.path(), Layout::Pop, Dialect::Sqlite).unwrap();
    assert_eq!(ids(&set), ["10_b", "8_c", "9_a"]);
    let set = load(dir.path(), Layout::Pop, Dialect::Postgres).unwrap();
    assert_eq!(ids(&set), ["1_e", "10_b", "8_c", "9_a"]);
    let skipped: Vec<String> = ignored(dir.path(), Layout::Pop)
        .into_iter()
        .map(|i| files::name(&i.path).to_string())
        .collect();
    assert_eq!(skipped, ["1_d.all.up.sql"]);
    let templated = folder(&[(
        "1_t.up.sql",
        "-- comment\nCREATE TABLE {{ identifier \"t\" }} (id INTEGER);\n",
    )]);
    let e = load(templated.path(), Layout::Pop, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0[0].line, 2, "{e}");
    assert!(e.0[0].message.contains("Go template"), "{e}");
}

#[test]
fn a_pop_generic_down_serves_dialect_ups_alone() {
    let dir = folder(&[
        ("1_a.postgres.up.sql", "SELECT 1;\n"),
        ("1_a.sqlite3.up.sql", "SELECT 2;\n"),
        ("1_a.down.sql", "SELECT -1;\n"),
    ]);
    let set = load(dir.path(), Layout::Pop, Dialect::Sqlite).unwrap();
    let a = set.get("1_a").unwrap();
    assert_eq!(a.up.sql, "SELECT 2;\n");
    assert_eq!(a.down.as_ref().unwrap().sql, "SELECT -1;\n");
    // No up for MySQL: nothing runs there, as with popx.
    assert!(
        load(dir.path(), Layout::Pop, Dialect::Mysql)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn dots_in_a_golang_migrate_name_are_no_pop_dialect() {
    let dir = folder(&[
        ("0001_1.6.0_schema.up.sql", "SELECT 1;\n"),
        ("0001_1.6.0_schema.down.sql", "SELECT -1;\n"),
        ("0002_1.7.0_schema.up.sql", "SELECT 2;\n"),
    ]);
    let set = loaded(dir.path(), Layout::GolangMigrate);
    assert_eq!(ids(&set), ["0001_1.6.0_schema", "0002_1.7.0_schema"]);
}

#[test]
fn prisma_atlas_tern_and_json_documents_are_detected_with_evidence() {
    let prisma = folder(&[
        ("20240101000000_init/migration.sql", "SELECT 1;\n"),
        ("migration_lock.toml", "provider = \"sqlite\"\n"),
    ]);
    let d = detect_explained(prisma.path()).unwrap();
    assert_eq!(d.layout, Layout::Prisma);
    assert!(d.evidence.contains("migration.sql"), "{}", d.evidence);
    let lock_only = folder(&[("migration_lock.toml", "provider = \"sqlite\"\n")]);
    assert_eq!(detect(lock_only.path()).unwrap(), Layout::Prisma);

    // Without atlas.sum these files are sqlx's; with it, Atlas's.
    let atlas = folder(&[("1_a.sql", "SELECT 1;\n"), ("2_b.sql", "SELECT 2;\n")]);
    assert_eq!(detect(atlas.path()).unwrap(), Layout::Sqlx);
    fs::write(atlas.path().join("atlas.sum"), "h1:x\n").unwrap();
    let d = detect_explained(atlas.path()).unwrap();
    assert_eq!(d.layout, Layout::Atlas);
    assert!(d.evidence.starts_with("3 files"), "{}", d.evidence);

    // An up-only tern file reads like sqlx's; one file with the separator decides.
    let tern = folder(&[
        ("1_a.sql", "SELECT 1;\n"),
        (
            "2_b.sql",
            "SELECT 2;\n---- create above / drop below ----\nSELECT 3;\n",
        ),
    ]);
    assert_eq!(detect(tern.path()).unwrap(), Layout::Tern);
    let tx = folder(&[("1_a.sql", "---- tern: disable-tx ----\nSELECT 1;\n")]);
    assert_eq!(detect(tx.path()).unwrap(), Layout::Tern);

    let docs = folder(&[(
        "a.json",
        "{\"id\": \"a\", \"sql\": \"SELECT 1;\", \"rollback_sql\": null}",
    )]);
    let d = detect_explained(docs.path()).unwrap();
    assert_eq!(d.layout, Layout::JsonDocs);
    assert!(d.evidence.contains("rollback_sql"), "{}", d.evidence);
    for (name, layout) in [
        ("prisma", Layout::Prisma),
        ("atlas", Layout::Atlas),
        ("tern", Layout::Tern),
        ("json-docs", Layout::JsonDocs),
    ] {
        assert_eq!(name.parse::<Layout>().unwrap(), layout);
        assert_eq!(layout.name(), name);
    }
}

#[test]
fn sql_migrate_orders_by_number_then_name_and_is_told_apart_from_goose() {
    let dir = folder(&[
        ("init.sql", "-- +migrate Up\nSELECT 'last';\n"),
        ("10_c.sql", "-- +migrate Up\nSELECT 10;\n"),
        ("2_b.sql", "-- +migrate Up notransaction\nSELECT 2;\n"),
        (
            "2-a.sql",
            "-- +migrate Up\nSELECT 2;\n-- +migrate Down\nSELECT -2;\n",
        ),
        ("notes.txt", "not a migration"),
    ]);
    let set = loaded(dir.path(), Layout::SqlMigrate);
    assert_eq!(ids(&set), ["2-a", "2_b", "10_c", "init"]);
    assert!(!set.get("2_b").unwrap().transaction);
    let origin = set.get("2-a").unwrap().origin.clone().unwrap();
    assert_eq!((origin.version.as_str(), origin.name.as_str()), ("2", "a"));
    assert_eq!(set.get("10_c").unwrap().depends_on, ["2_b"]);

    let goose = folder(&[("1_a.sql", "-- +goose Up\n-- +migrate Up\nSELECT 1;\n")]);
    assert_eq!(detect(goose.path()).unwrap(), Layout::Goose);
    let mixed = folder(&[
        ("1_a.sql", "-- +migrate Up\nSELECT 1;\n"),
        ("2_b.sql", "-- migrate:up\nSELECT 1;\n"),
    ]);
    let e = detect(mixed.path()).unwrap_err().to_string();
    assert!(e.contains("sql-migrate") && e.contains("dbmate"), "{e}");
}

#[test]
fn sql_migrate_problems_name_the_file_and_line() {
    let dir = folder(&[
        (
            "99999999999999999999_big.sql",
            "-- +migrate Up\nSELECT 1;\n",
        ),
        ("1_a.sql", "-- +migrate Up\nSELECT 1\n"),
    ]);
    let e = load(dir.path(), Layout::SqlMigrate, Dialect::Sqlite).unwrap_err();
    let mut got: Vec<(String, u32)> =
        e.0.iter()
            .map(|p| (crate::layout::files::name(&p.file).to_string(), p.line))
            .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("1_a.sql".to_string(), 2),
            ("99999999999999999999_big.sql".to_string(), 0)
        ]
    );
    assert!(e.to_string().contains("int64"), "{e}");
}

#[test]
fn a_pop_file_ported_from_sql_migrate_is_still_pop() {
    let dir = folder(&[
        ("1_a.up.sql", "SELECT 1;\n"),
        ("2_oauth2.cockroach.up.sql", "-- +migrate Up\nSELECT 2;\n"),
        ("2_oauth2.postgres.up.sql", "SELECT 2;\n"),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Pop);
}

#[test]
fn migrations_in_a_programming_language_are_reported_with_their_file() {
    let pop = folder(&[
        ("1_a.up.sql", "SELECT 1;\n"),
        ("2_b.up.fizz", "create_table(\"b\") {}\n"),
    ]);
    let e = load(pop.path(), Layout::Pop, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert!(e.0[0].file.ends_with("2_b.up.fizz"), "{e}");
    assert!(
        e.0[0]
            .message
            .contains("pop fizz migrations cannot be read"),
        "{e}"
    );
    let goose = folder(&[
        ("1_a.sql", "-- +goose Up\nSELECT 1;\n"),
        ("2_b.go", "package migrations\n"),
        ("embed.go", "package migrations\n"),
    ]);
    let e = load(goose.path(), Layout::Goose, Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0.len(), 1, "only the versioned Go file: {e}");
    assert!(e.0[0].file.ends_with("2_b.go"), "{e}");
}

#[test]
fn an_up_side_read_leaves_down_files_unread() {
    // The down files are made unreadable as UTF-8: reading them fails, so only an up-side
    // read passes.
    let bad = "replaced below";
    for (layout, files) in [
        (
            Layout::Sqlx,
            vec![
                ("1_a.up.sql", "CREATE TABLE a (x INT);\n"),
                ("1_a.down.sql", bad),
                ("2_b.sql", "CREATE TABLE b (x INT);\n"),
            ],
        ),
        (
            Layout::GolangMigrate,
            vec![
                ("1_a.up.sql", "CREATE TABLE a (x INT);\n"),
                ("1_a.down.sql", bad),
                ("2_b.up.sql", "CREATE TABLE b (x INT);\n"),
            ],
        ),
        (
            Layout::Diesel,
            vec![
                ("2019-01-01-000000_a/up.sql", "CREATE TABLE a (x INT);\n"),
                ("2019-01-01-000000_a/down.sql", bad),
                ("2019-01-02-000000_b/up.sql", "CREATE TABLE b (x INT);\n"),
            ],
        ),
    ] {
        let dir = folder(&files);
        let down = files
            .iter()
            .find(|(name, _)| name.contains("down"))
            .unwrap()
            .0;
        fs::write(dir.path().join(down), b"SELECT '\xff';\n").unwrap();
        let err = read(dir.path(), layout, Dialect::Sqlite).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{layout}: {err}");
        let up = files::listed_once(dir.path(), || read_up(dir.path(), layout, Dialect::Sqlite))
            .unwrap();
        assert_eq!(up.len(), 2, "{layout}");
        assert!(up.iter().all(|m| m.down.is_none()), "{layout}");
        // The unread down file is still named: applying needs it read.
        assert!(
            up[0].down_file.as_ref().is_some_and(|f| f.ends_with(down)),
            "{layout}"
        );
        assert!(up[1].down_file.is_none(), "{layout}");
        // Same ids and checksums as a whole read of the same folder with a readable down.
        fs::write(dir.path().join(down), "DROP TABLE a;\n").unwrap();
        let whole = read(dir.path(), layout, Dialect::Sqlite).unwrap();
        assert!(whole[0].down.is_some(), "{layout}");
        let key = |ms: &[cairn_core::model::Migration]| -> Vec<(String, String)> {
            ms.iter()
                .map(|m| (m.id.clone(), m.checksum.to_hex()))
                .collect()
        };
        assert_eq!(key(&up), key(&whole), "{layout}");
    }
}
