//! What `ops::health` adds beside its checks (issue 16 items 15 and 17): the time of the
//! report, tables and rows, indexes per table, the server's counters, the advisory of foreign
//! keys without an index; and `ops::optimize_with` rebuilding every index.

use cairn::ops::OptimizeOptions;
use cairn_tests::{Kind, TestDb};

use super::{SHOP, apply, connect, health, set};

fn indexes_of(h: &cairn::ops::Health, table: &str) -> Option<usize> {
    h.storage
        .tables
        .iter()
        .find(|t| t.table == table)
        .unwrap_or_else(|| panic!("no table {table} in {:?}", h.storage.tables))
        .indexes
}

/// `child.parent_id` has a key and no index: advised on SQLite and PostgreSQL, and gone once
/// indexed; MySQL indexes every key itself, so it advises nothing and says why. The advice
/// never makes the database unhealthy.
pub fn health_counts_indexes_and_advises_unindexed_keys(db: &TestDb) {
    let set = set(db, SHOP);
    apply(db, &set);
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b')");
    db.execute("INSERT INTO child (id, parent_id) VALUES (1, 1)");
    let h = health(db, Some(&set));
    assert!(h.healthy, "{h:#?}");
    // RFC 3339 in UTC with milliseconds: 2026-05-20T09:30:00.125Z.
    let t = h.checked_at.as_bytes();
    assert_eq!(
        (t.len(), t[10], t[19], t[23]),
        (24, b'T', b'.', b'Z'),
        "{}",
        h.checked_at
    );
    let s = &h.storage;
    assert_eq!(s.tables_checked, s.tables.len());
    assert!(s.tables_checked >= 3, "{s:#?}");
    // parent 2, child 1, the history 2 (its log table too: one row per run).
    let rows: u64 = s.tables.iter().filter_map(|t| t.rows).sum();
    assert_eq!(s.total_rows, Some(rows));
    assert!(rows >= 5, "{s:#?}");
    // Primary keys only; on MySQL child also has the index InnoDB made for its key.
    assert_eq!(indexes_of(&h, "parent"), Some(1));
    let implicit = usize::from(db.kind == Kind::Mysql);
    assert_eq!(indexes_of(&h, "child"), Some(1 + implicit));
    // Cairn's own tables are not introspected: no count rather than a wrong one.
    assert_eq!(indexes_of(&h, "cairn_migrations"), None);

    let advised: Vec<(String, Vec<String>, String)> = h
        .advisory
        .unindexed_foreign_keys
        .iter()
        .map(|k| (k.table.clone(), k.columns.clone(), k.references.clone()))
        .collect();
    assert!(h.advisory.error.is_none(), "{h:#?}");
    if db.kind == Kind::Mysql {
        assert!(advised.is_empty(), "{advised:?}");
        assert!(h.advisory.note.as_deref().unwrap().contains("InnoDB"));
    } else {
        assert_eq!(
            advised,
            [("child".into(), vec!["parent_id".into()], "parent".into())]
        );
        assert!(h.advisory.note.is_none());
    }

    db.execute("CREATE INDEX idx_child_parent_id ON child (parent_id)");
    let h = health(db, Some(&set));
    assert!(h.healthy, "{h:#?}");
    assert!(h.advisory.unindexed_foreign_keys.is_empty(), "{h:#?}");
    // MySQL dropped its own index for the new one: still two.
    assert_eq!(indexes_of(&h, "child"), Some(2));
}

/// Connections, cache hit ratio and slow queries, as the server counts them; SQLite has none.
pub fn health_reads_the_server_counters(db: &TestDb) {
    apply(db, &set(db, SHOP));
    let h = health(db, None);
    let Some(server) = &h.server else {
        assert_eq!(db.kind, Kind::Sqlite, "{h:#?}");
        return;
    };
    assert!(server.error.is_none(), "{server:#?}");
    let c = server.connections.as_ref().unwrap();
    // This session at least, running the query that counts.
    assert!(c.total >= 1 && c.active >= 1, "{server:#?}");
    assert!(c.active + c.idle <= c.total, "{server:#?}");
    let ratio = server.cache_hit_ratio.unwrap();
    assert!((0.0..=1.0).contains(&ratio), "{server:#?}");
    match db.kind {
        Kind::Postgres => {
            assert_eq!(server.scope, "database");
            assert_eq!(server.slow_queries, None, "{server:#?}");
            assert_eq!(
                server.notes,
                ["pg_stat_statements not installed: no slow-query count"]
            );
            // Installed, on a server that loads it (`cargo xtask test` does): a statement of a
            // second or more is a slow query of this database.
            db.execute("CREATE EXTENSION pg_stat_statements");
            db.execute("SELECT pg_sleep(1.05)");
            let h = health(db, None);
            let server = h.server.unwrap();
            eprintln!("postgres with pg_stat_statements: {server:?}");
            match server.slow_queries {
                Some(n) => assert!(n >= 1, "{server:#?}"),
                None => assert!(
                    server.notes[0].contains("shared_preload_libraries"),
                    "{server:#?}"
                ),
            }
        }
        _ => {
            assert_eq!(server.scope, "server");
            assert!(server.slow_queries.is_some(), "{server:#?}");
        }
    }
}

/// `reindex` rebuilds every index of every table in a fixed number of statements and says
/// which tables; the database stays healthy.
pub fn optimize_reindexes_every_table(db: &TestDb) {
    let set = set(db, SHOP);
    apply(db, &set);
    db.execute("CREATE INDEX idx_child_parent_id ON child (parent_id)");
    db.execute("INSERT INTO parent (id, name) VALUES (1, 'a')");
    let mut conn = connect(db);
    let options = OptimizeOptions {
        vacuum: false,
        reindex: true,
    };
    let r = cairn::ops::optimize_with(conn.as_mut(), options).unwrap();
    assert!(r.reindex, "{r:#?}");
    // Every table health sees, the history among them.
    let tables: Vec<String> = health(db, None)
        .storage
        .tables
        .into_iter()
        .map(|t| t.table)
        .collect();
    assert_eq!(r.reindexed, tables, "{r:#?}");
    let reindexed: Vec<&str> = r.reindexed.iter().map(String::as_str).collect();
    for t in ["child", "parent", "cairn_migrations"] {
        assert!(reindexed.contains(&t), "{r:#?}");
        let done = r.tables.iter().find(|a| a.table == t).unwrap();
        assert!(done.actions.iter().any(|a| a == "reindex"), "{r:#?}");
    }
    match db.kind {
        Kind::Sqlite => assert_eq!(r.reindex_statements, ["REINDEX"]),
        Kind::Postgres => assert_eq!(r.reindex_statements, ["REINDEX SCHEMA public"]),
        Kind::Mysql => {
            assert_eq!(r.reindex_statements.len(), 1, "{r:#?}");
            assert!(r.reindex_statements[0].starts_with("OPTIMIZE TABLE "));
            let child = r.tables.iter().find(|a| a.table == "child").unwrap();
            assert!(child.messages.iter().any(|m| m == "status: OK"), "{r:#?}");
        }
    }
    // With a vacuum, MySQL's OPTIMIZE TABLE already rebuilt the indexes: not run twice.
    let both = OptimizeOptions {
        vacuum: true,
        reindex: true,
    };
    let r = cairn::ops::optimize_with(conn.as_mut(), both).unwrap();
    assert_eq!(r.reindexed.len(), reindexed.len(), "{r:#?}");
    if db.kind == Kind::Mysql {
        assert!(r.reindex_statements.is_empty(), "{r:#?}");
    }
    // Without it, nothing is reindexed.
    let r = cairn::ops::optimize(conn.as_mut(), false).unwrap();
    assert!(!r.reindex && r.reindexed.is_empty(), "{r:#?}");
    assert!(health(db, Some(&set)).healthy);
}
