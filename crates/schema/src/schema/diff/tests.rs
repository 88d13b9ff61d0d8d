use super::*;
use crate::Dialect::{Mysql, Postgres, Sqlite};
use crate::schema::{Action, ColumnType, IndexColumn, Reference, migration_sql};

fn base() -> Schema {
    let col = |name: &str, ty: ColumnType, nullable: bool| Column {
        name: name.into(),
        ty,
        nullable,
        default: None,
        identity: false,
    };
    let mut id = col("id", ColumnType::BigInt, false);
    id.identity = true;
    let mut device = col("device_type", ColumnType::Varchar(16), false);
    device.default = Some(DefaultValue::Text("web".into()));
    Schema {
        tables: vec![
            Table {
                name: "users".into(),
                columns: vec![id.clone(), col("email", ColumnType::Varchar(255), false)],
                primary_key: vec!["id".into()],
                ..Table::default()
            },
            Table {
                name: "sessions".into(),
                columns: vec![id, col("user_id", ColumnType::BigInt, false), device],
                primary_key: vec!["id".into()],
                indexes: vec![Index {
                    name: "idx_sessions_user_id".into(),
                    columns: vec![IndexColumn::Name("user_id".into())],
                    unique: false,
                    predicate: None,
                }],
                foreign_keys: vec![ForeignKey {
                    name: Some("fk_sessions_user_id".into()),
                    columns: vec!["user_id".into()],
                    references: Reference {
                        table: "users".into(),
                        columns: vec!["id".into()],
                    },
                    on_delete: Action::Cascade,
                    on_update: Action::NoAction,
                }],
                ..Table::default()
            },
        ],
    }
}

fn sessions(s: &mut Schema) -> &mut Table {
    s.tables.iter_mut().find(|t| t.name == "sessions").unwrap()
}

#[test]
fn the_same_schema_has_no_differences_on_any_dialect() {
    for d in crate::Dialect::ALL {
        assert!(diff(&base(), &base(), d).is_empty());
    }
    // Declaration order does not matter.
    let mut reversed = base();
    reversed.tables.reverse();
    assert!(diff(&base(), &reversed, Postgres).is_empty());
}

#[test]
fn each_single_change_is_exactly_one_difference() {
    type Change = fn(&mut Schema);
    let cases: &[(&str, Change, &str)] = &[
        (
            "drop an index",
            |s| sessions(s).indexes.clear(),
            "- index idx_sessions_user_id on sessions (user_id)",
        ),
        (
            "widen a varchar",
            |s| sessions(s).columns[2].ty = ColumnType::Varchar(32),
            "~ column sessions.device_type: type varchar(16) -> varchar(32)",
        ),
        (
            "change a default",
            |s| sessions(s).columns[2].default = Some(DefaultValue::Text("api".into())),
            "~ column sessions.device_type: default 'web' -> default 'api'",
        ),
        (
            "add a column",
            |s| {
                sessions(s).columns.push(Column {
                    name: "ip".into(),
                    ty: ColumnType::Text,
                    nullable: true,
                    default: None,
                    identity: false,
                })
            },
            "+ column sessions.ip text null",
        ),
        (
            "drop a foreign key",
            |s| sessions(s).foreign_keys.clear(),
            "- foreign key sessions (user_id) -> users (id) on delete cascade on update no action",
        ),
        (
            "make a column nullable",
            |s| sessions(s).columns[1].nullable = true,
            "~ column sessions.user_id: not null -> null",
        ),
    ];
    for (what, change, expected) in cases {
        let mut changed = base();
        change(&mut changed);
        let d = diff(&base(), &changed, Postgres);
        assert_eq!(d.len(), 1, "{what}: {d:?}");
        assert_eq!(d[0].describe(), *expected, "{what}");
        assert_eq!(d[0].table(), "sessions");
    }
}

#[test]
fn sqlite_cannot_see_a_widened_varchar_and_says_nothing() {
    let mut changed = base();
    sessions(&mut changed).columns[2].ty = ColumnType::Varchar(32);
    assert!(diff(&base(), &changed, Sqlite).is_empty());
}

#[test]
fn sql_turns_from_into_to_in_a_safe_order() {
    let mut to = base();
    sessions(&mut to).columns[2].ty = ColumnType::Varchar(32);
    sessions(&mut to).indexes[0].name = "idx_sessions_user".into();
    to.tables.push(Table {
        name: "audit".into(),
        columns: vec![Column {
            name: "id".into(),
            ty: ColumnType::Integer,
            nullable: false,
            default: None,
            identity: false,
        }],
        ..Table::default()
    });
    let pg = migration_sql(&base(), &to, Postgres).unwrap();
    assert_eq!(
        pg,
        [
            "DROP INDEX idx_sessions_user_id",
            "CREATE TABLE audit (\n  id INTEGER NOT NULL\n)",
            "ALTER TABLE sessions ALTER COLUMN device_type TYPE VARCHAR(32)",
            "CREATE INDEX idx_sessions_user ON sessions (user_id)",
        ]
    );
    let my = migration_sql(&base(), &to, Mysql).unwrap();
    assert!(
        my.contains(&"DROP INDEX idx_sessions_user_id ON sessions".to_string()),
        "{my:?}"
    );
    assert!(
        my.contains(
            &"ALTER TABLE sessions MODIFY COLUMN device_type VARCHAR(32) NOT NULL DEFAULT 'web'"
                .to_string()
        ),
        "{my:?}"
    );

    let mut nullable = base();
    sessions(&mut nullable).columns[1].nullable = true;
    let lite = migration_sql(&base(), &nullable, Sqlite).unwrap();
    assert!(
        lite[0].starts_with("CREATE TABLE _cairn_new_sessions"),
        "{lite:?}"
    );
    assert_eq!(
        lite[1],
        "INSERT INTO _cairn_new_sessions (id, user_id, device_type) SELECT id, user_id, device_type FROM sessions"
    );
    assert_eq!(
        lite[3],
        "ALTER TABLE _cairn_new_sessions RENAME TO sessions"
    );
    assert_eq!(
        lite[4],
        "CREATE INDEX idx_sessions_user_id ON sessions (user_id)"
    );
}

#[test]
fn text_and_unified_renderings_show_the_change() {
    let mut to = base();
    sessions(&mut to).indexes.clear();
    let text = render_text(&diff(&base(), &to, Postgres));
    assert_eq!(
        text,
        "table sessions:\n  - index idx_sessions_user_id on sessions (user_id)\n"
    );
    let unified = render_unified(&base(), &to, Postgres, ("expected", "live"));
    assert!(unified.contains("--- expected\n+++ live\n"), "{unified}");
    assert!(
        unified.contains("-CREATE INDEX idx_sessions_user_id ON sessions (user_id);"),
        "{unified}"
    );
}

fn with_check(expression: &str) -> Schema {
    let mut s = base();
    sessions(&mut s).checks.push(crate::schema::Check {
        name: Some("ck_sessions_device_type".into()),
        expression: expression.into(),
    });
    s
}

#[test]
fn checks_print_as_valid_sql_with_their_names_on_every_dialect() {
    let declared = with_check("device_type IN ('web', 'mobile', 'api')");
    let clause =
        "CONSTRAINT ck_sessions_device_type CHECK (device_type IN ('web', 'mobile', 'api'))";
    for d in crate::Dialect::ALL {
        let sql = migration_sql(&Schema::default(), &declared, d).unwrap();
        assert!(sql.iter().any(|s| s.contains(clause)), "{d}: {sql:?}");
        let unified = render_unified(&Schema::default(), &declared, d, ("a", "b"));
        assert!(unified.contains(clause), "{d}: {unified}");
        let json = serde_json::to_string(&diff(&Schema::default(), &declared, d)).unwrap();
        assert!(
            json.contains(r#""name":"ck_sessions_device_type","expression":"device_type IN ('web', 'mobile', 'api')""#),
            "{d}: {json}"
        );
    }
    let added = diff(&base(), &declared, Postgres);
    assert_eq!(
        added[0].describe(),
        "+ check ck_sessions_device_type on sessions: device_type IN ('web', 'mobile', 'api')"
    );
    assert_eq!(
        migration_sql(&base(), &declared, Postgres).unwrap(),
        [format!("ALTER TABLE sessions ADD {clause}")]
    );
    let lite = migration_sql(&base(), &declared, Sqlite).unwrap();
    assert!(lite[0].contains(clause), "rebuilt with the check: {lite:?}");
}

#[test]
fn each_catalog_spelling_of_a_check_is_no_difference() {
    let declared = with_check("device_type IN ('web', 'mobile', 'api')");
    for (d, read) in [
        (Sqlite, "device_type IN ('web', 'mobile', 'api')"),
        (Postgres, "(device_type IN ('web', 'mobile', 'api'))"),
        (Mysql, "(`device_type` in ('web','mobile','api'))"),
    ] {
        let live = with_check(read);
        assert_eq!(declared.canonical(d), live.canonical(d), "{d}");
        assert!(diff(&declared, &live, d).is_empty(), "{d}");
    }
    // SQLite keeps the name in the CREATE TABLE text: a renamed check is a difference.
    let mut renamed = with_check("device_type IN ('web', 'mobile', 'api')");
    sessions(&mut renamed).checks[0].name = Some("ck_device".into());
    assert_eq!(diff(&declared, &renamed, Sqlite).len(), 2);
    // Unnamed on one side: matched by expression, where a literal's case matters.
    sessions(&mut renamed).checks[0].name = None;
    assert!(diff(&declared, &renamed, Sqlite).is_empty());
    let upper = with_check("device_type IN ('WEB', 'mobile', 'api')");
    sessions(&mut renamed).checks[0].expression = upper.tables[1].checks[0].expression.clone();
    assert_eq!(diff(&declared, &renamed, Sqlite).len(), 2);
}
