//! Introspection of a SQLite file: what each catalog fact reads back as, and a fixed number
//! of catalog queries whatever the number of tables.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::Introspect;
use cairn::schema::{Action, Check, ColumnType, DefaultValue, IndexColumn, Schema};
use cairn_sqlite::Sqlite;

fn open(dir: &tempfile::TempDir) -> Sqlite {
    Sqlite::open(&format!("sqlite:{}", dir.path().join("t.db").display())).unwrap()
}

/// `n` tables, each with a key, a unique constraint, an index, a check and a foreign key to
/// the one before it.
fn many_tables(n: usize) -> String {
    (0..n)
        .map(|i| {
            let fk = if i == 0 {
                String::new()
            } else {
                format!(", prev_id INTEGER REFERENCES t{} (id) ON DELETE CASCADE", i - 1)
            };
            format!(
                "CREATE TABLE t{i} (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL UNIQUE, \
                 qty INTEGER DEFAULT 0 CHECK (qty >= 0){fk});\n\
                 CREATE INDEX idx_t{i}_qty ON t{i} (qty DESC) WHERE qty > 0;\n"
            )
        })
        .collect()
}

fn introspect_count(n: usize) -> (Schema, usize) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(&dir);
    db.connection().execute_batch(&many_tables(n)).unwrap();
    let before = db.introspection_queries();
    let schema = db.introspect().unwrap();
    (schema, db.introspection_queries() - before)
}

#[test]
fn the_number_of_catalog_queries_does_not_grow_with_the_tables() {
    let (five, five_queries) = introspect_count(5);
    let (many, many_queries) = introspect_count(500);
    assert_eq!(five.tables.len(), 5);
    assert_eq!(many.tables.len(), 500);
    assert_eq!(five_queries, many_queries);
    assert_eq!(five_queries, 3);
    let last = many.table("t499").unwrap();
    assert_eq!(last.foreign_keys[0].references.table, "t498");
    assert_eq!(last.indexes[0].columns[0].name(), "qty");
    assert_eq!(last.checks[0].expression, "qty >= 0");
}

#[test]
fn reads_every_kind_of_fact() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(&dir);
    db.connection()
        .execute_batch(
            "CREATE TABLE parent (a INTEGER NOT NULL, b TEXT NOT NULL, PRIMARY KEY (b, a));
             CREATE TABLE users (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               \"Email\" VARCHAR(255) NOT NULL DEFAULT 'x''y',
               active BOOLEAN NOT NULL DEFAULT 1,
               born TEXT DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
               score REAL DEFAULT NULL CHECK (score >= 0),
               pa INTEGER, pb TEXT,
               CONSTRAINT uq_users_email UNIQUE (\"Email\", active),
               CONSTRAINT ck_users_active CHECK (active IN (0, 1)),
               FOREIGN KEY (pb, pa) REFERENCES parent ON DELETE SET NULL ON UPDATE CASCADE
             );
             CREATE UNIQUE INDEX ux_users_born ON users (born DESC, id) WHERE born IS NOT NULL;
             CREATE INDEX idx_users_lower ON users (lower(\"Email\"));
             CREATE TABLE plain (id INTEGER PRIMARY KEY, v ANY);
             CREATE VIEW v AS SELECT * FROM users;
             CREATE TABLE cairn_migrations (id TEXT PRIMARY KEY);",
        )
        .unwrap();
    let s = db.introspect().unwrap();
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["parent", "plain", "users"]);

    assert_eq!(s.table("parent").unwrap().primary_key, ["b", "a"]);
    let plain = s.table("plain").unwrap();
    assert!(!plain.columns[0].identity, "no AUTOINCREMENT, no identity");

    let u = s.table("users").unwrap();
    let id = u.column("id").unwrap();
    assert!(id.identity && !id.nullable);
    assert_eq!(u.primary_key, ["id"]);
    let email = u.column("Email").unwrap();
    assert_eq!(email.ty, ColumnType::Text);
    assert!(!email.nullable);
    assert_eq!(email.default, Some(DefaultValue::Text("x'y".into())));
    assert_eq!(
        u.column("active").unwrap().default,
        Some(DefaultValue::Number("1".into()))
    );
    assert_eq!(u.column("born").unwrap().default, Some(DefaultValue::Now));
    assert_eq!(u.column("score").unwrap().default, None);
    assert_eq!(u.column("score").unwrap().ty, ColumnType::Real);

    assert_eq!(u.unique.len(), 1);
    assert_eq!(u.unique[0].columns, ["Email", "active"]);
    assert_eq!(u.unique[0].name, None);

    let ux = u
        .indexes
        .iter()
        .find(|i| i.name == "ux_users_born")
        .unwrap();
    assert!(ux.unique);
    assert_eq!(
        ux.columns,
        [
            IndexColumn::Ordered {
                name: "born".into(),
                desc: true
            },
            IndexColumn::Name("id".into())
        ]
    );
    assert_eq!(ux.predicate.as_deref(), Some("born IS NOT NULL"));
    let lower = u
        .indexes
        .iter()
        .find(|i| i.name == "idx_users_lower")
        .unwrap();
    assert_eq!(lower.columns[0].name(), "lower(\"Email\")");
    assert_eq!(lower.predicate, None);

    let fk = &u.foreign_keys[0];
    assert_eq!(fk.columns, ["pb", "pa"]);
    assert_eq!(fk.references.table, "parent");
    assert_eq!(fk.references.columns, ["b", "a"], "the referenced key");
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (Action::SetNull, Action::Cascade)
    );

    let mut checks = u.checks.clone();
    checks.sort_by(|a, b| a.expression.cmp(&b.expression));
    assert_eq!(
        checks,
        [
            Check {
                name: Some("ck_users_active".into()),
                expression: "active IN (0, 1)".into()
            },
            Check {
                name: None,
                expression: "score >= 0".into()
            }
        ]
    );
}
