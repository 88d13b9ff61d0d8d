//! SQLite's journal mode around a run: a file that already holds pages is put in WAL mode when
//! the run takes its lock; a new, empty file only after the run's first commit, so a
//! `--single-transaction` run of a fresh database writes each page once, into the file. Every
//! file ends in WAL mode, whichever way the run went.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use cairn::{Dialect, MigrationSet, Options, SourceFile, UpTarget};

/// Two migrations; the second records the journal mode it ran under in table `seen`.
fn set(second_fails: bool) -> MigrationSet {
    let tail = if second_fails {
        "INSERT INTO missing VALUES (1)"
    } else {
        "SELECT 1"
    };
    let files = [
        (
            "0001_a.yaml",
            "up: CREATE TABLE a (x INTEGER)\ndown: DROP TABLE a\n".to_string(),
        ),
        (
            "0002_seen.yaml",
            format!(
                "depends_on: [0001_a]\nup: |\n  CREATE TABLE seen AS SELECT journal_mode AS mode FROM pragma_journal_mode();\n  {tail};\ndown: DROP TABLE seen\n"
            ),
        ),
    ];
    let files = files
        .into_iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from("migrations").join(path),
            default_id: path.trim_end_matches(".yaml").to_string(),
            text,
        })
        .collect();
    cairn::load_files(files, Dialect::Sqlite).unwrap()
}

fn journal_mode(file: &Path) -> String {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// The mode the second migration ran under, when it was applied.
fn seen(file: &Path) -> Option<String> {
    rusqlite::Connection::open(file)
        .unwrap()
        .query_row("SELECT mode FROM seen", [], |r| r.get(0))
        .ok()
}

fn up(file: &Path, set: &MigrationSet, single_transaction: bool) -> Result<usize, cairn::Error> {
    let url = format!("sqlite:{}", file.display());
    let mut db = cairn_tests::registry().connect(&url).unwrap();
    let opts = Options {
        single_transaction,
        ..Options::default()
    };
    cairn::up(db.as_mut(), set, &UpTarget::All, &opts, &mut |_| {}).map(|r| r.migrations.len())
}

#[test]
fn a_new_file_runs_in_rollback_journal_mode_and_ends_in_wal() {
    for single_transaction in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new.db");
        assert_eq!(up(&file, &set(false), single_transaction).unwrap(), 2);
        let expected = if single_transaction {
            // The whole run is the first transaction.
            "delete"
        } else {
            // The history table and the first migration committed first.
            "wal"
        };
        assert_eq!(
            seen(&file).as_deref(),
            Some(expected),
            "single transaction: {single_transaction}"
        );
        assert_eq!(journal_mode(&file), "wal");
    }
}

#[test]
fn a_file_with_pages_is_in_wal_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.db");
    rusqlite::Connection::open(&file)
        .unwrap()
        .execute_batch("CREATE TABLE app (x INTEGER)")
        .unwrap();
    assert_eq!(journal_mode(&file), "delete");
    assert_eq!(up(&file, &set(false), true).unwrap(), 2);
    assert_eq!(seen(&file).as_deref(), Some("wal"));
    assert_eq!(journal_mode(&file), "wal");
}

#[test]
fn a_failed_run_on_a_new_file_still_leaves_it_in_wal() {
    for single_transaction in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new.db");
        let err = up(&file, &set(true), single_transaction).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        assert_eq!(
            journal_mode(&file),
            "wal",
            "single transaction: {single_transaction}"
        );
    }
}
