//! Backup, verify and restore through the library API on every backend: the manifest, a round
//! trip, corrupted and truncated backups refused with the database untouched, pruning, and an
//! SQLite backup taken while another connection keeps writing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use cairn::ops::{self, Compression};
use cairn::{Options, UpTarget};
use cairn_tests::{Kind, TestDb};

#[path = "backup/safety.rs"]
mod safety;

/// Applies one migration creating `items` with three rows, so the history has a head.
fn seed(db: &TestDb) {
    let file = cairn::SourceFile {
        path: "migrations/0001_items.yaml".into(),
        default_id: "0001_items".into(),
        text: "up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));\n  INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\ndown: DROP TABLE items;\n".into(),
    };
    let registry = cairn_tests::registry();
    let set = cairn::load_files(vec![file], registry.dialect(&db.url).unwrap()).unwrap();
    let mut conn = registry.connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
}

fn items(db: &TestDb) -> i64 {
    db.scalar_i64("SELECT COUNT(*) FROM items")
}

fn take(db: &TestDb, dir: &Path, compression: Compression) -> ops::BackupFile {
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    ops::backup(conn.as_mut(), dir, compression).unwrap()
}

fn restore(db: &TestDb, file: &Path, dir: &Path) -> Result<ops::Restored, cairn::Error> {
    let registry = cairn_tests::registry();
    let mut conn = registry.connect(&db.url).unwrap();
    ops::restore(
        conn.as_mut(),
        file,
        &registry,
        dir,
        cairn::DEFAULT_LOCK_TIMEOUT,
    )
}

fn round_trip_restores_what_was_backed_up(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(db, dir.path(), Compression::Gzip);
    let m = &made.manifest;
    assert_eq!(m.dialect.name(), db.kind.name());
    assert_eq!(m.head.as_deref(), Some("0001_items"));
    assert_eq!(m.history.len(), 1);
    assert!(
        m.tables.iter().any(|t| t.table == "items" && t.rows == 3),
        "{:?}",
        m.tables
    );
    assert!(made.path.to_string_lossy().ends_with(".gz"));
    assert_eq!(
        made.manifest_path,
        ops::manifest_path(&made.path),
        "manifest beside the file"
    );
    assert_eq!(m.size, std::fs::metadata(&made.path).unwrap().len());
    let checked = ops::verify(&made.path, &cairn_tests::registry()).unwrap();
    assert!(checked.ok(), "{}: {:?}", db.kind.name(), checked.checks);

    // Change the database, then bring it back.
    db.execute("DELETE FROM items WHERE id = 1");
    db.execute("INSERT INTO items (id, name) VALUES (10, 'x'), (11, 'y')");
    assert_eq!(items(db), 4);
    let done = restore(db, &made.path, dir.path()).unwrap();
    assert_eq!(items(db), 3, "{}", db.kind.name());
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM items WHERE id = 1"), 1);
    assert_eq!(db.history_ids(), ["0001_items"]);
    // The pre-restore backup holds the changed contents.
    let pre = &done.pre_restore.manifest;
    assert!(done.pre_restore.path.exists());
    assert!(
        pre.tables.iter().any(|t| t.table == "items" && t.rows == 4),
        "{:?}",
        pre.tables
    );
    assert_eq!(ops::list_backups(dir.path()).unwrap().len(), 2);
}

fn corrupted_or_truncated_backup_is_refused(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(db, dir.path(), Compression::Gzip);
    db.execute("INSERT INTO items (id, name) VALUES (20, 'after')");
    let registry = cairn_tests::registry();

    // One flipped byte in the middle.
    let mut bytes = std::fs::read(&made.path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&made.path, &bytes).unwrap();
    let checked = ops::verify(&made.path, &registry).unwrap();
    assert!(!checked.ok());
    assert!(
        checked.checks.iter().any(|c| c.check == "sha256" && !c.ok),
        "{:?}",
        checked.checks
    );
    let err = restore(db, &made.path, dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("refusing to restore") && err.contains("not touched"),
        "{err}"
    );
    assert_eq!(items(db), 4, "the live database is untouched");

    // Truncated to half.
    std::fs::write(&made.path, &bytes[..middle]).unwrap();
    let checked = ops::verify(&made.path, &registry).unwrap();
    assert!(
        checked.checks.iter().any(|c| c.check == "size" && !c.ok),
        "{:?}",
        checked.checks
    );
    let e = restore(db, &made.path, dir.path()).unwrap_err();
    let message = e.to_string();
    let name = made
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(message.contains(&name), "names the file: {message}");
    assert!(
        message.contains("refusing to restore a backup that fails verification (size:"),
        "{message}"
    );
    assert!(
        message.ends_with("the database was not touched"),
        "{message}"
    );
    assert_eq!(items(db), 4, "the live database is untouched");
    // No pre-restore backup was taken for a refused restore.
    assert_eq!(ops::list_backups(dir.path()).unwrap().len(), 1);
}

/// Truncation is caught by the format itself even when the manifest was rewritten to match
/// the truncated file (uncompressed SQLite and MySQL copies; PostgreSQL's custom format is
/// checked through its gzip stream).
fn truncation_is_caught_without_the_manifest(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let compression = match db.kind {
        Kind::Postgres => Compression::Gzip,
        _ => Compression::None,
    };
    let made = take(db, dir.path(), compression);
    let bytes = std::fs::read(&made.path).unwrap();
    std::fs::write(&made.path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (sha, size) = sha256_and_size(&made.path);
    let mut manifest = made.manifest.clone();
    manifest.sha256 = sha;
    manifest.size = size;
    std::fs::write(
        &made.manifest_path,
        serde_json::to_string(&manifest).unwrap(),
    )
    .unwrap();
    let checked = ops::verify(&made.path, &cairn_tests::registry()).unwrap();
    assert!(!checked.ok(), "{}: {:?}", db.kind.name(), checked.checks);
    assert!(
        checked
            .checks
            .iter()
            .any(|c| (c.check == "format" || c.check == "decompress") && !c.ok),
        "{:?}",
        checked.checks
    );
    let e = restore(db, &made.path, dir.path()).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("refusing to restore a backup that fails verification")
            && message.ends_with("the database was not touched"),
        "{}: {message}",
        db.kind
    );
    assert_eq!(items(db), 3);
}

fn keep_prunes_only_older_backups_of_this_database(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made: Vec<_> = (0..3)
        .map(|_| take(db, dir.path(), Compression::Gzip))
        .collect();
    // Another database's backup in the same folder.
    let mut other = made[0].manifest.clone();
    other.name = "someone_else".into();
    other.database = "sqlite:/elsewhere/someone_else.db".into();
    other.file = "someone_else-20000101T000000Z.db".into();
    std::fs::write(dir.path().join(&other.file), b"x").unwrap();
    std::fs::write(
        ops::manifest_path(&dir.path().join(&other.file)),
        serde_json::to_string(&other).unwrap(),
    )
    .unwrap();

    let listed = ops::list_backups(dir.path()).unwrap();
    assert_eq!(listed.len(), 4);
    let ours: Vec<_> = listed
        .iter()
        .filter(|b| b.manifest.name == made[0].manifest.name)
        .map(|b| b.path.clone())
        .collect();
    assert_eq!(
        ours,
        [
            made[2].path.clone(),
            made[1].path.clone(),
            made[0].path.clone()
        ],
        "newest first"
    );
    let deleted = ops::prune(dir.path(), &made[2].manifest, 1).unwrap();
    assert_eq!(deleted, [made[1].path.clone(), made[0].path.clone()]);
    assert!(!made[0].path.exists() && !made[0].manifest_path.exists());
    let left: Vec<_> = ops::list_backups(dir.path())
        .unwrap()
        .into_iter()
        .map(|b| b.manifest.name)
        .collect();
    assert_eq!(left, [made[2].manifest.name.clone(), "someone_else".into()]);
}

/// A restore waits for the migration lock: while another runner holds it, the restore times
/// out with the lock error and the database keeps its rows (no pre-restore backup either).
fn restore_waits_for_a_running_migration(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(db, dir.path(), Compression::Gzip);
    db.execute("INSERT INTO items (id, name) VALUES (10, 'x')");
    let registry = cairn_tests::registry();
    let mut runner = registry.connect(&db.url).unwrap();
    runner.lock(std::time::Duration::from_secs(5)).unwrap();
    let mut conn = registry.connect(&db.url).unwrap();
    let pre_dir = tempfile::tempdir().unwrap();
    let err = ops::restore(
        conn.as_mut(),
        &made.path,
        &registry,
        pre_dir.path(),
        std::time::Duration::from_millis(300),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("lock"),
        "{}: {err}",
        db.kind.name()
    );
    assert_eq!(items(db), 4, "{}", db.kind.name());
    assert_eq!(std::fs::read_dir(pre_dir.path()).unwrap().count(), 0);
    runner.unlock().unwrap();
    restore(db, &made.path, dir.path()).unwrap();
    assert_eq!(items(db), 3, "{}", db.kind.name());
}

fn sha256_and_size(path: &Path) -> (String, u64) {
    ops::sha256_file(path).unwrap()
}

/// A backup whose manifest is gone is not listed, and restores as another tool's file would
/// (its format checked, nothing to compare it with); one whose manifest is damaged or names
/// another dialect is refused with the database untouched.
fn a_backup_without_a_manifest_restores_and_a_bad_manifest_is_refused(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(db, dir.path(), Compression::Gzip);
    db.execute("INSERT INTO items (id, name) VALUES (9, 'z')");

    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&made.manifest_path).unwrap()).unwrap();
    std::fs::remove_file(&made.manifest_path).unwrap();
    assert!(ops::list_backups(dir.path()).unwrap().is_empty());
    let done = restore(db, &made.path, dir.path()).unwrap();
    assert_eq!(done.manifest.kind, ops::BackupKind::Foreign, "{}", db.kind);
    assert_eq!(items(db), 3, "{}: restored", db.kind);
    db.execute("INSERT INTO items (id, name) VALUES (9, 'z')");

    std::fs::write(&made.manifest_path, "{ not json").unwrap();
    let e = restore(db, &made.path, dir.path()).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("(manifest: no usable manifest:")
            && message.ends_with("the database was not touched"),
        "{}: {message}",
        db.kind
    );
    assert_eq!(items(db), 4, "{}: untouched", db.kind);

    let other = match db.kind.name() {
        "sqlite" => "postgres",
        _ => "sqlite",
    };
    manifest["dialect"] = serde_json::json!(other);
    std::fs::write(&made.manifest_path, manifest.to_string()).unwrap();
    let e = restore(db, &made.path, dir.path()).unwrap_err();
    let message = e.to_string();
    assert!(
        message.contains("refusing to restore")
            && message.ends_with("the database was not touched"),
        "{}: {message}",
        db.kind
    );
    assert_eq!(items(db), 4, "{}: untouched", db.kind);
}

cairn_tests::on_every_backend!(
    a_backup_without_a_manifest_restores_and_a_bad_manifest_is_refused,
    round_trip_restores_what_was_backed_up,
    corrupted_or_truncated_backup_is_refused,
    truncation_is_caught_without_the_manifest,
    keep_prunes_only_older_backups_of_this_database,
    restore_waits_for_a_running_migration,
);

/// Backups taken while another connection inserts into two tables in one transaction per
/// row pair: every copy passes `PRAGMA integrity_check` and has equal counts in both tables.
#[test]
fn sqlite_backup_is_consistent_under_concurrent_writes() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    seed(&db);
    db.execute("PRAGMA journal_mode = WAL; CREATE TABLE a (n INTEGER); CREATE TABLE b (n INTEGER)");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let path = db.name();
    let writer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .unwrap();
            let mut n: i64 = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                conn.execute_batch(&format!(
                    "BEGIN IMMEDIATE; INSERT INTO a VALUES ({n}); INSERT INTO b VALUES ({n}); COMMIT;"
                ))
                .unwrap();
                n += 1;
            }
            n
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    // Wait for the writer to have started.
    while db.scalar_i64("SELECT COUNT(*) FROM a") == 0 {
        std::thread::yield_now();
    }
    for _ in 0..5 {
        let made = take(&db, dir.path(), Compression::None);
        assert!(
            ops::verify(&made.path, &cairn_tests::registry())
                .unwrap()
                .ok()
        );
        let copy = rusqlite::Connection::open(&made.path).unwrap();
        let count = |t: &str| -> i64 {
            copy.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count("a"), count("b"), "a torn copy");
        seen.push(count("a"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]) && seen.last() <= Some(&written),
        "copies taken while writing: {seen:?} of {written} rows"
    );
    assert!(seen.first() > Some(&0), "{seen:?}");
}

/// A restore is seen by a connection the application keeps open across it (the backup API
/// writes into the live database; a file renamed over it would leave that connection on the
/// old file).
#[test]
fn sqlite_restore_reaches_connections_left_open() {
    let db = TestDb::new(Kind::Sqlite).unwrap();
    seed(&db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(&db, dir.path(), Compression::Gzip);
    let app = rusqlite::Connection::open(db.name()).unwrap();
    app.execute_batch("PRAGMA journal_mode = WAL; DELETE FROM items")
        .unwrap();
    let count = || -> i64 {
        app.query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count(), 0);
    restore(&db, &made.path, dir.path()).unwrap();
    assert_eq!(count(), 3, "the open connection sees the restored rows");
    let check: String = app
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // No staging file is left beside the database.
    let dir_of_db = std::path::Path::new(&db.name())
        .parent()
        .unwrap()
        .to_path_buf();
    let leftovers: Vec<_> = std::fs::read_dir(dir_of_db)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".cairn-restore"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
