//! `migrate adopt`, `migrate stamp`, `migrate baseline`: thin shells over `cairn::adopt`.

use anyhow::Result;
use cairn::Driver;
use cairn::adopt::{AdoptOutcome, AdoptReport, ChecksumCheck, StampReport};
use cairn::layout::Layout;
use serde_json::json;

use crate::cli::{Format, Out};
use crate::{Context, Outcome};

/// `migrate adopt [--from TOOL [--table NAME]] [--dry-run]`: exit 1 when anything did not
/// match or was refused.
pub fn adopt(
    ctx: &Context,
    from: Option<Layout>,
    table: Option<&str>,
    dry_run: bool,
    out: Out,
) -> Result<Outcome> {
    let set = ctx.load()?;
    let mut db = ctx.connect()?;
    let report = cairn::adopt::adopt(db.as_mut(), &set, from, table, &ctx.options(dry_run))?;
    if out.format == Format::Json {
        println!(
            "{:#}",
            json!({"report": report, "clean": report.is_clean()})
        );
    } else {
        print_adopt(ctx, &report);
    }
    Ok(outcome(report.is_clean()))
}

fn print_adopt(ctx: &Context, r: &AdoptReport) {
    println!(
        "Adopting {} from {} ({}){}",
        r.database,
        r.tool,
        r.table,
        if r.dry_run { " -- dry run" } else { "" }
    );
    for e in &r.migrations {
        let styled = match e.outcome {
            AdoptOutcome::Adopted => ctx.style.ok("adopted "),
            AdoptOutcome::AlreadyRecorded => ctx.style.dim("already "),
            AdoptOutcome::Pending => ctx.style.warn("pending "),
            AdoptOutcome::ChecksumMismatch => ctx.style.bad("changed "),
            AdoptOutcome::Blocked => ctx.style.bad("blocked "),
        };
        let check = match &e.checksum {
            ChecksumCheck::Verified => " (checksum verified)".to_string(),
            ChecksumCheck::NotStored => String::new(),
            ChecksumCheck::Mismatch { stored, computed } => {
                format!(" (stored checksum {stored}, file {computed})")
            }
        };
        let detail = e
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        println!("  {styled} {}{check}{detail}", e.id);
    }
    for row in &r.unmatched {
        println!(
            "  {} version {}{} is in {} but matches no migration in the folder",
            ctx.style.bad("unmatched"),
            row.version,
            row.name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default(),
            r.table
        );
    }
    for reason in &r.refused {
        println!("  {} {reason}", ctx.style.bad("refused:"));
    }
    let n = r.adopted().count();
    if !r.refused.is_empty() {
        println!("Nothing was recorded.");
    } else if r.dry_run {
        println!("Dry run: {n} migration(s) would be recorded as applied; nothing was changed.");
    } else {
        println!("Recorded {n} migration(s) as applied without running any SQL.");
    }
}

/// `migrate stamp ID`, `migrate stamp head` / `--all` (every migration; `head` and `heads`
/// mean that unless a migration has that id).
pub fn stamp(
    ctx: &Context,
    id: Option<&str>,
    all: bool,
    dry_run: bool,
    out: Out,
) -> Result<Outcome> {
    let set = ctx.load()?;
    let mut db = ctx.connect()?;
    let opts = ctx.options(dry_run);
    let report = match id {
        Some(id) if !all && (set.get(id).is_some() || !matches!(id, "head" | "heads")) => {
            cairn::adopt::stamp(db.as_mut(), &set, id, &opts)?
        }
        _ => cairn::adopt::stamp_all(db.as_mut(), &set, &opts)?,
    };
    print_stamp(&report, out);
    Ok(Outcome::Clean)
}

/// `migrate baseline [--to ID] [--force] [--scratch-url URL]`: exit 1 when the live schema
/// differs from the migrations' replay (nothing recorded then).
pub fn baseline(
    ctx: &Context,
    to: Option<&str>,
    force: bool,
    scratch_url: Option<&str>,
    dry_run: bool,
    out: Out,
) -> Result<Outcome> {
    let set = ctx.load()?;
    let mut db = ctx.connect()?;
    let scratch = if force {
        None
    } else {
        Some(scratch(ctx, db.as_mut(), scratch_url)?)
    };
    let report = cairn::adopt::baseline(db.as_mut(), &set, to, scratch, &ctx.options(dry_run))?;
    print_stamp(&report, out);
    if out.format == Format::Text && !report.differences.is_empty() {
        println!(
            "The live schema differs from what the migrations produce (- missing from the database, + only in it):\n{}",
            cairn::schema::render_text(&report.differences)
        );
        println!(
            "Nothing was recorded. Bring the schema in line, baseline --to an earlier migration, or pass --force to record anyway."
        );
    }
    Ok(outcome(report.differences.is_empty()))
}

/// An empty database to replay into: `--scratch-url` (or `scratch_url` of cairn.toml), else
/// in memory (SQLite) or a temporary database on the live server.
fn scratch(
    ctx: &Context,
    live: &mut dyn Driver,
    scratch_url: Option<&str>,
) -> Result<Box<dyn Driver>> {
    Ok(match ctx.scratch_url(scratch_url) {
        Some(u) => ctx.connect_url(u)?,
        None => live.as_scratch_databases()?.scratch()?,
    })
}

fn print_stamp(r: &StampReport, out: Out) {
    if out.format == Format::Json {
        println!("{:#}", json!({"report": r}));
        return;
    }
    let verb = if r.dry_run {
        "Would record"
    } else {
        "Recorded"
    };
    if !r.stamped.is_empty() {
        println!(
            "{verb} {} migration(s) on {} as applied without running any SQL: {}",
            r.stamped.len(),
            r.database,
            r.stamped.join(", ")
        );
    } else if r.differences.is_empty() {
        println!("Nothing to record on {}.", r.database);
    }
    if !r.already_recorded.is_empty() {
        println!("Already recorded: {}", r.already_recorded.join(", "));
    }
    if r.schema_checked && r.differences.is_empty() {
        println!("The live schema equals the migrations' replay.");
    }
}

fn outcome(clean: bool) -> Outcome {
    if clean {
        Outcome::Clean
    } else {
        Outcome::Finding
    }
}
