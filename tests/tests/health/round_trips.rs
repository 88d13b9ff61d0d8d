//! How many round trips `ops::health` costs, counted three ways: the engine's calls into the
//! [`Driver`] trait (through `cairn_tests::Counted`), each backend's own introspection counter
//! (`introspection_queries()`), and on MySQL the server's own statement counter (`Questions`).
//! The counts must not change when the database gains tables, the history must be read at
//! most once, and the schema introspected once (its fixed catalog queries: SQLite 3,
//! PostgreSQL 3, MySQL 6). No timing is asserted.

use std::collections::BTreeMap;

use cairn::{Dialect, Driver, MigrationSet};
use cairn_tests::{Counted, Kind, TestDb};

/// What one `health` call cost.
#[derive(Debug, PartialEq, Eq)]
struct Cost {
    /// The engine's calls into the backend, by method.
    calls: BTreeMap<&'static str, usize>,
    /// Catalog queries the backend's introspection ran.
    introspection_queries: usize,
    /// Statements the MySQL server executed for this session (`Questions`), else `None`.
    server_statements: Option<u64>,
}

/// MySQL's count of statements this session sent (the `SHOW` itself included).
fn questions(db: &mut dyn Driver) -> u64 {
    let rows = db.query("SHOW SESSION STATUS LIKE 'Questions'").unwrap();
    rows[0][1].as_deref().unwrap().parse().unwrap()
}

fn measure<B: Driver>(
    db: &mut B,
    introspections: fn(&B) -> usize,
    set: Option<&MigrationSet>,
) -> Cost {
    let mysql = db.dialect() == Dialect::Mysql;
    let introspected = introspections(db);
    // Two `SHOW`s in a row differ by the `SHOW` alone: that is subtracted.
    let baseline = mysql.then(|| {
        let a = questions(db);
        questions(db) - a
    });
    let before = mysql.then(|| questions(db));
    let mut counted = Counted::new(db);
    let report = cairn::ops::health(&mut counted, set);
    assert!(report.healthy, "{report:#?}");
    let calls = counted.calls;
    let server_statements = before.map(|b| questions(db) - b - baseline.unwrap_or(0));
    Cost {
        calls,
        introspection_queries: introspections(db) - introspected,
        server_statements,
    }
}

fn cost(db: &TestDb, set: Option<&MigrationSet>) -> Cost {
    match db.kind {
        Kind::Sqlite => measure(
            &mut cairn_sqlite::Sqlite::open(&db.url).unwrap(),
            cairn_sqlite::Sqlite::introspection_queries,
            set,
        ),
        Kind::Postgres => measure(
            &mut cairn_postgres::Postgres::open(&db.url).unwrap(),
            cairn_postgres::Postgres::introspection_queries,
            set,
        ),
        Kind::Mysql => measure(
            &mut cairn_mysql::Mysql::open(&db.url).unwrap(),
            cairn_mysql::Mysql::introspection_queries,
            set,
        ),
    }
}

/// Adds `n` child tables, each with a foreign key to `parent` that the database does not
/// guarantee on PostgreSQL (`NOT VALID`), so every backend's orphan check has keys to count.
fn add_children(db: &TestDb, from: usize, n: usize) {
    let mut sql = String::new();
    for i in from..from + n {
        let key = if db.kind == Kind::Postgres {
            format!(
                "CREATE TABLE c{i} (id INTEGER PRIMARY KEY, parent_id INTEGER);
                 ALTER TABLE c{i} ADD CONSTRAINT c{i}_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;"
            )
        } else {
            format!(
                "CREATE TABLE c{i} (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT c{i}_fk FOREIGN KEY (parent_id) REFERENCES parent (id));"
            )
        };
        sql.push_str(&key);
        sql.push_str(&format!(
            "INSERT INTO c{i} (id, parent_id) VALUES (1, 1);\n"
        ));
    }
    db.execute(&sql);
}

/// `db health` costs the same round trips for 4 tables as for 44, reads the history once
/// (and only when given migrations), and introspects once (index counts and the advisory).
pub fn health_round_trips_do_not_grow_with_tables(db: &TestDb) {
    let set = super::set(db, super::SHOP);
    super::apply(db, &set);
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a')");
    add_children(db, 0, 2);
    let small = cost(db, Some(&set));
    let small_without_set = cost(db, None);
    add_children(db, 2, 40);
    let large = cost(db, Some(&set));
    let large_without_set = cost(db, None);
    eprintln!(
        "{}: with migrations {small:?}\n{}: without {small_without_set:?}",
        db.kind, db.kind
    );
    assert_eq!(small, large, "{}: cost grew with the tables", db.kind);
    assert_eq!(small_without_set, large_without_set, "{}", db.kind);
    // SELECT 1, the row counts and the server's counters (PostgreSQL: activity, blocks and
    // extensions in one query, pg_stat_statements not being installed here; MySQL: one SHOW
    // GLOBAL STATUS; SQLite: no server) are the engine's own queries; each check is one call.
    let server = match db.kind {
        Kind::Sqlite => 0,
        Kind::Postgres | Kind::Mysql => 1,
    };
    let expected = |history: bool| {
        let mut calls = BTreeMap::from([
            ("query", 2 + server),
            ("table_sizes", 1),
            ("integrity_check_of", 1),
            ("foreign_key_violations", 1),
            ("introspect", 1),
        ]);
        if history {
            // Its rows, in one query: the catalog of its columns is read only when that fails.
            calls.insert("history", 1);
        }
        calls
    };
    assert_eq!(small.calls, expected(true), "{}", db.kind);
    assert_eq!(small_without_set.calls, expected(false), "{}", db.kind);
    let catalog_queries = match db.kind {
        Kind::Sqlite | Kind::Postgres => 3,
        Kind::Mysql => 6,
    };
    assert_eq!(small.introspection_queries, catalog_queries, "{small:?}");
    assert_eq!(
        small_without_set.introspection_queries, catalog_queries,
        "{small:?}"
    );
    if let (Some(without), Some(with)) =
        (small_without_set.server_statements, small.server_statements)
    {
        // SELECT 1, sizes, CHECK TABLE, key catalog, orphan count, row counts, SHOW GLOBAL
        // STATUS and the 6 catalog queries of the introspection; and the history.
        assert!(
            without <= 13,
            "MySQL ran {without} statements: {small_without_set:?}"
        );
        assert!(
            with <= without + 2,
            "MySQL ran {with} statements: {small:?}"
        );
    }
}
