//! SQLite: the template is a file in the temporary directory, built under a temporary name
//! and renamed into place (so a process never sees it half-built), checked to hold every
//! migration when found; a test's database is a copy of the file.

use std::path::{Path, PathBuf};

use cairn_core::{BackendError, Driver, Error, UpTarget};
use cairn_load::MigrationSet;
use cairn_run::{ConnectOptions, Options, Registry};

use crate::names;

/// The template file and how to open copies of it.
pub(crate) struct SqliteTemplate {
    registry: Registry,
    options: ConnectOptions,
    dir: PathBuf,
    path: PathBuf,
}

impl SqliteTemplate {
    /// Finds the template for `set` in the temporary directory, or builds it.
    pub fn open(
        registry: &Registry,
        set: &MigrationSet,
        options: ConnectOptions,
    ) -> Result<SqliteTemplate, Error> {
        let dir = std::env::temp_dir().join("cairn-testing");
        std::fs::create_dir_all(&dir).map_err(|e| io("cannot create", &dir, &e))?;
        let name = names::template(names::fingerprint(set, &options.history_table));
        let path = dir.join(format!("{name}.db"));
        let template = SqliteTemplate {
            registry: registry.clone(),
            options,
            dir,
            path,
        };
        if template.path.exists() && !template.complete(set)? {
            template.remove()?;
        }
        if !template.path.exists() {
            template.build(set)?;
        }
        Ok(template)
    }

    /// Whether the template file holds every migration of `set` (one changed by hand may not).
    fn complete(&self, set: &MigrationSet) -> Result<bool, Error> {
        let mut db = self
            .registry
            .connect_with(&format!("sqlite:{}", self.path.display()), &self.options)?;
        Ok(crate::server::complete(db.as_mut(), set))
    }

    fn build(&self, set: &MigrationSet) -> Result<(), Error> {
        let building = self.dir.join(format!("{}.tmp", names::test_database()));
        let built = (|| {
            let mut db = self
                .registry
                .connect_with(&format!("sqlite:{}", building.display()), &self.options)?;
            cairn_run::up(
                db.as_mut(),
                set,
                &UpTarget::All,
                &Options::default(),
                &mut |_| {},
            )?;
            drop(db);
            std::fs::rename(&building, &self.path)
                .map_err(|e| io("cannot move the template to", &self.path, &e))
        })();
        if built.is_err() {
            let _ = remove(&building);
        }
        built
    }

    /// The template file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A copy of the template, opened: its path and connection.
    pub fn copy(&self) -> Result<(PathBuf, Box<dyn Driver>), Error> {
        let path = self.dir.join(format!("{}.db", names::test_database()));
        std::fs::copy(&self.path, &path)
            .map_err(|e| io("cannot copy the template to", &path, &e))?;
        match self
            .registry
            .connect_with(&format!("sqlite:{}", path.display()), &self.options)
        {
            Ok(db) => Ok((path, db)),
            Err(e) => {
                let _ = remove(&path);
                Err(e)
            }
        }
    }

    /// Deletes the template file.
    pub fn remove(&self) -> Result<(), Error> {
        remove(&self.path)
    }
}

/// Deletes a database file and the journal files beside it.
pub(crate) fn remove(path: &Path) -> Result<(), Error> {
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("cannot delete", path, &e)),
        _ => Ok(()),
    }
}

fn io(what: &str, path: &Path, e: &std::io::Error) -> Error {
    BackendError::Other(format!("{what} {}: {e}", path.display())).into()
}
