//! The migration lock for a database file: an OS lock on a sidecar file.
//!
//! SQLite's own locks cover one transaction, but a run spans many (one per migration), and a
//! second runner must wait for the whole run, then read the history. An advisory `flock` on
//! `<db>-cairn-lock` (one per history table) does that and is released by the OS if the process dies. The database file
//! itself is never locked this way: SQLite's POSIX locks are lost when any descriptor of the
//! file is closed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

use cairn::BackendError;

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Waits up to `timeout` for the lock of `history_table` beside `db`.
    pub fn acquire(
        db: &Path,
        history_table: &str,
        timeout: Duration,
    ) -> Result<FileLock, BackendError> {
        let path = lock_path(db, history_table);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                BackendError::Other(format!("cannot open lock file {}: {e}", path.display()))
            })?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FileLock { file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < timeout => {
                    sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(BackendError::LockTimeout {
                        waited: start.elapsed(),
                        holder: Some(format!("another process holding {}", path.display())),
                    });
                }
                Err(TryLockError::Error(e)) => {
                    return Err(BackendError::Other(format!(
                        "cannot lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
    }

    /// Releases the lock now.
    pub fn release(self) -> Result<(), BackendError> {
        self.file
            .unlock()
            .map_err(|e| BackendError::Other(format!("cannot release migration lock: {e}")))
    }
}

/// `<db>-cairn-lock` next to the database file for the default history table, and
/// `<db>-cairn-lock-<table>` for another one: the lock is per database *and* history table,
/// as on the servers, so two projects sharing a file with their own tables never wait for each
/// other. (The table name is a plain identifier, checked on connect, so it is safe in a file
/// name.)
pub fn lock_path(db: &Path, history_table: &str) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push("-cairn-lock");
    if history_table != cairn::HISTORY_TABLE {
        name.push(format!("-{history_table}"));
    }
    db.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_times_out_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app.db");
        let table = cairn::HISTORY_TABLE;
        let first = FileLock::acquire(&db, table, Duration::from_secs(1)).unwrap();
        let err = FileLock::acquire(&db, table, Duration::from_millis(50)).unwrap_err();
        assert!(matches!(err, BackendError::LockTimeout { .. }), "{err}");
        first.release().unwrap();
        FileLock::acquire(&db, table, Duration::from_millis(50)).unwrap();
    }

    #[test]
    fn each_history_table_has_its_own_lock() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("app.db");
        let _ours = FileLock::acquire(&db, cairn::HISTORY_TABLE, Duration::from_secs(1)).unwrap();
        // Another project's history table in the same file does not wait for ours...
        let theirs = FileLock::acquire(&db, "billing_migrations", Duration::from_millis(50));
        assert!(theirs.is_ok(), "{theirs:?}");
        // ...but a second runner of the same project does.
        let again = FileLock::acquire(&db, cairn::HISTORY_TABLE, Duration::from_millis(50));
        assert!(again.is_err());
        assert_eq!(
            lock_path(&db, cairn::HISTORY_TABLE),
            dir.path().join("app.db-cairn-lock")
        );
        assert_eq!(
            lock_path(&db, "billing_migrations"),
            dir.path().join("app.db-cairn-lock-billing_migrations")
        );
    }
}
