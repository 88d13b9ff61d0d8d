//! `fleet up|status|drift|test`: [`cairn::fleet`] over the targets the flags name, a line per
//! target as it ends (above a bar on a terminal), a summary, or one JSON document.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, bail};
use cairn::Dialect;
use cairn::fleet::{Fleet, Plan, Report, Status, Target, TargetResult};
use serde::Serialize;
use serde_json::json;

use crate::cli::{FleetArgs, FleetCmd, Format};
use crate::progress::Progress;
use crate::{Context, Outcome};

/// Runs `cmd`.
pub fn run(ctx: &Context, cmd: &FleetCmd) -> Result<Outcome> {
    let on = cmd.on();
    let targets = targets(ctx, on)?;
    let json = on.out.format == Format::Json;
    let Some(first) = targets.first() else {
        if json {
            println!("{:#}", json!({"targets": [], "summary": {}}));
        } else {
            eprintln!("cairn: no targets to run on{}", filtered(on));
        }
        return Ok(Outcome::Clean);
    };
    let dialect = one_dialect(ctx, &targets)?;
    let set = ctx.load_for(dialect)?;
    let mut options = ctx.settings.connect_options(dialect);
    options.create = matches!(cmd, FleetCmd::Up { dry_run: false, .. });
    let fleet = Fleet {
        registry: &ctx.registry,
        options,
        plan: Plan {
            parallel: on
                .parallel
                .unwrap_or_else(cairn::fleet::default_parallel)
                .max(1),
            canary: on.canary,
            continue_on_error: on.continue_on_error,
        },
    };
    let mut progress = Progress::new(!json);
    progress.planned(targets.len());
    match cmd {
        FleetCmd::Up { dry_run, .. } => {
            let opts = ctx.options(*dry_run);
            let report = fleet.up(&targets, &set, &opts, &mut |r| {
                progress.finished(line(ctx, r, |a| {
                    match (a.applied.len(), a.recovered.len()) {
                        (0, 0) if *dry_run => "nothing to apply".into(),
                        (0, 0) => "up to date".into(),
                        (n, 0) => format!("applied {n}: {}", ids(&a.applied)),
                        (n, k) => format!("applied {n} ({k} recovered): {}", ids(&a.applied)),
                    }
                }));
            });
            progress.finish();
            finish(ctx, "up", on, &report, |r| r.failed())
        }
        FleetCmd::Status { .. } => {
            let report = fleet.status(&targets, &set, &mut |r| {
                progress.finished(line(ctx, r, |s| {
                    let mut text = format!("{} applied", s.applied);
                    if !s.pending.is_empty() {
                        text += &format!(", {} pending: {}", s.pending.len(), ids(&s.pending));
                    }
                    for p in &s.problems {
                        text += &format!(", {} {:?}", p.id, p.state).to_lowercase();
                    }
                    text
                }));
            });
            progress.finish();
            finish(ctx, "status", on, &report, |r| {
                r.failed() || matches!(&r.status, Status::Done(s) if !s.current())
            })
        }
        FleetCmd::Drift {
            ignore,
            scratch_url,
            ..
        } => {
            let mut scratch = crate::schema::scratch(
                ctx,
                dialect,
                ctx.scratch_url(scratch_url.as_deref()),
                Some(&first.url),
            )?;
            let expected = cairn::replay(&set, scratch.as_mut())
                .context("cannot replay the migrations into the scratch database")?;
            drop(scratch);
            let report = fleet.drift(&targets, &expected, ignore, &mut |r| {
                progress.finished(line(ctx, r, |d| match d.differences.len() {
                    0 => "no drift".into(),
                    n => format!("{n} difference{}", if n == 1 { "" } else { "s" }),
                }));
            });
            progress.finish();
            finish(ctx, "drift", on, &report, |r| {
                r.failed() || matches!(&r.status, Status::Done(d) if d.drifted())
            })
        }
        FleetCmd::Test { .. } => test(ctx, &targets, &set, dialect, json),
    }
}

/// The targets the flags name, filtered by `--only`.
fn targets(ctx: &Context, on: &FleetArgs) -> Result<Vec<Target>> {
    let listed = if let Some(file) = &on.targets {
        cairn::fleet::from_file(file)?
    } else {
        let mut control = ctx.connect()?;
        let url = ctx.settings.database_url()?;
        match (&on.targets_query, &on.schemas) {
            (Some(sql), _) => {
                cairn::fleet::from_query(control.as_mut(), sql, on.url_template.as_deref())?
            }
            (None, Some(pattern)) => cairn::fleet::matching(control.as_mut(), url, pattern)?,
            (None, None) => {
                bail!("name the targets: --targets FILE, --targets-query SQL or --schemas PATTERN")
            }
        }
    };
    let only = cairn::fleet::parse_filters(&on.only)?;
    Ok(listed.into_iter().filter(|t| t.matches(&only)).collect())
}

fn filtered(on: &FleetArgs) -> String {
    if on.only.is_empty() {
        String::new()
    } else {
        format!(" (none has the tags {})", on.only.join(", "))
    }
}

/// The targets' one dialect: a migration set is resolved for one.
fn one_dialect(ctx: &Context, targets: &[Target]) -> Result<Dialect> {
    let mut found: Option<(Dialect, &str)> = None;
    for t in targets {
        let d = ctx
            .registry
            .dialect(&t.url)
            .with_context(|| format!("target `{}`", t.name))?;
        match found {
            None => found = Some((d, &t.name)),
            Some((first, name)) if first != d => bail!(
                "targets `{name}` ({}) and `{}` ({}) are on different databases: a fleet runs one migration set, on one dialect",
                first.name(),
                t.name,
                d.name()
            ),
            Some(_) => {}
        }
    }
    found.map(|(d, _)| d).context("no targets")
}

/// A target's line: mark, name, what happened, time.
fn line<T>(ctx: &Context, r: &TargetResult<T>, done: impl Fn(&T) -> String) -> String {
    let ms = r.elapsed.as_millis();
    let (mark, text) = match &r.status {
        Status::Done(d) => (ctx.style.ok("✓"), done(d)),
        Status::Failed(f) => (ctx.style.bad("✗"), format!("failed: {}", f.message)),
        Status::Locked { holder } => (
            ctx.style.warn("⧗"),
            format!(
                "locked by another runner{}",
                holder
                    .as_deref()
                    .map(|h| format!(": {h}"))
                    .unwrap_or_default()
            ),
        ),
        Status::Skipped { reason } => (ctx.style.dim("-"), format!("skipped: {reason}")),
    };
    format!(
        "  {mark} {:<20} {text} {}",
        r.target.name,
        ctx.style.dim(&format!("({ms} ms)"))
    )
}

fn ids(ids: &[String]) -> String {
    match ids {
        [] => String::new(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} … {last}"),
    }
}

/// Counts by status, for the summary line and JSON.
#[derive(Debug, Default, Serialize)]
struct Summary {
    targets: usize,
    done: usize,
    failed: usize,
    locked: usize,
    skipped: usize,
    /// Targets that count against the exit code (failed, locked, behind, drifted).
    findings: usize,
}

/// Prints the summary (or the JSON document) and decides the exit code.
fn finish<T: Serialize>(
    ctx: &Context,
    command: &str,
    on: &FleetArgs,
    report: &Report<T>,
    finding: impl Fn(&TargetResult<T>) -> bool,
) -> Result<Outcome> {
    let mut s = Summary {
        targets: report.targets.len(),
        ..Summary::default()
    };
    for r in &report.targets {
        match r.status {
            Status::Done(_) => s.done += 1,
            Status::Failed(_) => s.failed += 1,
            Status::Locked { .. } => s.locked += 1,
            Status::Skipped { .. } => s.skipped += 1,
        }
        if finding(r) || matches!(r.status, Status::Skipped { .. }) {
            s.findings += 1;
        }
    }
    if on.out.format == Format::Json {
        println!(
            "{:#}",
            json!({"command": command, "summary": s, "targets": report.targets,
                   "elapsed_ms": u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX)})
        );
    } else {
        let mut parts = vec![format!("{} done", s.done)];
        for (n, what) in [
            (s.failed, "failed"),
            (s.locked, "locked"),
            (s.skipped, "skipped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let text = format!(
            "Fleet {command}: {} target{} in {}: {}.",
            s.targets,
            if s.targets == 1 { "" } else { "s" },
            match report.elapsed.as_millis() {
                ms if ms < 1000 => format!("{ms} ms"),
                _ => format!("{:.1} s", report.elapsed.as_secs_f64()),
            },
            parts.join(", ")
        );
        println!(
            "{}",
            if s.findings > 0 {
                ctx.style.bad(&text)
            } else {
                text
            }
        );
    }
    Ok(if s.findings > 0 {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

/// `fleet test`: the rollback proof once per server (SQLite: once), on a scratch database
/// there.
fn test(
    ctx: &Context,
    targets: &[Target],
    set: &cairn::MigrationSet,
    dialect: Dialect,
    json: bool,
) -> Result<Outcome> {
    let mut servers: BTreeMap<String, Vec<&Target>> = BTreeMap::new();
    for t in targets {
        let key = match dialect {
            Dialect::Sqlite => "sqlite (in memory)".to_string(),
            _ => cairn::redact_url(
                &cairn::with_database(&t.url, "").unwrap_or_else(|| t.url.clone()),
            ),
        };
        servers.entry(key).or_default().push(t);
    }
    let mut results = Vec::new();
    let mut passed = true;
    for (server, on) in &servers {
        let started = std::time::Instant::now();
        let mut scratch = crate::schema::scratch(ctx, dialect, None, Some(&on[0].url))?;
        let report =
            cairn::prove_rollbacks(scratch.as_mut(), set, &ctx.options(false), &mut |_| {})?;
        passed &= report.passed();
        let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if !json {
            println!(
                "{server} ({} target{}):",
                on.len(),
                if on.len() == 1 { "" } else { "s" }
            );
            print!("{}", crate::migrate_test::details(ctx, &report));
            println!("{}", crate::migrate_test::summary(&report, ms));
        }
        results.push(
            json!({"server": server, "targets": on.iter().map(|t| &t.name).collect::<Vec<_>>(),
                            "passed": report.passed(), "report": report, "elapsed_ms": ms}),
        );
    }
    if json {
        println!(
            "{:#}",
            json!({"command": "test", "passed": passed, "servers": results})
        );
    }
    Ok(if passed {
        Outcome::Clean
    } else {
        Outcome::Finding
    })
}
