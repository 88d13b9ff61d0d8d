//! Backup and restore through SQLite's online backup API.
//!
//! Backup copies every page in one step, so the copy is one read transaction's snapshot: in WAL
//! mode other connections keep writing meanwhile, and none of their later commits is half in
//! the copy.
//!
//! Restore does not rename a file over the database: another connection (the application)
//! would keep the old file open, and a leftover `-wal` file of the old database would be
//! replayed onto the new one and corrupt it. Instead the backup is opened read-only, checked
//! with `PRAGMA integrity_check`, then copied into the live database with the backup API in
//! one step: SQLite writes all pages in a single write transaction through its journal or WAL,
//! so an error or a crash rolls back to the old contents, and every connection sees either the
//! old database or the new one, never a mix.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use cairn::BackendError;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

/// How long to keep retrying while another connection holds a lock the copy needs.
const BUSY_LIMIT: Duration = Duration::from_secs(60);

/// Copies the database `conn` is open on into a new file at `path`.
pub fn backup(conn: &Connection, path: &Path) -> Result<(), BackendError> {
    let fail = |what: &str, e: rusqlite::Error| {
        BackendError::Other(format!("backup to {}: {what}: {e}", path.display()))
    };
    let mut copy = Connection::open(path).map_err(|e| fail("cannot create the file", e))?;
    copy_all(conn, &mut copy).map_err(|e| fail("copy failed", e))?;
    // The copy inherits WAL mode from the header; a rollback-journal file is self-contained.
    copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(|e| fail("cannot leave WAL mode", e))?;
    copy.close().map_err(|(_, e)| fail("cannot close", e))?;
    sync(path)
}

/// Replaces the contents of the database `conn` is open on with the SQLite file at `source`,
/// opened read-only (so nothing is written to the backup, and no copy of it is made) and
/// checked with `PRAGMA integrity_check` first.
pub fn restore(conn: &mut Connection, source: &Path) -> Result<(), BackendError> {
    let from =
        Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| {
            BackendError::Other(format!("cannot open the backup {}: {e}", source.display()))
        })?;
    check_integrity(&from)?;
    copy_all(&from, conn).map_err(|e| {
        BackendError::Other(format!(
            "restore failed and was rolled back, the database is unchanged: {e}"
        ))
    })
}

fn check_integrity(db: &Connection) -> Result<(), BackendError> {
    let mut stmt = db
        .prepare("PRAGMA integrity_check")
        .map_err(|e| BackendError::Other(format!("the backup is not a usable database: {e}")))?;
    let messages: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(Iterator::collect)
        .map_err(|e| BackendError::Other(format!("the backup is not a usable database: {e}")))?;
    if messages == ["ok"] {
        Ok(())
    } else {
        Err(BackendError::Other(format!(
            "the backup fails PRAGMA integrity_check: {}",
            messages.join("; ")
        )))
    }
}

/// Copies every page of `from` into `to` in one step, retrying while either is locked.
fn copy_all(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = Backup::new(from, to)?;
    let start = Instant::now();
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::Busy | StepResult::Locked if start.elapsed() < BUSY_LIMIT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            StepResult::More => {}
            other => {
                return Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some(format!(
                        "database still locked after {BUSY_LIMIT:?} ({other:?})"
                    )),
                ));
            }
        }
    }
}

fn sync(path: &Path) -> Result<(), BackendError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| BackendError::Other(format!("cannot sync {}: {e}", path.display())))
}
