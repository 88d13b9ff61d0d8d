//! Introspection, written once and run on SQLite, PostgreSQL and MariaDB: a declared schema
//! covering every portable type and constraint reads back unchanged (no false drift), each
//! change made by hand reads back as exactly that change (true drift is found), and the
//! built-in migrations read back with their keys, identities, JSON columns and checks.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use cairn::schema::{
    Action, Column, ColumnType, DefaultValue, ForeignKey, Schema, Table, diff, drop_index,
    foreign_key, normalize_expression, schema_sql,
};
use cairn::{Dialect, Options, UpTarget};
use cairn_tests::TestDb;

fn dialect(db: &TestDb) -> Dialect {
    cairn_tests::registry().dialect(&db.url).unwrap()
}

fn introspect(db: &TestDb) -> Schema {
    cairn_tests::registry()
        .connect(&db.url)
        .unwrap()
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
}

/// Every portable type, default kind, identity, a composite key, single and multi-column
/// unique constraints, single / multi-column / DESC / unique / partial indexes, foreign keys
/// with every action and named checks.
const DECLARED: &str = r#"{"tables": [
  {"name": "accounts",
   "columns": [
     {"name": "id", "type": "bigint", "nullable": false, "identity": true},
     {"name": "email", "type": "varchar(255)", "nullable": false},
     {"name": "name", "type": "text"},
     {"name": "country", "type": "char(2)", "nullable": false, "default": "US"},
     {"name": "active", "type": "boolean", "nullable": false, "default": true},
     {"name": "verified", "type": "boolean", "nullable": false, "default": false},
     {"name": "balance", "type": "decimal(10,2)", "nullable": false, "default": 0},
     {"name": "score", "type": "double", "default": 1.5},
     {"name": "ratio", "type": "real"},
     {"name": "age", "type": "smallint"},
     {"name": "logins", "type": "integer", "nullable": false, "default": 0},
     {"name": "born", "type": "date"},
     {"name": "wakes_at", "type": "time"},
     {"name": "created_at", "type": "timestamp", "nullable": false, "default": "now()"},
     {"name": "deleted_at", "type": "timestamp", "default": null},
     {"name": "avatar", "type": "blob"},
     {"name": "settings", "type": "json"},
     {"name": "public_id", "type": "uuid", "nullable": false},
     {"name": "status", "type": "varchar(16)", "nullable": false, "default": "active"}
   ],
   "primary_key": ["id"],
   "unique": [
     {"name": "uq_accounts_email", "columns": ["email"]},
     {"name": "uq_accounts_country_public_id", "columns": ["country", "public_id"]}
   ],
   "indexes": [
     {"name": "idx_accounts_created_at", "columns": ["created_at"]},
     {"name": "idx_accounts_status_created_at",
      "columns": ["status", {"name": "created_at", "desc": true}]},
     {"name": "ux_accounts_email_country", "columns": ["email", "country"], "unique": true},
     {"name": "idx_accounts_live_email", "columns": ["email"], "where": "deleted_at IS NULL"}
   ],
   "checks": [
     {"name": "ck_accounts_logins", "expression": "logins >= 0"},
     {"name": "ck_accounts_status", "expression": "status IN ('active', 'closed')"}
   ]},
  {"name": "groups",
   "columns": [
     {"name": "id", "type": "integer", "nullable": false, "identity": true},
     {"name": "name", "type": "varchar(100)", "nullable": false},
     {"name": "parent_id", "type": "integer"}
   ],
   "primary_key": ["id"],
   "foreign_keys": [
     {"name": "fk_groups_parent", "columns": ["parent_id"],
      "references": {"table": "groups", "columns": ["id"]}, "on_delete": "cascade"}
   ]},
  {"name": "memberships",
   "columns": [
     {"name": "account_id", "type": "bigint", "nullable": false},
     {"name": "group_id", "type": "integer", "nullable": false},
     {"name": "role", "type": "varchar(20)", "nullable": false, "default": "member"},
     {"name": "invited_by", "type": "bigint"},
     {"name": "approved_by", "type": "bigint"},
     {"name": "sponsor_id", "type": "bigint"}
   ],
   "primary_key": ["account_id", "group_id"],
   "foreign_keys": [
     {"name": "fk_memberships_account", "columns": ["account_id"],
      "references": {"table": "accounts", "columns": ["id"]}, "on_delete": "cascade"},
     {"name": "fk_memberships_group", "columns": ["group_id"],
      "references": {"table": "groups", "columns": ["id"]}, "on_delete": "no_action"},
     {"name": "fk_memberships_invited_by", "columns": ["invited_by"],
      "references": {"table": "accounts", "columns": ["id"]}, "on_delete": "set_null"},
     {"name": "fk_memberships_approved_by", "columns": ["approved_by"],
      "references": {"table": "accounts", "columns": ["id"]},
      "on_delete": "restrict", "on_update": "cascade"},
     {"name": "fk_memberships_sponsor", "columns": ["sponsor_id"],
      "references": {"table": "accounts", "columns": ["id"]}, "on_delete": "set_default"}
   ]}
]}"#;

/// The declared schema as `d` can hold it: MySQL has no partial index and InnoDB refuses
/// SET DEFAULT.
fn declared(d: Dialect) -> Schema {
    let mut s: Schema = serde_json::from_str(DECLARED).unwrap();
    if d == Dialect::Mysql {
        for t in &mut s.tables {
            t.indexes.retain(|i| i.predicate.is_none());
            for f in &mut t.foreign_keys {
                if f.on_delete == Action::SetDefault {
                    f.on_delete = Action::SetNull;
                }
            }
        }
    }
    s
}

fn show(s: &Schema) -> String {
    serde_json::to_string_pretty(s).unwrap()
}

#[track_caller]
fn assert_same(live: &Schema, expected: &Schema) {
    assert!(
        live == expected,
        "introspected (canonical):\n{}\n\nexpected (canonical):\n{}",
        show(live),
        show(expected)
    );
}

/// Creates the declared schema with its generated DDL; returns its canonical form after
/// checking the live schema reads back as exactly that.
fn create_declared(db: &TestDb) -> Schema {
    let d = dialect(db);
    let declared = declared(d);
    let mut conn = db.connect();
    for sql in schema_sql(&declared, d).unwrap() {
        conn.execute(&sql);
    }
    let expected = declared.canonical(d);
    assert_same(&introspect(db).canonical(d), &expected);
    expected
}

fn declared_schema_reads_back_unchanged(db: &TestDb) {
    let expected = create_declared(db);
    assert_eq!(expected.tables.len(), 3);
}

fn table<'a>(s: &'a mut Schema, name: &str) -> &'a mut Table {
    s.tables.iter_mut().find(|t| t.name == name).unwrap()
}

fn column<'a>(s: &'a mut Schema, t: &str, c: &str) -> &'a mut Column {
    let t = table(s, t);
    t.columns.iter_mut().find(|x| x.name == c).unwrap()
}

/// Table `name` of `s`, for reading.
fn read<'a>(s: &'a Schema, name: &str) -> &'a Table {
    s.table(name).unwrap_or_else(|| panic!("no table {name}"))
}

/// Edits the `CREATE TABLE` text SQLite keeps, the documented way to change what its ALTER
/// TABLE cannot (defaults, NOT NULL, foreign keys) without rebuilding the table.
fn sqlite_edit(db: &TestDb, table: &str, from: &str, to: &str) {
    let c = rusqlite::Connection::open(db.name()).unwrap();
    let version: i64 = c
        .query_row("PRAGMA schema_version", [], |r| r.get(0))
        .unwrap();
    c.execute_batch("PRAGMA writable_schema = ON").unwrap();
    let changed = c
        .execute(
            "UPDATE sqlite_schema SET sql = replace(sql, ?1, ?2) \
             WHERE type = 'table' AND name = ?3 AND instr(sql, ?1) > 0",
            [from, to, table],
        )
        .unwrap();
    assert_eq!(changed, 1, "`{from}` not found in {table}");
    let done = format!(
        "PRAGMA writable_schema = OFF; PRAGMA schema_version = {}",
        version + 1
    );
    c.execute_batch(&done).unwrap();
}

/// Checks the live schema is `expected`, and differs from `before` in table `changed` only,
/// by the one difference of kind `kind` (as the schema diff names it).
#[track_caller]
fn assert_drift(
    db: &TestDb,
    before: &Schema,
    expected: &Schema,
    changed: &str,
    kind: &str,
) -> Schema {
    let d = dialect(db);
    let live = introspect(db).canonical(d);
    assert_same(&live, expected);
    let differing: Vec<&str> = live
        .tables
        .iter()
        .filter(|t| before.table(&t.name) != Some(*t))
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(differing, [changed]);
    let found = diff(before, &live, d);
    let kinds: Vec<serde_json::Value> = found
        .iter()
        .map(|f| serde_json::to_value(f).unwrap()["kind"].clone())
        .collect();
    assert_eq!(kinds, [kind], "{found:?}");
    live
}

fn changes_by_hand_read_back_as_exactly_that_change(db: &TestDb) {
    let d = dialect(db);
    let mut expected = create_declared(db);
    let mut live = expected.clone();
    let mut conn = db.connect();

    // An index dropped.
    conn.execute(&drop_index("accounts", "idx_accounts_created_at", d));
    let indexes = &mut table(&mut expected, "accounts").indexes;
    indexes.retain(|i| i.name != "idx_accounts_created_at");
    live = assert_drift(db, &live, &expected, "accounts", "index_removed");
    let names: Vec<&str> = read(&live, "accounts")
        .indexes
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert!(!names.contains(&"idx_accounts_created_at"), "{names:?}");

    // A varchar widened. SQLite stores every text type as TEXT: nothing to widen there.
    if d != Dialect::Sqlite {
        conn.execute(match d {
            Dialect::Postgres => "ALTER TABLE accounts ALTER COLUMN email TYPE VARCHAR(320)",
            _ => "ALTER TABLE accounts MODIFY COLUMN email VARCHAR(320) NOT NULL",
        });
        column(&mut expected, "accounts", "email").ty = ColumnType::Varchar(320);
        live = assert_drift(db, &live, &expected, "accounts", "column_changed");
        let email = read(&live, "accounts").column("email").unwrap();
        assert_eq!(email.ty, ColumnType::Varchar(320));
    }

    // A default changed.
    match d {
        Dialect::Sqlite => sqlite_edit(db, "memberships", "DEFAULT 'member'", "DEFAULT 'owner'"),
        _ => conn.execute("ALTER TABLE memberships ALTER COLUMN role SET DEFAULT 'owner'"),
    }
    let owner = Some(DefaultValue::Text("owner".into()));
    column(&mut expected, "memberships", "role").default = owner.clone();
    live = assert_drift(db, &live, &expected, "memberships", "column_changed");
    assert_eq!(
        read(&live, "memberships").column("role").unwrap().default,
        owner
    );

    // A column added.
    let note = ColumnType::Varchar(50);
    conn.execute(&format!(
        "ALTER TABLE groups ADD COLUMN note {}",
        note.sql(d)
    ));
    table(&mut expected, "groups").columns.push(Column {
        name: "note".into(),
        ty: note.canonical(d),
        nullable: true,
        default: None,
        identity: false,
    });
    live = assert_drift(db, &live, &expected, "groups", "column_added");
    assert_eq!(read(&live, "groups").columns.last().unwrap().name, "note");

    // A foreign key dropped.
    let invited_by = |f: &ForeignKey| f.columns == ["invited_by"];
    let keys = &mut table(&mut expected, "memberships").foreign_keys;
    let removed = keys.remove(keys.iter().position(invited_by).unwrap());
    match d {
        Dialect::Sqlite => {
            let declared = declared(d);
            let original = read(&declared, "memberships")
                .foreign_keys
                .iter()
                .find(|f| invited_by(f));
            let clause = foreign_key(original.unwrap(), d);
            sqlite_edit(db, "memberships", &format!(",\n  {clause}"), "");
        }
        Dialect::Postgres => {
            conn.execute("ALTER TABLE memberships DROP CONSTRAINT fk_memberships_invited_by")
        }
        // InnoDB keeps the index it made for the key: dropping the key means dropping both.
        Dialect::Mysql => conn.execute(
            "ALTER TABLE memberships DROP FOREIGN KEY fk_memberships_invited_by, \
             DROP INDEX fk_memberships_invited_by",
        ),
    }
    live = assert_drift(db, &live, &expected, "memberships", "foreign_key_removed");
    let keys = &read(&live, "memberships").foreign_keys;
    assert!(
        !keys.iter().any(invited_by),
        "{removed:?} is still in {keys:?}"
    );

    // A column made nullable.
    match d {
        Dialect::Sqlite => {
            let from = "logins INTEGER NOT NULL DEFAULT 0";
            sqlite_edit(db, "accounts", from, "logins INTEGER DEFAULT 0");
        }
        Dialect::Postgres => conn.execute("ALTER TABLE accounts ALTER COLUMN logins DROP NOT NULL"),
        Dialect::Mysql => conn.execute("ALTER TABLE accounts MODIFY logins INT NULL DEFAULT 0"),
    }
    column(&mut expected, "accounts", "logins").nullable = true;
    live = assert_drift(db, &live, &expected, "accounts", "column_changed");
    assert!(read(&live, "accounts").column("logins").unwrap().nullable);
}

/// The built-in migrations' tables, by name.
const BUILTIN_TABLES: &str = "ai_scan_cache api_keys audit_log companies lightbox_scans \
     login_attempts security_events sessions users xasm_scans";

/// The built-in migrations' JSON columns (JSONB on PostgreSQL, JSON on MySQL, TEXT on SQLite).
const BUILTIN_JSON: [(&str, &str); 6] = [
    ("security_events", "metadata"),
    ("audit_log", "details"),
    ("api_keys", "permissions"),
    ("xasm_scans", "results"),
    ("lightbox_scans", "results"),
    ("ai_scan_cache", "results"),
];

fn builtins_read_back_with_keys_identities_json_and_checks(db: &TestDb) {
    let d = dialect(db);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let set = cairn::load_dir(&dir, d).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    cairn::up(conn.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let s = conn.as_introspect().unwrap().introspect().unwrap();

    let names: Vec<&str> = s.tables.iter().map(|t| t.name.as_str()).collect();
    let want: Vec<&str> = BUILTIN_TABLES.split_whitespace().collect();
    assert_eq!(names, want, "sorted, without cairn_migrations");
    for t in &s.tables {
        assert_eq!(t.primary_key, ["id"], "{}", t.name);
        assert!(t.column("id").unwrap().identity, "{}.id", t.name);
    }

    let fk = |table: &str, column: &str| {
        let keys = &read(&s, table).foreign_keys;
        let found = keys.iter().find(|f| f.columns == [column]);
        found
            .unwrap_or_else(|| panic!("{table}.{column}: {keys:?}"))
            .clone()
    };
    let sessions_user = fk("sessions", "user_id");
    assert_eq!(sessions_user.references.table, "users");
    assert_eq!(sessions_user.references.columns, ["id"]);
    assert_eq!(sessions_user.on_delete, Action::Cascade);
    assert_eq!(fk("api_keys", "user_id").on_delete, Action::Cascade);
    assert_eq!(fk("users", "company_id").on_delete, Action::SetNull);
    assert_eq!(fk("users", "company_id").references.table, "companies");
    for table in [
        "login_attempts",
        "security_events",
        "audit_log",
        "xasm_scans",
    ] {
        assert_eq!(fk(table, "user_id").on_delete, Action::SetNull, "{table}");
    }
    if d != Dialect::Sqlite {
        assert_eq!(sessions_user.name.as_deref(), Some("fk_sessions_user_id"));
    }

    // SQLite keeps JSON as TEXT.
    let json = if d == Dialect::Sqlite {
        ColumnType::Text
    } else {
        ColumnType::Json
    };
    for (table, column) in BUILTIN_JSON {
        assert_eq!(
            read(&s, table).column(column).unwrap().ty,
            json,
            "{table}.{column}"
        );
    }

    let sessions = read(&s, "sessions");
    assert_eq!(sessions.checks.len(), 1, "{:?}", sessions.checks);
    let device = &sessions.checks[0];
    let expression = normalize_expression(&device.expression);
    assert_eq!(
        expression,
        normalize_expression("device_type IN ('web', 'mobile', 'api')")
    );
    if d != Dialect::Sqlite {
        assert_eq!(device.name.as_deref(), Some("ck_sessions_device_type"));
    }
    let mut indexes: Vec<&str> = sessions.indexes.iter().map(|i| i.name.as_str()).collect();
    indexes.sort_unstable();
    assert_eq!(
        indexes,
        ["idx_sessions_expires_at", "idx_sessions_user_id_revoked_at"]
    );
    assert_eq!(sessions.unique.len(), 2);
    let users = read(&s, "users");
    assert!(users.indexes.iter().any(|i| i.name == "idx_users_phone"));
    assert!(users.column("is_active").unwrap().default.is_some());

    // What was read is a schema of its own: created elsewhere, it reads back the same.
    let copy = TestDb::new(db.kind).unwrap();
    let mut target = copy.connect();
    for sql in schema_sql(&s, d).unwrap() {
        target.execute(&sql);
    }
    assert_same(&introspect(&copy).canonical(d), &s.canonical(d));
}

cairn_tests::on_every_backend!(
    declared_schema_reads_back_unchanged,
    changes_by_hand_read_back_as_exactly_that_change,
    builtins_read_back_with_keys_identities_json_and_checks,
    an_unnamed_foreign_keys_own_index_is_not_reported,
);

/// A foreign key declared without a name: the index InnoDB makes for it (named after the
/// column) is not reported as one of the table's indexes, on every backend (SQLite and
/// PostgreSQL make none), while an index of the user's on the same column is.
fn an_unnamed_foreign_keys_own_index_is_not_reported(db: &TestDb) {
    db.execute("CREATE TABLE up_parent (id INTEGER PRIMARY KEY)");
    db.execute(
        "CREATE TABLE up_child (id INTEGER PRIMARY KEY, parent_id INTEGER, other_id INTEGER, FOREIGN KEY (parent_id) REFERENCES up_parent (id), FOREIGN KEY (other_id) REFERENCES up_parent (id))",
    );
    db.execute("CREATE INDEX idx_other ON up_child (other_id)");
    let s = introspect(db);
    let child = read(&s, "up_child");
    assert_eq!(child.foreign_keys.len(), 2, "{}", show(&s));
    let names: Vec<&str> = child.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["idx_other"], "{}: {}", db.kind.name(), show(&s));
}
