//! Restoring a backup: verify it, back up the current database, then replace it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::backup::{BackupFile, backup_locked, io_at};
use super::manifest::{BackupKind, Compression, Manifest};
use super::verify;
use crate::driver::Driver;
use crate::error::Error;
use crate::history::log::{LogEntry, LogSql, actor, append};
use crate::registry::Registry;

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
/// only then restored ([`cairn_core::Backup::restore`]: atomic on SQLite and PostgreSQL; tables created
/// after the backup are dropped) and the tables compared with the manifest's. When the
/// restore itself fails, the error names the pre-restore backup. Both happen under the
/// migration lock (waiting at most `lock_timeout`), so no `migrate up` runs in between.
pub fn restore(
    db: &mut dyn Driver,
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
    let result = backup_locked(
        db,
        pre_restore_dir,
        Compression::Gzip,
        BackupKind::PreRestore,
    )
    .and_then(|pre_restore| {
        let failed = |message: String| Error::Backup {
            path: file.to_path_buf(),
            message: format!(
                "{message}; the database as it was before is backed up in {}",
                pre_restore.path.display()
            ),
        };
        db.as_backup()?
            .restore(&raw)
            .map_err(|e| failed(format!("restore failed: {e}")))?;
        // Another tool's backup lists no tables; the restore dropped everything first.
        let extra = if manifest.kind == BackupKind::Foreign {
            Vec::new()
        } else {
            tables_not_in(db, &manifest)?
        };
        if !extra.is_empty() {
            return Err(failed(format!(
                "after the restore the database has tables the backup does not: {}",
                extra.join(", ")
            )));
        }
        // The log came back as the backup had it; this restore is its next entry.
        let mut entry = LogEntry::new("restore", None, "ok", &actor());
        entry.detail = Some(format!(
            "restored {} (pre-restore backup {})",
            file.display(),
            pre_restore.path.display()
        ));
        let sql = LogSql::new(db.dialect(), db.history_table());
        append(db, &sql, &[entry]).map_err(|e| {
            failed(format!(
                "the restore succeeded, but writing the audit log failed: {e}"
            ))
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

/// Tables `db` has that `manifest` does not list: a restore must leave none, or the history
/// it brought back would not match the schema (`migrate up` would fail on them).
fn tables_not_in(db: &mut dyn Driver, manifest: &Manifest) -> Result<Vec<String>, Error> {
    let listed: HashSet<&str> = manifest.tables.iter().map(|t| t.table.as_str()).collect();
    Ok(db
        .as_introspect()?
        .introspect()?
        .tables
        .into_iter()
        .map(|t| t.name)
        .filter(|name| !listed.contains(name.as_str()))
        .collect())
}
