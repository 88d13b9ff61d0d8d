//! `cairn migrate adopt | stamp | baseline` as a user runs them: exit codes, JSON, and the
//! history afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Project, chain};

const CREATE: &str = "CREATE TABLE items (name VARCHAR(50) NOT NULL);\n";
const SEED: &str = "INSERT INTO items (name) VALUES ('first');\n";
/// SHA-384 of CREATE and SEED (`sha384sum`), as sqlx stores them.
const CREATE_SHA384: &str = "826fbe856896804e1a26443099df6ee550615ef36dd13d94b7e7593cbe931a9a6323901689e301c54ae8dd53447c8d39";
const SEED_SHA384: &str = "0df5d0bf05018cc576e1ac33b09a5109f045a4e0cc10702fafc86a3f950fda6f474af7ed9e521dc76b0d156367f47095";

/// A project whose database sqlx migrated: two sqlx files, their tables and sqlx's history.
fn sqlx_project() -> Project {
    let p = Project::new();
    p.write("20190101000000_create_items.sql", CREATE);
    p.write("20190102000000_seed_items.sql", SEED);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(&format!(
        "{CREATE}{SEED}
         CREATE TABLE IF NOT EXISTS _sqlx_migrations (
             version BIGINT PRIMARY KEY,
             description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
             success BOOLEAN NOT NULL,
             checksum BLOB NOT NULL,
             execution_time BIGINT NOT NULL
         );
         INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES
             (20190101000000, 'create items', TRUE, X'{CREATE_SHA384}', 1200),
             (20190102000000, 'seed items', TRUE, X'{SEED_SHA384}', 900);"
    ))
    .unwrap();
    p
}

#[test]
fn adopt_records_without_running_sql_and_up_then_has_nothing_to_do() {
    let p = sqlx_project();
    let (code, out, err) = p.run(&["migrate", "adopt", "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Dry run: 2 migration(s) would be recorded"),
        "{out}"
    );
    assert!(p.history_ids().is_empty());

    let (code, out, err) = p.run(&["migrate", "adopt", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["clean"], true);
    assert_eq!(v["report"]["tool"], "sqlx");
    assert_eq!(v["report"]["table"], "_sqlx_migrations");
    assert_eq!(v["report"]["migrations"][0]["outcome"], "adopted");
    assert_eq!(
        v["report"]["migrations"][0]["checksum"]["state"],
        "verified"
    );
    let ids = p.history_ids();
    assert_eq!(ids.len(), 2, "{ids:?}");

    let (code, out, _) = p.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("up to date"), "{out}");

    // Again: nothing recorded twice; text output says so.
    let (code, out, _) = p.run(&["migrate", "adopt", "--from", "sqlx"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already"), "{out}");
    assert!(out.contains("Recorded 0 migration(s)"), "{out}");
    assert_eq!(p.history_ids(), ids);
}

#[test]
fn adopt_exits_1_on_a_changed_file_and_2_without_a_history_table() {
    let p = sqlx_project();
    p.write(
        "20190102000000_seed_items.sql",
        "INSERT INTO items (name) VALUES ('second');\n",
    );
    let (code, out, _) = p.run(&["migrate", "adopt"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("changed"), "{out}");
    assert!(out.contains("stored checksum"), "{out}");
    assert_eq!(
        p.history_ids().len(),
        1,
        "the unchanged first one is adopted"
    );

    let (code, _, err) = p.run(&["migrate", "adopt", "--from", "goose"]);
    assert_eq!(code, 2);
    assert!(err.contains("no goose_db_version table"), "{err}");

    // A renamed table says which tool with --from; --table alone is a usage error.
    let (code, _, err) = p.run(&["migrate", "adopt", "--table", "versions"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = p.run(&["migrate", "adopt", "--from", "sqlx", "--table", "x;y"]);
    assert_eq!(code, 2);
    assert!(err.contains("only letters, digits and `_`"), "{err}");

    let empty = Project::new();
    empty.write("20190101000000_create_items.sql", CREATE);
    let (code, _, err) = empty.run(&["migrate", "adopt"]);
    assert_eq!(code, 2);
    assert!(err.contains("migrate baseline"), "{err}");
}

#[test]
fn adopt_refuses_a_dirty_golang_migrate_database() {
    let p = Project::new();
    p.write("1_create_items.up.sql", CREATE);
    p.write("1_create_items.down.sql", "DROP TABLE items;\n");
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(&format!(
        "{CREATE}
         CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
         CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);
         INSERT INTO schema_migrations (version, dirty) VALUES (1, 1);"
    ))
    .unwrap();
    let (code, out, err) = p.run(&["--layout", "golang-migrate", "migrate", "adopt"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("refused:") && out.contains("dirty"), "{out}");
    assert!(out.contains("Nothing was recorded"), "{out}");
    assert!(p.history_ids().is_empty());
}

#[test]
fn stamp_records_an_id_and_its_ancestors() {
    let p = Project::new();
    chain(&p);
    let (code, out, _) = p.run(&["migrate", "stamp", "0002_b", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["report"]["stamped"],
        serde_json::json!(["0001_a", "0002_b"])
    );
    assert_eq!(p.history_ids(), ["0001_a", "0002_b"]);
    assert!(p.tables().is_empty(), "no SQL ran");

    let (code, out, _) = p.run(&["migrate", "stamp", "0003_c"]);
    assert_eq!(code, 0);
    assert!(out.contains("Recorded 1 migration(s)"), "{out}");
    assert!(out.contains("Already recorded: 0001_a, 0002_b"), "{out}");

    let (code, _, err) = p.run(&["migrate", "stamp", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown migration `nope`"), "{err}");
}

#[test]
fn baseline_compares_the_schema_and_force_skips_it() {
    let p = Project::new();
    chain(&p);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(
        "CREATE TABLE a (id INTEGER PRIMARY KEY);
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));",
    )
    .unwrap();
    // Only a and b exist: the full baseline differs, nothing is recorded.
    let (code, out, _) = p.run(&["migrate", "baseline"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("differs"), "{out}");
    assert!(p.history_ids().is_empty());

    // Up to b it matches.
    let (code, out, _) = p.run(&["migrate", "baseline", "--to", "0002_b"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("equals the migrations' replay"), "{out}");
    assert_eq!(p.history_ids(), ["0001_a", "0002_b"]);

    // History exists now: baseline refuses.
    let (code, _, err) = p.run(&["migrate", "baseline", "--force"]);
    assert_eq!(code, 2);
    assert!(err.contains("already has Cairn history"), "{err}");

    let q = Project::new();
    chain(&q);
    let (code, out, _) = q.run(&["migrate", "baseline", "--force", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["report"]["schema_checked"], false);
    assert_eq!(q.history_ids().len(), 4);
}
