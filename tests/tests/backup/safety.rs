//! What a backup or restore must never do: leave tables created after the backup behind,
//! follow a manifest outside its folder, prune another database's or a pre-restore backup,
//! or describe a state other than the one it holds (it holds the migration lock).

use std::path::Path;

use cairn::ops::{self, Compression};
use cairn::{Options, UpTarget};
use cairn_tests::{Kind, TestDb};

use super::{restore, seed, take};

/// The migrations of [`seed`] plus `0002_later`, which creates `later` with one row.
fn two_migrations(db: &TestDb) -> cairn::MigrationSet {
    let file = |name: &str, text: &str| cairn::SourceFile {
        path: format!("migrations/{name}.yaml").into(),
        default_id: name.into(),
        text: text.into(),
    };
    let files = vec![
        file(
            "0001_items",
            "up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));\n  INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\ndown: DROP TABLE items;\n",
        ),
        file(
            "0002_later",
            "depends_on: [0001_items]\nup: |\n  CREATE TABLE later (id INTEGER PRIMARY KEY);\n  INSERT INTO later (id) VALUES (1);\ndown: DROP TABLE later;\n",
        ),
    ];
    let registry = cairn_tests::registry();
    cairn::load_files(files, registry.dialect(&db.url).unwrap()).unwrap()
}

fn up_all(db: &TestDb, set: &cairn::MigrationSet) -> Result<cairn::RunReport, cairn::Error> {
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
}

/// A table (and a view) created after the backup is gone after the restore, so the history
/// the restore brought back matches the schema and `migrate up` re-applies cleanly.
fn restore_drops_what_was_created_after_the_backup(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let made = take(db, dir.path(), Compression::Gzip);
    let set = two_migrations(db);
    up_all(db, &set).unwrap();
    db.execute("CREATE TABLE scratch_notes (id INTEGER)");
    db.execute("CREATE VIEW later_ids AS SELECT id FROM later");
    if db.kind == Kind::Postgres {
        db.execute("CREATE SCHEMA side; CREATE TABLE side.t (id INTEGER)");
    }
    assert_eq!(
        db.tables(),
        ["cairn_migrations", "items", "later", "scratch_notes"]
    );

    restore(db, &made.path, dir.path()).unwrap();
    assert_eq!(
        db.tables(),
        ["cairn_migrations", "items"],
        "{}: tables created after the backup survived the restore",
        db.kind.name()
    );
    assert_eq!(db.history_ids(), ["0001_items"]);
    let report = up_all(db, &set).unwrap_or_else(|e| panic!("{}: {e}", db.kind.name()));
    assert_eq!(report.migrations.len(), 1);
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM later"), 1);
    if db.kind == Kind::Postgres {
        assert_eq!(
            db.scalar_i64("SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'side'"),
            0
        );
    }
}

/// A manifest whose `file` points outside the folder (or at another file than its own name
/// says) is not a backup: it is not listed and `--keep` never deletes what it names.
fn manifest_pointing_elsewhere_is_ignored(db: &TestDb) {
    seed(db);
    let outer = tempfile::tempdir().unwrap();
    let dir = outer.path().join("backups");
    let made = take(db, &dir, Compression::Gzip);
    let victim = outer.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let mut evil = made.manifest.clone();
    evil.file = "../victim.txt".into();
    evil.created_at = "2000-01-01T00:00:00.000Z".into();
    std::fs::write(
        dir.join("app-20000101T000000Z.db.manifest.json"),
        serde_json::to_string(&evil).unwrap(),
    )
    .unwrap();
    let listed = ops::list_backups(&dir).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed
            .iter()
            .all(|b| b.path.parent() == Some(dir.as_path()))
    );
    let newer = take(db, &dir, Compression::Gzip);
    let deleted = ops::prune(&dir, &newer.manifest, 1).unwrap();
    assert_eq!(deleted, std::slice::from_ref(&made.path));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
}

/// `--keep` counts and deletes only regular backups of the very same database: not another
/// database with the same short name, not pre-restore backups, not automatic ones.
fn keep_spares_namesakes_and_pre_restore_backups(db: &TestDb) {
    seed(db);
    let dir = tempfile::tempdir().unwrap();
    let first = take(db, dir.path(), Compression::Gzip);
    // A database with the same short name elsewhere (for SQLite a real one in another folder).
    let namesake = match db.kind {
        Kind::Sqlite => {
            let other = tempfile::tempdir().unwrap();
            let path = other
                .path()
                .join(Path::new(&db.name()).file_name().unwrap());
            let url = format!("sqlite:{}", path.display());
            let mut conn = cairn_tests::registry().connect(&url).unwrap();
            let made = ops::backup(conn.as_mut(), dir.path(), Compression::Gzip).unwrap();
            drop(conn);
            made
        }
        _ => {
            let mut m = first.manifest.clone();
            m.database = m.database.replacen("://", "://elsewhere.", 1);
            assert_ne!(m.database, first.manifest.database);
            m.file = format!("{}-19990101T000000Z.gz", m.name);
            let path = dir.path().join(&m.file);
            std::fs::write(&path, b"x").unwrap();
            std::fs::write(
                ops::manifest_path(&path),
                serde_json::to_string(&m).unwrap(),
            )
            .unwrap();
            ops::list_backups(dir.path())
                .unwrap()
                .into_iter()
                .find(|b| b.path == path)
                .unwrap()
        }
    };
    assert_eq!(namesake.manifest.name, first.manifest.name);
    // A restore leaves a pre-restore backup in the same folder.
    let pre = restore(db, &first.path, dir.path()).unwrap().pre_restore;
    assert_eq!(pre.manifest.kind, ops::BackupKind::PreRestore);
    let newest = take(db, dir.path(), Compression::Gzip);
    let deleted = ops::prune(dir.path(), &newest.manifest, 1).unwrap();
    assert_eq!(
        deleted,
        std::slice::from_ref(&first.path),
        "{}",
        db.kind.name()
    );
    assert!(namesake.path.exists() && pre.path.exists() && newest.path.exists());
    // Pruning "as" the pre-restore backup deletes nothing.
    assert!(ops::prune(dir.path(), &pre.manifest, 1).unwrap().is_empty());
}

/// A backup holds the migration lock from the history read to the copy: while a migration
/// runs, it waits, and on timeout fails with the lock error leaving no file.
fn backup_waits_for_a_running_migration(db: &TestDb) {
    seed(db);
    let registry = cairn_tests::registry();
    let mut runner = registry.connect(&db.url).unwrap();
    runner.lock(std::time::Duration::from_secs(5)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut conn = registry.connect(&db.url).unwrap();
    let opts = ops::BackupOptions {
        lock_timeout: std::time::Duration::from_millis(300),
        ..ops::BackupOptions::default()
    };
    let err = ops::backup_with(conn.as_mut(), dir.path(), &opts).unwrap_err();
    assert!(
        err.to_string().contains("lock"),
        "{}: {err}",
        db.kind.name()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    runner.unlock().unwrap();
    let made = ops::backup_with(conn.as_mut(), dir.path(), &opts).unwrap();
    assert_eq!(made.manifest.head.as_deref(), Some("0001_items"));
    // The lock was released after the backup: another runner gets it at once.
    runner.lock(std::time::Duration::from_millis(300)).unwrap();
    runner.unlock().unwrap();
}

cairn_tests::on_every_backend!(
    restore_drops_what_was_created_after_the_backup,
    manifest_pointing_elsewhere_is_ignored,
    keep_spares_namesakes_and_pre_restore_backups,
    backup_waits_for_a_running_migration,
);
