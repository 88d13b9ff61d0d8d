//! A revert (`down`) that fails outside a transaction (MySQL DDL, or `transaction: false`), on
//! every backend: when no statement of it took effect the migration stays applied; when some
//! did, it is `revert_failed` and `down --resume` finishes the down, never the up; `repair` and
//! `down --steps` never act on the wrong migration.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::{
    DownTarget, Error, Finding, HistoryStatus, Migrate, MigrationSet, Options, Refused, SourceFile,
    UpTarget,
};
use cairn_tests::TestDb;

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

fn tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t != "cairn_migrations")
        .collect()
}

fn up(db: &TestDb, s: &MigrationSet, resume: bool) -> cairn::Result<Vec<String>> {
    let mut conn = cairn_tests::registry().connect(&db.url)?;
    let opts = Options {
        resume,
        ..Options::default()
    };
    let report = cairn::up(conn.as_mut(), s, &UpTarget::All, &opts, &mut |_| {})?;
    Ok(report.migrations.into_iter().map(|m| m.id).collect())
}

fn down(
    db: &TestDb,
    s: &MigrationSet,
    target: DownTarget,
    resume: bool,
) -> cairn::Result<Vec<String>> {
    let mut conn = cairn_tests::registry().connect(&db.url)?;
    let opts = Options {
        resume,
        ..Options::default()
    };
    let report = cairn::down(conn.as_mut(), s, &target, &opts, &mut |_| {})?;
    Ok(report.migrations.into_iter().map(|m| m.id).collect())
}

fn repair(db: &TestDb, id: &str) -> cairn::Result<()> {
    let mut conn = cairn_tests::registry().connect(&db.url)?;
    cairn::repair(conn.as_mut(), id, &Options::default()).map(|_| ())
}

const FIRST: (&str, &str) = (
    "0001_a.yaml",
    "up: CREATE TABLE fa (id INTEGER);\ndown: DROP TABLE fa;\n",
);

fn b(down: &str) -> String {
    format!(
        "transaction: false\ndepends_on: [0001_a]\nup: |\n  CREATE TABLE fb1 (id INTEGER);\n  CREATE TABLE fb2 (id INTEGER);\ndown: |\n{down}"
    )
}

/// The first statement of the down fails: nothing changed, so the migration stays applied
/// (with the failure recorded), `up` has nothing to do, `repair` and `up --resume` have
/// nothing to act on, and `down --steps 1` after the fix reverts that same migration.
fn a_revert_that_changed_nothing_leaves_the_migration_applied(db: &TestDb) {
    let broken = b("  DROP TABLE no_such_table;\n  DROP TABLE fb2;\n  DROP TABLE fb1;\n");
    let s = set(db, &[FIRST, ("0002_b.yaml", &broken)]);
    up(db, &s, false).unwrap();
    let err = down(db, &s, DownTarget::Steps(1), false).unwrap_err();
    let Error::Statement(f) = &err else {
        panic!("{}: {err}", db.kind.name())
    };
    assert_eq!(
        (f.id.as_str(), f.statement, f.rolled_back),
        ("0002_b", 1, false)
    );
    assert!(
        err.to_string()
            .contains("no statement of its down took effect: the migration is still applied"),
        "{err}"
    );
    assert_eq!(tables(db), ["fa", "fb1", "fb2"]);
    assert_eq!(
        db.history_status("0002_b"),
        Some(("applied".to_string(), None))
    );
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let row = conn
        .history()
        .unwrap()
        .into_iter()
        .find(|h| h.id == "0002_b")
        .unwrap();
    assert!(
        row.error.is_some_and(|e| !e.is_empty()),
        "the failure is recorded"
    );

    assert_eq!(up(db, &s, false).unwrap(), Vec::<String>::new());
    assert!(matches!(
        up(db, &s, true),
        Err(Error::Refused(Refused::NothingToResume))
    ));
    assert!(matches!(
        repair(db, "0002_b"),
        Err(Error::Refused(Refused::NotFailed { .. }))
    ));
    let fixed = b("  DROP TABLE fb2;\n  DROP TABLE fb1;\n");
    let s = set(db, &[FIRST, ("0002_b.yaml", &fixed)]);
    assert_eq!(
        down(db, &s, DownTarget::Steps(1), false).unwrap(),
        ["0002_b"]
    );
    assert_eq!(tables(db), ["fa"]);
    assert_eq!(
        db.history_status("0001_a"),
        Some(("applied".to_string(), None))
    );
}

/// Statement 2 of 4 fails: statement 1 took effect, so the migration is `revert_failed`;
/// `up` (with or without `--resume`) refuses and says to resume the down; `down --resume`
/// runs statements 2-4 once and forgets the row.
fn a_revert_that_failed_part_way_resumes_the_down(db: &TestDb) {
    let c = "transaction: false\nup: |\n  CREATE TABLE fc1 (id INTEGER);\n  CREATE TABLE fc2 (id INTEGER);\n  CREATE TABLE fc3 (id INTEGER);\ndown: |\n  DROP TABLE fc3;\n  DROP TABLE fc_missing;\n  DROP TABLE fc2;\n  DROP TABLE fc1;\n";
    let s = set(db, &[FIRST, ("0002_c.yaml", c)]);
    up(db, &s, false).unwrap();
    let err = down(db, &s, DownTarget::Steps(1), false).unwrap_err();
    assert!(
        matches!(&err, Error::Statement(f) if f.statement == 2 && !f.rolled_back),
        "{}: {err}",
        db.kind.name()
    );
    assert!(
        err.to_string().contains(
            "statement 1 of its 4 took effect; fix the cause, then `migrate down --resume` runs it from statement 2"
        ),
        "{err}"
    );
    assert_eq!(tables(db), ["fa", "fc1", "fc2"]);
    assert_eq!(
        db.history_status("0002_c"),
        Some(("revert_failed".to_string(), Some(2)))
    );
    for resume in [false, true] {
        let Err(Error::Validation(findings)) = up(db, &s, resume) else {
            panic!("up --resume={resume} must refuse")
        };
        assert!(
            matches!(&findings[..], [Finding::RevertFailed { id, statement: 2, .. }] if id == "0002_c"),
            "{findings:?}"
        );
        let h = findings[0].headline();
        assert!(
            h.contains("statement 1 of its down took effect")
                && h.contains("migrate down --resume"),
            "{h}"
        );
    }
    assert!(matches!(
        down(db, &s, DownTarget::Steps(1), false),
        Err(Error::Validation(_))
    ));
    assert_eq!(tables(db), ["fa", "fc1", "fc2"], "nothing ran");

    db.execute("CREATE TABLE fc_missing (id INTEGER)");
    assert_eq!(
        down(db, &s, DownTarget::Steps(0), true).unwrap(),
        ["0002_c"]
    );
    // `DROP TABLE fc3` would fail had it run again.
    assert_eq!(tables(db), ["fa"]);
    assert_eq!(db.history_status("0002_c"), None);
    assert_eq!(
        db.history_status("0001_a"),
        Some(("applied".to_string(), None))
    );
    assert!(matches!(
        down(db, &s, DownTarget::Steps(0), true),
        Err(Error::Refused(Refused::NothingToResume))
    ));
}

/// A runner that died while reverting: `down --resume` cannot know where to start and says
/// so; `repair` (after the user finished the revert by hand) forgets the row, after which
/// `down --steps 1` reverts the migration applied before it, as asked.
fn a_revert_whose_runner_died_is_repaired_and_the_next_down_acts_on_the_right_migration(
    db: &TestDb,
) {
    let ok = b("  DROP TABLE fb2;\n  DROP TABLE fb1;\n");
    let s = set(db, &[FIRST, ("0002_b.yaml", &ok)]);
    up(db, &s, false).unwrap();
    db.execute("UPDATE cairn_migrations SET status = 'reverting' WHERE id = '0002_b'");
    db.execute("DROP TABLE fb2");
    let Err(Error::Validation(findings)) = up(db, &s, false) else {
        panic!("up must refuse")
    };
    assert!(
        findings[0].headline().contains("was being reverted"),
        "{findings:?}"
    );
    assert!(matches!(
        down(db, &s, DownTarget::Steps(0), true),
        Err(Error::Refused(Refused::RunnerDied { .. }))
    ));
    db.execute("DROP TABLE fb1");
    repair(db, "0002_b").unwrap();
    assert_eq!(
        down(db, &s, DownTarget::Steps(1), false).unwrap(),
        ["0001_a"]
    );
    assert!(tables(db).is_empty());
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    assert!(conn.history().unwrap().is_empty());
    assert_eq!(HistoryStatus::parse("reverting"), HistoryStatus::Reverting);
}

cairn_tests::on_every_backend!(
    a_revert_that_changed_nothing_leaves_the_migration_applied,
    a_revert_that_failed_part_way_resumes_the_down,
    a_revert_whose_runner_died_is_repaired_and_the_next_down_acts_on_the_right_migration,
);
