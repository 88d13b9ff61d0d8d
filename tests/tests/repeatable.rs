//! A Flyway repeatable (`R__`) migration whose changed SQL fails when it is run again keeps
//! its previous history row, on every backend, in a transaction or not: the row the next `up`
//! compares against is still the last run that succeeded, so that `up` runs the repeatable
//! again (instead of stopping on a `failed` row, or forgetting it was ever applied), and the
//! error says truly what became of the database and its history.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::Migrate;
use std::path::Path;

use cairn::layout::Layout;
use cairn::{AppliedMigration, Error, HistoryStatus, MigrationSet, Options, UpTarget};
use cairn_tests::{Kind, TestDb};

const TABLE: &str = "CREATE TABLE item (id INTEGER PRIMARY KEY, price INTEGER NOT NULL);\n\
                     INSERT INTO item (id, price) VALUES (1, 10);\n";
const VIEW: &str = "DROP VIEW IF EXISTS item_prices;\n\
                    CREATE VIEW item_prices AS SELECT id, price FROM item;\n";
/// The second statement names a table that does not exist (every database checks that when
/// it runs the statement; SQLite would accept a view of a missing column).
const BROKEN: &str = "DROP VIEW IF EXISTS item_prices;\n\
                      INSERT INTO no_such_table (id) VALUES (1);\n";
const FIXED: &str = "DROP VIEW IF EXISTS item_prices;\n\
                     CREATE VIEW item_prices AS SELECT id, price * 2 AS price FROM item;\n";

const REPEATABLE: &str = "R__item_prices.sql";

fn load(dir: &Path, db: &TestDb) -> MigrationSet {
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    cairn::layout::load(dir, Layout::Flyway, dialect).unwrap()
}

fn row_of(history: &[AppliedMigration], id: &str) -> AppliedMigration {
    history
        .iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("no history row for {id}: {history:?}"))
        .clone()
}

fn failing_rerun(db: &TestDb, transaction: bool) {
    let what = format!("{} (transaction: {transaction})", db.kind);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("V1__item.sql"), TABLE).unwrap();
    std::fs::write(dir.path().join(REPEATABLE), VIEW).unwrap();
    if !transaction {
        let conf = dir.path().join(format!("{REPEATABLE}.conf"));
        std::fs::write(conf, "executeInTransaction=false\n").unwrap();
    }
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let up = |backend: &mut dyn cairn::Driver, set: &MigrationSet| {
        cairn::up(backend, set, &UpTarget::All, &opts, &mut |_| {})
    };
    let set = load(dir.path(), db);
    let id = set.iter().last().unwrap().id.clone();
    assert_eq!(set.get(&id).unwrap().transaction, transaction, "{what}");
    up(backend.as_mut(), &set).unwrap_or_else(|e| panic!("{what}: first up: {e}"));
    let before = row_of(&backend.history().unwrap(), &id);

    std::fs::write(dir.path().join(REPEATABLE), BROKEN).unwrap();
    let set = load(dir.path(), db);
    let atomic = transaction && db.kind != Kind::Mysql;
    for attempt in ["first", "second"] {
        let e = up(backend.as_mut(), &set).expect_err("the broken view must fail");
        let message = e.to_string();
        let Error::Statement(failure) = e else {
            panic!("{what}: {attempt} failing re-run: not a statement failure: {message}");
        };
        assert_eq!(failure.id, id, "{what}");
        assert_eq!(failure.statement, 2, "{what}: {message}");
        assert_eq!(failure.rolled_back, atomic, "{what}: {message}");
        assert_eq!(failure.previous_row_kept, !atomic, "{what}: {message}");
        let says = if atomic {
            "the migration was rolled back: the database and its history are as before"
        } else {
            "its history row is still the previous run's, so the next `migrate up` runs it again"
        };
        assert!(message.contains(says), "{what}: {message}");
        // The previous run's row, unchanged: same checksum, SQL, status, rank and time.
        let history = backend.history().unwrap();
        assert_eq!(
            row_of(&history, &id),
            before,
            "{what}: after {attempt} failure"
        );
        assert_eq!(history.len(), 2, "{what}: {history:?}");
        assert_eq!(db.history_status(&id), Some(("applied".to_string(), None)));
    }
    if atomic {
        let view = cairn_tests::rows(db, "SELECT id, price FROM item_prices");
        assert_eq!(view, [["1", "10"]], "{what}: the old view is still there");
    }

    std::fs::write(dir.path().join(REPEATABLE), FIXED).unwrap();
    let set = load(dir.path(), db);
    let fixed = up(backend.as_mut(), &set).unwrap_or_else(|e| panic!("{what}: fixed up: {e}"));
    let ran: Vec<&str> = fixed.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ran, [id.as_str()], "{what}");
    let after = row_of(&backend.history().unwrap(), &id);
    assert_eq!(after.checksum, set.get(&id).unwrap().checksum.to_hex());
    assert_ne!(after.checksum, before.checksum, "{what}");
    assert_eq!(after.status, HistoryStatus::Applied, "{what}");
    assert!(after.rank > before.rank, "{what}: re-run at a new rank");
    assert_eq!(backend.history().unwrap().len(), 2, "{what}");
    let view = cairn_tests::rows(db, "SELECT id, price FROM item_prices");
    assert_eq!(view, [["1", "20"]], "{what}: the fixed view");
}

/// In a transaction the failed re-run is rolled back with its history change (except on
/// MySQL, where DDL commits: the previous row is put back there).
fn failing_rerun_keeps_previous_row(db: &TestDb) {
    failing_rerun(db, true);
}

/// Outside a transaction the rows are swapped before the statements run, and the previous
/// one is put back when a statement fails.
fn failing_rerun_outside_transaction_keeps_previous_row(db: &TestDb) {
    failing_rerun(db, false);
}

cairn_tests::on_every_backend!(
    failing_rerun_keeps_previous_row,
    failing_rerun_outside_transaction_keeps_previous_row,
);
