//! Database URLs as users bring them: SQLAlchemy's forms, a missing SQLite file, a path
//! without a scheme, a server that is down.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

fn run(url: &str, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", url])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn project() -> tempfile::TempDir {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("migrations")).unwrap();
    std::fs::write(
        cwd.path().join("migrations/0001_t.yaml"),
        "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n",
    )
    .unwrap();
    cwd
}

/// The URL a SQLAlchemy user has for `db`: `postgresql+psycopg2://`, `mysql+pymysql://`, or
/// (SQLite) `sqlite:///` + a path relative to the working directory.
fn sqlalchemy_url(db: &TestDb) -> String {
    match db.kind {
        Kind::Sqlite => "sqlite:///./data/app.db".to_string(),
        Kind::Postgres => db.url.replacen("postgres://", "postgresql+psycopg2://", 1),
        Kind::Mysql => db.url.replacen("mysql://", "mysql+pymysql://", 1),
    }
}

fn sqlalchemy_urls_work_as_sqlalchemy_reads_them(db: &TestDb) {
    let cwd = project();
    std::fs::create_dir(cwd.path().join("data")).unwrap();
    let url = sqlalchemy_url(db);
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    if db.kind == Kind::Sqlite {
        assert!(
            cwd.path().join("data/app.db").is_file(),
            "relative, not /data"
        );
    } else {
        assert_eq!(db.tables(), ["cairn_migrations", "t"]);
    }
    let (code, out, err) = run(&url, cwd.path(), &["db", "health", "--format", "json"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    let health: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shown = health["database"].as_str().unwrap();
    if let Some(password) = db
        .url
        .split_once("://")
        .and_then(|(_, r)| r.split_once('@'))
        .and_then(|(u, _)| u.split_once(':'))
        .map(|(_, p)| p)
    {
        assert!(!shown.contains(password), "{shown}");
    }
    // Alembic's `verify_schema`: `db verify-schema` is drift.
    let (code, out, err) = run(&url, cwd.path(), &["db", "verify-schema"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert!(out.contains("No drift"), "{out}");
}

cairn_tests::on_every_backend!(sqlalchemy_urls_work_as_sqlalchemy_reads_them);

#[test]
fn commands_that_only_read_never_create_a_missing_sqlite_file() {
    let cwd = project();
    let url = format!("sqlite:{}", cwd.path().join("typo.db").display());
    for args in [
        &["db", "health"][..],
        &["migrate", "validate"],
        &["migrate", "status"],
        &["db", "backup"],
        &["drift"],
    ] {
        let (code, out, err) = run(&url, cwd.path(), args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(
            err.contains("there is no SQLite database at ")
                && err.contains("typo.db (no such file)"),
            "{args:?}: {err}"
        );
        assert!(!cwd.path().join("typo.db").exists(), "{args:?} created it");
    }
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(cwd.path().join("typo.db").exists());
}

#[test]
fn an_ambiguous_three_slash_url_is_refused_naming_both_readings() {
    let cwd = project();
    let (code, _, err) = run(
        "sqlite:///tmp/cairn-ambiguous.db",
        cwd.path(),
        &["migrate", "up"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is ambiguous: SQLAlchemy reads it as tmp/cairn-ambiguous.db relative to the working directory, sqlx as /tmp/cairn-ambiguous.db"),
        "{err}"
    );
    assert!(!Path::new("/tmp/cairn-ambiguous.db").exists());
}

#[test]
fn a_path_without_a_scheme_says_how_to_write_it() {
    let cwd = project();
    for given in ["app.db", "app.db:"] {
        let (code, _, err) = run(given, cwd.path(), &["db", "health"]);
        assert_eq!(code, 2, "{given}: {err}");
        assert!(
            err.contains("for a SQLite file, write `sqlite:app.db`"),
            "{given}: {err}"
        );
    }
    // A server that does not answer is an unhealthy database (exit 1), not a usage error.
    let (code, out, _) = run(
        "postgres://cairn@127.0.0.1:1/db",
        cwd.path(),
        &["db", "health"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNHEALTHY"), "{out}");
}
