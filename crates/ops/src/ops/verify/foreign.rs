//! Backups made by other tools: a plain SQLite file (`sqlite3 .backup`, a copy), a `pg_dump`
//! custom archive or SQL script, a `mysqldump` / `mariadb-dump` file, gzipped or not. They
//! have no manifest, so the size, checksum, history and row counts cannot be compared with
//! one; what the file itself shows is checked (its format and completeness, SQLite's
//! integrity), what could not be is said, and a manifest is inferred so such a backup
//! restores like Cairn's own.

use std::fs;
use std::path::{Path, PathBuf};

use super::super::backup::file_name;
use super::super::manifest::{self, BackupKind, Compression, MANIFEST_VERSION, Manifest};
use super::super::tool::{find_tool, run_tool};
use super::{Verification, check_format, gunzip, head_and_tail, integrity};
use crate::Dialect;
use crate::registry::Registry;

/// [`super::check`] of a file without a manifest.
pub(super) fn check(
    file: &Path,
    registry: &Registry,
    work: &Path,
    mut v: Verification,
) -> (Verification, Option<PathBuf>) {
    v.unverified.push(
        "no Cairn manifest (a backup made by another tool): its size and SHA-256 cannot be compared with the ones recorded when it was made, nor its history and row counts".to_string(),
    );
    let (sha, size) = match manifest::sha256_file(file) {
        Ok(read) => read,
        Err(e) => {
            v.fail("size", format!("cannot read the file: {e}"));
            return (v, None);
        }
    };
    v.pass("size", format!("{size} bytes (nothing to compare with)"));
    let gzipped = head_and_tail(file).is_ok_and(|(head, _, _)| head.starts_with(&[0x1f, 0x8b]));
    let raw = work.join("backup.raw");
    let copied = if gzipped {
        gunzip(file, &raw).map(|n| format!("gzip, {n} bytes uncompressed"))
    } else {
        fs::copy(file, &raw).map(|n| format!("{n} bytes, not compressed"))
    };
    match copied {
        Ok(detail) => v.pass("decompress", detail),
        Err(e) => {
            v.fail("decompress", format!("{e} (truncated or damaged)"));
            return (v, None);
        }
    }
    let Some((dialect, tool)) = recognize(&raw) else {
        v.fail(
            "format",
            "not a backup Cairn recognizes: expected an SQLite database file, a pg_dump archive or SQL script, or a mysqldump / mariadb-dump file".to_string(),
        );
        return (v, None);
    };
    match check_format(dialect, &raw) {
        Ok(detail) => v.pass("format", format!("{detail} ({tool})")),
        Err(detail) => v.fail("format", detail),
    }
    // Without a manifest's size, only reading the whole archive shows it is complete.
    if dialect == Dialect::Postgres && v.ok() && tool == ARCHIVE {
        match read_archive(&raw) {
            Ok(()) => v.pass("complete", "pg_restore read the whole archive".to_string()),
            Err(ReadArchive::NoTool(e)) => v
                .unverified
                .push(format!("whether the archive is complete: {e}")),
            Err(ReadArchive::Failed(e)) => v.fail(
                "complete",
                format!("pg_restore cannot read it: {e} (truncated?)"),
            ),
        }
    }
    if dialect == Dialect::Sqlite && v.ok() {
        match integrity(registry, &raw) {
            Ok(()) => v.pass("integrity", "PRAGMA integrity_check: ok".to_string()),
            Err(detail) => v.fail("integrity", detail),
        }
    } else if dialect != Dialect::Sqlite {
        v.unverified
            .push("a dump's contents can only be checked by loading it (db restore)".to_string());
    }
    v.manifest = Some(Manifest {
        manifest_version: MANIFEST_VERSION,
        database: format!("unknown ({tool})"),
        name: file_name(file),
        kind: BackupKind::Foreign,
        dialect,
        created_at: String::new(),
        file: file_name(file),
        compression: if gzipped {
            Compression::Gzip
        } else {
            Compression::None
        },
        size,
        sha256: sha,
        history: Vec::new(),
        head: None,
        tables: Vec::new(),
        engine_version: String::new(),
    });
    let ok = v.ok();
    (v, ok.then_some(raw))
}

/// What [`recognize`] calls a pg_dump custom-format archive.
const ARCHIVE: &str = "pg_dump custom archive";

enum ReadArchive {
    NoTool(String),
    Failed(String),
}

/// Reads the whole archive at `raw` with `pg_restore`, writing the script nowhere.
fn read_archive(raw: &Path) -> Result<(), ReadArchive> {
    let tool = find_tool(
        &["pg_restore"],
        "install the PostgreSQL client tools (Debian/Ubuntu: postgresql-client)",
    )
    .map_err(|e| ReadArchive::NoTool(e.to_string()))?;
    let mut cmd = std::process::Command::new(tool);
    cmd.args(["--file", "/dev/null"]).arg(raw);
    run_tool(cmd, None, &|t| t.to_string()).map_err(|e| ReadArchive::Failed(e.to_string()))
}

/// The dialect of the uncompressed backup at `raw`, and what made it, from its first bytes.
fn recognize(raw: &Path) -> Option<(Dialect, &'static str)> {
    let (head, _, _) = head_and_tail(raw).ok()?;
    if head.starts_with(b"SQLite format 3\0") {
        return Some((Dialect::Sqlite, "SQLite database file"));
    }
    if head.starts_with(b"PGDMP") {
        return Some((Dialect::Postgres, ARCHIVE));
    }
    let text = String::from_utf8_lossy(&head);
    if text.contains("-- PostgreSQL database dump") {
        return Some((Dialect::Postgres, "pg_dump SQL script"));
    }
    if text.contains("-- MySQL dump") || text.contains("-- MariaDB dump") {
        return Some((Dialect::Mysql, "mysqldump / mariadb-dump"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recognized(bytes: &[u8]) -> Option<Dialect> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, bytes).unwrap();
        recognize(&path).map(|(d, _)| d)
    }

    #[test]
    fn the_first_bytes_say_which_tool_wrote_a_backup() {
        assert_eq!(recognized(b"SQLite format 3\0rest"), Some(Dialect::Sqlite));
        assert_eq!(recognized(b"PGDMP\x01\x0e"), Some(Dialect::Postgres));
        assert_eq!(
            recognized(b"--\n-- PostgreSQL database dump\n--\n"),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            recognized(b"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB\n"),
            Some(Dialect::Mysql)
        );
        assert_eq!(
            recognized(b"-- MySQL dump 10.13  Distrib 8.0.36\n"),
            Some(Dialect::Mysql)
        );
        assert_eq!(recognized(b"hello"), None);
    }
}
