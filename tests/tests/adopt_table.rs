//! `migrate adopt --from TOOL --table NAME` on every backend: a renamed history table is read,
//! names that need quoting (a reserved word, mixed case) work, a name differing only in case
//! finds the table as the database stores it, and a bad row's error names its table.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "adopt/tables.rs"]
#[allow(dead_code)]
mod tables;

use std::path::Path;

use cairn::layout::Layout;
use cairn::{Driver, MigrationSet, Options};
use cairn_tests::TestDb;

fn load(db: &TestDb, root: &Path, tool: Layout) -> MigrationSet {
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    cairn::layout::load(root, tool, dialect).unwrap_or_else(|e| panic!("{tool}: {e}"))
}

fn fixture(tool: Layout) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/adopt")
        .join(tool.name())
}

fn connect(db: &TestDb) -> Box<dyn Driver> {
    cairn_tests::registry().connect(&db.url).unwrap()
}

/// A renamed history table (goose `-table`, golang-migrate `x-migrations-table`, ...) is read
/// with `--from TOOL --table NAME`.
fn a_renamed_table_is_read_with_from_and_table(db: &TestDb) {
    let set = load(db, &fixture(Layout::Goose), Layout::Goose);
    for m in set.iter() {
        db.execute(&m.up.sql);
    }
    db.execute(&tables::ddl(Layout::Goose, db.kind).replace("goose_db_version", "app_versions"));
    db.execute(&tables::rows(Layout::Goose, db.kind).replace("goose_db_version", "app_versions"));
    let opts = Options::default();
    let err = cairn::adopt::adopt(connect(db).as_mut(), &set, None, None, &opts).unwrap_err();
    assert!(
        err.to_string().contains("none of the history tables"),
        "{err}"
    );
    let report = cairn::adopt::adopt(
        connect(db).as_mut(),
        &set,
        Some(Layout::Goose),
        Some("app_versions"),
        &opts,
    )
    .unwrap();
    assert_eq!(report.table, "app_versions");
    assert_eq!(report.adopted().count(), 2, "{report:#?}");
    assert_eq!(db.history_ids().len(), 2);
}

/// `--table` names that need quoting in SQL, a reserved word and a mixed-case name, are read
/// on every backend; a name that differs only in case finds the table as the database
/// stores it, and the report names it so.
fn a_reserved_or_mixed_case_table_is_read(db: &TestDb) {
    let set = load(db, &fixture(Layout::Goose), Layout::Goose);
    for m in set.iter() {
        db.execute(&m.up.sql);
    }
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    for (stored, given) in [("order", "order"), ("AppVersions", "appversions")] {
        let quoted = cairn::schema::ident(stored, dialect);
        assert_ne!(quoted, stored, "{stored} must need quoting");
        db.execute(&tables::ddl(Layout::Goose, db.kind).replace("goose_db_version", &quoted));
        db.execute(&tables::rows(Layout::Goose, db.kind).replace("goose_db_version", &quoted));
        let opts = Options {
            dry_run: true,
            ..Options::default()
        };
        let report = cairn::adopt::adopt(
            connect(db).as_mut(),
            &set,
            Some(Layout::Goose),
            Some(given),
            &opts,
        )
        .unwrap_or_else(|e| panic!("{} --table {given}: {e}", db.kind));
        assert_eq!(report.table, stored, "{}", db.kind);
        assert_eq!(report.adopted().count(), 2, "{report:#?}");
        db.execute(&format!("DROP TABLE {quoted}"));
    }
    assert!(db.history_ids().is_empty(), "a dry run records nothing");
    // A row the tool could not have written: the error names the table it is in.
    let quoted = cairn::schema::ident("Versions", dialect);
    db.execute(&format!("CREATE TABLE {quoted} (version VARCHAR(20))"));
    db.execute(&format!("INSERT INTO {quoted} (version) VALUES (NULL)"));
    let mut live = connect(db);
    let opts = Options::default();
    let err = cairn::adopt::adopt(
        live.as_mut(),
        &set,
        Some(Layout::Dbmate),
        Some("Versions"),
        &opts,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("table Versions: dbmate's history has a row without a version"),
        "{err}"
    );
}

cairn_tests::on_every_backend!(
    a_renamed_table_is_read_with_from_and_table,
    a_reserved_or_mixed_case_table_is_read,
);
