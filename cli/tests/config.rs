//! `cairn.toml`: found by walking up, flags and DATABASE_URL override it, `cairn config` shows
//! every value with its origin, passwords redacted; mistakes exit 2 naming file and line.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Project;

const CHAIN: &str = "up: CREATE TABLE t (id INTEGER PRIMARY KEY);\ndown: DROP TABLE t;\n";

fn project(config: &str) -> Project {
    let p = Project::new();
    p.write("0001_t.yaml", CHAIN);
    std::fs::write(p.path().join("cairn.toml"), config).unwrap();
    std::fs::create_dir_all(p.path().join("deep/er")).unwrap();
    p
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn setting<'a>(doc: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    doc["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {doc}"))
}

#[test]
fn settings_apply_from_a_subdirectory_with_paths_relative_to_the_file() {
    let p = project(
        "database_url = \"sqlite:data/app.db\"\nhistory_table = \"schema_history\"\n\n[[migrations]]\ndir = \"migrations\"\n",
    );
    std::fs::create_dir_all(p.path().join("data")).unwrap();
    let mut cmd = p.cairn(&["migrate", "up"]);
    cmd.current_dir(p.path().join("deep/er"));
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(p.path().join("data/app.db")).unwrap();
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM schema_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1);
    let default_table: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'cairn_migrations'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(default_table, 0);
}

#[test]
fn config_shows_each_value_with_its_origin() {
    let p = project(
        "database_url = \"postgres://app:s3cret@db.internal/app\"\nlock_timeout = 7\n\n[init_sql]\npostgres = \"SET search_path TO app\"\n",
    );
    let (code, out, err) = p.run(&["config", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("s3cret"), "{out}");
    let doc = json(&out);
    let url = setting(&doc, "database_url");
    assert_eq!(url["value"], "postgres://app:***@db.internal/app");
    assert_eq!(url["origin"]["kind"], "file");
    assert_eq!(url["origin"]["line"], 1);
    assert_eq!(setting(&doc, "lock_timeout")["value"], 7);
    assert_eq!(setting(&doc, "history_table")["origin"]["kind"], "default");
    assert_eq!(setting(&doc, "init_sql.postgres")["origin"]["line"], 5);

    // A flag beats the environment, which beats the file.
    let mut cmd = p.cairn(&["config", "--format", "json", "--lock-timeout", "3"]);
    cmd.env("DATABASE_URL", "mysql://root:pw@127.0.0.1/x");
    let doc = json(&String::from_utf8(cmd.output().unwrap().stdout).unwrap());
    assert_eq!(
        setting(&doc, "database_url")["value"],
        "mysql://root:***@127.0.0.1/x"
    );
    assert_eq!(
        setting(&doc, "database_url")["origin"]["var"],
        "DATABASE_URL"
    );
    assert_eq!(setting(&doc, "lock_timeout")["value"], 3);
    assert_eq!(
        setting(&doc, "lock_timeout")["origin"]["flag"],
        "--lock-timeout"
    );

    let (code, text, _) = p.run(&["config"]);
    assert_eq!(code, 0);
    assert!(text.contains("cairn.toml:2]"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[test]
fn database_url_env_names_the_variable_holding_the_url() {
    let p = project("database_url_env = \"APP_DB_URL\"\n");
    // Unset: `config` still shows everything (the URL as unset), commands without a database
    // work, and those that need one exit 2 naming the variable and the line.
    let (code, out, err) = p.run(&["config", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let url = setting(&json(&out), "database_url").clone();
    assert_eq!(url["origin"]["kind"], "unset", "{url}");
    assert_eq!(url["origin"]["var"], "APP_DB_URL");
    let (code, _, err) = p.run(&["migrate", "lint", "--dialect", "sqlite"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = p.run(&["migrate", "status"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cairn.toml:1") && err.contains("APP_DB_URL"),
        "{err}"
    );
    let mut cmd = p.cairn(&["config", "--format", "json"]);
    cmd.env("APP_DB_URL", "sqlite:other.db");
    let doc = json(&String::from_utf8(cmd.output().unwrap().stdout).unwrap());
    assert_eq!(setting(&doc, "database_url")["value"], "sqlite:other.db");
    assert_eq!(setting(&doc, "database_url")["origin"]["var"], "APP_DB_URL");
}

#[test]
fn a_mistake_in_the_file_exits_2_naming_file_and_line() {
    let p = project("history_table = \"h\"\nlock_timout = 5\n");
    let (code, out, err) = p.run(&["migrate", "status"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("cairn.toml:2") && err.contains("lock_timout"),
        "{err}"
    );
    // The same with --format json: the error is JSON.
    let (code, out, _) = p.run(&["migrate", "status", "--format", "json"]);
    assert_eq!(code, 2);
    assert!(
        json(&out)["error"].to_string().contains("lock_timout"),
        "{out}"
    );
}

#[test]
fn an_explicit_config_file_replaces_discovery() {
    let p = project("history_table = \"from_discovered\"\n");
    std::fs::write(
        p.path().join("other.toml"),
        "history_table = \"from_flag\"\n",
    )
    .unwrap();
    let (_, out, _) = p.run(&["config", "--format", "json", "--config", "other.toml"]);
    assert_eq!(setting(&json(&out), "history_table")["value"], "from_flag");
    let (_, out, _) = p.run(&["config", "--format", "json", "--history-table", "h2"]);
    assert_eq!(
        setting(&json(&out), "history_table")["origin"]["flag"],
        "--history-table"
    );
}

#[test]
fn several_folders_with_their_layouts_load_together() {
    let p = project(
        "[[migrations]]\ndir = \"migrations\"\n\n[[migrations]]\ndir = \"legacy\"\nlayout = \"golang-migrate\"\n",
    );
    let legacy = p.path().join("legacy");
    std::fs::create_dir_all(&legacy).unwrap();
    std::fs::write(
        legacy.join("1_users.up.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(legacy.join("1_users.down.sql"), "DROP TABLE users;\n").unwrap();
    std::fs::write(
        legacy.join("2_email.up.sql"),
        "ALTER TABLE users ADD COLUMN email TEXT;\n",
    )
    .unwrap();
    std::fs::write(
        legacy.join("2_email.down.sql"),
        "ALTER TABLE users DROP COLUMN email;\n",
    )
    .unwrap();

    let (code, out, err) = p.run(&["config", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let dirs: Vec<_> = json(&out)["settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["key"] == "migrations")
        .map(|s| s["value"]["layout"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(dirs, ["auto", "golang-migrate"]);

    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(p.tables(), ["t", "users"]);
    let (code, out, _) = p.run(&["migrate", "status", "--format", "json"]);
    assert_eq!(code, 0);
    for id in ["0001_t", "1_users", "2_email"] {
        assert!(out.contains(&format!("\"{id}\"")), "{id} in {out}");
    }
    // --layout on the command line overrides the file for every folder: legacy/ read as Cairn
    // files holds no migration, so its two applied ones show as missing files.
    let (code, out, err) = p.run(&["migrate", "status", "--layout", "cairn", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("\"state\": \"missing\"").count(), 2, "{out}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    let p = Project::new();
    p.empty_db();
    // More output than a pipe buffers (64 KiB), so the writer must meet the closed pipe.
    let description = "d".repeat(120);
    for i in 0..1000 {
        p.write(
            &format!("{i:04}_t.yaml"),
            &format!(
                "description: {description}\nup: CREATE TABLE t{i} (id INTEGER PRIMARY KEY);\n"
            ),
        );
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(p.path())
        .env_remove("DATABASE_URL")
        .args(["migrate", "status"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe as `head -c 1` would.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(result.status.code(), Some(141), "{stderr}");
}

#[test]
fn a_history_table_name_that_would_break_sql_is_refused_naming_its_source() {
    let p = project("");
    for bad in ["Order", "order", "my-history"] {
        let (code, _, err) = p.run(&["migrate", "status", "--history-table", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(
            err.contains("--history-table") && err.contains("lower-case"),
            "{err}"
        );
    }
    std::fs::write(
        p.path().join("cairn.toml"),
        "\nhistory_table = \"SchemaHistory\"\n",
    )
    .unwrap();
    let (code, _, err) = p.run(&["migrate", "status"]);
    assert_eq!(code, 2);
    assert!(err.contains("cairn.toml:2"), "{err}");
}

#[test]
fn a_failing_init_statement_names_its_line_in_cairn_toml() {
    let p = project("[init_sql]\nsqlite = \"PRAGMA foreign_keys = ON; SELEC 1\"\n");
    let (code, _, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("init_sql statement 2 (`SELEC 1`) failed"),
        "{err}"
    );
    assert!(
        err.contains("init_sql.sqlite from") && err.contains("cairn.toml:2"),
        "{err}"
    );
}
