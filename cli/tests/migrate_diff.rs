//! `migrate diff NAME` (issue 16 item 18): a migration written from the declared schema,
//! applied, reverted, and refused when there is nothing to do, on every backend.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

/// `cairn --database-url URL ARGS` in `cwd`: (exit code, stdout, stderr).
fn cairn(cwd: &Path, db: &TestDb, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A project whose one migration creates `users`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("migrations")).unwrap();
    std::fs::create_dir_all(p.join("schemas")).unwrap();
    std::fs::write(
        p.join("migrations/0001_users.yaml"),
        "description: users\nup: CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);\ndown: DROP TABLE users;\n",
    )
    .unwrap();
    dir
}

fn migration_files(p: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const DECLARED: &str = "tables:
  - name: users
    columns:
      - {name: id, type: integer, nullable: false}
      - {name: email, type: varchar(255), nullable: false}
      - {name: phone, type: varchar(20)}
    primary_key: [id]
    indexes:
      - {name: idx_users_phone, columns: [phone]}
  - name: posts
    columns:
      - {name: id, type: bigint, identity: true, nullable: false}
      - {name: user_id, type: integer, nullable: false}
      - {name: title, type: varchar(200), nullable: false, default: untitled}
    primary_key: [id]
    indexes:
      - {name: idx_posts_user_id, columns: [user_id]}
    foreign_keys:
      - {columns: [user_id], references: {table: users, columns: [id]}, on_delete: cascade}
";

fn writes_applies_reverts_and_then_has_nothing_to_do(db: &TestDb) {
    let dir = project();
    let p = dir.path();
    let (code, out, err) = cairn(p, db, &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    // The schema the migrations produce before the new one, to come back to.
    let (code, before, err) = cairn(p, db, &["schema", "dump"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(p.join("before.yaml"), before).unwrap();
    std::fs::write(p.join("schemas/app.yaml"), DECLARED).unwrap();

    let (code, out, err) = cairn(p, db, &["migrate", "diff", "add_stuff"]);
    let kind = db.kind.name();
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert!(
        out.contains("Wrote migrations/0002_add_stuff.yaml (portable changes"),
        "{out}"
    );
    for line in [
        "+ table posts (3 columns)",
        "+ column users.phone",
        "+ index idx_users_phone on users (phone)",
    ] {
        assert!(out.contains(line), "{kind}: {line} in {out}");
    }
    let file = std::fs::read_to_string(p.join("migrations/0002_add_stuff.yaml")).unwrap();
    assert!(file.contains("depends_on:\n- 0001_users\n"), "{file}");
    assert!(file.contains("- create_table:"), "{file}");

    let (code, out, err) = cairn(p, db, &["migrate", "up"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    let (code, out, err) = cairn(p, db, &["drift", "--against", "schemas"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    let (code, out, err) = cairn(p, db, &["drift"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");

    // Nothing left to do: refused, exit 1, no file.
    let (code, out, err) = cairn(p, db, &["migrate", "diff", "again"]);
    assert_eq!(code, 1, "{kind}: {out}{err}");
    assert!(out.contains("Nothing to do"), "{out}");
    assert_eq!(
        migration_files(p),
        ["0001_users.yaml", "0002_add_stuff.yaml"]
    );

    // Its down comes back to the schema before it, rows of `users` kept.
    db.execute("INSERT INTO users (id, email, phone) VALUES (1, 'a@example.com', '555')");
    let (code, out, err) = cairn(p, db, &["migrate", "down", "--steps", "1"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    let (code, out, err) = cairn(p, db, &["drift", "--against", "before.yaml"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM users"), 1);
}

/// The model form other schema tools write (a JSON list of tables, keys on the columns) is a
/// declared schema for `--against`.
fn the_model_form_is_a_declared_schema(db: &TestDb) {
    let dir = project();
    let p = dir.path();
    let model = r#"[{"name": "users",
      "columns": [
        {"name": "id", "type": "integer", "primary_key": true},
        {"name": "email", "type": "varchar(255)", "nullable": false, "unique": true},
        {"name": "created_at", "type": "timestamp", "default": "CURRENT_TIMESTAMP"}],
      "indexes": [{"name": "idx_users_created_at", "columns": ["created_at"]}]},
     {"name": "companies",
      "columns": [{"name": "id", "type": "integer", "primary_key": true},
                  {"name": "owner_id", "type": "integer"}],
      "foreign_keys": [{"column": "owner_id", "references": "users(id)", "on_delete": "SET NULL"}]}]"#;
    std::fs::write(p.join("model.json"), model).unwrap();
    let kind = db.kind.name();
    let (code, out, err) = cairn(
        p,
        db,
        &["migrate", "diff", "from_model", "--against", "model.json"],
    );
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert!(out.contains("+ table companies"), "{out}");
    assert!(out.contains("+ unique users (email)"), "{out}");
    let (code, out, err) = cairn(p, db, &["migrate", "up"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    let (code, out, err) = cairn(p, db, &["drift", "--against", "model.json"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    let (code, out, err) = cairn(p, db, &["migrate", "down", "--all"]);
    assert_eq!(code, 0, "{kind}: {out}{err}");
    assert!(
        db.tables()
            .iter()
            .all(|t| !["users", "companies"].contains(&t.as_str())),
        "{kind}: {:?}",
        db.tables()
    );
}

cairn_tests::on_every_backend!(
    writes_applies_reverts_and_then_has_nothing_to_do,
    the_model_form_is_a_declared_schema
);

/// A difference without a portable change (a CHECK) is written as the SQL of the dialect,
/// which on SQLite rebuilds the table; a name that is not a file name is refused.
#[test]
fn a_check_is_written_as_sql_and_bad_names_are_refused() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    let dir = project();
    let p = dir.path();
    std::fs::write(
        p.join("schemas/app.yaml"),
        "tables:\n  - name: users\n    columns:\n      - {name: id, type: integer, nullable: false}\n      - {name: email, type: varchar(255), nullable: false}\n    primary_key: [id]\n    checks:\n      - {name: ck_users_email, expression: \"email <> ''\"}\n",
    )
    .unwrap();
    let (code, out, err) = cairn(p, &db, &["migrate", "diff", "bad name"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("must be letters, digits"), "{err}");
    let (code, out, err) = cairn(p, &db, &["migrate", "diff", "email_check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("(SQL per dialect"), "{out}");
    let file = std::fs::read_to_string(p.join("migrations/0002_email_check.yaml")).unwrap();
    assert!(
        file.contains("up:\n  sqlite: |\n    CREATE TABLE _cairn_new_users"),
        "{file}"
    );
    let (code, out, err) = cairn(p, &db, &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cairn(p, &db, &["drift", "--against", "schemas"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cairn(p, &db, &["migrate", "down", "--steps", "1"]);
    assert_eq!(code, 0, "{out}{err}");
}
