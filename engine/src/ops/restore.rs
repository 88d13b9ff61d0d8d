//! Restoring a backup: verify it, back up the current database, then replace it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::backup::{BackupFile, backup, io_at};
use super::manifest::{Compression, Manifest};
use super::verify;
use crate::backend::{Backend, Registry};
use crate::error::Error;

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The backup restored.
    pub file: PathBuf,
    /// Its manifest (history head and row counts the database now has).
    pub manifest: Manifest,
    /// The backup of the database as it was just before, in case the restore was a mistake.
    pub pre_restore: BackupFile,
}

/// Replaces the contents of `db` with the backup `file`. The backup is verified first (see
/// [`verify::verify`]) and refused, with the database untouched, when any check fails or it
/// is of another dialect; then the current database is backed up into `pre_restore_dir`, and
/// only then restored ([`Backend::restore`]: atomic on SQLite and PostgreSQL). When the
/// restore itself fails, the error names the pre-restore backup. Both happen under the
/// migration lock (waiting at most `lock_timeout`), so no `migrate up` runs in between.
pub fn restore(
    db: &mut dyn Backend,
    file: &Path,
    registry: &Registry,
    pre_restore_dir: &Path,
    lock_timeout: Duration,
) -> Result<Restored, Error> {
    let work = tempfile::Builder::new()
        .prefix("cairn-restore-")
        .tempdir()
        .map_err(io_at(&std::env::temp_dir()))?;
    let (verification, raw) = verify::check(file, registry, work.path());
    let (Some(raw), Some(manifest)) = (raw, verification.manifest.clone()) else {
        return Err(Error::Backup {
            path: file.to_path_buf(),
            message: format!(
                "refusing to restore a backup that fails verification ({}); the database was not touched",
                verification.problems()
            ),
        });
    };
    if manifest.dialect != db.dialect() {
        return Err(Error::Backup {
            path: file.to_path_buf(),
            message: format!(
                "this is a {} backup and {} is a {} database; the database was not touched",
                manifest.dialect,
                db.describe(),
                db.dialect()
            ),
        });
    }
    db.lock(lock_timeout)?;
    let result = backup(db, pre_restore_dir, Compression::Gzip).and_then(|pre_restore| {
        db.restore(&raw).map_err(|e| Error::Backup {
            path: file.to_path_buf(),
            message: format!(
                "restore failed: {e}; the database as it was before is backed up in {}",
                pre_restore.path.display()
            ),
        })?;
        Ok(pre_restore)
    });
    let released = db.unlock();
    let pre_restore = result?;
    released?;
    Ok(Restored {
        file: file.to_path_buf(),
        manifest,
        pre_restore,
    })
}
