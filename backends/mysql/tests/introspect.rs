//! Introspection on a real server: what each catalog fact reads back as, and a fixed number of
//! catalog queries whatever the number of tables.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use cairn::Introspect;
use cairn::schema::{Action, ColumnType, DefaultValue, IndexColumn, Schema, normalize_expression};
use common::TestDb;
use mysql::prelude::Queryable;

/// `n` tables, each with an identity key, a unique constraint, a DESC index, a check and a
/// foreign key to the one before it.
fn many_tables(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let fk = if i == 0 {
                String::new()
            } else {
                format!(
                    ", prev_id BIGINT, CONSTRAINT fk_t{i}_prev FOREIGN KEY (prev_id) REFERENCES t{} (id) ON DELETE CASCADE",
                    i - 1
                )
            };
            format!(
                "CREATE TABLE t{i} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
                 code VARCHAR(20) NOT NULL, qty INT DEFAULT 0, \
                 CONSTRAINT uq_t{i}_code UNIQUE (code), \
                 CONSTRAINT ck_t{i}_qty CHECK (qty >= 0), \
                 INDEX idx_t{i}_qty (qty DESC){fk}) ENGINE=InnoDB"
            )
        })
        .collect()
}

fn introspect_count(n: usize) -> Option<(Schema, usize)> {
    let db = TestDb::create()?;
    let mut my = db.open();
    for sql in many_tables(n) {
        my.conn().query_drop(sql).unwrap();
    }
    let before = my.introspection_queries();
    let schema = my.introspect().unwrap();
    Some((schema, my.introspection_queries() - before))
}

#[test]
fn the_number_of_catalog_queries_does_not_grow_with_the_tables() {
    let Some((five, five_queries)) = introspect_count(5) else {
        return;
    };
    let (many, many_queries) = introspect_count(500).unwrap();
    assert_eq!(five.tables.len(), 5);
    assert_eq!(many.tables.len(), 500);
    assert_eq!(five_queries, many_queries);
    assert_eq!(five_queries, 6);
    let last = many.table("t499").unwrap();
    assert_eq!(last.foreign_keys[0].references.table, "t498");
    assert_eq!(last.indexes.len(), 1, "{:?}", last.indexes);
    assert!(last.indexes[0].columns[0].desc());
    assert_eq!(normalize_expression(&last.checks[0].expression), "qty>=0");
}

#[test]
fn reads_every_kind_of_fact() {
    let Some(db) = TestDb::create() else {
        return;
    };
    let mut my = db.open();
    for sql in [
        "CREATE TABLE parent (a INT NOT NULL, b VARCHAR(10) NOT NULL, PRIMARY KEY (b, a))",
        "CREATE TABLE users (
           id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
           `Email` VARCHAR(255) NOT NULL DEFAULT 'x''y',
           active TINYINT(1) NOT NULL DEFAULT 1,
           born DATETIME(6) DEFAULT (UTC_TIMESTAMP(6)),
           score DECIMAL(10,2) DEFAULT 1.50,
           kind VARCHAR(10) DEFAULT NULL,
           doc JSON,
           neg INT DEFAULT -1,
           pa INT, pb VARCHAR(10),
           CONSTRAINT uq_users_email UNIQUE (`Email`, active),
           CONSTRAINT ck_users_kind CHECK (kind IN ('a', 'b')),
           CONSTRAINT fk_users_parent FOREIGN KEY (pb, pa) REFERENCES parent (b, a)
             ON DELETE SET NULL ON UPDATE CASCADE
         )",
        "CREATE UNIQUE INDEX ux_users_born ON users (born DESC, id)",
        "CREATE UNIQUE INDEX ux_users_kind ON users (kind)",
        "CREATE INDEX idx_users_score ON users (score)",
        "CREATE VIEW v AS SELECT * FROM users",
        "CREATE TABLE cairn_migrations (id VARCHAR(10) PRIMARY KEY)",
    ] {
        my.conn().query_drop(sql).unwrap();
    }
    let s = my.introspect().unwrap();
    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["parent", "users"]);
    assert_eq!(s.table("parent").unwrap().primary_key, ["b", "a"]);

    let u = s.table("users").unwrap();
    let id = u.column("id").unwrap();
    assert!(id.identity && !id.nullable);
    assert_eq!(id.ty, ColumnType::Integer);
    let email = u.column("Email").unwrap();
    assert_eq!(email.ty, ColumnType::Varchar(255));
    assert_eq!(email.default, Some(DefaultValue::Text("x'y".into())));
    assert_eq!(u.column("active").unwrap().ty, ColumnType::Boolean);
    assert_eq!(
        u.column("active").unwrap().default,
        Some(DefaultValue::Number("1".into()))
    );
    assert_eq!(u.column("born").unwrap().default, Some(DefaultValue::Now));
    assert_eq!(u.column("born").unwrap().ty, ColumnType::Timestamp);
    assert_eq!(
        u.column("score").unwrap().default,
        Some(DefaultValue::Number("1.50".into()))
    );
    assert_eq!(u.column("kind").unwrap().default, None);
    assert_eq!(u.column("doc").unwrap().ty, ColumnType::Json);
    assert_eq!(
        u.column("neg").unwrap().default,
        Some(DefaultValue::Number("-1".into()))
    );

    let mut unique: Vec<(Option<&str>, Vec<String>)> = u
        .unique
        .iter()
        .map(|c| (c.name.as_deref(), c.columns.clone()))
        .collect();
    unique.sort();
    assert_eq!(
        unique,
        [
            (
                Some("uq_users_email"),
                vec!["Email".to_string(), "active".to_string()]
            ),
            (Some("ux_users_kind"), vec!["kind".to_string()]),
        ]
    );
    let mut index_names: Vec<&str> = u.indexes.iter().map(|i| i.name.as_str()).collect();
    index_names.sort();
    // fk_users_parent's own index is InnoDB's, not reported.
    assert_eq!(index_names, ["idx_users_score", "ux_users_born"]);
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

    let fk = &u.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("fk_users_parent"));
    assert_eq!(fk.columns, ["pb", "pa"]);
    assert_eq!(fk.references.table, "parent");
    assert_eq!(fk.references.columns, ["b", "a"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (Action::SetNull, Action::Cascade)
    );

    assert_eq!(u.checks.len(), 1, "no json_valid check: {:?}", u.checks);
    assert_eq!(u.checks[0].name.as_deref(), Some("ck_users_kind"));
    assert_eq!(
        normalize_expression(&u.checks[0].expression),
        normalize_expression("kind IN ('a','b')")
    );
}
