//! What a `migrate up` costs in queries, counted through `cairn_tests::Counted`: the history
//! table is made by the read that starts the run (its catalog is asked only when the read
//! fails), so an up-to-date database costs one history query and no catalog query. No timing
//! is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::{MigrationSet, Options, SourceFile, UpTarget};
use cairn_tests::{Counted, TestDb};

/// `files` (name, YAML) loaded for `db`'s dialect.
fn set_of(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from("migrations").join(path),
            default_id: path.trim_end_matches(".yaml").to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

fn set(db: &TestDb) -> MigrationSet {
    set_of(
        db,
        &[
            (
                "0001_a.yaml",
                "up: CREATE TABLE a (x INTEGER)\ndown: DROP TABLE a\n",
            ),
            (
                "0002_b.yaml",
                "depends_on: [0001_a]\nup: CREATE TABLE b (x INTEGER)\ndown: DROP TABLE b\n",
            ),
        ],
    )
}

/// The history reads, history catalog queries and executes `counted` saw.
fn history_cost(counted: &Counted<'_>) -> (usize, usize, usize) {
    (
        counted.count("history"),
        counted.count("history_columns"),
        counted.count("execute"),
    )
}

fn up_to_date_costs_one_history_query(db: &TestDb) {
    let set = set(db);
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let up = |counted: &mut Counted<'_>| {
        cairn::up(counted, &set, &UpTarget::All, &opts, &mut |_| {}).unwrap()
    };

    // A new database: the read fails, the catalog says there is no table, it is made.
    let mut counted = Counted::new(backend.as_mut());
    assert_eq!(up(&mut counted).migrations.len(), 2, "{}", db.kind);
    let (history, columns, _) = history_cost(&counted);
    assert_eq!(
        (history, columns),
        (1, 1),
        "{}: {:?}",
        db.kind,
        counted.calls
    );
    assert_eq!(db.history_ids(), ["0001_a", "0002_b"], "{}", db.kind);

    // Up to date: the rows, and nothing else of the history table.
    let mut counted = Counted::new(backend.as_mut());
    assert!(up(&mut counted).migrations.is_empty(), "{}", db.kind);
    assert_eq!(
        history_cost(&counted),
        (1, 0, 0),
        "{}: {:?}",
        db.kind,
        counted.calls
    );

    // A table of the same name made by something else is still refused, naming it.
    let other = TestDb::new(db.kind).unwrap();
    other.execute("CREATE TABLE cairn_migrations (id INTEGER)");
    let mut backend = cairn_tests::registry().connect(&other.url).unwrap();
    let err = cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("lacks columns"), "{}: {err}", db.kind);
}

/// `--single-transaction` sends each migration's statements in one call (a statement ending
/// in a `--` comment included) and the history rows in one `INSERT` before the commit.
fn one_transaction_costs_a_call_per_migration(db: &TestDb) {
    let three = "up: |\n  CREATE TABLE c (x INTEGER) -- the table\n  ;\n  INSERT INTO c (x) VALUES (1) -- one; row\n  ;\n  INSERT INTO c (x) VALUES (2)\ndown: DROP TABLE c\n";
    let files = [
        (
            "0001_a.yaml",
            "up: CREATE TABLE a (x INTEGER); CREATE TABLE a2 (x INTEGER)\ndown: DROP TABLE a2; DROP TABLE a\n",
        ),
        ("0002_c.yaml", three),
    ];
    let set = set_of(db, &files);
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options {
        single_transaction: true,
        ..Options::default()
    };
    // The history table made first, by a run with nothing to apply.
    let dialect = set.dialect();
    let empty = cairn::load_files(Vec::new(), dialect).unwrap();
    cairn::up(backend.as_mut(), &empty, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let mut counted = Counted::new(backend.as_mut());
    let result = cairn::up(&mut counted, &set, &UpTarget::All, &opts, &mut |_| {});
    if db.kind == cairn_tests::Kind::Mysql {
        assert!(result.is_err(), "refused: MySQL commits DDL");
        return;
    }
    assert_eq!(result.unwrap().migrations.len(), 2, "{}", db.kind);
    // Five statements in two calls, and the history rows in one `INSERT`; the audit log adds
    // one call: its `CREATE TABLE IF NOT EXISTS` and its `INSERT` of the run's entries.
    assert_eq!(
        (
            counted.count("execute"),
            counted.count("execute_with"),
            counted.count("execute_all")
        ),
        (2, 1, 1),
        "{}: {:?}",
        db.kind,
        counted.calls
    );
    assert_eq!(db.scalar_i64("SELECT SUM(x) FROM c"), 3, "{}", db.kind);
    assert_eq!(db.history_ids(), ["0001_a", "0002_c"], "{}", db.kind);
}

/// A migration in a transaction of its own sends its statements in one call; when they fail,
/// they run again one by one, so the error still names the statement, and nothing is left.
fn a_migration_sends_its_statements_in_one_call(db: &TestDb) {
    let files = [
        (
            "0001_a.yaml",
            "up: |\n  CREATE TABLE a (x INTEGER) -- the table\n  ;\n  INSERT INTO a (x) VALUES (1) -- one; row\n  ;\n  INSERT INTO a (x) VALUES (2)\ndown: DROP TABLE a\n",
        ),
        (
            "0002_b.yaml",
            "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (x INTEGER);\n  INSERT INTO missing_table (x) VALUES (1);\n  INSERT INTO b (x) VALUES (1);\ndown: DROP TABLE b\n",
        ),
        (
            "0003_c.yaml",
            "depends_on: [0001_a]\nup: |\n  ALTER TABLE a ADD COLUMN y INTEGER;\n  UPDATE a SET y = x;\ndown: ALTER TABLE a DROP COLUMN y\n",
        ),
    ];
    let set = set_of(db, &files);
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let first = UpTarget::To("0001_a".into());
    let empty = cairn::load_files(Vec::new(), set.dialect()).unwrap();
    cairn::up(backend.as_mut(), &empty, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let mut counted = Counted::new(backend.as_mut());
    cairn::up(&mut counted, &set, &first, &opts, &mut |_| {}).unwrap();
    assert_eq!(db.scalar_i64("SELECT SUM(x) FROM a"), 3, "{}", db.kind);
    // One call for the three statements, and one for the audit log. MySQL commits each DDL
    // statement, so it sends the `running` row, each statement with its progress record, and
    // the `applied` record in one call instead.
    assert_eq!(
        (counted.count("execute"), counted.count("execute_all")),
        if db.kind == cairn_tests::Kind::Mysql {
            (0, 1 + 1)
        } else {
            (1, 1)
        },
        "{}: {:?}",
        db.kind,
        counted.calls
    );
    assert_eq!(
        counted.count("settle"),
        0,
        "{}: {:?}",
        db.kind,
        counted.calls
    );
    // Work on existing data that could take long is sent one statement at a time, so a late
    // failure never runs twice.
    let mut counted = Counted::new(backend.as_mut());
    cairn::up(
        &mut counted,
        &set,
        &UpTarget::To("0003_c".into()),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        (counted.count("execute"), counted.count("execute_all")),
        if db.kind == cairn_tests::Kind::Mysql {
            (0, 1 + 1)
        } else {
            (2, 1)
        },
        "{}: {:?}",
        db.kind,
        counted.calls
    );
    let mut counted = Counted::new(backend.as_mut());
    let err = cairn::up(&mut counted, &set, &UpTarget::All, &opts, &mut |_| {}).unwrap_err();
    let cairn::Error::Statement(failure) = &err else {
        panic!("{}: {err}", db.kind);
    };
    assert_eq!(
        (
            failure.id.as_str(),
            failure.statement,
            failure.count,
            failure.line
        ),
        ("0002_b", 2, 3, 4),
        "{}: {err}",
        db.kind
    );
    if db.kind != cairn_tests::Kind::Mysql {
        // Together (failed), then the first two one by one; the audit log is one more call.
        assert_eq!(
            (counted.count("execute"), counted.count("execute_all")),
            (1 + 2, 1),
            "{}: {:?}",
            db.kind,
            counted.calls
        );
        assert!(!db.tables().contains(&"b".to_string()), "{}", db.kind);
        assert_eq!(db.history_ids(), ["0001_a", "0003_c"], "{}", db.kind);
    } else {
        // One call up to the failure; the row's transaction rolled back, the failure recorded.
        assert_eq!(
            (counted.count("execute_all"), counted.count("rollback")),
            (1 + 1, 1),
            "{:?}",
            counted.calls
        );
        assert!(db.tables().contains(&"b".to_string()));
        assert_eq!(
            db.scalar_i64("SELECT failed_statement FROM cairn_migrations WHERE id = '0002_b' AND status = 'failed'"),
            2
        );
    }
}

cairn_tests::on_every_backend!(
    up_to_date_costs_one_history_query,
    one_transaction_costs_a_call_per_migration,
    a_migration_sends_its_statements_in_one_call
);
