//! [`render`]: a [`Health`] in the Prometheus text exposition format (version 0.0.4), for
//! node-exporter's textfile collector or any scraper. Metric names carry their unit in base
//! units (`_seconds`, `_bytes`); every family has one `# HELP` and one `# TYPE` line before its
//! samples; every sample has a `database` label, so several databases can share one file.

use std::fmt::Write as _;

use super::health::Health;
use crate::status::MigrationState;

/// One metric family being written: its samples follow its HELP and TYPE lines.
struct Family<'a> {
    out: &'a mut String,
    name: &'a str,
    database: &'a str,
}

impl Family<'_> {
    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let mut text = format!("database=\"{}\"", escape_label(self.database));
        for (k, v) in labels {
            let _ = write!(text, ",{k}=\"{}\"", escape_label(v));
        }
        let _ = writeln!(self.out, "{}{{{text}}} {}", self.name, number(value));
    }
}

/// Every family: name and HELP text. All are gauges: each value is a reading at check time.
const FAMILIES: &[(&str, &str)] = &[
    (
        "cairn_db_healthy",
        "1 when every Cairn health check passed, else 0.",
    ),
    (
        "cairn_db_up",
        "1 when the database answered SELECT 1, else 0.",
    ),
    (
        "cairn_db_latency_seconds",
        "Round trip of SELECT 1, in seconds.",
    ),
    (
        "cairn_db_check_ok",
        "1 when the named health check ran and passed, else 0.",
    ),
    (
        "cairn_db_integrity_problems",
        "Problems reported by the database's integrity check.",
    ),
    (
        "cairn_db_foreign_key_orphan_rows",
        "Rows whose foreign key references a missing row, per key.",
    ),
    (
        "cairn_db_migrations",
        "Migrations by state (applied, pending, changed, failed, missing).",
    ),
    ("cairn_db_size_bytes", "Size of the database, in bytes."),
    (
        "cairn_db_table_size_bytes",
        "Size of a table with its indexes, in bytes.",
    ),
    ("cairn_db_table_rows", "Rows in a table."),
    (
        "cairn_db_health_check_duration_seconds",
        "How long the health checks took, in seconds.",
    ),
    (
        "cairn_db_health_timestamp_seconds",
        "When the health checks started, in seconds since the Unix epoch.",
    ),
    (
        "cairn_db_tables",
        "Tables checked, the history table included.",
    ),
    ("cairn_db_rows", "Rows in all tables checked."),
    (
        "cairn_db_table_indexes",
        "Indexes of a table, its unique constraints and primary key included.",
    ),
    (
        "cairn_db_connections",
        "Client connections by state (active, idle, total): PostgreSQL this database's, MySQL the server's.",
    ),
    (
        "cairn_db_cache_hit_ratio",
        "Share of page reads served from the server's cache, 0 to 1.",
    ),
    (
        "cairn_db_slow_queries",
        "Slow queries: PostgreSQL pg_stat_statements calls averaging 1 s or more, MySQL Slow_queries.",
    ),
    (
        "cairn_db_unindexed_foreign_keys",
        "Foreign keys no index covers (advice; never unhealthy).",
    ),
];

/// The metrics of `health`, each family once, ending with a newline.
pub fn render(health: &Health) -> String {
    let mut out = String::new();
    for (name, help) in FAMILIES {
        let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(out, "# TYPE {name} gauge");
        samples(
            &mut Family {
                out: &mut out,
                name,
                database: &health.database,
            },
            health,
        );
    }
    out
}

/// The samples of the family `f.name`.
fn samples(f: &mut Family<'_>, h: &Health) {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    match f.name {
        "cairn_db_healthy" => f.sample(&[], flag(h.healthy)),
        "cairn_db_up" => f.sample(&[], flag(h.connection.ok)),
        "cairn_db_latency_seconds" if h.connection.ok => {
            f.sample(&[], h.connection.latency_ms / 1000.0)
        }
        "cairn_db_check_ok" => {
            f.sample(&[("check", "connection")], flag(h.connection.ok));
            f.sample(&[("check", "integrity")], flag(h.integrity.ok));
            f.sample(&[("check", "foreign_keys")], flag(h.foreign_keys.ok));
            if let Some(m) = &h.migrations {
                f.sample(&[("check", "migrations")], flag(m.ok));
            }
            f.sample(&[("check", "storage")], flag(h.storage.ok));
        }
        "cairn_db_integrity_problems" if h.integrity.error.is_none() => {
            f.sample(&[], h.integrity.problems.len() as f64)
        }
        "cairn_db_foreign_key_orphan_rows" => {
            for v in &h.foreign_keys.violations {
                // SQLite keys have no name: the label is left out rather than set empty.
                let mut labels = vec![("table", v.table.as_str())];
                if let Some(c) = &v.constraint {
                    labels.push(("constraint", c));
                }
                labels.push(("references", &v.references));
                f.sample(&labels, v.rows as f64);
            }
        }
        "cairn_db_migrations" => {
            if let Some(m) = h.migrations.as_ref().filter(|m| m.error.is_none()) {
                for (state, n) in [
                    (MigrationState::Applied, m.applied),
                    (MigrationState::Pending, m.pending),
                    (MigrationState::Changed, m.changed),
                    (MigrationState::Failed, m.failed),
                    (MigrationState::Interrupted, m.interrupted),
                    (MigrationState::Missing, m.missing),
                ] {
                    f.sample(&[("state", state_name(state))], n as f64);
                }
            }
        }
        "cairn_db_size_bytes" => {
            if let Some(bytes) = h.storage.database_bytes {
                f.sample(&[], bytes as f64);
            }
        }
        "cairn_db_table_size_bytes" => {
            for t in &h.storage.tables {
                if let Some(bytes) = t.bytes {
                    f.sample(&[("table", &t.table)], bytes as f64);
                }
            }
        }
        "cairn_db_table_rows" => {
            for t in &h.storage.tables {
                if let Some(rows) = t.rows {
                    f.sample(&[("table", &t.table)], rows as f64);
                }
            }
        }
        "cairn_db_health_check_duration_seconds" => f.sample(&[], h.elapsed_ms as f64 / 1000.0),
        "cairn_db_health_timestamp_seconds" => {
            if let Some(t) = unix_seconds(&h.checked_at) {
                f.sample(&[], t);
            }
        }
        "cairn_db_tables" if h.storage.ok => f.sample(&[], h.storage.tables_checked as f64),
        "cairn_db_rows" => {
            if let Some(rows) = h.storage.total_rows {
                f.sample(&[], rows as f64);
            }
        }
        "cairn_db_table_indexes" => {
            for t in &h.storage.tables {
                if let Some(n) = t.indexes {
                    f.sample(&[("table", &t.table)], n as f64);
                }
            }
        }
        "cairn_db_connections" => {
            if let Some(c) = h.server.as_ref().and_then(|s| s.connections.as_ref()) {
                f.sample(&[("state", "active")], c.active as f64);
                f.sample(&[("state", "idle")], c.idle as f64);
                f.sample(&[("state", "total")], c.total as f64);
            }
        }
        "cairn_db_cache_hit_ratio" => {
            if let Some(r) = h.server.as_ref().and_then(|s| s.cache_hit_ratio) {
                f.sample(&[], r);
            }
        }
        "cairn_db_slow_queries" => {
            if let Some(n) = h.server.as_ref().and_then(|s| s.slow_queries) {
                f.sample(&[], n as f64);
            }
        }
        "cairn_db_unindexed_foreign_keys" if h.advisory.error.is_none() => {
            f.sample(&[], h.advisory.unindexed_foreign_keys.len() as f64)
        }
        _ => {}
    }
}

fn state_name(state: MigrationState) -> &'static str {
    match state {
        MigrationState::Applied => "applied",
        MigrationState::Pending => "pending",
        MigrationState::Changed => "changed",
        MigrationState::Failed => "failed",
        MigrationState::Interrupted => "interrupted",
        MigrationState::Missing => "missing",
    }
}

/// A sample value: integers without a fraction, others to the microsecond (the finest
/// resolution Cairn measures) without trailing zeros, so float noise such as
/// `0.00023558600000000003` never reaches the output.
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        let fixed = format!("{value:.6}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        if trimmed.is_empty() || trimmed == "-" || trimmed == "-0" {
            "0".to_string()
        } else {
            trimmed.to_string()
        }
    }
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time as [`Health::checked_at`] holds it
/// (`2026-05-20T09:30:00.125Z`); `None` for any other form.
fn unix_seconds(rfc3339: &str) -> Option<f64> {
    let (date, time) = rfc3339.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.splitn(3, ':');
    let (hh, mm) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let ss: f64 = t.next()?.parse().ok()?;
    // Days from civil (Howard Hinnant), the inverse of the manifest's `civil_from_days`.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hh * 3600 + mm * 60) as f64 + ss)
}

/// Label values escape backslash, double quote and line feed.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// HELP text escapes backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;
