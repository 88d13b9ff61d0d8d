//! On SQLite, another tool's migrations run with foreign keys as that tool's driver runs them:
//! a table rebuild written for pop (foreign keys off) must not cascade its DROP into the child
//! table, while diesel (foreign keys on, as Cairn) behaves as diesel does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Project;

const PARENT: &str = "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);
INSERT INTO parent (id, name) VALUES (1, 'a');
INSERT INTO child (id, parent_id) VALUES (10, 1);
";

/// SQLite's documented way to change a table: copy, drop, rename.
const REBUILD: &str =
    "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
INSERT INTO parent_new (id, name) SELECT id, name FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;
";

fn child_rows(p: &Project) -> i64 {
    rusqlite::Connection::open(p.db())
        .unwrap()
        .query_row("SELECT COUNT(*) FROM child", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn pop_runs_with_foreign_keys_off_and_keeps_the_child_rows() {
    let p = Project::new();
    p.write("1_parent.up.sql", PARENT);
    p.write(
        "1_parent.down.sql",
        "DROP TABLE child;\nDROP TABLE parent;\n",
    );
    p.write("2_rebuild.sqlite3.up.sql", REBUILD);
    p.write("2_rebuild.down.sql", "SELECT 1;\n");
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("SQLite foreign keys are off for this run, as pop runs its migrations"),
        "{err}"
    );
    assert_eq!(child_rows(&p), 1, "the DROP TABLE cascaded: {err}");
}

#[test]
fn diesel_runs_with_foreign_keys_on_as_diesel_does() {
    let p = Project::new();
    p.write("2020-01-01-000000_parent/up.sql", PARENT);
    p.write("2020-01-02-000000_rebuild/up.sql", REBUILD);
    let (code, out, err) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("foreign keys are off"), "{err}");
    // diesel turns foreign keys on, so the drop deletes the child rows there too.
    assert_eq!(child_rows(&p), 0);
}

#[test]
fn init_sql_that_sets_foreign_keys_decides() {
    let p = Project::new();
    std::fs::write(
        p.path().join("cairn.toml"),
        "[init_sql]\nsqlite = \"PRAGMA foreign_keys = ON\"\n",
    )
    .unwrap();
    p.write("1_parent.up.sql", PARENT);
    p.write("1_parent.down.sql", "SELECT 1;\n");
    p.write("2_rebuild.up.sql", REBUILD);
    p.write("2_rebuild.down.sql", "SELECT 1;\n");
    let (code, out, err) = p.run(&["--layout", "pop", "migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("foreign keys are off"), "{err}");
    assert_eq!(child_rows(&p), 0);
}
