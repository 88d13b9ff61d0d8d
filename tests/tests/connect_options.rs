//! Connection options on every backend: a project's history table name and the `init_sql`
//! run on each new connection (the `cairn.toml` settings `history_table` and `[init_sql]`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::Migrate;
use std::path::PathBuf;

use cairn::{ConnectOptions, Driver, MigrationSet, Options, SourceFile, UpTarget};
use cairn_tests::{Kind, TestDb};

fn set(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(id, text)| SourceFile {
            path: PathBuf::from("migrations").join(format!("{id}.yaml")),
            default_id: id.to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

fn open(db: &TestDb, options: &ConnectOptions) -> Result<Box<dyn Driver>, cairn::Error> {
    cairn_tests::registry().connect_with(&db.url, options)
}

fn up(db: &mut dyn Driver, set: &MigrationSet) -> Result<cairn::RunReport, cairn::Error> {
    cairn::up(db, set, &UpTarget::All, &Options::default(), &mut |_| {})
}

const TWO: &[(&str, &str)] = &[
    (
        "0001_a",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    ),
    (
        "0002_b",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: DROP TABLE b;\n",
    ),
];

fn history_table_name_is_honoured(db: &TestDb) {
    let options = ConnectOptions {
        history_table: "schema_history".into(),
        ..ConnectOptions::default()
    };
    let set = set(db, TWO);
    let mut conn = open(db, &options).unwrap();
    assert_eq!(conn.history_table(), "schema_history");
    up(conn.as_mut(), &set).unwrap();

    let mut tables = db.tables();
    tables.sort();
    // The audit log follows the history table's name.
    assert_eq!(
        tables,
        ["a", "b", "schema_history", "schema_history_log"],
        "{}",
        db.kind.name()
    );
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM schema_history"),
        2,
        "{}",
        db.kind.name()
    );
    // The live schema leaves the configured history table out, as it does the default one.
    let live: Vec<String> = conn
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
        .tables
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(!live.contains(&"schema_history".to_string()), "{live:?}");

    // A second runner with the same options sees everything applied; one with the default
    // name sees its own (absent) table and nothing applied.
    let again = up(open(db, &options).unwrap().as_mut(), &set).unwrap();
    assert!(again.migrations.is_empty());
    assert!(
        open(db, &ConnectOptions::default())
            .unwrap()
            .history()
            .unwrap()
            .is_empty()
    );
}

fn init_sql_runs_on_every_connection(db: &TestDb) {
    // Per dialect, a session setting a migration depends on: without it the migration fails.
    let (setup, init_sql, files): (&str, &str, Vec<(&str, &str)>) = match db.kind {
        Kind::Sqlite => (
            "",
            "PRAGMA foreign_keys = OFF",
            vec![(
                "0001_orphan",
                "up: |\n  CREATE TABLE p (id INTEGER PRIMARY KEY);\n  CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p (id));\n  INSERT INTO c VALUES (1, 99);\n",
            )],
        ),
        Kind::Mysql => (
            "",
            "SET SESSION foreign_key_checks = 0",
            vec![(
                "0001_orphan",
                "transaction: false\nup: |\n  CREATE TABLE p (id INTEGER PRIMARY KEY) ENGINE=InnoDB;\n  CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER, FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=InnoDB;\n  INSERT INTO c VALUES (1, 99);\n",
            )],
        ),
        Kind::Postgres => (
            "CREATE SCHEMA app",
            "SET search_path TO app",
            vec![(
                "0001_orphan",
                "up: |\n  CREATE TABLE p (id INTEGER PRIMARY KEY);\n  INSERT INTO p VALUES (1);\n",
            )],
        ),
    };
    if !setup.is_empty() {
        db.execute(setup);
    }
    let set = set(db, &files);
    let options = ConnectOptions {
        init_sql: init_sql.into(),
        ..ConnectOptions::default()
    };
    if db.kind != Kind::Postgres {
        // Without the setting the orphan row is refused.
        let err = up(open(db, &ConnectOptions::default()).unwrap().as_mut(), &set).unwrap_err();
        assert!(err.to_string().contains("0001_orphan"), "{err}");
        db.execute("DROP TABLE IF EXISTS c");
        db.execute("DROP TABLE IF EXISTS p");
        db.execute("DELETE FROM cairn_migrations");
    }
    up(open(db, &options).unwrap().as_mut(), &set).unwrap();
    match db.kind {
        Kind::Postgres => {
            // Both the table and the history landed in the schema the session selected.
            let in_app = db.scalar_i64(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'app' AND tablename IN ('p', 'cairn_migrations')",
            );
            assert_eq!(in_app, 2);
        }
        _ => assert_eq!(
            db.scalar_i64("SELECT COUNT(*) FROM c"),
            1,
            "{}",
            db.kind.name()
        ),
    }
}

fn a_failing_init_statement_is_named(db: &TestDb) {
    let options = ConnectOptions {
        init_sql: "SELECT 1; SELEC 2".into(),
        ..ConnectOptions::default()
    };
    let err = open(db, &options).err().expect("init_sql must fail");
    // Callers branch on the variant, not on the text.
    assert!(
        matches!(
            &err,
            cairn::Error::Backend(cairn::BackendError::InitSql { index: 1, sql, .. }) if sql == "SELEC 2"
        ),
        "{}: {err:?}",
        db.kind.name()
    );
    let err = err.to_string();
    assert!(
        err.contains("init_sql statement 2"),
        "{}: {err}",
        db.kind.name()
    );
    assert!(err.contains("SELEC 2"), "{err}");
}

#[test]
fn a_history_table_name_that_is_not_an_identifier_is_refused() {
    for bad in ["h; DROP TABLE users", "SchemaHistory", "order"] {
        let options = ConnectOptions {
            history_table: bad.into(),
            ..ConnectOptions::default()
        };
        let err = cairn_tests::registry()
            .connect_with("sqlite::memory:", &options)
            .err()
            .expect("refused")
            .to_string();
        assert!(err.contains("plain lower-case identifier"), "{err}");
        // The backend's own constructor checks too, for library callers that skip the registry.
        let err = cairn_sqlite::Sqlite::open_with("sqlite::memory:", &options).unwrap_err();
        assert!(
            err.to_string().contains("plain lower-case identifier"),
            "{err}"
        );
    }
}

/// The migration lock is per database and history table: a project holding its lock does
/// not make another project with its own history table in the same database wait, while a
/// second runner of the same project does.
fn two_history_tables_never_wait_for_each_other(db: &TestDb) {
    let ours = ConnectOptions::default();
    let theirs = ConnectOptions {
        history_table: "billing_migrations".into(),
        ..ConnectOptions::default()
    };
    let mut holder = open(db, &ours).unwrap();
    holder.lock(std::time::Duration::from_secs(5)).unwrap();
    let mut other = open(db, &theirs).unwrap();
    other
        .lock(std::time::Duration::from_millis(200))
        .unwrap_or_else(|e| panic!("{}: waited for another project's lock: {e}", db.kind));
    other.unlock().unwrap();
    let mut same = open(db, &ours).unwrap();
    let err = same
        .lock(std::time::Duration::from_millis(200))
        .expect_err("a second runner of the same project must wait");
    assert!(
        matches!(err, cairn::BackendError::LockTimeout { .. }),
        "{}: {err}",
        db.kind
    );
    holder.unlock().unwrap();
}

cairn_tests::on_every_backend!(
    two_history_tables_never_wait_for_each_other,
    history_table_name_is_honoured,
    init_sql_runs_on_every_connection,
    a_failing_init_statement_is_named
);
