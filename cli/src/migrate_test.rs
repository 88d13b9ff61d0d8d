//! `migrate test`: every rollback proved on a scratch database ([`cairn::prove_rollbacks`]),
//! printed as text, JSON, GitHub annotations, JUnit XML or SARIF.

use std::time::Instant;

use crate::progress::Progress;
use anyhow::Result;
use cairn::schema::render_text;
use cairn::{ProofEvent, RollbackCheck, RollbackOutcome, RollbackReport, StatementFailure};
use serde_json::json;

use crate::cli::{LintFormat, LintOut};
use crate::lint::command;
use crate::{Context, Outcome};

/// Loads the migrations as `migrate up` does, proves their rollbacks on a scratch database
/// (`--scratch-url`, else in memory for SQLite, else a temporary database on the server) and
/// prints the result: exit 0 when every rollback works, 1 when one does not.
pub fn run(ctx: &Context, scratch_url: Option<&str>, out: LintOut) -> Result<Outcome> {
    let set = ctx.load()?;
    let url = ctx.settings.database_url()?;
    let mut scratch =
        crate::schema::scratch(ctx, set.dialect(), ctx.scratch_url(scratch_url), Some(url))?;
    let started = Instant::now();
    let mut progress = Progress::new(out.format == LintFormat::Text);
    let result = cairn::prove_rollbacks(scratch.as_mut(), &set, &ctx.options(false), &mut |e| {
        show(&mut progress, ctx, e)
    });
    progress.finish();
    let report = result?;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match out.format {
        LintFormat::Json => println!(
            "{:#}",
            json!({"passed": report.passed(), "summary": summary_json(&report),
                   "report": report, "elapsed_ms": elapsed_ms})
        ),
        LintFormat::Text => {
            print!("{}", details(ctx, &report));
            println!("{}", summary(&report, elapsed_ms));
        }
        LintFormat::Github => {
            for check in &report.checks {
                if let Some(line) = annotation(check) {
                    println!("{line}");
                }
            }
            if let Some(s) = &report.stopped {
                let message = format!("{}; not tested: {}", s.reason, untested_text(&report));
                println!(
                    "{}",
                    command(
                        "warning",
                        None,
                        0,
                        0,
                        &format!("stopped at {}", s.id),
                        &message
                    )
                );
            }
            println!("{}", summary(&report, elapsed_ms));
        }
        LintFormat::Junit | LintFormat::Sarif => {
            crate::lint::ci(&crate::report::from::rollback(&report), out);
        }
    }
    Ok(if report.passed() {
        Outcome::Clean
    } else {
        Outcome::Finding
    })
}

/// The migrations never reached, as a short list for one line.
fn untested_text(report: &RollbackReport) -> String {
    let shown: Vec<&str> = report.untested.iter().take(5).map(String::as_str).collect();
    let more = report.untested.len().saturating_sub(shown.len());
    match (shown.is_empty(), more) {
        (true, _) => "nothing".to_string(),
        (false, 0) => shown.join(", "),
        (false, n) => format!("{} and {n} more", shown.join(", ")),
    }
}

fn summary_json(report: &RollbackReport) -> serde_json::Value {
    let failed = report.checks.iter().filter(|c| c.outcome.failed()).count();
    json!({
        "migrations": report.checks.len() + report.untested.len(),
        "restored": report.count("restored"),
        "no_down": report.count("no_down"),
        "failed": failed,
        "untested": report.untested.len(),
    })
}

/// `N migrations: R restored, D without down (not tested), F failed (on DB, T ms).`
pub(crate) fn summary(report: &RollbackReport, elapsed_ms: u64) -> String {
    let total = report.checks.len() + report.untested.len();
    let failed = report.checks.iter().filter(|c| c.outcome.failed()).count();
    let mut s = format!(
        "{total} migration{}: {} restored, {} without down (not tested), {failed} failed",
        if total == 1 { "" } else { "s" },
        report.count("restored"),
        report.count("no_down"),
    );
    if !report.untested.is_empty() {
        s.push_str(&format!(", {} not reached", report.untested.len()));
    }
    s.push_str(&format!(" (on {}, {elapsed_ms} ms).", report.database));
    s
}

/// Each failing check with its error or schema difference, and why the proof stopped.
pub(crate) fn details(ctx: &Context, report: &RollbackReport) -> String {
    let mut s = String::new();
    for check in report.checks.iter().filter(|c| c.outcome.failed()) {
        let cross = ctx.style.bad("✗");
        s.push_str(&format!(
            "\n{cross} {}: {}\n",
            check.id,
            headline(&check.outcome)
        ));
        match &check.outcome {
            RollbackOutcome::NotRestored {
                differences,
                up_again,
            } => {
                for line in render_text(differences).lines() {
                    s.push_str(&format!("  {line}\n"));
                }
                s.push_str(&format!(
                    "  (down in {}{})\n",
                    check.file.display(),
                    line_suffix(check.down_line)
                ));
                if let Some(f) = up_again {
                    s.push_str("  then up, applied again, failed:\n");
                    s.push_str(&failure_text(f));
                }
            }
            other => {
                if let Some(f) = other.failure() {
                    s.push_str(&failure_text(f));
                }
            }
        }
    }
    if let Some(stopped) = &report.stopped {
        s.push_str(&format!(
            "\n{} stopped after {}: {}\n",
            ctx.style.warn("!"),
            stopped.id,
            stopped.reason
        ));
        s.push_str(&format!("  not tested: {}\n", untested_text(report)));
    }
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

fn line_suffix(line: u32) -> String {
    if line > 0 {
        format!(", line {line}")
    } else {
        String::new()
    }
}

/// What the outcome means, in a few words.
pub(crate) fn headline(outcome: &RollbackOutcome) -> &'static str {
    match outcome {
        RollbackOutcome::Restored => "restored",
        RollbackOutcome::NoDown => "no down: not tested",
        RollbackOutcome::DownFailed { .. } => "down failed",
        RollbackOutcome::NotRestored { .. } => {
            "down does not restore the schema (+ left behind by down, - removed by down, ~ changed)"
        }
        RollbackOutcome::NotRepeatable { .. } => {
            "down restored the schema, but up fails when applied again: down leaves something behind"
        }
        RollbackOutcome::UpFailed { .. } => "up failed",
    }
}

/// `  FILE:LINE: statement S of N: MESSAGE` and the statement's first line.
fn failure_text(f: &StatementFailure) -> String {
    let place = f
        .file
        .as_ref()
        .map_or_else(String::new, |p| format!("{}:{}: ", p.display(), f.line));
    format!(
        "  {place}{} statement {} of {} failed: {}\n  statement: {}\n",
        f.direction,
        f.statement,
        f.count,
        f.message,
        f.excerpt()
    )
}

/// A check as a GitHub Actions annotation: failures are errors at the failing line (the start
/// of `down` for a schema difference), a migration without `down` a notice.
fn annotation(check: &RollbackCheck) -> Option<String> {
    let id = &check.id;
    let (level, title) = match &check.outcome {
        RollbackOutcome::Restored => return None,
        RollbackOutcome::NoDown => ("notice", format!("{id} has no down")),
        RollbackOutcome::DownFailed { .. } | RollbackOutcome::NotRestored { .. } => {
            ("error", format!("rollback of {id} fails"))
        }
        RollbackOutcome::NotRepeatable { .. } => {
            ("error", format!("up of {id} fails after its rollback"))
        }
        RollbackOutcome::UpFailed { .. } => ("error", format!("up of {id} fails")),
    };
    let (file, line, message) = match &check.outcome {
        RollbackOutcome::NotRestored {
            differences,
            up_again,
        } => (
            check.file.display().to_string(),
            check.down_line,
            format!(
                "{}\n{}{}",
                headline(&check.outcome),
                differences
                    .iter()
                    .map(|d| d.describe())
                    .collect::<Vec<_>>()
                    .join("\n"),
                up_again.as_ref().map_or_else(String::new, |f| format!(
                    "\nthen up, applied again, failed at statement {}: {}",
                    f.statement, f.message
                ))
            ),
        ),
        outcome => match outcome.failure() {
            Some(f) => (
                f.file.as_ref().unwrap_or(&check.file).display().to_string(),
                f.line,
                format!(
                    "{}: statement {} of {} failed: {} ({})",
                    headline(outcome),
                    f.statement,
                    f.count,
                    f.message,
                    f.sql.lines().next().unwrap_or_default()
                ),
            ),
            None => (
                check.file.display().to_string(),
                0,
                headline(outcome).to_string(),
            ),
        },
    };
    Some(command(level, Some(&file), line, 0, &title, &message))
}

/// Feeds the proof's events to the progress display.
fn show(progress: &mut Progress, ctx: &Context, e: ProofEvent<'_>) {
    match e {
        ProofEvent::Planned { total } => progress.planned(total),
        ProofEvent::Started { id, .. } => progress.started(id),
        ProofEvent::Checked(check) => {
            let style = &ctx.style;
            let mark = match &check.outcome {
                RollbackOutcome::Restored => style.ok("✓"),
                RollbackOutcome::NoDown => style.warn("-"),
                _ => style.bad("✗"),
            };
            let times = match check.down_ms {
                Some(down) => format!("(up {} ms, down {down} ms)", check.up_ms),
                None => format!("(up {} ms)", check.up_ms),
            };
            progress.finished(format!(
                "  {mark} {} {} {}",
                check.id,
                headline_short(&check.outcome),
                style.dim(&times)
            ));
        }
    }
}

/// The outcome on a progress line.
fn headline_short(outcome: &RollbackOutcome) -> &'static str {
    match outcome {
        RollbackOutcome::Restored => "restored",
        RollbackOutcome::NoDown => "no down: not tested",
        RollbackOutcome::DownFailed { .. } => "down failed",
        RollbackOutcome::NotRestored { .. } => "down does not restore the schema",
        RollbackOutcome::NotRepeatable { .. } => "up fails again after down",
        RollbackOutcome::UpFailed { .. } => "up failed",
    }
}
