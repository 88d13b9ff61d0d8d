use std::path::PathBuf;

use super::*;
use crate::schema::schema_from_files;

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(path),
        default_id: String::new(),
        text: text.into(),
    }
}

fn message(path: &str, text: &str) -> String {
    match tables(&file(path, text)) {
        Ok(t) => panic!("{path}: accepted {t:?}"),
        Err(p) => p.to_string(),
    }
}

/// The model form as a Python schema module writes it: a list of tables.
const MODEL: &str = r#"[
  {"name": "users",
   "columns": [
     {"name": "id", "type": "INTEGER", "primary_key": true},
     {"name": "email", "type": "VARCHAR(255)", "nullable": false, "unique": true},
     {"name": "created_at", "type": "TIMESTAMP", "default": "CURRENT_TIMESTAMP"},
     {"name": "active", "type": "BOOLEAN", "default": true}
   ],
   "indexes": [{"name": "idx_users_created", "columns": ["created_at"]}]},
  {"name": "sessions",
   "columns": [
     {"name": "id", "type": "INTEGER", "primary_key": true},
     {"name": "user_id", "type": "INTEGER", "nullable": false}
   ],
   "foreign_keys": [{"column": "user_id", "references": "users(id)", "on_delete": "CASCADE"}]}
]"#;

#[test]
fn the_model_form_declares_what_cairns_form_does() {
    let model = schema_from_files(&[file("models.json", MODEL)]).unwrap();
    let cairn = schema_from_files(&[file(
        "schema.yaml",
        "tables:
  - name: users
    columns:
      - {name: id, type: integer, nullable: false}
      - {name: email, type: varchar(255), nullable: false}
      - {name: created_at, type: timestamp, default: now()}
      - {name: active, type: boolean, default: true}
    primary_key: [id]
    unique:
      - {columns: [email]}
    indexes:
      - {name: idx_users_created, columns: [created_at]}
  - name: sessions
    columns:
      - {name: id, type: integer, nullable: false}
      - {name: user_id, type: integer, nullable: false}
    primary_key: [id]
    foreign_keys:
      - {columns: [user_id], references: {table: users, columns: [id]}, on_delete: cascade}
",
    )])
    .unwrap();
    assert_eq!(model.sorted(), cairn.sorted());
}

#[test]
fn one_table_per_file_and_yaml_work_too() {
    let one = tables(&file(
        "users.yaml",
        "name: users\ncolumns:\n  - {name: id, type: bigint, primary_key: true, autoincrement: true}\nforeign_keys:\n  - {columns: [id], references: {table: accounts, column: id}, on_update: set_null}\n",
    ))
    .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].primary_key, ["id"]);
    assert!(one[0].columns[0].identity && !one[0].columns[0].nullable);
    assert_eq!(one[0].foreign_keys[0].references.columns, ["id"]);
    assert_eq!(one[0].foreign_keys[0].on_update, Action::SetNull);
    let dotted = tables(&file(
        "t.json",
        r#"{"name": "t", "columns": [{"name": "u", "type": "int"}], "foreign_keys": [{"column": "u", "references": "users.id"}]}"#,
    ))
    .unwrap();
    assert_eq!(dotted[0].foreign_keys[0].references.table, "users");
}

#[test]
fn a_wrong_shape_names_the_file_and_what_was_expected() {
    for (path, text, says) in [
        ("empty.json", "[]", "declares no tables (an empty list)"),
        ("empty.yaml", "", "is empty"),
        ("blank.json", "{}", "declares no tables (an empty map)"),
        ("scalar.yaml", "42\n", "holds a single value"),
        (
            "keys.json",
            r#"{"table": [], "version": 1}"#,
            "its top-level keys are `table`, `version`",
        ),
    ] {
        let m = message(path, text);
        assert!(m.starts_with(path), "{m}");
        assert!(m.contains(says), "{path}: {m}");
        assert!(
            m.contains("expected Cairn's `tables: [...]`"),
            "{path}: {m}"
        );
    }
    // A list of tables whose entry is wrong is located at the entry.
    let m = message(
        "bad.json",
        "[\n  {\"name\": \"t\", \"columns\": [{\"name\": \"a\", \"type\": \"varchr(3)\"}]}\n]",
    );
    assert!(
        m.starts_with("bad.json:2:") && m.contains("varchr(3)"),
        "{m}"
    );
    let m = message(
        "fk.json",
        r#"[{"name": "t", "columns": [], "foreign_keys": [{"column": "a", "references": "users", "on_delete": "cascade"}]}]"#,
    );
    assert!(m.contains("foreign key reference `users`"), "{m}");
    let m = message(
        "action.json",
        r#"[{"name": "t", "columns": [], "foreign_keys": [{"column": "a", "references": "u(id)", "on_delete": "explode"}]}]"#,
    );
    assert!(m.contains("unknown foreign key action `explode`"), "{m}");
    // A JSON schema may start with a byte-order mark, as a migration may.
    assert!(
        tables(&file("bom.json", "\u{feff}{\"tables\": []}"))
            .unwrap()
            .is_empty()
    );
}
