//! A golang-migrate history whose migration changes golang-migrate's own `schema_migrations`
//! table (as Harbor's does) runs with no configuration on every backend: Cairn creates the
//! table as golang-migrate does before its first migration, and only for such folders.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Output};

use cairn_tests::TestDb;

fn up(db: &TestDb, dir: &std::path::Path) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(["--database-url", &db.url, "--dir"])
        .arg(dir)
        .args(["migrate", "up"])
        .output()
        .unwrap()
}

fn a_migration_may_alter_the_tools_history_table(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("1_init.up.sql", "CREATE TABLE projects (id INTEGER);\n");
    write("1_init.down.sql", "DROP TABLE projects;\n");
    write(
        "2_data_version.up.sql",
        "ALTER TABLE schema_migrations ADD COLUMN data_version INTEGER;\n",
    );
    write(
        "2_data_version.down.sql",
        "ALTER TABLE schema_migrations DROP COLUMN data_version;\n",
    );
    let out = up(db, dir.path());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{}: {text}", db.kind.name());
    assert!(
        text.contains("creating golang-migrate's history table as golang-migrate does"),
        "{text}"
    );
    assert!(db.tables().contains(&"schema_migrations".to_string()));
    assert_eq!(db.history_ids(), ["1_init", "2_data_version"]);
}

fn other_folders_get_no_tool_table(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("1_init.up.sql"),
        "CREATE TABLE p (id INTEGER);\n",
    )
    .unwrap();
    let out = up(db, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!db.tables().contains(&"schema_migrations".to_string()));
}

cairn_tests::on_every_backend!(
    a_migration_may_alter_the_tools_history_table,
    other_folders_get_no_tool_table,
);
