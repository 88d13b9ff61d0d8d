//! `Driver::query_each` on SQLite: rows handed over one at a time as they are read, in order,
//! and a caller's error stops the query and comes back as it was; the history is read
//! through it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::{BackendError, Driver, Migrate};
use cairn_sqlite::Sqlite;

fn open(dir: &tempfile::TempDir) -> Sqlite {
    let url = format!("sqlite:{}", dir.path().join("q.db").display());
    Sqlite::open(&url).unwrap()
}

#[test]
fn rows_come_in_order_and_a_callers_error_stops_the_query() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(&dir);
    db.execute(
        "CREATE TABLE t (n INTEGER, s TEXT); INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c')",
    )
    .unwrap();
    let mut seen = Vec::new();
    db.query_each("SELECT n, s FROM t ORDER BY n", &mut |row| {
        seen.push(row);
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, db.query("SELECT n, s FROM t ORDER BY n").unwrap());
    assert_eq!(seen.len(), 3);

    let mut count = 0;
    let err = db
        .query_each("SELECT n FROM t ORDER BY n", &mut |_| {
            count += 1;
            if count == 2 {
                return Err(BackendError::Other("enough".into()));
            }
            Ok(())
        })
        .unwrap_err();
    assert_eq!(count, 2, "stopped at the error");
    assert!(
        matches!(&err, BackendError::Other(m) if m == "enough"),
        "{err:?}"
    );

    let err = db
        .query_each("SELECT nope FROM t", &mut |_| Ok(()))
        .unwrap_err();
    assert!(
        matches!(&err, BackendError::Sql { message, .. } if message.contains("no such column")),
        "{err:?}"
    );
}

#[test]
fn a_damaged_history_row_is_named_through_the_streamed_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(&dir);
    db.ensure_history().unwrap();
    db.execute(
        "INSERT INTO cairn_migrations (id, checksum, description, applied_at, execution_ms, applied_by, engine_version, depends_on, status, installed_rank)
         VALUES ('a', 'x', 'a', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 1),
                ('b', 'x', 'b', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 'two')",
    )
    .unwrap();
    let err = db.history().unwrap_err().to_string();
    assert!(
        err.contains("row 2: column installed_rank holds `two`, not a number (migration b)"),
        "{err}"
    );
}

/// The history is read unsorted (no server-side sort of rows with long text) and ordered by
/// rank, then id, whatever order the table returns.
#[test]
fn the_history_comes_by_rank_then_id_whatever_the_table_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = open(&dir);
    db.ensure_history().unwrap();
    db.execute(
        "INSERT INTO cairn_migrations (id, checksum, description, applied_at, execution_ms, applied_by, engine_version, depends_on, status, installed_rank)
         VALUES ('c', 'x', 'c', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 3),
                ('b2', 'x', 'b', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 2),
                ('a', 'x', 'a', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 1),
                ('b1', 'x', 'b', '2026-01-01T00:00:00.000Z', 1, 'me', '0', '', 'applied', 2)",
    )
    .unwrap();
    let ids: Vec<String> = db.history().unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(ids, ["a", "b1", "b2", "c"]);
}
