//! Where backups go: `--backup-dir`, else cairn.toml's `backup_dir`, else beside a SQLite
//! database file (`app.db-backups/`), else the user's state directory
//! (`~/.local/state/cairn/backups`) for a server. Never the working directory by default,
//! where the next `git add -A` would commit a copy of the data, and never a migrations folder,
//! where a manifest would be read as a migration.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::Context;

/// The backup directory for this invocation, with `flag` (`--backup-dir`) winning.
pub fn backup_dir(ctx: &Context, flag: Option<&Path>) -> Result<PathBuf> {
    let dir = match (flag, &ctx.settings.backup_dir) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(setting)) => setting.value.clone(),
        (None, None) => default_dir(&ctx.settings.database_url.value)?,
    };
    for source in &ctx.settings.dirs {
        if inside(&dir, &source.value.dir) {
            bail!(
                "backups cannot go into the migrations folder {} (its manifests would be read as migrations): give --backup-dir another directory",
                source.value.dir.display()
            );
        }
    }
    Ok(dir)
}

/// Beside a SQLite file; for a server, the user's state directory.
fn default_dir(url: &str) -> Result<PathBuf> {
    if let Some(file) = sqlite_file(url)? {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "database".to_string());
        return Ok(file.with_file_name(format!("{name}-backups")));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        });
    match state {
        Some(state) => Ok(state.join("cairn").join("backups")),
        None => {
            bail!("no HOME to keep backups in: give --backup-dir (or backup_dir in cairn.toml)")
        }
    }
}

/// The file of a `sqlite:` URL; `None` for other URLs.
#[cfg(feature = "sqlite")]
fn sqlite_file(url: &str) -> Result<Option<PathBuf>> {
    if !url.starts_with("sqlite") {
        return Ok(None);
    }
    match cairn_sqlite::parse_url(url)? {
        cairn_sqlite::Location::File(path) => Ok(Some(path)),
        cairn_sqlite::Location::Memory => {
            bail!("an in-memory database has no file to keep backups beside: give --backup-dir")
        }
    }
}

#[cfg(not(feature = "sqlite"))]
fn sqlite_file(_url: &str) -> Result<Option<PathBuf>> {
    Ok(None)
}

/// Whether `dir` is `root` or inside it (compared as absolute paths, through symlinks where
/// they exist).
fn inside(dir: &Path, root: &Path) -> bool {
    let (Some(dir), Some(root)) = (absolute(dir), absolute(root)) else {
        return false;
    };
    dir.starts_with(root)
}

/// `path` made absolute, its longest existing prefix resolved through symlinks.
fn absolute(path: &Path) -> Option<PathBuf> {
    let path = std::path::absolute(path).ok()?;
    let mut existing = path.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
    let mut out = existing.canonicalize().ok()?;
    out.extend(rest.iter().rev());
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sqlite_file_keeps_its_backups_beside_it() {
        assert_eq!(
            default_dir("sqlite:data/app.db").unwrap(),
            PathBuf::from("data/app.db-backups")
        );
        assert!(default_dir("sqlite::memory:").is_err());
    }

    #[test]
    fn inside_compares_absolute_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let mig = tmp.path().join("migrations");
        std::fs::create_dir(&mig).unwrap();
        assert!(inside(&mig, &mig));
        assert!(inside(&mig.join("new/sub"), &mig));
        assert!(!inside(&tmp.path().join("backups"), &mig));
    }
}
