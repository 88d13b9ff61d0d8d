//! Backups: a consistent copy of the database through [`Driver::backup`], compressed,
//! checksummed and described by a [`Manifest`] beside it; listing and pruning them.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::manifest::{
    self, BackupKind, Compression, MANIFEST_SUFFIX, MANIFEST_VERSION, Manifest, ManifestMigration,
    ManifestTable,
};
use super::stats::row_counts;
use crate::driver::Driver;
use crate::error::Error;
use crate::history::HistoryStatus;
use crate::protocol::Migrate;
use crate::registry::DEFAULT_LOCK_TIMEOUT;

/// A backup on disk: the file, its manifest and what the manifest says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupFile {
    /// The backup file.
    pub path: PathBuf,
    /// Its manifest (`<path>.manifest.json`).
    pub manifest_path: PathBuf,
    /// The manifest's contents.
    pub manifest: Manifest,
}

/// How [`backup_with`] backs up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupOptions {
    /// Compression of the backup file.
    pub compression: Compression,
    /// Why the backup is taken (recorded in the manifest; `--keep` prunes only
    /// [`BackupKind::Backup`]).
    pub kind: BackupKind,
    /// How long to wait for the migration lock.
    pub lock_timeout: Duration,
}

impl Default for BackupOptions {
    fn default() -> Self {
        BackupOptions {
            compression: Compression::Gzip,
            kind: BackupKind::Backup,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }
}

/// [`backup_with`] a regular backup, waiting at most [`DEFAULT_LOCK_TIMEOUT`] for the lock.
pub fn backup(
    db: &mut dyn Driver,
    dir: &Path,
    compression: Compression,
) -> Result<BackupFile, Error> {
    let opts = BackupOptions {
        compression,
        ..BackupOptions::default()
    };
    backup_with(db, dir, &opts)
}

/// Backs up `db` into `dir` (created if absent): the backend writes a consistent copy while
/// the application may keep writing, then the copy is compressed, checksummed and renamed to
/// `<name>-<yyyymmddThhmmssZ>.<ext>[.gz]`, and its manifest (history head, row counts, SHA-256)
/// is written last. A failure leaves no file behind. The migration lock is held throughout, so
/// no migration runs between the history read, the row counts and the copy: the manifest
/// describes what the file holds.
pub fn backup_with(
    db: &mut dyn Driver,
    dir: &Path,
    opts: &BackupOptions,
) -> Result<BackupFile, Error> {
    db.lock(opts.lock_timeout)?;
    let made = backup_locked(db, dir, opts.compression, opts.kind);
    let released = db.unlock();
    let made = made?;
    released?;
    Ok(made)
}

/// Moves the backup `made` to exactly `file` (in the same directory as `made`, so the rename
/// does not cross file systems), its manifest to `FILE.manifest.json` with the new file name
/// recorded. Refused when `file` exists; the backup stays where it was then.
pub fn place(made: BackupFile, file: &Path) -> Result<BackupFile, Error> {
    if file.exists() {
        return Err(Error::Backup {
            path: file.to_path_buf(),
            message: format!("exists; the backup was left at {}", made.path.display()),
        });
    }
    fs::rename(&made.path, file).map_err(io_at(file))?;
    let manifest_path = manifest::manifest_path(file);
    let manifest = Manifest {
        file: file_name(file),
        ..made.manifest
    };
    manifest.write(&manifest_path)?;
    fs::remove_file(&made.manifest_path).map_err(io_at(&made.manifest_path))?;
    Ok(BackupFile {
        path: file.to_path_buf(),
        manifest_path,
        manifest,
    })
}

/// [`backup_with`] for a caller that already holds the migration lock (a
/// `cairn::BeforeRun` hook before a run).
pub fn backup_locked(
    db: &mut dyn Driver,
    dir: &Path,
    compression: Compression,
    kind: BackupKind,
) -> Result<BackupFile, Error> {
    fs::create_dir_all(dir).map_err(io_at(dir))?;
    let (stamp, created_at) = manifest::utc_now();
    let dialect = db.dialect();
    let database = db.describe();
    let name = manifest::database_name(&database);
    let rows = db.history()?;
    // An empty history table counts nothing worth a line.
    let include_history = !rows.is_empty();
    let history: Vec<ManifestMigration> = rows
        .into_iter()
        .filter(|h| h.status == HistoryStatus::Applied)
        .map(|h| ManifestMigration {
            id: h.id,
            checksum: h.checksum,
        })
        .collect();
    // Only an applied row makes the history table worth a line in the manifest.
    let tables = row_counts(db, include_history)?
        .into_iter()
        .map(|t| ManifestTable {
            table: t.table,
            rows: t.rows,
        })
        .collect();

    // Work in a hidden directory inside `dir`, so the final rename never crosses file systems
    // and an interrupted backup leaves only that directory (removed on drop).
    let work = tempfile::Builder::new()
        .prefix(".cairn-backup-")
        .tempdir_in(dir)
        .map_err(io_at(dir))?;
    let ext = manifest::extension(dialect);
    let raw = work.path().join(format!("{name}.{ext}"));
    db.as_backup()?.backup(&raw)?;
    let (stored, suffix) = match compression {
        Compression::Gzip => {
            let gz = work.path().join(format!("{name}.{ext}.gz"));
            gzip(&raw, &gz)?;
            (gz, ".gz")
        }
        Compression::None => (raw, ""),
    };
    // Checksummed before the rename: a failure here leaves nothing in `dir`.
    let (sha256, size) = manifest::sha256_file(&stored)?;
    let path = free_name(dir, &format!("{name}-{stamp}"), &format!(".{ext}{suffix}"));
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        database,
        name,
        kind,
        dialect,
        created_at,
        file: file_name(&path),
        compression,
        size,
        sha256,
        head: history.last().map(|h| h.id.clone()),
        history,
        tables,
        engine_version: crate::ENGINE_VERSION.to_string(),
    };
    fs::rename(&stored, &path).map_err(io_at(&path))?;
    let manifest_path = manifest::manifest_path(&path);
    if let Err(e) = manifest.write(&manifest_path) {
        // Without its manifest the file could never be verified or restored: don't keep it.
        let _ = fs::remove_file(&path);
        return Err(e);
    }
    Ok(BackupFile {
        path,
        manifest_path,
        manifest,
    })
}

/// The backups in `dir` (those with a readable manifest), newest first. A missing directory
/// has none.
pub fn list_backups(dir: &Path) -> Result<Vec<BackupFile>, Error> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_at(dir)(e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let manifest_path = entry.map_err(io_at(dir))?.path();
        let manifest_name = file_name(&manifest_path);
        let Some(backup_name) = manifest_name
            .strip_suffix(MANIFEST_SUFFIX)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        // A manifest that cannot be read belongs to no usable backup; `verify` names the
        // problem when asked about that file.
        let Ok(manifest) = Manifest::read(&manifest_path) else {
            continue;
        };
        // The file is named by the manifest's own name, never by its contents: a manifest
        // saying `"file": "../x"` must not make `prune` delete `x`.
        if manifest.file != backup_name {
            continue;
        }
        found.push(BackupFile {
            path: dir.join(backup_name),
            manifest_path,
            manifest,
        });
    }
    // Newest first; within one millisecond, by the `-N` a name collision appended.
    found
        .sort_by_key(|b| std::cmp::Reverse((b.manifest.created_at.clone(), sequence(&b.manifest))));
    Ok(found)
}

/// Deletes all but the newest `keep` backups in `dir` of the database `of` describes, of the
/// same kind (same [`Manifest::database`], dialect and [`BackupKind`]; other databases' backups
/// are never touched, even with the same short name). Pre-restore backups are never pruned:
/// they are the way back from a mistaken restore. Returns the deleted files.
pub fn prune(dir: &Path, of: &Manifest, keep: usize) -> Result<Vec<PathBuf>, Error> {
    if of.kind == BackupKind::PreRestore {
        return Ok(Vec::new());
    }
    let mut deleted = Vec::new();
    for old in list_backups(dir)?
        .into_iter()
        .filter(|b| {
            let m = &b.manifest;
            m.database == of.database && m.dialect == of.dialect && m.kind == of.kind
        })
        .skip(keep)
    {
        // The manifest goes last: if deleting stops half-way, the leftover is still listed.
        remove_if_present(&old.path)?;
        remove_if_present(&old.manifest_path)?;
        deleted.push(old.path);
    }
    Ok(deleted)
}

/// Compresses `from` into `to` with gzip and flushes it to disk.
fn gzip(from: &Path, to: &Path) -> Result<(), Error> {
    let mut input = fs::File::open(from).map_err(io_at(from))?;
    let output = fs::File::create(to).map_err(io_at(to))?;
    let mut encoder =
        flate2::write::GzEncoder::new(BufWriter::new(output), flate2::Compression::default());
    io::copy(&mut input, &mut encoder).map_err(io_at(to))?;
    let mut writer = encoder.finish().map_err(io_at(to))?;
    writer.flush().map_err(io_at(to))?;
    let file = writer.into_inner().map_err(|e| io_at(to)(e.into_error()))?;
    file.sync_all().map_err(io_at(to))
}

/// `dir/<stem><ext>`, or `dir/<stem>-2<ext>`, ... when a backup in the same second took it.
fn free_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut path = dir.join(format!("{stem}{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem}-{n}{ext}"));
        n += 1;
    }
    path
}

/// `N` of a file named `<name>-<stamp>-N.<ext>` by [`free_name`]; 1 without it.
fn sequence(m: &Manifest) -> u32 {
    m.file
        .strip_prefix(&format!("{}-", m.name))
        .and_then(|rest| rest.get("yyyymmddThhmmssZ".len()..))
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.split('.').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

fn remove_if_present(path: &Path) -> Result<(), Error> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_at(path)(e)),
        _ => Ok(()),
    }
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(super) fn io_at(path: &Path) -> impl Fn(io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}
