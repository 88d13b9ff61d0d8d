//! Unit tests of the support library itself. Server backends are exercised when their URL is
//! set (always under `cargo xtask test`; under CI a missing URL is a failure).

use crate::conn::Conn;
use crate::{Kind, TestDb, all, with_database};

const HISTORY: &str = "CREATE TABLE cairn_migrations (
    id VARCHAR(200) NOT NULL PRIMARY KEY,
    status VARCHAR(20) NOT NULL,
    installed_rank INTEGER NOT NULL,
    failed_statement INTEGER
)";

#[test]
fn kinds_have_names() {
    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names, ["sqlite", "postgres", "mysql"]);
    assert_eq!(Kind::Mysql.to_string(), "mysql");
}

#[test]
fn replaces_the_database_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("mysql://cairn:cairn@127.0.0.1:3306", "x"),
        "mysql://cairn:cairn@127.0.0.1:3306/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("mysql://h?a=b", "x"), "mysql://h/x?a=b");
}

#[test]
fn sqlite_is_a_fresh_file_removed_on_drop() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    assert!(db.url.starts_with("sqlite:/"), "{}", db.url);
    assert!(db.url.ends_with("/test.db"), "{}", db.url);
    let path = std::path::PathBuf::from(db.name());
    assert_eq!(db.tables(), Vec::<String>::new());
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    assert!(path.exists());
    let dir = path.parent().unwrap().to_path_buf();
    drop(db);
    assert!(!dir.exists(), "{} should be removed", dir.display());
}

#[test]
fn two_test_dbs_are_separate() {
    let a = all();
    let b = all();
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        assert_ne!(a.url, b.url);
        a.execute("CREATE TABLE only_in_a (id INTEGER)");
        assert_eq!(a.tables(), ["only_in_a"], "{}", a.kind);
        assert!(b.tables().is_empty(), "{}", b.kind);
    }
}

#[test]
fn helpers_work_on_every_backend() {
    let dbs = all();
    assert!(dbs.iter().any(|db| db.kind == Kind::Sqlite));
    for db in &dbs {
        let k = db.kind;
        assert!(db.tables().is_empty(), "{k}");
        assert!(db.history_ids().is_empty(), "{k}");
        assert_eq!(db.history_status("a"), None, "{k}");

        db.execute("CREATE TABLE zeta (id INTEGER); CREATE TABLE alpha (id INTEGER)");
        db.execute("INSERT INTO alpha (id) VALUES (1), (2), (3)");
        assert_eq!(db.tables(), ["alpha", "zeta"], "{k}");
        assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM alpha"), 3, "{k}");
        assert_eq!(db.scalar_i64("SELECT SUM(id) FROM alpha"), 6, "{k}");
        assert_eq!(db.scalar_i64("SELECT MAX(id) FROM alpha"), 3, "{k}");

        db.execute(HISTORY);
        db.execute(
            "INSERT INTO cairn_migrations (id, status, installed_rank, failed_statement) VALUES \
             ('b_second', 'applied', 2, NULL), ('a_third', 'failed', 3, 4), \
             ('c_first', 'applied', 1, NULL)",
        );
        assert_eq!(db.history_ids(), ["c_first", "b_second", "a_third"], "{k}");
        assert_eq!(
            db.history_status("a_third"),
            Some(("failed".to_string(), Some(4))),
            "{k}"
        );
        assert_eq!(
            db.history_status("c_first"),
            Some(("applied".to_string(), None)),
            "{k}"
        );
        assert_eq!(db.history_status("missing"), None, "{k}");
        assert_eq!(db.tables(), ["alpha", "cairn_migrations", "zeta"], "{k}");
    }
}

#[test]
fn server_databases_are_dropped() {
    for kind in [Kind::Postgres, Kind::Mysql] {
        let Some(db) = TestDb::new(kind) else {
            continue;
        };
        let name = db.name();
        assert!(name.starts_with("cairn_t_"), "{name}");
        assert!(db.url.ends_with(&format!("/{name}")), "{}", db.url);
        db.execute("CREATE TABLE t (id INTEGER)");
        // An open connection must not keep the database alive.
        let mut open = db.connect();
        open.execute("SELECT 1");
        let admin_url = std::env::var(kind.env_var().unwrap()).unwrap();
        let count = format!(
            "SELECT COUNT(*) FROM {} WHERE {} = '{name}'",
            match kind {
                Kind::Postgres => "pg_database",
                _ => "information_schema.schemata",
            },
            match kind {
                Kind::Postgres => "datname",
                _ => "schema_name",
            }
        );
        let connect = |url: &str| match kind {
            Kind::Postgres => Conn::postgres(url),
            _ => Conn::mysql(url),
        };
        assert_eq!(connect(&admin_url).scalar_i64(&count), 1, "{kind}");
        drop(db);
        assert_eq!(connect(&admin_url).scalar_i64(&count), 0, "{kind}");
        drop(open);
    }
}

#[test]
fn every_ci_spelling_but_false_and_0_counts_as_ci() {
    use crate::native::ci_value_means_ci;
    for ci in ["true", "1", "yes", "TRUE", "woodpecker"] {
        assert!(ci_value_means_ci(Some(ci)), "{ci}");
    }
    for not_ci in [
        None,
        Some(""),
        Some("  "),
        Some("false"),
        Some("False"),
        Some("0"),
    ] {
        assert!(!ci_value_means_ci(not_ci), "{not_ci:?}");
    }
}
