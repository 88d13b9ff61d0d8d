//! Checking a backup before trusting it: manifest, size, SHA-256, compression, format and (for
//! SQLite) `PRAGMA integrity_check` on a decompressed copy.

use std::fs;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::backup::{file_name, io_at};
use super::manifest::{self, Compression, Manifest};
use crate::Dialect;
use crate::error::Error;
use crate::registry::Registry;

mod foreign;

/// One check of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyCheck {
    /// What was checked: `manifest`, `size`, `sha256`, `decompress`, `format`, `integrity`.
    pub check: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was found.
    pub detail: String,
}

/// The result of [`verify`]: every check that ran, in order. Checks stop at the first one that
/// makes the rest meaningless (no manifest, a stream that does not decompress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The backup file.
    pub file: PathBuf,
    /// Its manifest, when it could be read.
    pub manifest: Option<Manifest>,
    /// The checks.
    pub checks: Vec<VerifyCheck>,
    /// What could not be checked (a backup made by another tool has no manifest to compare
    /// its size, checksum and row counts with).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
}

impl Verification {
    /// Whether every check passed (and there was something to check).
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// The failed checks, as one line for messages.
    pub fn problems(&self) -> String {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.check, c.detail))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(super) fn pass(&mut self, check: &'static str, detail: String) {
        self.checks.push(VerifyCheck {
            check,
            ok: true,
            detail,
        });
    }

    pub(super) fn fail(&mut self, check: &'static str, detail: String) {
        self.checks.push(VerifyCheck {
            check,
            ok: false,
            detail,
        });
    }
}

/// Verifies the backup `file` against its manifest. `registry` opens the decompressed SQLite
/// copy (in a temporary directory) for `PRAGMA integrity_check`; the backup itself is never
/// opened as a database. Errors only when the temporary directory cannot be made.
pub fn verify(file: &Path, registry: &Registry) -> Result<Verification, Error> {
    let work = tempfile::Builder::new()
        .prefix("cairn-verify-")
        .tempdir()
        .map_err(io_at(&std::env::temp_dir()))?;
    Ok(check(file, registry, work.path()).0)
}

/// [`verify`], decompressing into `work`; also returns the uncompressed copy when every check
/// passed, for [`super::restore`] to use without decompressing twice.
pub(super) fn check(
    file: &Path,
    registry: &Registry,
    work: &Path,
) -> (Verification, Option<PathBuf>) {
    let mut v = Verification {
        file: file.to_path_buf(),
        manifest: None,
        checks: Vec::new(),
        unverified: Vec::new(),
    };
    let manifest_path = manifest::manifest_path(file);
    if !manifest_path.exists() && file.is_file() {
        return foreign::check(file, registry, work, v);
    }
    let manifest = match Manifest::read(&manifest_path) {
        Ok(m) => m,
        Err(e) => {
            v.fail("manifest", format!("no usable manifest: {e}"));
            return (v, None);
        }
    };
    v.pass(
        "manifest",
        format!("{} backup of {}", manifest.dialect, manifest.database),
    );
    if manifest.file != file_name(file) {
        v.fail(
            "manifest",
            format!("it describes {}, not this file", manifest.file),
        );
    }
    match manifest::sha256_file(file) {
        Err(e) => {
            v.fail("size", format!("cannot read the file: {e}"));
            v.manifest = Some(manifest);
            return (v, None);
        }
        Ok((sha, size)) => {
            if size == manifest.size {
                v.pass("size", format!("{size} bytes"));
            } else {
                v.fail(
                    "size",
                    format!(
                        "{size} bytes, the manifest says {} (truncated?)",
                        manifest.size
                    ),
                );
            }
            if sha == manifest.sha256 {
                v.pass("sha256", sha);
            } else {
                v.fail(
                    "sha256",
                    format!("{sha} does not match the manifest's {}", manifest.sha256),
                );
            }
        }
    }
    let raw = work.join(format!("backup.{}", manifest::extension(manifest.dialect)));
    let copied = match manifest.compression {
        Compression::Gzip => gunzip(file, &raw).map(|n| format!("{n} bytes uncompressed")),
        // A copy, so that opening it as a database can never touch the backup itself.
        Compression::None => fs::copy(file, &raw).map(|n| format!("{n} bytes, not compressed")),
    };
    match copied {
        Ok(detail) => v.pass("decompress", detail),
        Err(e) => {
            v.fail("decompress", format!("{e} (truncated or damaged)"));
            v.manifest = Some(manifest);
            return (v, None);
        }
    }
    match check_format(manifest.dialect, &raw) {
        Ok(detail) => v.pass("format", detail),
        Err(detail) => v.fail("format", detail),
    }
    if manifest.dialect == Dialect::Sqlite && v.ok() {
        match integrity(registry, &raw) {
            Ok(()) => v.pass("integrity", "PRAGMA integrity_check: ok".to_string()),
            Err(detail) => v.fail("integrity", detail),
        }
    }
    v.manifest = Some(manifest);
    let ok = v.ok();
    (v, ok.then_some(raw))
}

/// Decompresses `from` into `to`, failing on a truncated or corrupt stream.
pub(super) fn gunzip(from: &Path, to: &Path) -> io::Result<u64> {
    let mut decoder = flate2::read::GzDecoder::new(io::BufReader::new(fs::File::open(from)?));
    let mut out = io::BufWriter::new(fs::File::create(to)?);
    let n = io::copy(&mut decoder, &mut out)?;
    // Trailing bytes after the gzip member mean the file is not what was written.
    let mut rest = Vec::new();
    decoder.into_inner().read_to_end(&mut rest)?;
    if !rest.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} unexpected bytes after the gzip stream", rest.len()),
        ));
    }
    io::Write::flush(&mut out)?;
    Ok(n)
}

/// Checks what the backend's tool writes, so a truncated copy is caught even when the manifest
/// was rewritten to match it: SQLite's header and page count, PostgreSQL's custom-format
/// magic, a MySQL dump's closing comment.
pub(super) fn check_format(dialect: Dialect, raw: &Path) -> Result<String, String> {
    let (head, tail, len) =
        head_and_tail(raw).map_err(|e| format!("cannot read the uncompressed copy: {e}"))?;
    match dialect {
        Dialect::Sqlite => {
            let header = head.get(..100).ok_or("shorter than an SQLite header")?;
            if !header.starts_with(b"SQLite format 3\0") {
                return Err("not an SQLite database file".to_string());
            }
            let page_size = match u16::from_be_bytes([header[16], header[17]]) {
                1 => 65_536,
                n => u64::from(n),
            };
            let pages = u64::from(u32::from_be_bytes([
                header[28], header[29], header[30], header[31],
            ]));
            let expected = page_size * pages;
            if len != expected {
                return Err(format!(
                    "{len} bytes, but the header says {pages} pages of {page_size} bytes (truncated?)"
                ));
            }
            Ok(format!("SQLite database, {pages} pages"))
        }
        Dialect::Postgres => {
            if head.starts_with(b"PGDMP") {
                return Ok("pg_dump custom format".to_string());
            }
            // pg_dump's plain format (another tool's backup): a script that says it ended
            // (in a comment block near its end, followed by `--` and, since 15.14, by
            // `\unrestrict`).
            let ended = String::from_utf8_lossy(&tail)
                .lines()
                .any(|l| l.starts_with("-- PostgreSQL database dump complete"));
            if !String::from_utf8_lossy(&head).contains("-- PostgreSQL database dump") {
                Err("not a pg_dump archive (no PGDMP header) nor a pg_dump SQL script".to_string())
            } else if ended {
                Ok("complete pg_dump SQL script".to_string())
            } else {
                Err("the pg_dump script does not end with `-- PostgreSQL database dump complete` (truncated?)".to_string())
            }
        }
        Dialect::Mysql => {
            let text = String::from_utf8_lossy(&tail);
            let last = text.lines().rev().find(|l| !l.trim().is_empty());
            if last.is_some_and(|l| l.starts_with("-- Dump completed")) {
                Ok("complete SQL dump".to_string())
            } else {
                Err("the dump does not end with `-- Dump completed` (truncated?)".to_string())
            }
        }
    }
}

/// The first and last 4 KiB of the file at `path`, and its length.
pub(super) fn head_and_tail(path: &Path) -> io::Result<(Vec<u8>, Vec<u8>, u64)> {
    const BLOCK: u64 = 4096;
    let mut file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::new();
    (&mut file).take(BLOCK).read_to_end(&mut head)?;
    file.seek(io::SeekFrom::Start(len.saturating_sub(BLOCK)))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    Ok((head, tail, len))
}

/// `PRAGMA integrity_check` on the SQLite copy at `raw`.
pub(super) fn integrity(registry: &Registry, raw: &Path) -> Result<(), String> {
    let url = format!("sqlite:{}", raw.display());
    let mut db = registry
        .connect(&url)
        .map_err(|e| format!("cannot open the copy: {e}"))?;
    let rows = db
        .query("PRAGMA integrity_check")
        .map_err(|e| format!("integrity check failed: {e}"))?;
    let messages: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    if messages == ["ok"] {
        Ok(())
    } else {
        Err(format!("integrity check: {}", messages.join("; ")))
    }
}
