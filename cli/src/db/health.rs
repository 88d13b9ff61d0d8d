//! `db health` and `db optimize`: thin shells over `cairn::ops::health` and
//! `cairn::ops::optimize` that print text, JSON or Prometheus metrics.

use anyhow::Result;
use cairn::ops::{Health, Optimization};

use super::{DbCmd, HealthFormat};
use crate::cli::Format;
use crate::{Context, Outcome};

/// Runs `db health` or `db optimize`; other subcommands are not this module's.
pub fn run(ctx: &Context, cmd: &DbCmd) -> Result<Outcome> {
    match cmd {
        DbCmd::Health { format } => health(ctx, *format),
        DbCmd::Optimize {
            vacuum,
            reindex,
            out,
        } => optimize(ctx, *vacuum, *reindex, out.format),
        _ => anyhow::bail!("not a health or optimize command"),
    }
}

/// Every check; exit 1 when anything is unhealthy, including a database that cannot be
/// reached (so a cron job or a scraper sees `cairn_db_up 0` rather than no file at all).
fn health(ctx: &Context, format: HealthFormat) -> Result<Outcome> {
    // Without a migrations folder (and no built-ins) there is nothing to compare against: the
    // migration check is left out rather than reporting every history row as `missing`.
    let set = if ctx.global.builtin.is_empty() && !ctx.global.dir.exists() {
        None
    } else {
        Some(ctx.load_up_side()?)
    };
    let report = match ctx.connect() {
        Ok(mut db) => cairn::ops::health(db.as_mut(), set.as_ref()),
        // A server that cannot be reached is an unhealthy database (exit 1); a URL that names
        // no database, or no backend, is a mistake in the command (exit 2).
        Err(e) if unreachable(&e) => {
            Health::unreachable(cairn::redact_url(&ctx.global.database_url), e.to_string())
        }
        Err(e) => return Err(e),
    };
    match format {
        HealthFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        HealthFormat::Prometheus => print!("{}", cairn::ops::prometheus::render(&report)),
        HealthFormat::Text => print_health(ctx, &report),
    }
    Ok(if report.healthy {
        Outcome::Clean
    } else {
        Outcome::Finding
    })
}

fn print_health(ctx: &Context, h: &Health) {
    let verdict = |ok: bool| {
        if ok {
            ctx.style.ok("ok       ")
        } else {
            ctx.style.bad("UNHEALTHY")
        }
    };
    let overall = if h.healthy {
        ctx.style.ok("healthy")
    } else {
        ctx.style.bad("unhealthy")
    };
    println!(
        "{}: {overall} ({} ms, at {})",
        h.database, h.elapsed_ms, h.checked_at
    );
    let c = &h.connection;
    println!(
        "  connection    {} {}",
        verdict(c.ok),
        c.error
            .clone()
            .unwrap_or_else(|| format!("{:.2} ms round trip", c.latency_ms))
    );
    let i = &h.integrity;
    println!(
        "  integrity     {} {}",
        verdict(i.ok),
        i.error.clone().unwrap_or_else(|| match i.problems.len() {
            0 => "no problem found".to_string(),
            n => format!("{n} problem(s)"),
        })
    );
    for p in &i.problems {
        println!("                  {p}");
    }
    let f = &h.foreign_keys;
    let orphans: u64 = f.violations.iter().map(|v| v.rows).sum();
    println!(
        "  foreign keys  {} {}",
        verdict(f.ok),
        f.error.clone().unwrap_or_else(|| match orphans {
            0 => "no orphan rows".to_string(),
            n => format!("{n} orphan row(s)"),
        })
    );
    for v in &f.violations {
        println!(
            "                  {}({}) -> {}{}: {} row(s) without a parent",
            v.table,
            v.columns.join(", "),
            v.references,
            v.constraint
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default(),
            v.rows
        );
    }
    match &h.migrations {
        None if !c.ok => println!("  migrations    -         not checked: no connection"),
        None => println!("  migrations    -         not checked (no migrations folder)"),
        Some(m) => {
            println!(
                "  migrations    {} {}",
                verdict(m.ok),
                m.error.clone().unwrap_or_else(|| format!(
                    "{} applied, {} pending, {} changed, {} failed, {} missing",
                    m.applied, m.pending, m.changed, m.failed, m.missing
                ))
            );
            for issue in &m.attention {
                println!(
                    "                  {:<8} {}",
                    format!("{:?}", issue.state).to_lowercase(),
                    issue.id
                );
            }
        }
    }
    let s = &h.storage;
    println!(
        "  storage       {} {}",
        verdict(s.ok),
        s.error.clone().unwrap_or_else(|| format!(
            "{} in {} table(s), {} row(s)",
            s.database_bytes.map_or_else(|| "-".to_string(), size),
            s.tables_checked,
            s.total_rows
                .map_or_else(|| "-".to_string(), |r| r.to_string())
        ))
    );
    if !s.tables.is_empty() {
        let width = s
            .tables
            .iter()
            .map(|t| t.table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        println!(
            "{}",
            ctx.style.dim(&format!(
                "    {:<width$} {:>12} {:>10} {:>7}",
                "TABLE", "ROWS", "SIZE", "INDEXES"
            ))
        );
        for t in &s.tables {
            println!(
                "    {:<width$} {:>12} {:>10} {:>7}",
                t.table,
                t.rows.map_or_else(|| "-".to_string(), |r| r.to_string()),
                t.bytes.map_or_else(|| "-".to_string(), size),
                t.indexes.map_or_else(|| "-".to_string(), |n| n.to_string())
            );
        }
    }
    print_server(ctx, h);
    print_advisory(ctx, h);
}

/// The server's counters: information, never a verdict.
fn print_server(ctx: &Context, h: &Health) {
    let info = ctx.style.dim("info     ");
    let Some(server) = &h.server else {
        if h.connection.ok {
            println!("  server        -         none: SQLite has no server");
        } else {
            println!("  server        -         not checked: no connection");
        }
        return;
    };
    if let Some(e) = &server.error {
        println!("  server        {info} cannot read its counters: {e}");
        return;
    }
    let mut parts = Vec::new();
    if let Some(c) = &server.connections {
        parts.push(format!(
            "{} active, {} idle connection(s) of {}",
            c.active, c.idle, c.total
        ));
    }
    if let Some(r) = server.cache_hit_ratio {
        parts.push(format!("cache hit ratio {:.2}%", r * 100.0));
    }
    if let Some(n) = server.slow_queries {
        parts.push(format!("{n} slow quer{}", if n == 1 { "y" } else { "ies" }));
    }
    println!(
        "  server        {info} {} ({} counters)",
        parts.join(", "),
        server.scope
    );
    for note in &server.notes {
        println!("                  {note}");
    }
    if let Some(r) = &server.replication {
        print_replication(ctx, r);
    }
    if let Some(c) = &server.cluster {
        let verdict = if c.is_synced() {
            ctx.style.ok("ok       ")
        } else {
            ctx.style.warn("warning  ")
        };
        let unknown = || "unknown".to_string();
        println!(
            "  cluster       {verdict} Galera: {} node(s), {} component, this node {}, flow control paused {}",
            c.size,
            c.status.clone().unwrap_or_else(unknown),
            c.state.clone().unwrap_or_else(unknown),
            c.flow_control_paused
                .map_or_else(unknown, |p| format!("{:.1}% of the time", p * 100.0))
        );
    }
}

/// A PostgreSQL server's role: a replica (or a read-only primary) is a fact worth a warning,
/// since `migrate up` refuses there, but not unhealthy.
fn print_replication(ctx: &Context, r: &cairn::ops::Replication) {
    let verdict = if r.is_writable() {
        ctx.style.ok("ok       ")
    } else {
        ctx.style.warn("read-only")
    };
    let text = if r.role == "replica" {
        let lag = match (r.replay_lag_seconds, r.replay_lag_bytes) {
            (Some(s), Some(b)) => format!("replay lag {s:.1} s, {b} byte(s) received not replayed"),
            (None, Some(b)) => format!("nothing replayed yet, {b} byte(s) received"),
            _ => "replay lag unknown".to_string(),
        };
        format!(
            "replica (in recovery) of {}; {lag}; migrations must run on the primary",
            r.primary
                .as_deref()
                .unwrap_or("a primary it does not name to this user")
        )
    } else {
        let replicas = r
            .replicas
            .map_or_else(|| "unknown".to_string(), |n| n.to_string());
        let mut text = format!("primary, {replicas} replica(s) streaming");
        if r.read_only {
            text.push_str("; default_transaction_read_only is on, so migrations are refused");
        }
        text
    };
    println!("  replication   {verdict} {text}");
}

/// Foreign keys without an index: advice, shown but never unhealthy.
fn print_advisory(ctx: &Context, h: &Health) {
    let a = &h.advisory;
    let (verdict, summary) = match (&a.error, a.unindexed_foreign_keys.len()) {
        (Some(e), _) => (ctx.style.dim("-        "), format!("not checked: {e}")),
        (None, 0) => (
            ctx.style.ok("ok       "),
            "every foreign key has an index".to_string(),
        ),
        (None, n) => (
            ctx.style.warn("advice   "),
            format!("{n} foreign key(s) without an index (lookups from the parent scan the table)"),
        ),
    };
    println!("  indexes       {verdict} {summary}");
    if let Some(note) = &a.note {
        println!("                  {note}");
    }
    for k in &a.unindexed_foreign_keys {
        println!(
            "                  {}.{} -> {}{}",
            k.table,
            k.columns.join(", "),
            k.references,
            k.constraint
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default()
        );
    }
}

fn optimize(ctx: &Context, vacuum: bool, reindex: bool, format: Format) -> Result<Outcome> {
    let mut db = ctx.connect()?;
    let report =
        cairn::ops::optimize_with(db.as_mut(), cairn::ops::OptimizeOptions { vacuum, reindex })?;
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_optimization(ctx, &report);
    }
    Ok(Outcome::Clean)
}

fn print_optimization(ctx: &Context, o: &Optimization) {
    println!(
        "Optimized {} table(s) of {} in {} ms: {} -> {} ({} reclaimed)",
        o.tables.len(),
        o.database,
        o.elapsed_ms,
        size(o.bytes_before),
        size(o.bytes_after),
        size(o.bytes_reclaimed)
    );
    if o.reindex {
        println!(
            "Reindexed {} table(s){}",
            o.reindexed.len(),
            if o.reindex_statements.is_empty() {
                String::new()
            } else {
                format!(": {}", o.reindex_statements.join("; "))
            }
        );
    }
    let width = o
        .tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(5)
        .max(5);
    if !o.tables.is_empty() {
        println!(
            "{}",
            ctx.style
                .dim(&format!("  {:<width$} {:<22} MESSAGES", "TABLE", "DONE"))
        );
    }
    for t in &o.tables {
        println!(
            "  {:<width$} {:<22} {}",
            t.table,
            t.actions.join(", "),
            t.messages.join("; ")
        );
    }
}

/// Bytes for people: `812 B`, `4.0 KiB`, `1.2 MiB`, `3.4 GiB`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Whether `e` says the database could not be reached (rather than that the URL is wrong).
fn unreachable(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<cairn::Error>(),
        Some(cairn::Error::Backend(cairn::BackendError::Connection(_)))
    ) || matches!(
        e.downcast_ref::<cairn::BackendError>(),
        Some(cairn::BackendError::Connection(_))
    )
}
