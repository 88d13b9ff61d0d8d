//! The current code's runs on a test database, reduced to what the compatibility test checks.

use cairn::{DownTarget, Driver, MigrationSet, Options, UpTarget};
use cairn_tests::TestDb;

/// A backend connection to `db`.
pub fn connect(db: &TestDb) -> Box<dyn Driver> {
    cairn_tests::registry().connect(&db.url).unwrap()
}

/// `migrate up` (with `--resume` when `resume`).
pub fn up(db: &TestDb, set: &MigrationSet, resume: bool) -> cairn::Result<cairn::RunReport> {
    let opts = Options {
        resume,
        ..Options::default()
    };
    cairn::up(
        connect(db).as_mut(),
        set,
        &UpTarget::All,
        &opts,
        &mut |_| {},
    )
}

/// `migrate down` to `target`.
pub fn down(
    db: &TestDb,
    set: &MigrationSet,
    target: DownTarget,
) -> cairn::Result<cairn::RunReport> {
    cairn::down(
        connect(db).as_mut(),
        set,
        &target,
        &Options::default(),
        &mut |_| {},
    )
}

/// The ids a run applied or reverted, in order.
pub fn ids(report: &cairn::RunReport) -> Vec<&str> {
    report.migrations.iter().map(|m| m.id.as_str()).collect()
}

/// User tables, without the history table.
pub fn tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t != "cairn_migrations")
        .collect()
}
