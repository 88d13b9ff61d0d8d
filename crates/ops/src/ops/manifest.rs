//! The manifest written beside every backup, and the backup files' naming.
//!
//! A backup `DIR/<name>-<yyyymmddThhmmssZ>.<ext>[.gz]` has its manifest in
//! `DIR/<same file name>.manifest.json`. The manifest is written last, so a backup without one
//! is incomplete (a crash mid-way) and is neither listed nor restorable.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Dialect;
use crate::error::Error;

/// What is appended to a backup's file name to name its manifest.
pub const MANIFEST_SUFFIX: &str = ".manifest.json";

/// The manifest format this engine writes; a newer one is refused rather than misread.
pub const MANIFEST_VERSION: u32 = 1;

/// How a backup file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// gzip (`.gz` appended to the file name).
    Gzip,
    /// Stored as the backend wrote it.
    None,
}

/// Why a backup was taken; `--keep` prunes only regular backups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupKind {
    /// `db backup` (and manifests written before kinds existed).
    #[default]
    Backup,
    /// Taken by `db restore` just before replacing the database; never pruned.
    PreRestore,
    /// Taken by `migrate up`/`down` before a destructive migration.
    Auto,
    /// Made by another tool (`sqlite3 .backup`, `pg_dump`, `mysqldump`): no manifest on disk;
    /// the one [`super::verify`] reports is inferred from the file.
    Foreign,
}

/// One applied migration at the time of the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestMigration {
    /// Migration id.
    pub id: String,
    /// Its checksum as recorded in the history table.
    pub checksum: String,
}

/// A table's row count at the time of the backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTable {
    /// Table name.
    pub table: String,
    /// Rows.
    pub rows: u64,
}

/// What a backup holds, written as JSON beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`MANIFEST_VERSION`] when written.
    pub manifest_version: u32,
    /// The database, as [`cairn_core::Driver::describe`] names it (no password).
    pub database: String,
    /// Short name of the database, used in file names.
    pub name: String,
    /// Why the backup was taken.
    #[serde(default)]
    pub kind: BackupKind,
    /// Its dialect.
    pub dialect: Dialect,
    /// When the backup started, UTC, RFC 3339 with milliseconds.
    pub created_at: String,
    /// The backup file's name (in the manifest's directory).
    pub file: String,
    /// The file's compression.
    pub compression: Compression,
    /// The file's size in bytes.
    pub size: u64,
    /// SHA-256 (lower-case hex) of the file as stored (after compression).
    pub sha256: String,
    /// Applied migrations, in history order: the Cairn history head is the last one.
    pub history: Vec<ManifestMigration>,
    /// The id of the last applied migration, if any.
    pub head: Option<String>,
    /// Row counts per table, read just before the copy.
    pub tables: Vec<ManifestTable>,
    /// The engine version that wrote the backup.
    pub engine_version: String,
}

impl Manifest {
    /// Reads and parses the manifest at `path`.
    pub fn read(path: &Path) -> Result<Manifest, Error> {
        let text = fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| Error::Backup {
            path: path.to_path_buf(),
            message: format!("not a valid backup manifest: {e}"),
        })?;
        if manifest.manifest_version > MANIFEST_VERSION {
            return Err(Error::Backup {
                path: path.to_path_buf(),
                message: format!(
                    "manifest version {} is newer than this Cairn understands ({MANIFEST_VERSION})",
                    manifest.manifest_version
                ),
            });
        }
        Ok(manifest)
    }

    /// Writes the manifest to `path` through a temporary file and a rename, so a reader never
    /// sees half of it.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| Error::Backup {
            path: path.to_path_buf(),
            message: format!("cannot serialize the manifest: {e}"),
        })?;
        let tmp = path.with_extension("json.tmp");
        fs::write(&tmp, text + "\n").map_err(io)?;
        fs::rename(&tmp, path).map_err(io)
    }
}

/// The manifest path of the backup file `backup`.
pub fn manifest_path(backup: &Path) -> PathBuf {
    let mut name = backup.as_os_str().to_os_string();
    name.push(MANIFEST_SUFFIX);
    PathBuf::from(name)
}

/// The extension of an uncompressed backup of `dialect`.
pub fn extension(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "db",
        Dialect::Postgres => "dump",
        Dialect::Mysql => "sql",
    }
}

/// The short name of the database `described` (a redacted URL as
/// [`cairn_core::Driver::describe`] returns it): the SQLite file's stem or the server database's
/// name, reduced to characters safe in a file name.
pub fn database_name(described: &str) -> String {
    let raw = match described.split_once(':') {
        Some((scheme, rest)) if scheme.starts_with("sqlite") => Path::new(rest)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Some((_, rest)) => {
            let path = rest.split(['?', '#']).next().unwrap_or_default();
            path.rsplit('/').next().unwrap_or_default().to_string()
        }
        None => described.to_string(),
    };
    let safe: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "database".to_string()
    } else {
        safe
    }
}

/// Now in UTC: (`yyyymmddThhmmssZ` for file names, RFC 3339 with milliseconds).
pub fn utc_now() -> (String, String) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    utc_stamps(since.as_secs(), since.subsec_millis())
}

fn utc_stamps(secs: u64, millis: u32) -> (String, String) {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let (y, mo, d) = civil_from_days(days);
    (
        format!("{y:04}{mo:02}{d:02}T{h:02}{m:02}{s:02}Z"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}.{millis:03}Z"),
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm), so
/// no date crate is needed for one timestamp.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// SHA-256 (lower-case hex) and size of the file at `path`, read in blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((hex, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_utc_calendar_dates() {
        assert_eq!(
            utc_stamps(0, 0),
            (
                "19700101T000000Z".to_string(),
                "1970-01-01T00:00:00.000Z".to_string()
            )
        );
        // 2024-02-29 12:34:56 UTC, a leap day.
        assert_eq!(utc_stamps(1_709_210_096, 7).0, "20240229T123456Z");
        assert_eq!(utc_stamps(1_709_210_096, 7).1, "2024-02-29T12:34:56.007Z");
    }

    #[test]
    fn names_come_from_the_database() {
        assert_eq!(database_name("sqlite:/tmp/x/app.db"), "app");
        assert_eq!(database_name("sqlite::memory:"), "_memory_");
        assert_eq!(database_name("postgres://u@h/"), "database");
        assert_eq!(
            database_name("postgres://u:***@localhost:5432/shop?sslmode=disable"),
            "shop"
        );
        assert_eq!(database_name("mysql://u:***@h:3306/my.db"), "my_db");
    }

    #[test]
    fn manifest_sits_beside_the_file() {
        assert_eq!(
            manifest_path(Path::new("b/app-20240101T000000Z.db.gz")),
            Path::new("b/app-20240101T000000Z.db.gz.manifest.json")
        );
    }
}
