//! `cairn drift` and `cairn schema ...` on every backend, on the built-in migrations.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `cairn --database-url URL ARGS` in the repository root: (exit code, stdout, stderr).
fn cairn(db: &TestDb, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(repo())
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

fn builtins_have_no_drift_against_migrations_or_declared_schemas(db: &TestDb) {
    let (code, out, err) = cairn(db, &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cairn(db, &["drift"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert!(out.contains("No drift"), "{out}");
    let (code, out, err) = cairn(db, &["drift", "--against", "schemas"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
}

fn each_hand_change_is_reported_alone(db: &TestDb) {
    assert_eq!(cairn(db, &["migrate", "up"]).0, 0);
    let (drop_index, widen, default, nullable, drop_fk) = match db.kind {
        Kind::Sqlite => ("DROP INDEX idx_users_phone", None, None, None, None),
        Kind::Postgres => (
            "DROP INDEX idx_users_phone",
            Some("ALTER TABLE users ALTER COLUMN lock_reason TYPE VARCHAR(300)"),
            Some("ALTER TABLE sessions ALTER COLUMN device_type SET DEFAULT 'api'"),
            Some("ALTER TABLE sessions ALTER COLUMN ip_address DROP NOT NULL"),
            Some("ALTER TABLE api_keys DROP CONSTRAINT fk_api_keys_user_id"),
        ),
        Kind::Mysql => (
            "DROP INDEX idx_users_phone ON users",
            Some("ALTER TABLE users MODIFY COLUMN lock_reason VARCHAR(300) NULL"),
            Some("ALTER TABLE sessions ALTER COLUMN device_type SET DEFAULT 'api'"),
            Some("ALTER TABLE sessions MODIFY COLUMN ip_address VARCHAR(45) NULL"),
            Some("ALTER TABLE api_keys DROP FOREIGN KEY fk_api_keys_user_id"),
        ),
    };
    let steps: Vec<(&str, &str)> = [
        Some((drop_index, "- index idx_users_phone on users (phone)")),
        Some((
            "ALTER TABLE companies ADD COLUMN note TEXT",
            "+ column companies.note text null",
        )),
        widen.map(|s| {
            (
                s,
                "~ column users.lock_reason: type varchar(255) -> varchar(300)",
            )
        }),
        default.map(|s| {
            (
                s,
                "~ column sessions.device_type: default 'web' -> default 'api'",
            )
        }),
        nullable.map(|s| (s, "~ column sessions.ip_address: not null -> null")),
        drop_fk.map(|s| {
            (
                s,
                "- foreign key api_keys (user_id) -> users (id) on delete cascade",
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut expected: Vec<&str> = Vec::new();
    for (sql, line) in steps {
        db.execute(sql);
        expected.push(line);
        let (code, out, err) = cairn(db, &["drift", "--format", "json"]);
        assert_eq!(code, 1, "{}: {out}{err}", db.kind.name());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["report"]["differences"].as_array().unwrap().len(),
            expected.len(),
            "{}: after `{sql}`: {out}",
            db.kind.name()
        );
        let (_, text, _) = cairn(db, &["drift"]);
        for e in &expected {
            assert!(
                text.contains(e),
                "{}: missing `{e}` in:\n{text}",
                db.kind.name()
            );
        }
    }
    let (code, out, _) = cairn(
        db,
        &[
            "drift",
            "--ignore",
            "companies.note",
            "--ignore",
            "users",
            "--ignore",
            "sessions",
            "--ignore",
            "api_keys",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("ignored by --ignore"), "{out}");
}

fn schema_diff_prints_the_sql_that_fixes_the_drift(db: &TestDb) {
    assert_eq!(cairn(db, &["migrate", "up"]).0, 0);
    db.execute("CREATE TABLE extra_table (id INTEGER PRIMARY KEY)");
    let (code, out, err) = cairn(
        db,
        &["schema", "diff", &db.url, "schemas", "--format", "sql"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.trim(), "DROP TABLE extra_table;", "{}", db.kind.name());
    let (code, out, _) = cairn(
        db,
        &["schema", "diff", "schemas", &db.url, "--format", "diff"],
    );
    assert_eq!(code, 1);
    assert!(out.contains("+CREATE TABLE extra_table"), "{out}");
    let (code, out, _) = cairn(db, &["schema", "dump", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tables"].as_array().unwrap().len(), 11);
}

cairn_tests::on_every_backend!(
    builtins_have_no_drift_against_migrations_or_declared_schemas,
    each_hand_change_is_reported_alone,
    schema_diff_prints_the_sql_that_fixes_the_drift,
);

#[test]
fn schema_sql_prints_ddl_for_each_dialect() {
    for (dialect, needle) in [
        ("sqlite", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
        ("postgres", "id BIGINT GENERATED BY DEFAULT AS IDENTITY"),
        ("mysql", "id BIGINT NOT NULL AUTO_INCREMENT"),
    ] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
            .current_dir(repo())
            .args(["schema", "sql", "--dialect", dialect])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        let companies = text.find("CREATE TABLE companies").unwrap();
        let users = text.find("CREATE TABLE users").unwrap();
        let sessions = text.find("CREATE TABLE sessions").unwrap();
        assert!(companies < users && users < sessions, "foreign-key order");
        assert!(text.contains(needle), "{dialect}: {text}");
        assert!(
            text.find("CREATE INDEX").unwrap() > text.rfind("CREATE TABLE").unwrap(),
            "indexes after tables"
        );
    }
}
