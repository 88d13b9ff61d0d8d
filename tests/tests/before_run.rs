//! `up_with` / `down_with` call their hook under the run's own lock, with the plan the run is
//! about to execute, on every backend: another runner cannot take the lock between the hook
//! (the CLI's automatic backup) and the run, and an error from the hook stops the run before
//! any statement.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;
use std::time::Duration;

use cairn::{DownTarget, Driver, Error, MigrationSet, Options, SourceFile, UpTarget};
use cairn_tests::TestDb;

fn set(db: &TestDb) -> MigrationSet {
    let files = [
        (
            "0001_a",
            "up: CREATE TABLE ba (id INTEGER);\ndown: DROP TABLE ba;\n",
        ),
        (
            "0002_b",
            "depends_on: [0001_a]\nup: CREATE TABLE bb (id INTEGER);\ndown: DROP TABLE bb;\n",
        ),
    ]
    .iter()
    .map(|(id, text)| SourceFile {
        path: PathBuf::from("migrations").join(format!("{id}.yaml")),
        default_id: id.to_string(),
        text: text.to_string(),
    })
    .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

/// Whether a second runner could take the migration lock right now.
fn lock_is_free(db: &TestDb) -> bool {
    let mut other = cairn_tests::registry().connect(&db.url).unwrap();
    match other.lock(Duration::ZERO) {
        Ok(()) => {
            other.unlock().unwrap();
            true
        }
        Err(_) => false,
    }
}

fn the_hook_runs_under_the_runs_lock_with_its_plan(db: &TestDb) {
    let s = set(db);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let mut seen = Vec::new();
    let mut before = |_: &mut dyn Driver, ids: &[String]| {
        seen.push((ids.to_vec(), lock_is_free(db)));
        Ok(())
    };
    cairn::up_with(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &opts,
        &mut before,
        &mut |_| {},
    )
    .unwrap();
    cairn::down_with(
        conn.as_mut(),
        &s,
        &DownTarget::Steps(1),
        &opts,
        &mut before,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(
        seen,
        [
            (vec!["0001_a".to_string(), "0002_b".to_string()], false),
            (vec!["0002_b".to_string()], false),
        ],
        "{}",
        db.kind.name()
    );
    assert!(lock_is_free(db), "released after the run");
}

fn an_error_from_the_hook_stops_the_run_before_any_statement(db: &TestDb) {
    let s = set(db);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let mut before = |_: &mut dyn Driver, _: &[String]| -> cairn::Result<()> {
        Err(Error::UnknownMigration("refused by the hook".into()))
    };
    let err = cairn::up_with(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &Options::default(),
        &mut before,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("refused by the hook"), "{err}");
    assert!(
        db.tables().iter().all(|t| t == "cairn_migrations"),
        "{:?}",
        db.tables()
    );
    assert!(lock_is_free(db));
}

cairn_tests::on_every_backend!(
    the_hook_runs_under_the_runs_lock_with_its_plan,
    an_error_from_the_hook_stops_the_run_before_any_statement,
);
