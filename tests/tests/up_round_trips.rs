//! What a `migrate up` costs in queries, counted through `cairn_tests::Counted`: the history
//! table is made by the read that starts the run (its catalog is asked only when the read
//! fails), so an up-to-date database costs one history query and no catalog query. No timing
//! is asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::{MigrationSet, Options, SourceFile, UpTarget};
use cairn_tests::{Counted, TestDb};

fn set(db: &TestDb) -> MigrationSet {
    let files = [
        (
            "0001_a.yaml",
            "up: CREATE TABLE a (x INTEGER)\ndown: DROP TABLE a\n",
        ),
        (
            "0002_b.yaml",
            "depends_on: [0001_a]\nup: CREATE TABLE b (x INTEGER)\ndown: DROP TABLE b\n",
        ),
    ]
    .iter()
    .map(|(path, text)| SourceFile {
        path: PathBuf::from("migrations").join(path),
        default_id: path.trim_end_matches(".yaml").to_string(),
        text: text.to_string(),
    })
    .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
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

cairn_tests::on_every_backend!(up_to_date_costs_one_history_query);
