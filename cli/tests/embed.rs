//! Cairn's CLI as a library: embedded as a subcommand of a project's own clap CLI, and the
//! installed `cairn` binary without this repository's development commands.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, ExitCode};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(
        dir.path().join("migrations/0001_items.yaml"),
        "up: CREATE TABLE items (id INTEGER PRIMARY KEY);\ndown: DROP TABLE items;\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_project_cli_runs_cairn_as_its_db_subcommand() {
    let dir = project();
    let db = dir.path().join("app.db");
    let url = format!("sqlite:{}", db.display());
    let migrations = dir.path().join("migrations");
    // A project's own CLI: `tool db <cairn command>`, beside its other tasks.
    let tool = clap::Command::new("tool")
        .subcommand(clap::Command::new("build"))
        .subcommand(cairn_cli::command().name("db"));
    let args = [
        "tool",
        "db",
        "--database-url",
        url.as_str(),
        "--dir",
        migrations.to_str().unwrap(),
        "migrate",
        "up",
    ];
    let matches = tool.try_get_matches_from(args).unwrap();
    let Some(("db", sub)) = matches.subcommand() else {
        panic!("db was not matched: {matches:?}")
    };
    let code = cairn_cli::run_matches(sub, cairn::lint::Linter::new());
    assert_eq!(code, ExitCode::SUCCESS);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let applied: String = conn
        .query_row("SELECT id FROM cairn_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(applied, "0001_items");
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'items'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1);
}

#[test]
fn the_installed_binary_has_no_development_commands() {
    for dev in ["test", "bench", "mutants"] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
            .arg(dev)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "cairn {dev}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("unrecognized subcommand '{dev}'")),
            "cairn {dev}: {err}"
        );
    }
    let help = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("migrate") && help.contains("drift"), "{help}");
    assert!(
        !help.contains("mutants") && !help.contains("\n  bench"),
        "{help}"
    );
}
