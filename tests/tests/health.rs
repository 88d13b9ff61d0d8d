//! `cairn::ops::health` and `cairn::ops::optimize` on SQLite, PostgreSQL and MariaDB: a healthy
//! database, real foreign-key violations, pending and changed migrations, row counts and
//! sizes, per-table maintenance and the bytes a vacuum gives back.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "health/indexes_and_server.rs"]
mod indexes_and_server;
#[path = "health/round_trips.rs"]
mod round_trips;

use std::path::PathBuf;

use cairn::ops::{ForeignKeyViolation, Health};
use cairn::{Driver, MigrationSet, MigrationState, Options, SourceFile, UpTarget};
use cairn_tests::{Kind, TestDb};
use indexes_and_server::{
    health_counts_indexes_and_advises_unindexed_keys, health_reads_the_server_counters,
    optimize_reindexes_every_table,
};
use round_trips::health_round_trips_do_not_grow_with_tables;

fn set(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from("migrations").join(path),
            default_id: path.rsplit_once('.').map_or(*path, |(p, _)| p).to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

const SHOP: &[(&str, &str)] = &[
    (
        "0001_parent.yaml",
        "up: CREATE TABLE parent (id INTEGER PRIMARY KEY, name VARCHAR(100));\ndown: DROP TABLE parent;\n",
    ),
    (
        "0002_child.yaml",
        "depends_on: [0001_parent]\nup: CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: DROP TABLE child;\n",
    ),
];

fn connect(db: &TestDb) -> Box<dyn Driver> {
    cairn_tests::registry().connect(&db.url).unwrap()
}

fn apply(db: &TestDb, set: &MigrationSet) {
    cairn::up(
        connect(db).as_mut(),
        set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
}

fn health(db: &TestDb, set: Option<&MigrationSet>) -> Health {
    cairn::ops::health(connect(db).as_mut(), set)
}

fn rows_of(h: &Health, table: &str) -> Option<u64> {
    h.storage
        .tables
        .iter()
        .find(|t| t.table == table)
        .unwrap_or_else(|| panic!("no table {table} in {:?}", h.storage.tables))
        .rows
}

fn a_healthy_database_is_healthy(db: &TestDb) {
    let set = set(db, SHOP);
    apply(db, &set);
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    db.execute("INSERT INTO child (id, parent_id) VALUES (1, 1), (2, NULL)");
    let h = health(db, Some(&set));
    assert!(h.healthy, "{h:#?}");
    assert!(h.connection.ok && h.connection.latency_ms > 0.0, "{h:#?}");
    assert!(h.integrity.ok && h.integrity.problems.is_empty(), "{h:#?}");
    assert!(h.foreign_keys.violations.is_empty(), "{h:#?}");
    let m = h.migrations.as_ref().unwrap();
    assert_eq!((m.applied, m.pending, m.changed, m.failed), (2, 0, 0, 0));
    assert!(m.attention.is_empty());
    assert_eq!(rows_of(&h, "parent"), Some(3));
    assert_eq!(rows_of(&h, "child"), Some(2));
    assert_eq!(rows_of(&h, "cairn_migrations"), Some(2));
    // Every table has a size, and the database is at least as big as its tables.
    let total: u64 = h.storage.tables.iter().map(|t| t.bytes.unwrap()).sum();
    assert!(total > 0, "{h:#?}");
    assert!(h.storage.database_bytes.unwrap() >= total, "{h:#?}");
    // Without a migration set the migration check is left out, not failed.
    let h = health(db, None);
    assert!(h.healthy && h.migrations.is_none(), "{h:#?}");
}

/// Orphan rows written the way each database allows them: SQLite and MySQL with key checks
/// off for the session, PostgreSQL under a key added `NOT VALID` over existing rows.
fn real_orphan_rows_are_reported(db: &TestDb) {
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    db.execute(
        "CREATE TABLE sound (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    );
    db.execute("INSERT INTO parent (id) VALUES (1)");
    db.execute("INSERT INTO sound (id, parent_id) VALUES (1, 1)");
    let orphans = "INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 42), (3, 43), (4, NULL)";
    match db.kind {
        Kind::Sqlite => {
            db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))");
            db.execute(&format!("PRAGMA foreign_keys = OFF; {orphans};"));
        }
        Kind::Mysql => {
            db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id))");
            db.execute(&format!(
                "SET foreign_key_checks = 0; {orphans}; SET foreign_key_checks = 1"
            ));
        }
        Kind::Postgres => {
            db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER)");
            db.execute(orphans);
            db.execute("ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID");
        }
    }
    let h = health(db, None);
    assert!(!h.healthy && !h.foreign_keys.ok, "{h:#?}");
    let constraint = match db.kind {
        // SQLite does not keep foreign keys' names.
        Kind::Sqlite => None,
        _ => Some("child_parent_fk".to_string()),
    };
    assert_eq!(
        h.foreign_keys.violations,
        [ForeignKeyViolation {
            table: "child".into(),
            constraint,
            columns: vec!["parent_id".into()],
            references: "parent".into(),
            rows: 2,
        }]
    );
    assert!(h.integrity.ok && h.connection.ok && h.storage.ok, "{h:#?}");
    assert_eq!(rows_of(&h, "child"), Some(4));

    // Fixing the data makes it healthy again.
    db.execute("DELETE FROM child WHERE parent_id > 1");
    let h = health(db, None);
    assert!(h.healthy, "{h:#?}");
}

/// A two-column key is read from the catalog column by column, in key order: a child row
/// whose pair matches no parent is an orphan even though each value exists on its own.
fn composite_key_orphans_are_counted(db: &TestDb) {
    db.execute("CREATE TABLE pair (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b))");
    db.execute("INSERT INTO pair (a, b) VALUES (1, 2), (3, 4)");
    let key = "CONSTRAINT kid_pair_fk FOREIGN KEY (pa, pb) REFERENCES pair (a, b)";
    let rows = "INSERT INTO kid (id, pb, pa) VALUES (1, 2, 1), (2, 4, 1), (3, 2, 3), (4, NULL, 9)";
    match db.kind {
        Kind::Sqlite => db.execute(&format!(
            "CREATE TABLE kid (id INTEGER PRIMARY KEY, pb INTEGER, pa INTEGER, {key});
             PRAGMA foreign_keys = OFF; {rows};"
        )),
        Kind::Mysql => db.execute(&format!(
            "CREATE TABLE kid (id INTEGER PRIMARY KEY, pb INTEGER, pa INTEGER, {key});
             SET foreign_key_checks = 0; {rows}; SET foreign_key_checks = 1"
        )),
        Kind::Postgres => db.execute(&format!(
            "CREATE TABLE kid (id INTEGER PRIMARY KEY, pb INTEGER, pa INTEGER);
             {rows}; ALTER TABLE kid ADD {key} NOT VALID"
        )),
    }
    let h = health(db, None);
    let v = &h.foreign_keys.violations;
    assert_eq!(v.len(), 1, "{h:#?}");
    assert_eq!(
        (v[0].columns.as_slice(), v[0].rows),
        (&["pa".to_string(), "pb".to_string()][..], 2)
    );
}

fn pending_and_changed_migrations_are_reported(db: &TestDb) {
    apply(db, &set(db, SHOP));
    let edited = "depends_on: [0001_parent]\nup: CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, note VARCHAR(10), CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: DROP TABLE child;\n";
    let later = "depends_on: [0002_child]\nup: CREATE TABLE later (id INTEGER PRIMARY KEY);\ndown: DROP TABLE later;\n";
    let next = set(
        db,
        &[
            SHOP[0],
            ("0002_child.yaml", edited),
            ("0003_later.yaml", later),
        ],
    );
    let h = health(db, Some(&next));
    assert!(!h.healthy, "{h:#?}");
    let m = h.migrations.as_ref().unwrap();
    assert!(!m.ok);
    assert_eq!(
        (m.applied, m.pending, m.changed, m.failed, m.missing),
        (1, 1, 1, 0, 0)
    );
    let attention: Vec<(&str, MigrationState)> = m
        .attention
        .iter()
        .map(|i| (i.id.as_str(), i.state))
        .collect();
    assert_eq!(
        attention,
        [
            ("0002_child", MigrationState::Changed),
            ("0003_later", MigrationState::Pending)
        ]
    );
    // Everything else is still fine: only the migration check fails.
    assert!(h.integrity.ok && h.foreign_keys.ok && h.storage.ok);
}

fn optimize_reports_every_table(db: &TestDb) {
    apply(db, &set(db, SHOP));
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a')");
    let report = cairn::ops::optimize(connect(db).as_mut(), false).unwrap();
    let tables: Vec<&str> = report.tables.iter().map(|t| t.table.as_str()).collect();
    assert_eq!(
        tables,
        [
            "cairn_migrations",
            "cairn_migrations_log",
            "child",
            "parent"
        ],
        "{report:#?}"
    );
    for t in &report.tables {
        assert!(t.actions.iter().any(|a| a == "analyze"), "{report:#?}");
    }
    if db.kind == Kind::Mysql {
        // The server's own words for each table, e.g. "status: OK".
        assert!(
            report.tables.iter().all(|t| !t.messages.is_empty()),
            "{report:#?}"
        );
    }
    assert!(!report.vacuum && report.bytes_before > 0, "{report:#?}");
    // Still healthy afterwards (SQLite's ANALYZE adds sqlite_stat tables, which are not ours).
    let h = health(db, None);
    assert!(h.healthy, "{h:#?}");
    assert!(
        h.storage
            .tables
            .iter()
            .all(|t| !t.table.starts_with("sqlite_"))
    );
}

/// A vacuum after deleting a few megabytes gives them back: SQLite `VACUUM`, PostgreSQL
/// `VACUUM FULL`, MySQL `OPTIMIZE TABLE`.
fn vacuum_reclaims_bytes_after_a_big_delete(db: &TestDb) {
    // PostgreSQL: no auto-analyze on `big`, whose snapshot, taken before the DELETE, would
    // keep VACUUM FULL from removing the deleted rows (seen as 16 KB reclaimed under load).
    db.execute(match db.kind {
        Kind::Postgres => {
            "CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT) WITH (autovacuum_enabled = false)"
        }
        _ => "CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT)",
    });
    db.execute(match db.kind {
        Kind::Sqlite => "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO big (id, payload) SELECT i, hex(randomblob(500)) FROM n",
        Kind::Postgres => "INSERT INTO big (id, payload) SELECT i, repeat(md5(i::text), 31) FROM generate_series(1, 4000) AS i",
        Kind::Mysql => "INSERT INTO big (id, payload) SELECT seq, REPEAT(MD5(seq), 31) FROM seq_1_to_4000",
    });
    db.execute("DELETE FROM big");
    // Every transaction id below this one had started when the DELETE committed.
    let after_delete = match db.kind {
        Kind::Postgres => {
            db.scalar_i64("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
        }
        _ => 0,
    };
    // PostgreSQL keeps deleted rows while any snapshot may still see them, and VACUUM FULL
    // then copies them along: the server decides when they can go, not Cairn. Two kinds of
    // snapshot keep them: one held by another session of this database (an ANALYZE, say), and
    // the vacuum's own, whose horizon stays below the DELETE while a transaction that started
    // before it runs anywhere in the cluster (another test's). So wait until neither exists,
    // then vacuum; a snapshot taken between the two is retried.
    let mut conn = connect(db);
    let mut report = None;
    for _ in 0..5 {
        if db.kind == Kind::Postgres {
            wait_until_no_older_snapshot(db, after_delete);
        }
        let r = cairn::ops::optimize(conn.as_mut(), true).unwrap();
        let done = r.bytes_reclaimed > 2_000_000 || db.kind != Kind::Postgres;
        report = Some(r);
        if done {
            break;
        }
    }
    let report = report.unwrap();
    eprintln!(
        "{}: {} -> {} bytes ({} reclaimed) in {} ms",
        db.kind, report.bytes_before, report.bytes_after, report.bytes_reclaimed, report.elapsed_ms
    );
    assert!(report.vacuum);
    assert!(
        report.bytes_reclaimed > 2_000_000,
        "{} reclaimed: {report:#?}",
        report.bytes_reclaimed
    );
    assert_eq!(
        report.bytes_reclaimed,
        report.bytes_before - report.bytes_after
    );
    let big = report.tables.iter().find(|t| t.table == "big").unwrap();
    let compaction = match db.kind {
        Kind::Sqlite => "vacuum",
        Kind::Postgres => "vacuum full",
        Kind::Mysql => "optimize",
    };
    assert!(big.actions.iter().any(|a| a == compaction), "{report:#?}");
}

cairn_tests::on_every_backend!(
    a_healthy_database_is_healthy,
    real_orphan_rows_are_reported,
    composite_key_orphans_are_counted,
    pending_and_changed_migrations_are_reported,
    optimize_reports_every_table,
    vacuum_reclaims_bytes_after_a_big_delete,
    health_round_trips_do_not_grow_with_tables,
    health_counts_indexes_and_advises_unindexed_keys,
    health_reads_the_server_counters,
    optimize_reindexes_every_table,
);

/// An index left invalid by a failed `CREATE UNIQUE INDEX CONCURRENTLY` is an integrity
/// problem: PostgreSQL keeps it, maintains it on every write and never uses it.
#[test]
fn postgres_invalid_index_is_an_integrity_problem() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    db.execute("INSERT INTO t VALUES (1, 7), (2, 7)");
    let failed = db
        .connect()
        .try_execute("CREATE UNIQUE INDEX CONCURRENTLY t_v_key ON t (v)");
    assert!(failed.is_err());
    let h = health(&db, None);
    assert!(!h.healthy && !h.integrity.ok, "{h:#?}");
    assert_eq!(h.integrity.problems.len(), 1, "{h:#?}");
    assert!(
        h.integrity.problems[0].starts_with("index t_v_key on t is invalid"),
        "{h:#?}"
    );
}

/// A validated key whose triggers were disabled (as `pg_restore --disable-triggers` does)
/// guards nothing, so its orphans are counted too.
#[test]
fn postgres_key_with_disabled_triggers_is_checked() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    db.execute(
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))",
    );
    assert!(health(&db, None).healthy);
    db.execute("ALTER TABLE child DISABLE TRIGGER ALL");
    db.execute("INSERT INTO child VALUES (1, 5)");
    let h = health(&db, None);
    assert_eq!(h.foreign_keys.violations.len(), 1, "{h:#?}");
    assert_eq!(h.foreign_keys.violations[0].rows, 1);
}

/// A corrupt index (its root pointed at an empty b-tree through `writable_schema`, so its
/// entries are missing) is reported by `PRAGMA integrity_check` with SQLite's own words.
#[test]
fn sqlite_corrupt_index_is_an_integrity_problem() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);
         CREATE INDEX t_v ON t (v);
         CREATE TABLE e (v INTEGER);
         CREATE INDEX e_v ON e (v);
         INSERT INTO t (id, v) VALUES (1, 10), (2, 20), (3, 30);",
    );
    assert!(health(&db, None).healthy);
    db.execute(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET rootpage = (SELECT rootpage FROM sqlite_schema WHERE name = 'e_v')
         WHERE name = 't_v';",
    );
    let h = health(&db, None);
    assert!(!h.healthy && !h.integrity.ok, "{h:#?}");
    assert!(
        h.integrity.problems.iter().any(|p| p.contains("t_v")),
        "{h:#?}"
    );
}

/// Row counts are exact for more tables than one SQLite compound SELECT may hold (500).
#[test]
fn row_counts_cover_more_tables_than_one_compound_select_holds() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    let mut sql = String::new();
    for i in 0..620 {
        sql.push_str(&format!("CREATE TABLE t{i:03} (id INTEGER PRIMARY KEY);\n"));
    }
    sql.push_str("INSERT INTO t000 VALUES (1), (2); INSERT INTO t619 VALUES (1);");
    db.execute(&sql);
    let counts = cairn::ops::row_counts(connect(&db).as_mut(), false).unwrap();
    assert_eq!(counts.len(), 620);
    let rows = |name: &str| counts.iter().find(|c| c.table == name).unwrap().rows;
    assert_eq!((rows("t000"), rows("t001"), rows("t619")), (2, 0, 1));
    // Health counts the same tables, named by its size query instead of introspection.
    let h = health(&db, None);
    assert!(h.healthy);
    assert_eq!(h.storage.tables.len(), 620);
    assert_eq!(
        (
            rows_of(&h, "t000"),
            rows_of(&h, "t001"),
            rows_of(&h, "t619")
        ),
        (Some(2), Some(0), Some(1))
    );
}

/// Returns once no transaction that started before `horizon` (a transaction id) still runs
/// anywhere in the cluster, and no other session of `db`'s database holds a snapshot.
fn wait_until_no_older_snapshot(db: &TestDb, horizon: i64) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut observer = db.connect();
    loop {
        let oldest_running =
            observer.scalar_i64("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
        let snapshots = observer.scalar_i64(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL)",
        );
        if oldest_running >= horizon && snapshots == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a transaction older than the DELETE kept running for a minute ({} in {})",
            oldest_running,
            db.name()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
