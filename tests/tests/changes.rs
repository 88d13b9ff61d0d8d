//! Portable `changes` that SQLite's ALTER TABLE cannot do (change a column, add a foreign
//! key), on every backend: SQLite rebuilds the table, the others alter it; data survives both
//! ways, including rows of child tables that reference the rebuilt one with ON DELETE CASCADE.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::schema::{ColumnType, DefaultValue};
use cairn::{DownTarget, Options, SourceFile, UpTarget};
use cairn_tests::TestDb;

const BASE: &str = "changes:
  - create_table:
      name: parent
      columns:
        - {name: id, type: bigint, identity: true, nullable: false}
        - {name: name, type: text}
      primary_key: [id]
  - create_table:
      name: child
      columns:
        - {name: id, type: bigint, identity: true, nullable: false}
        - {name: parent_id, type: bigint}
        - {name: other_id, type: bigint}
        - {name: note, type: varchar(20)}
      primary_key: [id]
      indexes:
        - {name: idx_child_note, columns: [note]}
      foreign_keys:
        - {name: fk_child_parent, columns: [parent_id], references: {table: parent, columns: [id]}, on_delete: cascade}
";

const ALTER: &str = "depends_on: [0001_base]
changes:
  - alter_column: {table: parent, column: name, to: {name: name, type: varchar(100), nullable: false, default: anon}, from: {name: name, type: text}}
  - alter_column: {table: child, column: note, to: {name: note, type: varchar(40)}, from: {name: note, type: varchar(20)}}
  - add_foreign_key: {table: child, foreign_key: {name: fk_child_other, columns: [other_id], references: {table: parent, columns: [id]}, on_delete: set_null}}
";

/// The files as a migration set for `db`'s dialect.
fn migrations(db: &TestDb, files: &[(&str, &str)]) -> cairn::MigrationSet {
    let files = files
        .iter()
        .map(|(p, t)| SourceFile {
            path: PathBuf::from(p),
            default_id: p.trim_end_matches(".yaml").to_string(),
            text: t.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

fn alter_and_add_foreign_key_keep_data_and_roll_back(db: &TestDb) {
    let set = migrations(db, &[("0001_base.yaml", BASE), ("0002_alter.yaml", ALTER)]);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::To("0001_base".into()),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'p1')");
    db.execute("INSERT INTO parent (id, name) VALUES (2, 'p2')");
    db.execute("INSERT INTO child (id, parent_id, other_id, note) VALUES (10, 1, 2, 'kept')");

    cairn::up(conn.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM child WHERE parent_id = 1 AND note = 'kept'"),
        1,
        "{}: child rows survive",
        db.kind.name()
    );
    assert_eq!(db.scalar_i64("SELECT count(*) FROM parent"), 2);
    let schema = conn
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
        .canonical(conn.dialect());
    let name = schema.table("parent").unwrap().column("name").unwrap();
    assert!(!name.nullable, "{}: {name:?}", db.kind.name());
    assert_eq!(name.default, Some(DefaultValue::Text("anon".into())));
    let child = schema.table("child").unwrap();
    assert_eq!(
        child.foreign_keys.len(),
        2,
        "{}: {:?}",
        db.kind.name(),
        child.foreign_keys
    );
    assert_eq!(
        child
            .indexes
            .iter()
            .filter(|i| i.name == "idx_child_note")
            .count(),
        1,
        "indexes recreated"
    );
    if db.kind != cairn_tests::Kind::Sqlite {
        assert_eq!(child.column("note").unwrap().ty, ColumnType::Varchar(40));
    }
    // The new foreign key acts: deleting parent 2 sets other_id to NULL.
    db.execute("DELETE FROM parent WHERE id = 2");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM child WHERE other_id IS NULL"),
        1,
        "{}",
        db.kind.name()
    );

    cairn::down(
        conn.as_mut(),
        &set,
        &DownTarget::Steps(1),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    let schema = conn
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
        .canonical(conn.dialect());
    assert!(
        schema
            .table("parent")
            .unwrap()
            .column("name")
            .unwrap()
            .nullable
    );
    assert_eq!(schema.table("child").unwrap().foreign_keys.len(), 1);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM child WHERE note = 'kept'"),
        1
    );
    // The original foreign key still cascades.
    db.execute("DELETE FROM parent WHERE id = 1");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM child"),
        0,
        "{}",
        db.kind.name()
    );
}

const DROP_INDEXED: &str = "depends_on: [0001_base]
changes:
  - drop_column: {table: child, column: note, definition: {name: note, type: varchar(20)}}
";

fn dropping_an_indexed_column_works_and_rolls_back(db: &TestDb) {
    let set = migrations(
        db,
        &[("0001_base.yaml", BASE), ("0002_drop.yaml", DROP_INDEXED)],
    );
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::To("0001_base".into()),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'p1')");
    db.execute("INSERT INTO child (id, parent_id, note) VALUES (10, 1, 'gone')");
    cairn::up(conn.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let schema = conn.as_introspect().unwrap().introspect().unwrap();
    let child = schema.table("child").unwrap();
    assert!(
        child.column("note").is_none(),
        "{}: {child:?}",
        db.kind.name()
    );
    assert!(
        child.indexes.iter().all(|i| i.name != "idx_child_note"),
        "the index goes with its column"
    );
    assert_eq!(
        child.foreign_keys.len(),
        1,
        "{}: other constraints kept",
        db.kind.name()
    );
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM child WHERE parent_id = 1"),
        1,
        "rows kept"
    );
    cairn::down(
        conn.as_mut(),
        &set,
        &DownTarget::Steps(1),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    assert!(
        conn.as_introspect()
            .unwrap()
            .introspect()
            .unwrap()
            .table("child")
            .unwrap()
            .column("note")
            .is_some()
    );
}

const CHECKED: &str = "changes:
  - create_table:
      name: stock
      columns:
        - {name: id, type: bigint, identity: true, nullable: false}
        - {name: qty, type: integer, nullable: false}
        - {name: kind, type: varchar(8), nullable: false}
      primary_key: [id]
      checks:
        - {expression: \"qty > 0 AND (qty < 100 OR kind = 'bulk')\"}
";

fn unnamed_compound_checks_round_trip_without_drift(db: &TestDb) {
    let file = SourceFile {
        path: PathBuf::from("0001_stock.yaml"),
        default_id: "0001_stock".into(),
        text: CHECKED.into(),
    };
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::load_files(vec![file], dialect).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let live = conn.as_introspect().unwrap().introspect().unwrap();
    // The same table, declared as a schema file.
    let schema_text = CHECKED
        .replace(
            "changes:\n  - create_table:\n      name",
            "tables:\n  - name",
        )
        .replace("\n      ", "\n    ");
    let declared = cairn::schema::schema_from_files(&[SourceFile {
        path: PathBuf::from("stock.yaml"),
        default_id: String::new(),
        text: schema_text,
    }])
    .unwrap();
    let differences = cairn::schema::diff(&declared, &live, dialect);
    assert!(
        differences.is_empty(),
        "{}: {differences:#?}",
        db.kind.name()
    );
}

/// A foreign key that existing rows violate is refused and nothing changes: on SQLite the
/// rebuild's `PRAGMA foreign_key_check` fails before commit; the servers check on ALTER.
fn a_foreign_key_the_rows_violate_is_refused_and_nothing_changes(db: &TestDb) {
    let add_fk = "depends_on: [0001_base]
changes:
  - add_foreign_key: {table: child, foreign_key: {name: fk_child_other, columns: [other_id], references: {table: parent, columns: [id]}, on_delete: set_null}}
";
    let set = migrations(db, &[("0001_base.yaml", BASE), ("0002_fk.yaml", add_fk)]);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::To("0001_base".into()),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    db.execute("INSERT INTO parent (name) VALUES ('p')");
    db.execute("INSERT INTO child (parent_id, other_id, note) VALUES (NULL, 999, 'orphan')");
    let err = cairn::up(conn.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("migration 0002_fk (up) failed"),
        "{}: {message}",
        db.kind
    );
    if db.kind.name() == "sqlite" {
        assert!(message.contains("foreign key"), "{message}");
    }
    if db.kind.name() == "mysql" {
        // DDL commits on its own there: the history records the failure, and `repair` clears
        // it once the cause is fixed.
        let (status, _) = db.history_status("0002_fk").unwrap();
        assert_eq!(status, "failed");
    } else {
        assert_eq!(db.history_ids(), ["0001_base"], "{}", db.kind);
    }
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM child WHERE other_id = 999"),
        1,
        "{}: the row is still there",
        db.kind
    );
    // The table is as it was: the next attempt, with the row fixed, adds the key.
    db.execute("UPDATE child SET other_id = NULL");
    if db.kind.name() == "mysql" {
        cairn::repair(conn.as_mut(), "0002_fk", &opts).unwrap();
    }
    cairn::up(conn.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(db.history_ids(), ["0001_base", "0002_fk"], "{}", db.kind);
}

cairn_tests::on_every_backend!(
    a_foreign_key_the_rows_violate_is_refused_and_nothing_changes,
    alter_and_add_foreign_key_keep_data_and_roll_back,
    dropping_an_indexed_column_works_and_rolls_back,
    unnamed_compound_checks_round_trip_without_drift
);
