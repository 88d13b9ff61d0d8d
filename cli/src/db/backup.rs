//! `db backup`, `db backups`, `db verify`, `db restore`: thin shells over `cairn::ops`.

use std::path::{Path, PathBuf};

use anyhow::Result;
use cairn::ops::{self, BackupFile, BackupKind, BackupOptions, Compression};
use serde_json::json;

use super::{BackupsCmd, Compress, DbCmd, location};
use crate::cli::{Format, Out};
use crate::{Context, Outcome};

/// Runs a backup subcommand of `db`.
pub fn run(ctx: &Context, cmd: &DbCmd) -> Result<Outcome> {
    match cmd {
        DbCmd::Backup {
            backup_dir,
            output,
            compress,
            keep,
            out,
        } => {
            let dir = match output {
                Some(file) => output_dir(ctx, file)?,
                None => location::backup_dir(ctx, backup_dir.as_deref())?,
            };
            backup(ctx, (&dir, output.as_deref()), *compress, *keep, *out)
        }
        DbCmd::Backups {
            backup_dir,
            out,
            action,
        } => {
            let dir = location::backup_dir(ctx, backup_dir.as_deref())?;
            match action {
                None => list(&dir, *out),
                Some(BackupsCmd::Delete { id }) => delete(&dir, id, *out),
            }
        }
        DbCmd::Verify { file, out } => verify(ctx, file, *out),
        DbCmd::Restore {
            file,
            yes,
            backup_dir,
            out,
        } => restore(
            ctx,
            file,
            *yes,
            &location::backup_dir(ctx, backup_dir.as_deref())?,
            *out,
        ),
        DbCmd::Health { .. } | DbCmd::Optimize { .. } | DbCmd::VerifySchema(_) => {
            anyhow::bail!("not a backup command")
        }
    }
}

fn compression(c: Compress) -> Compression {
    match c {
        Compress::Gzip => Compression::Gzip,
        Compress::None => Compression::None,
    }
}

/// The folder of `--output FILE` (refused when FILE exists or is inside a migrations
/// folder).
fn output_dir(ctx: &Context, file: &Path) -> Result<PathBuf> {
    if file.exists() {
        anyhow::bail!(
            "{} exists: `db backup --output` never overwrites",
            file.display()
        );
    }
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    location::backup_dir(ctx, Some(&dir))
}

fn backup(
    ctx: &Context,
    (dir, output): (&Path, Option<&Path>),
    compress: Compress,
    keep: Option<usize>,
    out: Out,
) -> Result<Outcome> {
    if keep == Some(0) {
        anyhow::bail!("--keep 0 would delete the backup just made: keep 1 or more");
    }
    let mut db = ctx.connect()?;
    let opts = BackupOptions {
        compression: compression(compress),
        kind: BackupKind::Backup,
        lock_timeout: crate::migrate::seconds(ctx.global.lock_timeout),
    };
    let made = ops::backup_with(db.as_mut(), dir, &opts)?;
    let made = match output {
        Some(file) => ops::place(made, file)?,
        None => made,
    };
    let pruned = match keep {
        Some(n) => ops::prune(dir, &made.manifest, n)?,
        None => Vec::new(),
    };
    if out.format == Format::Json {
        println!("{:#}", json!({"backup": made, "pruned": pruned}));
        return Ok(Outcome::Clean);
    }
    println!(
        "Backed up {} to {}",
        made.manifest.database,
        made.path.display()
    );
    println!("  {}", summary(&made));
    for p in &pruned {
        println!("  pruned {}", p.display());
    }
    Ok(Outcome::Clean)
}

/// One line on what a backup holds.
pub(crate) fn summary(b: &BackupFile) -> String {
    let m = &b.manifest;
    let rows: u64 = m.tables.iter().map(|t| t.rows).sum();
    format!(
        "{} bytes, sha256 {}, history head {}, {} tables, {rows} rows",
        m.size,
        m.sha256.get(..12).unwrap_or(&m.sha256),
        m.head.as_deref().unwrap_or("(none)"),
        m.tables.len()
    )
}

fn list(dir: &Path, out: Out) -> Result<Outcome> {
    let backups = ops::list_backups(dir)?;
    if out.format == Format::Json {
        println!("{:#}", json!({"dir": dir, "backups": backups}));
        return Ok(Outcome::Clean);
    }
    if backups.is_empty() {
        println!("No backups in {}.", dir.display());
        return Ok(Outcome::Clean);
    }
    for b in &backups {
        let m = &b.manifest;
        println!(
            "{}  {:<8} {:<11} {:>12} B  head {:<24} {}",
            m.created_at,
            m.dialect.name(),
            kind(m.kind),
            m.size,
            m.head.as_deref().unwrap_or("(none)"),
            b.path.display()
        );
    }
    Ok(Outcome::Clean)
}

/// Why a backup was taken, as `db backups` shows it.
fn kind(k: BackupKind) -> &'static str {
    match k {
        BackupKind::Backup => "backup",
        BackupKind::Auto => "auto",
        BackupKind::PreRestore => "pre_restore",
        BackupKind::Foreign => "foreign",
    }
}

/// `db backups delete ID`: the backup of `dir` whose file name (with or without its
/// extensions) or path is `id`, and its manifest.
fn delete(dir: &Path, id: &str, out: Out) -> Result<Outcome> {
    let backups = ops::list_backups(dir)?;
    let found = backups.iter().find(|b| {
        let name = b.path.file_name().map(|n| n.to_string_lossy().into_owned());
        name.as_deref() == Some(id)
            || name.is_some_and(|n| n.strip_prefix(id).is_some_and(|rest| rest.starts_with('.')))
            || b.path == Path::new(id)
    });
    let Some(b) = found else {
        anyhow::bail!(
            "no backup `{id}` in {} (`db backups` lists them)",
            dir.display()
        );
    };
    for path in [&b.path, &b.manifest_path] {
        std::fs::remove_file(path)
            .map_err(|e| anyhow::anyhow!("cannot delete {}: {e}", path.display()))?;
    }
    if out.format == Format::Json {
        println!("{:#}", json!({"deleted": b}));
    } else {
        println!(
            "Deleted {} ({} backup of {}, {}) and its manifest",
            b.path.display(),
            kind(b.manifest.kind),
            b.manifest.database,
            b.manifest.created_at
        );
    }
    Ok(Outcome::Clean)
}

fn verify(ctx: &Context, file: &Path, out: Out) -> Result<Outcome> {
    let v = ops::verify(file, &ctx.registry)?;
    let outcome = if v.ok() {
        Outcome::Clean
    } else {
        Outcome::Finding
    };
    if out.format == Format::Json {
        println!("{:#}", json!({"ok": v.ok(), "verification": v}));
        return Ok(outcome);
    }
    for c in &v.checks {
        let mark = if c.ok {
            ctx.style.ok("ok  ")
        } else {
            ctx.style_err("FAIL")
        };
        println!("{mark} {:<10} {}", c.check, c.detail);
    }
    for note in &v.unverified {
        println!("note {:<10} {note}", "unchecked");
    }
    if v.ok() {
        println!("{} is a good backup.", file.display());
    } else {
        println!("{} must not be restored: {}", file.display(), v.problems());
    }
    Ok(outcome)
}

fn restore(ctx: &Context, file: &Path, yes: bool, dir: &Path, out: Out) -> Result<Outcome> {
    if !yes {
        anyhow::bail!(
            "`db restore` replaces the contents of {} with {}: run it again with --yes to confirm",
            cairn::redact_url(&ctx.global.database_url),
            file.display()
        );
    }
    let mut db = ctx.connect()?;
    let done = ops::restore(
        db.as_mut(),
        file,
        &ctx.registry,
        dir,
        crate::migrate::seconds(ctx.global.lock_timeout),
    )?;
    if out.format == Format::Json {
        println!("{:#}", json!({"restored": done}));
        return Ok(Outcome::Clean);
    }
    println!(
        "Backed up the current database to {}",
        done.pre_restore.path.display()
    );
    println!(
        "Restored {} into {} (history head {})",
        file.display(),
        db.describe(),
        done.manifest.head.as_deref().unwrap_or("(none)")
    );
    Ok(Outcome::Clean)
}
