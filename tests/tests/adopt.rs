//! Adoption on every backend: a database migrated by another tool (its history table created
//! with the tool's own DDL and rows, its schema made by running the migrations' SQL directly)
//! is adopted, then a new migration applies on top and nothing is re-run. Also the refusals
//! (golang-migrate `dirty`, sqlx `success = false`), a changed file, re-running adopt, `stamp`
//! and `baseline`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "adopt/tables.rs"]
mod tables;

use std::fs;
use std::path::{Path, PathBuf};

use cairn::adopt::{AdoptOutcome, AdoptReport, ChecksumCheck};
use cairn::layout::Layout;
use cairn::{Driver, MigrationSet, Options, UpTarget};
use cairn_tests::TestDb;

fn fixture(tool: Layout) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/adopt")
        .join(tool.name())
}

fn load(db: &TestDb, root: &Path, tool: Layout) -> MigrationSet {
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    cairn::layout::load(root, tool, dialect).unwrap_or_else(|e| panic!("{tool}: {e}"))
}

fn connect(db: &TestDb) -> Box<dyn Driver> {
    cairn_tests::registry().connect(&db.url).unwrap()
}

/// The database `tool` left: the fixture migrations' SQL run directly, and the tool's history.
fn migrated_by(db: &TestDb, tool: Layout) -> MigrationSet {
    let set = load(db, &fixture(tool), tool);
    for m in set.iter() {
        db.execute(&m.up.sql);
    }
    db.execute(tables::ddl(tool, db.kind));
    db.execute(&tables::rows(tool, db.kind));
    set
}

fn adopt(db: &TestDb, set: &MigrationSet, from: Option<Layout>) -> AdoptReport {
    cairn::adopt::adopt(connect(db).as_mut(), set, from, None, &Options::default()).unwrap()
}

fn items(db: &TestDb) -> i64 {
    db.scalar_i64("SELECT COUNT(*) FROM items")
}

/// The check of the issue, for one tool.
fn adopts_then_applies_on_top(db: &TestDb, tool: Layout) {
    let set = migrated_by(db, tool);
    let ids: Vec<String> = set.iter().map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), 2, "{tool}: {ids:?}");

    // The tool is found from the tables present (no --from).
    let report = adopt(db, &set, None);
    assert_eq!(report.tool, tool);
    assert!(report.is_clean(), "{tool}: {report:#?}");
    assert_eq!(report.adopted().collect::<Vec<_>>(), ids, "{tool}");
    let verifies = matches!(
        tool,
        Layout::Sqlx | Layout::Flyway | Layout::Refinery | Layout::Prisma | Layout::Atlas
    );
    for e in &report.migrations {
        let expected = if verifies {
            ChecksumCheck::Verified
        } else {
            ChecksumCheck::NotStored
        };
        assert_eq!(e.checksum, expected, "{tool} {}", e.id);
    }
    assert_eq!(db.history_ids(), ids, "{tool}");
    assert_eq!(items(db), 1, "{tool}: adopting ran no SQL");

    // Adopting again records nothing twice.
    let again = adopt(db, &set, Some(tool));
    assert!(
        again
            .migrations
            .iter()
            .all(|e| e.outcome == AdoptOutcome::AlreadyRecorded),
        "{tool}: {again:#?}"
    );
    assert_eq!(db.history_ids(), ids);

    // A new migration in the same folder applies on top; the adopted ones do not run again
    // (re-running would fail on CREATE TABLE items or add a second row).
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(tool), dir.path());
    let (path, text) = tables::new_migration(tool);
    let file = dir.path().join(path);
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(&file, text).unwrap();
    if tool == Layout::Atlas {
        // As `atlas migrate hash` after adding a file: earlier files keep their hashes.
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_str().unwrap().to_string(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        let list: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        fs::write(
            dir.path().join("atlas.sum"),
            cairn::layout::atlas_sum(&list),
        )
        .unwrap();
    }
    let set = load(db, dir.path(), tool);
    let run = cairn::up(
        connect(db).as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert_eq!(run.migrations.len(), 1, "{tool}: {:?}", run.migrations);
    assert_eq!(items(db), 1, "{tool}");
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM notes"), 0, "{tool}");
    assert_eq!(db.history_ids().len(), 3, "{tool}");
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

fn diesel(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Diesel);
}
fn sqlx(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Sqlx);
}
fn flyway(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Flyway);
}
fn refinery(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Refinery);
}
fn golang_migrate(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::GolangMigrate);
}
fn goose(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Goose);
}
fn dbmate(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Dbmate);
}
fn pop(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Pop);
}
fn sql_migrate(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::SqlMigrate);
}
fn liquibase(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Liquibase);
}

fn prisma(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Prisma);
}
fn atlas(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Atlas);
}
fn tern(db: &TestDb) {
    adopts_then_applies_on_top(db, Layout::Tern);
}

/// Prisma: a started, unfinished, not rolled-back row refuses adoption; once `migrate
/// resolve --rolled-back` marked it, it stands for nothing and the migration is pending.
fn failed_prisma_row_is_refused_until_rolled_back(db: &TestDb) {
    let set = migrated_by(db, Layout::Prisma);
    db.execute(
        "UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = '20190102000000_seed_items'",
    );
    let report = adopt(db, &set, None);
    assert!(
        report
            .refused
            .iter()
            .any(|r| r.contains("20190102000000_seed_items") && r.contains("rolled-back")),
        "{:?}",
        report.refused
    );
    assert!(db.history_ids().is_empty(), "nothing recorded");
    db.execute(
        "UPDATE _prisma_migrations SET rolled_back_at = started_at WHERE migration_name = '20190102000000_seed_items'",
    );
    let report = adopt(db, &set, None);
    let outcomes: Vec<AdoptOutcome> = report.migrations.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes, [AdoptOutcome::Adopted, AdoptOutcome::Pending]);
}

/// Atlas: a file edited after Atlas ran it does not match the stored hash; a revision with
/// fewer statements applied than its total refuses adoption.
fn atlas_hash_and_partial_revisions(db: &TestDb) {
    let set = migrated_by(db, Layout::Atlas);
    db.execute("UPDATE atlas_schema_revisions SET hash = 'x' WHERE version = '20190102000000'");
    let report = adopt(db, &set, None);
    let outcomes: Vec<AdoptOutcome> = report.migrations.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [AdoptOutcome::Adopted, AdoptOutcome::ChecksumMismatch]
    );
    let fresh = TestDb::new(db.kind).unwrap();
    let set = migrated_by(&fresh, Layout::Atlas);
    fresh.execute(
        "UPDATE atlas_schema_revisions SET applied = 0, total = 1 WHERE version = '20190102000000'",
    );
    let report = adopt(&fresh, &set, None);
    assert!(
        report.refused.iter().any(|r| r.contains("only in part")),
        "{:?}",
        report.refused
    );
    assert!(fresh.history_ids().is_empty(), "nothing recorded");
}

fn dirty_golang_migrate_is_refused(db: &TestDb) {
    let set = migrated_by(db, Layout::GolangMigrate);
    db.execute("UPDATE schema_migrations SET dirty = TRUE");
    let report = adopt(db, &set, None);
    assert!(!report.is_clean());
    assert!(
        report
            .refused
            .iter()
            .any(|r| r.contains("dirty") && r.contains("version 2")),
        "{:?}",
        report.refused
    );
    assert!(db.history_ids().is_empty(), "nothing recorded");
}

fn failed_sqlx_row_is_refused(db: &TestDb) {
    let set = migrated_by(db, Layout::Sqlx);
    db.execute("UPDATE _sqlx_migrations SET success = FALSE WHERE version = 20190102000000");
    let report = adopt(db, &set, None);
    assert!(
        report
            .refused
            .iter()
            .any(|r| r.contains("success = false") && r.contains("seed items")),
        "{:?}",
        report.refused
    );
    assert!(db.history_ids().is_empty(), "nothing recorded");
}

fn a_changed_file_and_a_stray_row_are_reported(db: &TestDb) {
    let set = migrated_by(db, Layout::Flyway);
    db.execute("UPDATE flyway_schema_history SET checksum = 42 WHERE installed_rank = 2");
    db.execute(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) \
         VALUES (3, '1.5', 'gone', 'SQL', 'V1_5__gone.sql', 7, 'app', 1, TRUE)",
    );
    let report = adopt(db, &set, Some(Layout::Flyway));
    let outcomes: Vec<AdoptOutcome> = report.migrations.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [AdoptOutcome::Adopted, AdoptOutcome::ChecksumMismatch]
    );
    assert_eq!(report.unmatched.len(), 1);
    assert_eq!(report.unmatched[0].version, "1.5");
    assert!(!report.is_clean());
    assert_eq!(db.history_ids(), [set.iter().next().unwrap().id.clone()]);
}

/// A Flyway repeatable (`R__`) is adopted when Flyway ran this very file, and left pending for
/// `up` to run again when the file changed since, as Flyway would.
fn flyway_repeatables_follow_their_checksum(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(Layout::Flyway), dir.path());
    let view =
        "DROP VIEW IF EXISTS item_names;\nCREATE VIEW item_names AS SELECT name FROM items;\n";
    fs::write(dir.path().join("R__item_names.sql"), view).unwrap();
    let set = load(db, dir.path(), Layout::Flyway);
    for m in set.iter() {
        db.execute(&m.up.sql);
    }
    db.execute(tables::ddl(Layout::Flyway, db.kind));
    db.execute(&tables::rows(Layout::Flyway, db.kind));
    // Flyway ran an older version of the view.
    let old = cairn::adopt::flyway_checksum("CREATE VIEW item_names AS SELECT 'x' AS name;\n");
    db.execute(&format!(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) \
         VALUES (3, NULL, 'item names', 'SQL', 'R__item_names.sql', {old}, 'app', 2, TRUE)"
    ));
    let report = adopt(db, &set, None);
    assert!(report.is_clean(), "{report:#?}");
    let outcomes: Vec<AdoptOutcome> = report.migrations.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            AdoptOutcome::Adopted,
            AdoptOutcome::Adopted,
            AdoptOutcome::Pending
        ]
    );
    let run = cairn::up(
        connect(db).as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(run.migrations.len(), 1, "only the changed repeatable runs");
    assert_eq!(db.scalar_i64("SELECT COUNT(*) FROM item_names"), 1);

    // Flyway ran this very file: adopted, nothing to run.
    let fresh = cairn_tests::TestDb::new(db.kind).unwrap();
    for m in set.iter() {
        fresh.execute(&m.up.sql);
    }
    fresh.execute(tables::ddl(Layout::Flyway, fresh.kind));
    fresh.execute(&tables::rows(Layout::Flyway, fresh.kind));
    let crc = cairn::adopt::flyway_checksum(view);
    fresh.execute(&format!(
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success) \
         VALUES (3, NULL, 'item names', 'SQL', 'R__item_names.sql', {crc}, 'app', 2, TRUE)"
    ));
    let report = adopt(&fresh, &set, None);
    assert_eq!(report.adopted().count(), 3, "{report:#?}");
}

fn stamp_records_ancestors_without_running_sql(db: &TestDb) {
    let set = load(db, &fixture(Layout::Sqlx), Layout::Sqlx);
    let last = set.iter().last().unwrap().id.clone();
    let report =
        cairn::adopt::stamp(connect(db).as_mut(), &set, &last, &Options::default()).unwrap();
    assert_eq!(report.stamped.len(), 2);
    assert_eq!(db.history_ids().len(), 2);
    assert!(!db.tables().contains(&"items".to_string()), "no SQL ran");
    let again =
        cairn::adopt::stamp(connect(db).as_mut(), &set, &last, &Options::default()).unwrap();
    assert!(again.stamped.is_empty());
    assert_eq!(again.already_recorded.len(), 2);
}

fn baseline_checks_the_schema_first(db: &TestDb) {
    let set = load(db, &fixture(Layout::Dbmate), Layout::Dbmate);
    let first = set.iter().next().unwrap().id.clone();
    // A schema that is not what the migrations produce: refused, nothing recorded.
    db.execute("CREATE TABLE items (name VARCHAR(50) NOT NULL, extra INTEGER)");
    let mut live = connect(db);
    let scratch = live.as_scratch_databases().unwrap().scratch().unwrap();
    let report = cairn::adopt::baseline(
        live.as_mut(),
        &set,
        None,
        Some(scratch),
        &Options::default(),
    )
    .unwrap();
    assert!(report.schema_checked);
    assert!(!report.differences.is_empty());
    assert!(report.stamped.is_empty());
    assert!(db.history_ids().is_empty());

    // The right schema (other tools' history tables are expected and left out): recorded.
    db.execute("DROP TABLE items");
    db.execute("CREATE TABLE items (name VARCHAR(50) NOT NULL)");
    db.execute(tables::ddl(Layout::Dbmate, db.kind));
    let scratch = live.as_scratch_databases().unwrap().scratch().unwrap();
    let report = cairn::adopt::baseline(
        live.as_mut(),
        &set,
        Some(&first),
        Some(scratch),
        &Options::default(),
    )
    .unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    assert_eq!(report.stamped, std::slice::from_ref(&first));
    assert_eq!(db.history_ids(), [first]);

    // With history present, baseline refuses (stamp is for that).
    let err =
        cairn::adopt::baseline(live.as_mut(), &set, None, None, &Options::default()).unwrap_err();
    assert!(
        err.to_string().contains("already has Cairn history"),
        "{err}"
    );
}

cairn_tests::on_every_backend!(
    diesel,
    sqlx,
    flyway,
    refinery,
    golang_migrate,
    goose,
    dbmate,
    pop,
    prisma,
    atlas,
    tern,
    failed_prisma_row_is_refused_until_rolled_back,
    atlas_hash_and_partial_revisions,
    sql_migrate,
    liquibase,
    dirty_golang_migrate_is_refused,
    failed_sqlx_row_is_refused,
    a_changed_file_and_a_stray_row_are_reported,
    flyway_repeatables_follow_their_checksum,
    stamp_records_ancestors_without_running_sql,
    baseline_checks_the_schema_first,
);
