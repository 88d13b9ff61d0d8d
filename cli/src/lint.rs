//! `migrate lint`, `migrate validate` (files, SQL and lint, then the history), and the check
//! `migrate up` makes before running anything. Findings print as text (the file line
//! underlined), JSON, GitHub Actions annotations, JUnit XML or SARIF (`crate::report`).

use cairn::Migrate;
use std::fmt;

use anyhow::Result;
use cairn::lint::{LintFinding, LintReport, Policy, Severity};
use cairn::{Dialect, Error, Finding, LoadErrors, MigrationSet};
use serde_json::{Value, json};

use crate::cli::{DialectArg, LintFormat, LintOut};
use crate::{Context, Outcome};

/// `migrate up` refused to start: deny-level findings in the migrations it would apply.
#[derive(Debug)]
pub struct Refusal {
    /// The blocking findings.
    pub findings: Vec<LintFinding>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The findings themselves are printed above this line (text) or beside it (JSON).
        let n = self.findings.len();
        let mut which: Vec<String> = self
            .findings
            .iter()
            .map(|f| format!("{} in {}", f.rule, f.migration))
            .collect();
        which.dedup();
        write!(
            f,
            "refusing to apply: {n} deny-level lint finding{} ({}); nothing was run\n  fix the SQL, or accept a finding in its migration with `allow: [{{rule: RULE, reason: \"...\"}}]`",
            if n == 1 { "" } else { "s" },
            which.join(", ")
        )
    }
}

impl std::error::Error for Refusal {}

/// The policy of the nearest cairn.toml, checked against the linter's rules.
fn policy(ctx: &Context) -> Result<Policy> {
    let policy = match ctx.settings.config_path() {
        Some(path) => Policy::load(path)?,
        None => Policy::default(),
    };
    ctx.linter.check_policy(&policy)?;
    Ok(policy)
}

/// Lints `planned`, the migrations `up` would apply (planned by the caller from its history
/// read, or from an empty history when it could not be read: a fresh database must never skip
/// the check), judges deny-level findings against the tables of `db` as the run starts, and
/// refuses on a finding that still blocks. Applied migrations are not linted again: a policy
/// made stricter later must not block deploys. `None` (a plan error, e.g. an unknown `--to`)
/// lints nothing: `up` reports the error itself. Returns the findings the database made
/// harmless (info, with the reason), for the report.
pub fn gate(
    ctx: &Context,
    db: &mut dyn cairn::Driver,
    set: &MigrationSet,
    planned: Option<&[String]>,
) -> Result<Vec<LintFinding>> {
    let policy = policy(ctx)?;
    let Some(ids) = planned else {
        return Ok(Vec::new());
    };
    let mut report = ctx.linter.lint(
        ids.iter().filter_map(|id| set.get(id)),
        set.dialect(),
        &policy,
    );
    // The catalog is read only when something would block: a clean plan costs no query.
    if report.is_blocked() && report.blocking().any(|f| f.target.is_some()) {
        let live = cairn::lint::live_tables(db, &report)?;
        cairn::lint::judge(&mut report, &live);
    }
    if report.is_blocked() {
        return Err(Refusal {
            findings: report.blocking().cloned().collect(),
        }
        .into());
    }
    Ok(report
        .findings
        .into_iter()
        .filter(|f| f.judged.is_some())
        .collect())
}

/// `migrate lint`.
pub fn run(
    ctx: &Context,
    dialect_arg: Option<DialectArg>,
    list_rules: bool,
    out: LintOut,
) -> Result<Outcome> {
    let policy = policy(ctx)?;
    if list_rules {
        return rules(ctx, &policy, out);
    }
    let dialect = match dialect_arg {
        Some(d) => d.into(),
        None => ctx.registry.dialect(ctx.settings.database_url()?)?,
    };
    let Some(set) = load(
        ctx,
        dialect,
        out,
        "migrate lint",
        |p| json!({"blocked": true, "problems": p.0, "findings": []}),
    )?
    else {
        return Ok(Outcome::Finding);
    };
    let mut report = cairn::lint::lint(&set, &policy, &ctx.linter);
    let live_note = judged_live_note(&report);
    let galera = crate::lint_galera::check(ctx, &set, &policy, dialect_arg.is_none());
    report.findings.extend(galera.findings);
    match out.format {
        LintFormat::Json => {
            let mut value = lint_json(&report, dialect, &policy);
            value["note"] = json!(live_note);
            value["cluster_note"] = json!(galera.note);
            println!("{value:#}");
        }
        LintFormat::Text => {
            print!(
                "{}",
                crate::render::findings(&report.findings, ctx.style.color)
            );
            println!("{}", summary(&report, dialect));
            for note in live_note.iter().chain(&galera.note) {
                println!("note: {note}");
            }
        }
        LintFormat::Github => {
            for f in &report.findings {
                println!("{}", annotation(f));
            }
            println!("{}", summary(&report, dialect));
            if let Some(note) = &live_note {
                println!("note: {note}");
            }
        }
        LintFormat::Junit | LintFormat::Sarif => {
            ci(&crate::report::from::lint(&set, &report, &ctx.linter), out)
        }
    }
    Ok(if report.is_blocked() {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

/// `migrate validate`: load problems, SQL syntax and lint (no database), then the applied
/// migrations' checksums and failures.
pub fn validate(ctx: &Context, out: LintOut) -> Result<Outcome> {
    let policy = policy(ctx)?;
    let dialect = ctx.registry.dialect(ctx.settings.database_url()?)?;
    let Some(set) = load(
        ctx,
        dialect,
        out,
        "migrate validate",
        |p| json!({"valid": false, "problems": p.0, "findings": [], "lint": null}),
    )?
    else {
        return Ok(Outcome::Finding);
    };
    let report = cairn::lint::lint(&set, &policy, &ctx.linter);
    let mut db = ctx.connect()?;
    let findings = cairn::validate(&set, &db.history()?);
    let failed = findings.iter().any(Finding::is_error) || report.is_blocked();
    match out.format {
        LintFormat::Json => println!(
            "{:#}",
            json!({"valid": !failed, "migrations": set.len(), "problems": [], "findings": findings,
                   "lint": lint_json(&report, dialect, &policy)})
        ),
        LintFormat::Github => {
            for f in &report.findings {
                println!("{}", annotation(f));
            }
            for f in &findings {
                let file = match f {
                    Finding::Changed { file, .. } => Some(file.display().to_string()),
                    _ => None,
                };
                let level = if f.is_error() { "error" } else { "warning" };
                let title = format!("cairn validate ({})", f.id());
                println!(
                    "{}",
                    command(level, file.as_deref(), 0, 0, &title, &f.headline())
                );
            }
            println!("{}", summary(&report, dialect));
        }
        LintFormat::Junit | LintFormat::Sarif => ci(
            &crate::report::from::validate(&set, &report, &findings, &ctx.linter, &db.describe()),
            out,
        ),
        LintFormat::Text => {
            print!(
                "{}",
                crate::render::findings(&report.findings, ctx.style.color)
            );
            for f in &findings {
                let label = if f.is_error() {
                    ctx.style.bad("error:")
                } else {
                    ctx.style.warn("warning:")
                };
                println!("{label} {}", f.headline());
                if let Finding::Changed { diff, .. } = f {
                    println!("{}", diff.trim_end());
                }
            }
            if !report.findings.is_empty() {
                println!("{}", summary(&report, dialect));
            }
            if !failed {
                println!(
                    "{} {} migrations are valid against {}.",
                    ctx.style.ok("ok:"),
                    set.len(),
                    db.describe()
                );
            }
        }
    }
    Ok(if failed {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

/// Loads the set for `dialect`; on load problems prints them (as `on_json` in JSON) and
/// returns `None`.
fn load(
    ctx: &Context,
    dialect: Dialect,
    out: LintOut,
    name: &str,
    on_json: impl Fn(&LoadErrors) -> Value,
) -> Result<Option<MigrationSet>> {
    let e = match ctx.load_for(dialect) {
        Ok(set) => return Ok(Some(set)),
        Err(e) => e,
    };
    let problems = match e.downcast::<Error>() {
        Ok(Error::Load(problems)) => problems,
        Ok(other) => return Err(other.into()),
        Err(e) => return Err(e),
    };
    match out.format {
        LintFormat::Json => println!("{:#}", on_json(&problems)),
        LintFormat::Text => eprint!(
            "{}",
            crate::render::problems(&problems, "migrations", ctx.style.color_err)
        ),
        LintFormat::Github => {
            for p in &problems.0 {
                let title = format!("cairn load ({})", json!(p.kind).as_str().unwrap_or("error"));
                let file = p.file.display().to_string();
                println!(
                    "{}",
                    command("error", Some(&file), p.line, p.column, &title, &p.message)
                );
            }
        }
        LintFormat::Junit | LintFormat::Sarif => {
            ci(&crate::report::from::load_problems(name, &problems), out);
        }
    }
    Ok(None)
}

/// Prints `suite` as the CI report `out` asks for (the whole of stdout).
pub(crate) fn ci(suite: &crate::report::Suite, out: LintOut) {
    if let Some(format) = out.format.ci() {
        print!("{}", crate::report::render(suite, format));
    }
}

/// Said when blocking findings are about tables: `lint` judges without a database, `up` with
/// the one in front of it.
fn judged_live_note(report: &LintReport) -> Option<String> {
    let n = report.blocking().filter(|f| f.target.is_some()).count();
    (n > 0).then(|| {
        format!(
            "judged without a database; `migrate up` judges {} against the live database and does not block on a table that does not exist or holds no rows when the run starts",
            if n == 1 { "this finding" } else { "these findings" }
        )
    })
}

fn lint_json(report: &LintReport, dialect: Dialect, policy: &Policy) -> Value {
    json!({
        "dialect": dialect,
        "policy": policy.path(),
        "blocked": report.is_blocked(),
        "summary": {
            "deny": report.count(Severity::Deny),
            "warn": report.count(Severity::Warn),
            "info": report.count(Severity::Info),
            "allowed": report.findings.iter().filter(|f| f.allowed.is_some()).count(),
            "migrations": report.migrations,
            "statements": report.statements,
            "unparsed": report.unparsed,
        },
        "findings": report.findings,
        "skipped": report.skipped,
    })
}

/// One line: counts by severity, and what was looked at.
fn summary(report: &LintReport, dialect: Dialect) -> String {
    let allowed = report
        .findings
        .iter()
        .filter(|f| f.allowed.is_some())
        .count();
    let mut s = format!(
        "lint ({dialect}): {} deny, {} warn, {} info, {allowed} allowed in {} migration{} ({} statement{}",
        report.count(Severity::Deny),
        report.count(Severity::Warn),
        report.count(Severity::Info),
        report.migrations,
        if report.migrations == 1 { "" } else { "s" },
        report.statements,
        if report.statements == 1 { "" } else { "s" },
    );
    if report.unparsed > 0 {
        s.push_str(&format!(", {} not parsed", report.unparsed));
    }
    s.push(')');
    if !report.skipped.is_empty() {
        s.push_str(&format!("; lint: off in {}", report.skipped.join(", ")));
    }
    s
}

/// A finding as a GitHub Actions annotation: deny is an error, warn a warning, info (and an
/// allowed finding) a notice.
pub fn annotation(f: &LintFinding) -> String {
    let level = match (f.allowed.is_some(), f.severity) {
        (false, Severity::Deny) => "error",
        (false, Severity::Warn) => "warning",
        _ => "notice",
    };
    let mut message = f.message.clone();
    if !f.help.is_empty() {
        message.push_str(&format!(". Instead: {}", f.help));
    }
    if let Some(reason) = &f.allowed {
        message.push_str(&format!(" (allowed: {reason})"));
    }
    let file = f.file.display().to_string();
    command(level, Some(&file), f.line, f.column, &f.rule, &message)
}

/// `::level file=F,line=L,col=C,title=T::message`, escaped as the Actions toolkit does.
pub(crate) fn command(
    level: &str,
    file: Option<&str>,
    line: u32,
    col: u32,
    title: &str,
    message: &str,
) -> String {
    let mut props = Vec::new();
    if let Some(file) = file {
        props.push(format!("file={}", escape_property(file)));
        if line > 0 {
            props.push(format!("line={line}"));
            if col > 0 {
                props.push(format!("col={col}"));
            }
        }
    }
    props.push(format!("title={}", escape_property(title)));
    format!("::{level} {}::{}", props.join(","), escape_data(message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `migrate lint --rules`: every rule, its severity under the policy, and what it catches.
fn rules(ctx: &Context, policy: &Policy, out: LintOut) -> Result<Outcome> {
    let rows: Vec<(&str, Severity, Severity, &str)> = ctx
        .linter
        .rules()
        .map(|r| (r.id(), policy.severity(r), r.severity(), r.summary()))
        .collect();
    if out.format == LintFormat::Json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(id, s, d, what)| json!({"id": id, "severity": s, "default": d, "summary": what}))
            .collect();
        println!("{:#}", json!({"policy": policy.path(), "rules": list}));
        return Ok(Outcome::Clean);
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(4);
    for (id, severity, default, what) in rows {
        let note = if severity == default {
            String::new()
        } else {
            format!(" (default {default})")
        };
        println!("{id:<width$}  {:<5} {what}{note}", severity.name());
    }
    if let Some(p) = policy.path() {
        println!("policy: {}", p.display());
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_escape_like_the_actions_toolkit() {
        assert_eq!(
            command("error", Some("a,b:c.yaml"), 3, 0, "t", "50% done\nnext"),
            "::error file=a%2Cb%3Ac.yaml,line=3,title=t::50%25 done%0Anext"
        );
        assert_eq!(
            command("warning", None, 3, 4, "x", "m"),
            "::warning title=x::m"
        );
    }
}
