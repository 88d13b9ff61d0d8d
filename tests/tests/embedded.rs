//! Migrations compiled into the binary (issue 17): `fixtures/embedded/` embedded by
//! `cairn-build` from this package's `build.rs`, applied by `cairn::Migrator` without the files,
//! on every backend, with the same history and checksum checks as the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::{Migrate, MigrationState, Migrator};
use cairn_tests::TestDb;

static MIGRATIONS: cairn::Embedded = cairn::embedded_migrations!();

fn a_service_migrates_itself_from_its_binary(db: &TestDb) {
    assert_eq!(MIGRATIONS.files.len(), 2);
    assert_eq!(
        MIGRATIONS.checksums.len(),
        6,
        "two migrations, three dialects"
    );
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let migrator = Migrator::new(MIGRATIONS);
    assert!(!migrator.is_current(conn.as_mut()).unwrap());
    let report = migrator.up(conn.as_mut()).unwrap();
    let ids: Vec<&str> = report.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["0001_accounts", "0002_seed"], "{}", db.kind.name());
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM accounts"), 1);
    assert!(migrator.is_current(conn.as_mut()).unwrap());
    // A second start-up has nothing to do, and the history is what the CLI writes.
    assert!(migrator.up(conn.as_mut()).unwrap().migrations.is_empty());
    let history = conn.history().unwrap();
    assert_eq!(history.len(), 2);
    let set = migrator.set(conn.dialect()).unwrap();
    for h in &history {
        assert_eq!(
            h.checksum,
            set.get(&h.id).unwrap().checksum.to_string(),
            "{}",
            db.kind.name()
        );
    }
    // The same files read from disk are the same migrations: the CLI sees them as applied.
    let from_disk = cairn::load_dir(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/embedded")),
        conn.dialect(),
    )
    .unwrap();
    let rows = cairn::status(&from_disk, &history);
    assert!(
        rows.iter().all(|r| r.state == MigrationState::Applied),
        "{rows:?}"
    );
}

cairn_tests::on_every_backend!(a_service_migrates_itself_from_its_binary);

/// A build-time checksum that the engine no longer computes is refused, not taken for a
/// changed migration.
#[test]
fn a_checksum_that_differs_from_the_build_is_refused() {
    static WRONG: cairn::Embedded = cairn::Embedded {
        files: MIGRATIONS.files,
        checksums: &[("sqlite", "0001_accounts", "0000")],
    };
    let e = Migrator::new(WRONG)
        .set(cairn::Dialect::Sqlite)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("0001_accounts") && e.contains("rebuild the binary"),
        "{e}"
    );
}
