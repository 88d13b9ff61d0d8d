//! A service that migrates itself at start-up from migrations compiled into its binary
//! (`cairn-build` in `build.rs`, [`crate::embedded_migrations!`] in the code).

use cairn_core::{Driver, Error, Result, UpTarget};
use cairn_load::{Embedded, MigrationSet};
use cairn_run::{Event, Migrate as _, MigrationState, Options, RunReport, StatusRow};

/// Runs compiled-in migrations with the same lock, history and checksum checks as `cairn
/// migrate up`.
///
/// In the service, `static MIGRATIONS: cairn::Embedded = cairn::embedded_migrations!();`
/// (with `cairn_build::embed_migrations("migrations")` in its `build.rs`), then at start-up:
///
/// ```no_run
/// fn start(db: &mut dyn cairn::Driver, migrations: cairn::Embedded) -> cairn::Result<()> {
///     let report = cairn::Migrator::new(migrations).up(db)?;
///     eprintln!("{} migration(s) applied", report.migrations.len());
///     Ok(())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Migrator {
    embedded: Embedded,
    options: Options,
}

impl Migrator {
    /// For `embedded`, with default [`Options`] (60 s lock timeout, `USER` as `applied_by`).
    pub fn new(embedded: Embedded) -> Migrator {
        Migrator {
            embedded,
            options: Options::default(),
        }
    }

    /// With other run options (lock timeout, `applied_by`, ...).
    pub fn with_options(mut self, options: Options) -> Migrator {
        self.options = options;
        self
    }

    /// The migrations for `dialect`, checksums checked against the build's.
    pub fn set(&self, dialect: cairn_core::Dialect) -> Result<MigrationSet> {
        self.embedded.load(dialect).map_err(Error::Load)
    }

    /// Applies every pending migration; see [`crate::up`].
    pub fn up(&self, db: &mut dyn Driver) -> Result<RunReport> {
        self.up_with_events(db, &mut |_| {})
    }

    /// [`Migrator::up`], reporting progress as it goes.
    pub fn up_with_events(
        &self,
        db: &mut dyn Driver,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<RunReport> {
        let set = self.set(db.dialect())?;
        cairn_run::up(db, &set, &UpTarget::All, &self.options, on_event)
    }

    /// Each migration's state in `db` (applied, pending, changed, ...).
    pub fn status(&self, db: &mut dyn Driver) -> Result<Vec<StatusRow>> {
        let set = self.set(db.dialect())?;
        Ok(cairn_run::status(&set, &db.history()?))
    }

    /// Whether `db` has every migration applied and none changed or failed.
    pub fn is_current(&self, db: &mut dyn Driver) -> Result<bool> {
        Ok(self
            .status(db)?
            .iter()
            .all(|r| r.state == MigrationState::Applied || r.state == MigrationState::Missing))
    }
}

/// The migrations `cairn_build::embed_migrations("...")` compiled in from `build.rs`, as a
/// constant [`Embedded`] (usable in a `static`).
#[macro_export]
macro_rules! embedded_migrations {
    () => {
        include!(concat!(env!("OUT_DIR"), "/cairn_migrations.rs"))
    };
}
