//! `migrate ...`: thin shells over the engine's API that parse flags and print.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::lint::LintFinding;
use cairn::{
    Direction, DownTarget, Event, Migrate as _, MigrationState, Options, RunReport, UpTarget,
};
use serde_json::json;

use crate::cli::{Format, Migrate, Out};
use crate::progress::Progress;
use crate::{Context, Outcome};

/// Runs one `migrate` subcommand.
pub fn run(ctx: &Context, cmd: &Migrate) -> Result<Outcome> {
    match cmd {
        Migrate::Up {
            to,
            resume,
            dry_run,
            single_transaction,
            backup,
            gate,
            out,
        } => {
            let target = to.clone().map_or(UpTarget::All, UpTarget::To);
            let mut after = Vec::new();
            let outcome = apply(ctx, *out, *dry_run, true, |db, set, opts, ev| {
                let opts = Options {
                    resume: *resume,
                    single_transaction: *single_transaction,
                    ..opts.clone()
                };
                let json = out.format == Format::Json;
                let mut backup_hook = crate::db::auto_backup::hook(
                    ctx,
                    set,
                    Direction::Up,
                    (backup, *gate),
                    (json, opts.dry_run),
                );
                // Called under the run's own lock, with the plan it runs (the history is read
                // once): a deny-level lint finding refuses the whole run before anything runs,
                // then the integrity gate and the backup. The gate's refusal keeps its own type
                // for the report; the run only needs to stop.
                let mut judged = Vec::new();
                let mut refusal: Option<anyhow::Error> = None;
                let mut before = |db: &mut dyn cairn::Driver, ids: &[String]| {
                    match crate::lint::gate(ctx, db, set, Some(ids)) {
                        Ok(found) => judged = found,
                        Err(e) => {
                            let message = e.to_string();
                            refusal = Some(e);
                            return Err(cairn::Error::Internal(message));
                        }
                    }
                    backup_hook(db, ids)
                };
                let result = cairn::up_with(db, set, &target, &opts, &mut before, ev);
                if let Some(refusal) = refusal {
                    return Err(refusal);
                }
                let report = result.map_err(|e| match e {
                    cairn::Error::Statement(_) if opts.single_transaction => anyhow::anyhow!(
                        "{e}\n  --single-transaction: the whole run was rolled back, the migrations shown applied before it included"
                    ),
                    e => e.into(),
                })?;
                if gate.check && !opts.dry_run {
                    after = crate::db::integrity::problems(db)?;
                }
                Ok((report, judged))
            })?;
            Ok(checked_after(ctx, outcome, &after))
        }
        Migrate::Down {
            to,
            id,
            steps,
            all,
            resume,
            dry_run,
            backup,
            gate,
            out,
        } => {
            let target = match (to, id, steps, all) {
                (Some(t), _, _, _) => DownTarget::To(t.clone()),
                (_, Some(i), _, _) => DownTarget::Including(i.clone()),
                (_, _, Some(n), _) => DownTarget::Steps(*n),
                (_, _, _, true) => DownTarget::All,
                _ if *resume => DownTarget::Steps(0),
                _ => anyhow::bail!(
                    "say what to roll back: --to ID, --id ID, --steps N or --all (or --resume to finish a failed revert)"
                ),
            };
            let mut after = Vec::new();
            let outcome = apply(ctx, *out, *dry_run, false, |db, set, opts, ev| {
                let opts = Options {
                    resume: *resume,
                    ..opts.clone()
                };
                let json = out.format == Format::Json;
                let mut before = crate::db::auto_backup::hook(
                    ctx,
                    set,
                    Direction::Down,
                    (backup, *gate),
                    (json, opts.dry_run),
                );
                let report = cairn::down_with(db, set, &target, &opts, &mut before, ev)?;
                if gate.check && !opts.dry_run {
                    after = crate::db::integrity::problems(db)?;
                }
                Ok((report, Vec::new()))
            })?;
            Ok(checked_after(ctx, outcome, &after))
        }
        Migrate::Status(out) => status(ctx, *out),
        Migrate::History(out) => history(ctx, *out),
        Migrate::Current(out) => crate::current::run(ctx, *out),
        Migrate::Validate(out) => crate::lint::validate(ctx, *out),
        Migrate::Lint {
            dialect,
            rules,
            out,
        } => crate::lint::run(ctx, *dialect, *rules, *out),
        Migrate::New { name, json } => new(ctx, name, *json),
        Migrate::Diff(args) => crate::migrate_diff::run(ctx, args),
        Migrate::Adopt {
            from,
            table,
            dry_run,
            out,
        } => crate::adopt::adopt(ctx, *from, table.as_deref(), *dry_run, *out),
        Migrate::Stamp {
            id,
            all,
            dry_run,
            out,
        } => crate::adopt::stamp(ctx, id.as_deref(), *all, *dry_run, *out),
        Migrate::Baseline {
            to,
            force,
            scratch_url,
            dry_run,
            out,
        } => crate::adopt::baseline(
            ctx,
            to.as_deref(),
            *force,
            scratch_url.as_deref(),
            *dry_run,
            *out,
        ),
        Migrate::Import {
            from,
            source,
            to,
            out,
        } => crate::import::run(ctx, *from, source, to, *out),
        Migrate::Test { scratch_url, out } => {
            crate::migrate_test::run(ctx, scratch_url.as_deref(), *out)
        }
        Migrate::Repair { id, from, out } => {
            if let Some(from) = from {
                let set = ctx.load()?;
                let mut db = ctx.connect()?;
                let row = cairn::repair_from(db.as_mut(), &set, id, *from, &ctx.options(false))?;
                if out.format == Format::Json {
                    println!("{:#}", json!({"repaired": row}));
                } else {
                    let command = match row.status {
                        cairn::HistoryStatus::RevertFailed => "down",
                        _ => "up",
                    };
                    println!(
                        "Recorded that statements before {from} of {id} took effect; `migrate {command} --resume` runs it from statement {from}."
                    );
                }
                return Ok(Outcome::Clean);
            }
            let mut db = ctx.connect()?;
            let row = cairn::repair(db.as_mut(), id, &ctx.options(false))?;
            if out.format == Format::Json {
                println!("{:#}", json!({"repaired": row}));
            } else {
                println!(
                    "Cleared the {} history row of {id}; it is pending: the next `migrate up` applies it from its first statement.",
                    row.status.as_str()
                );
            }
            Ok(Outcome::Clean)
        }
    }
}

/// The outcome of a `--check` run: 1 when the database fails its checks after the run
/// (the migrations stay applied; the problems go to stderr).
fn checked_after(ctx: &Context, outcome: Outcome, problems: &[String]) -> Outcome {
    if problems.is_empty() {
        return outcome;
    }
    eprintln!(
        "{} --check: after the run the database fails its integrity checks ({}); the migrations above stay applied:\n  {}",
        ctx.style_err("error:"),
        crate::db::integrity::plural(problems.len()),
        problems.join("\n  ")
    );
    Outcome::Finding
}

/// Runs `f` on the loaded migrations and reports. With `up_side_first`, the migrations are
/// first read without the down files another tool keeps apart (a no-op `up` reads half the
/// files); if anything is to be applied, the run stops before it starts
/// (`cairn::Error::DownNotRead`), the down files of what it would apply are read (the history
/// keeps their SQL), and it runs again.
fn apply(
    ctx: &Context,
    out: Out,
    dry_run: bool,
    up_side_first: bool,
    mut f: impl FnMut(
        &mut dyn cairn::Driver,
        &cairn::MigrationSet,
        &Options,
        &mut dyn FnMut(Event<'_>),
    ) -> Result<(RunReport, Vec<LintFinding>)>,
) -> Result<Outcome> {
    let mut set = if up_side_first {
        ctx.load_up_side()?
    } else {
        ctx.load_unsplit()?
    };
    let mut db = ctx.connect()?;
    let started = Instant::now();
    let mut progress = Progress::new(out.format == Format::Text && !dry_run);
    let mut result = f(db.as_mut(), &set, &ctx.options(dry_run), &mut |e| {
        show(&mut progress, ctx, e)
    });
    let unread = match &result {
        Err(e) => match e.downcast_ref::<cairn::Error>() {
            Some(cairn::Error::DownNotRead { ids, .. }) if up_side_first => Some(ids.clone()),
            _ => None,
        },
        Ok(_) => None,
    };
    if let Some(ids) = unread {
        // Only the down files of what is to be applied are read; the run starts again.
        cairn::layout::read_down(&mut set, &ids).map_err(cairn::Error::Load)?;
        result = f(db.as_mut(), &set, &ctx.options(dry_run), &mut |e| {
            show(&mut progress, ctx, e)
        });
    }
    // The process ends after the report: freeing the set's thousands of small allocations
    // one by one was a measurable part of a no-op run on a long history.
    std::mem::forget(set);
    progress.finish();
    let (report, judged) = result?;
    let target = db.describe();
    if out.format == Format::Json {
        println!(
            "{:#}",
            json!({"database": target, "report": report, "not_blocking": judged,
                   "elapsed_ms": started.elapsed().as_millis() as u64})
        );
        return Ok(Outcome::Clean);
    }
    // A fresh database can make dozens of findings harmless: show some, count the rest.
    const SHOWN: usize = 10;
    if judged.len() > SHOWN {
        eprintln!(
            "{} {} deny-level lint findings do not block on this database (the first {SHOWN} below; `--format json` lists all)",
            ctx.style_err("info:"),
            judged.len()
        );
    }
    for f in judged.iter().take(SHOWN) {
        eprintln!(
            "{} {} in {} ({}:{}) does not block: {}",
            ctx.style_err("info:"),
            f.rule,
            f.migration,
            f.file.display(),
            f.line,
            f.judged.as_deref().unwrap_or_default()
        );
    }
    for w in &report.warnings {
        eprintln!("{} {}", ctx.style_err("warning:"), w.headline());
    }
    for r in &report.recovered {
        eprintln!("{} {}", ctx.style_err("recovered:"), r.headline());
    }
    let verb = match report.direction {
        cairn::Direction::Up => "Applied",
        cairn::Direction::Down => "Rolled back",
    };
    if dry_run {
        for m in &report.migrations {
            println!(
                "-- {} {} ({} statements)",
                report.direction, m.id, m.statements
            );
            for s in &m.sql {
                println!("{s};");
            }
        }
        println!(
            "-- dry run: {} migration(s) would run on {target}; nothing was changed",
            report.migrations.len()
        );
    } else if report.migrations.is_empty() {
        println!("Nothing to do: {target} is up to date.");
    } else {
        let n = report.migrations.len();
        println!(
            "{verb} {n} migration{} on {target} in {} ms.",
            if n == 1 { "" } else { "s" },
            started.elapsed().as_millis()
        );
    }
    Ok(Outcome::Clean)
}

/// Feeds a run's events to the progress display.
fn show(progress: &mut Progress, ctx: &Context, e: Event<'_>) {
    match e {
        Event::Planned { total, .. } => progress.planned(total),
        Event::Started { id, .. } => progress.started(id),
        Event::Finished { id, execution_ms } => progress.finished(format!(
            "  {} {id} {}",
            ctx.style.ok("✓"),
            ctx.style.dim(&format!("({execution_ms} ms)"))
        )),
    }
}

fn status(ctx: &Context, out: Out) -> Result<Outcome> {
    let set = ctx.load_up_side()?;
    let mut db = ctx.connect()?;
    let history = db.history()?;
    let rows = cairn::status(&set, &history);
    let count = |s: MigrationState| rows.iter().filter(|r| r.state == s).count();
    let bad = count(MigrationState::Changed)
        + count(MigrationState::Failed)
        + count(MigrationState::Interrupted);
    if out.format == Format::Json {
        let summary = json!({
            "applied": count(MigrationState::Applied), "pending": count(MigrationState::Pending),
            "changed": count(MigrationState::Changed), "missing": count(MigrationState::Missing),
            "failed": count(MigrationState::Failed),
            "interrupted": count(MigrationState::Interrupted),
        });
        println!(
            "{:#}",
            json!({"database": db.describe(), "migrations": rows, "summary": summary})
        );
    } else {
        // Buffered: stdout is line-buffered, a write per row.
        use std::io::Write as _;
        let mut text = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
        let header = format!(
            "{:<8} {:<width$} {:<24} DESCRIPTION",
            "STATE", "ID", "APPLIED AT"
        );
        writeln!(text, "{}", ctx.style.dim(&header))?;
        for r in &rows {
            let state = format!("{:<8}", r.state.name());
            let state = match r.state {
                MigrationState::Applied => ctx.style.ok(&state),
                MigrationState::Pending | MigrationState::Missing | MigrationState::Interrupted => {
                    ctx.style.warn(&state)
                }
                MigrationState::Changed | MigrationState::Failed => ctx.style.bad(&state),
            };
            writeln!(
                text,
                "{state} {:<width$} {:<24} {}",
                r.id,
                r.applied_at.as_deref().unwrap_or("-"),
                r.description
            )?;
        }
        writeln!(
            text,
            "{}: {} applied, {} pending, {} changed, {} missing, {} failed{}",
            db.describe(),
            count(MigrationState::Applied),
            count(MigrationState::Pending),
            count(MigrationState::Changed),
            count(MigrationState::Missing),
            count(MigrationState::Failed),
            match count(MigrationState::Interrupted) {
                0 => String::new(),
                n => format!(", {n} interrupted (`migrate up` finishes them)"),
            }
        )?;
        text.flush()?;
    }
    // The process ends next: freeing thousands of small allocations one by one took longer
    // than the table's output on a long history.
    std::mem::forget(rows);
    std::mem::forget(history);
    std::mem::forget(set);
    Ok(if bad > 0 {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

fn history(ctx: &Context, out: Out) -> Result<Outcome> {
    let mut db = ctx.connect()?;
    let rows = db.history()?;
    let log = db.log()?;
    if out.format == Format::Json {
        println!(
            "{:#}",
            json!({"database": db.describe(), "history": rows, "log": log})
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "{}",
        ctx.style
            .dim("RANK  STATUS   APPLIED AT                ID (ms, by, engine)")
    );
    for r in &rows {
        println!(
            "{:<5} {:<8} {:<25} {} ({} ms, {}, cairn {})",
            r.rank,
            r.status.as_str(),
            r.applied_at,
            r.id,
            r.execution_ms,
            r.applied_by,
            r.engine_version
        );
    }
    if rows.is_empty() {
        println!("No migrations applied to {}.", db.describe());
    }
    if !log.is_empty() {
        println!();
        println!(
            "{}",
            ctx.style
                .dim("LOG   AT                        ACTION   OUTCOME    MIGRATION (ms, by@host, engine)")
        );
    }
    for e in &log {
        println!(
            "{:<5} {:<25} {:<8} {:<10} {} ({} ms, {}@{}, cairn {}){}",
            e.seq,
            e.at,
            e.action,
            e.outcome,
            e.migration.as_deref().unwrap_or("-"),
            e.duration_ms,
            e.actor,
            e.host,
            e.engine_version,
            e.detail
                .as_deref()
                .map(|d| format!(": {}", d.lines().next().unwrap_or_default()))
                .unwrap_or_default()
        );
    }
    Ok(Outcome::Clean)
}

fn new(ctx: &Context, name: &str, json_file: bool) -> Result<Outcome> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        anyhow::bail!("migration name `{name}` must be letters, digits, `_` or `-`");
    }
    let dir = &ctx.global.dir;
    // Created first, so the set loads (with the built-ins, whose heads a new migration
    // must follow) even when this is the folder's first migration.
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let heads: Vec<String> = ctx
        .load()?
        .graph()
        .heads()
        .into_iter()
        .map(str::to_string)
        .collect();
    let next = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.split('_').next().and_then(|p| p.parse::<u64>().ok()))
        })
        .max()
        .map_or(1, |n| n + 1);
    let ext = if json_file { "json" } else { "yaml" };
    let path = dir.join(format!("{next:04}_{name}.{ext}"));
    let description = name.replace(['_', '-'], " ");
    let text = if json_file {
        format!(
            "{:#}\n",
            json!({"description": description, "depends_on": heads, "up": "-- SQL that applies this migration\n", "down": "-- SQL that reverts it\n"})
        )
    } else {
        let deps = if heads.is_empty() {
            "depends_on: []\n".to_string()
        } else {
            format!(
                "depends_on:\n{}",
                heads
                    .iter()
                    .map(|h| format!("  - {h}\n"))
                    .collect::<String>()
            )
        };
        format!(
            "description: {description}\n{deps}up: |\n  -- SQL that applies this migration\ndown: |\n  -- SQL that reverts it\n"
        )
    };
    if path.exists() {
        anyhow::bail!("{} already exists", path.display());
    }
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("Created {}", path.display());
    Ok(Outcome::Clean)
}

/// Seconds as a [`Duration`].
pub fn seconds(s: u64) -> Duration {
    Duration::from_secs(s)
}
