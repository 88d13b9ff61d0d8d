//! Declared schema files as users write them (issue 16): JSON as well as YAML wherever a
//! schema is read (`schema diff`, `schema sql`, `drift --against`), the model form other schema
//! tools write, and errors that name the kind of file and what was expected.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::TestDb;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `cairn ARGS` in `cwd`: (exit code, stdout, stderr).
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The built-ins applied, their schema dumped as one-line JSON files (one file per table, in
/// a folder) and compared back: no difference, whichever way round, and the drift gate agrees.
fn a_folder_of_json_schemas_is_a_schema_on_every_side(db: &TestDb) {
    let url = ["--database-url", db.url.as_str()];
    let (code, out, err) = run(repo(), &[&url[..], &["migrate", "up"]].concat());
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        repo(),
        &[&url[..], &["schema", "dump", "--format", "json"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    let dumped: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schemas = dir.path().join("json");
    std::fs::create_dir(&schemas).unwrap();
    for table in dumped["tables"].as_array().unwrap() {
        let name = table["name"].as_str().unwrap();
        let one = serde_json::json!({ "tables": [table] });
        std::fs::write(schemas.join(format!("{name}.json")), one.to_string()).unwrap();
    }
    let folder = schemas.to_str().unwrap();
    for (a, b) in [(db.url.as_str(), folder), (folder, db.url.as_str())] {
        let (code, out, err) = run(repo(), &["schema", "diff", a, b]);
        assert_eq!(code, 0, "{} {a} {b}: {out}{err}", db.kind.name());
        assert!(out.starts_with("No differences"), "{out}");
    }
    let (code, out, err) = run(
        repo(),
        &[&url[..], &["drift", "--against", folder]].concat(),
    );
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());

    // One table removed from the files: the diff says so, and its SQL drops it.
    std::fs::remove_file(schemas.join("api_keys.json")).unwrap();
    let (code, out, err) = run(
        repo(),
        &["schema", "diff", &db.url, folder, "--format", "sql"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("DROP TABLE api_keys"),
        "{}: {out}",
        db.kind.name()
    );
}

cairn_tests::on_every_backend!(a_folder_of_json_schemas_is_a_schema_on_every_side);

#[test]
fn json_schemas_against_migrations_in_a_fresh_project() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("migrations")).unwrap();
    std::fs::create_dir_all(p.join("schemas")).unwrap();
    std::fs::write(
        p.join("migrations/0001_users.json"),
        r#"{"up": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);", "down": "DROP TABLE users;"}"#,
    )
    .unwrap();
    // The model form: a list of tables whose columns carry their own keys.
    std::fs::write(
        p.join("schemas/models.json"),
        r#"[{"name": "users", "columns": [{"name": "id", "type": "integer", "primary_key": true}, {"name": "email", "type": "text", "nullable": false, "unique": true}]}]"#,
    )
    .unwrap();
    let (code, out, err) = run(
        p,
        &["schema", "diff", "migrations", "schemas", "--format", "sql"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("UNIQUE") && out.contains("email"), "{out}");
    let (code, out, err) = run(
        p,
        &[
            "schema",
            "sql",
            "--dialect",
            "sqlite",
            "schemas/models.json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE TABLE users"), "{out}");
}

#[test]
fn a_wrong_schema_file_says_what_kind_of_file_it_is_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for (name, text, says) in [
        ("empty.json", "[]", "declares no tables (an empty list)"),
        (
            "keys.yaml",
            "table:\n  - name: t\n",
            "its top-level keys are `table`",
        ),
        (
            "entry.json",
            r#"[{"name": "t", "columns": [{"name": "a", "type": "varchr(3)"}]}]"#,
            "varchr(3)",
        ),
    ] {
        std::fs::write(p.join(name), text).unwrap();
        let (code, out, err) = run(p, &["schema", "sql", "--dialect", "sqlite", name]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(err.contains(says) && err.contains(name), "{name}: {err}");
        assert!(
            err.contains("1 problem in declared schema files"),
            "{name}: {err}"
        );
        assert!(!err.contains("in migrations"), "{name}: {err}");
    }
    // `schema diff` tells a list from a migration file, and reports it as a schema's problem.
    let (code, out, _) = run(
        p,
        &[
            "schema",
            "diff",
            "sqlite::memory:",
            "empty.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 2, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["error"]["kind"], "schema", "{out}");
    assert_eq!(v["error"]["problems"][0]["file"], "empty.json", "{out}");
}
