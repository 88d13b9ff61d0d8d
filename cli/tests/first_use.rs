//! What a first-time user meets before their project has taken shape (issue 16): a new
//! migration on top of the built-ins before `migrations/` exists, and a mistyped folder.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Project;

/// A project folder without `migrations/`.
fn bare() -> Project {
    let p = Project::new();
    std::fs::remove_dir(p.path().join("migrations")).unwrap();
    p
}

#[test]
fn a_first_migration_follows_the_builtins_it_builds_on() {
    let p = bare();
    let (code, out, err) = p.run(&["--builtin", "auth", "migrate", "new", "first"]);
    assert_eq!(code, 0, "{out}{err}");
    let path = p.path().join("migrations/0001_first.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    for head in [
        "auth/0002_sessions",
        "auth/0003_api_keys",
        "auth/0004_users_phone",
    ] {
        assert!(text.contains(&format!("  - {head}\n")), "{head}: {text}");
    }
    // The point of depending on them: a change to `users` runs after `users` exists.
    let text = text.replace(
        "up: |\n  -- SQL that applies this migration\n",
        "up: |\n  ALTER TABLE users ADD COLUMN nickname TEXT;\n",
    );
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = p.run(&["--builtin", "auth", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(p.history_ids().contains(&"0001_first".to_string()));

    // JSON files too.
    let (code, _, err) = p.run(&["--builtin", "auth", "migrate", "new", "second", "--json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("migrations/0002_second.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["depends_on"], serde_json::json!(["0001_first"]));
}

#[test]
fn without_builtins_a_first_migration_depends_on_nothing() {
    let p = bare();
    let (code, _, err) = p.run(&["migrate", "new", "first"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(p.path().join("migrations/0001_first.yaml")).unwrap();
    assert!(text.contains("depends_on: []\n"), "{text}");
}

#[test]
fn a_mistyped_folder_is_an_error_even_with_builtins() {
    let p = bare();
    for args in [
        &["--builtin", "auth", "--dir", "typo", "migrate", "up"][..],
        &["--builtin", "auth", "--dir", "typo", "migrate", "validate"][..],
        &["--dir", "typo", "migrate", "up"][..],
    ] {
        let (code, out, err) = p.run(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("typo"), "{args:?}: {err}");
    }
    let (_, _, err) = p.run(&["--builtin", "auth", "--dir", "typo", "migrate", "up"]);
    assert!(
        err.contains("migrations folder typo does not exist (named by flag --dir)"),
        "{err}"
    );
    // Nothing was applied, not even the built-ins.
    assert!(!p.db().exists() || p.history_ids().is_empty());

    // The same folder named in cairn.toml, with its line.
    std::fs::write(
        p.path().join("cairn.toml"),
        "builtin = [\"auth\"]\n\n[[migrations]]\ndir = \"db/migrate\"\n",
    )
    .unwrap();
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("migrations folder")
            && err.contains("db/migrate")
            && err.contains("cairn.toml:"),
        "{err}"
    );

    // The default folder may be absent when built-ins are all there is.
    std::fs::remove_file(p.path().join("cairn.toml")).unwrap();
    let (code, out, err) = p.run(&["--builtin", "auth", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(p.history_ids().len(), 4);
}
