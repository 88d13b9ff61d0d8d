//! [`health`]: is the database reachable, sound, consistent and up to date? One call, a typed
//! [`Health`], so a service can serve it from its `/health` endpoint and the CLI can print it.

mod migrations;
mod storage;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::indexes::{IndexAdvisory, index_counts};
use super::maintenance::ForeignKeyViolation;
use super::server_stats::{ServerStats, server_stats};
use crate::driver::Driver;
use crate::load::MigrationSet;
pub use migrations::{MigrationHealth, MigrationIssue};
pub use storage::{StorageHealth, TableHealth};

/// The result of [`health`]: every check, and whether all of them passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// The database, without its password.
    pub database: String,
    /// When the checks started, in UTC (RFC 3339 with milliseconds, e.g.
    /// `2026-05-20T09:30:00.125Z`).
    pub checked_at: String,
    /// True when every check below is `ok`.
    pub healthy: bool,
    /// The server answered a trivial query.
    pub connection: ConnectionHealth,
    /// The database's own integrity check.
    pub integrity: IntegrityHealth,
    /// Rows whose foreign key points at nothing.
    pub foreign_keys: ForeignKeyHealth,
    /// Migration state against the given migration set; `None` when none was given.
    pub migrations: Option<MigrationHealth>,
    /// Size, row count and indexes of each table.
    pub storage: StorageHealth,
    /// The server's connections, cache hit ratio and slow queries; `None` on SQLite, which
    /// has no server.
    pub server: Option<ServerStats>,
    /// Foreign keys without an index: advice, never a reason to be unhealthy.
    pub advisory: IndexAdvisory,
    /// How long all checks took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Whether the database answered, and how fast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionHealth {
    /// It answered `SELECT 1`.
    pub ok: bool,
    /// Round trip of `SELECT 1`, in milliseconds (0 when it failed).
    pub latency_ms: f64,
    /// Why it did not answer.
    pub error: Option<String>,
}

/// What the database's integrity check found (SQLite `PRAGMA integrity_check`, PostgreSQL
/// invalid indexes, MySQL `CHECK TABLE ... QUICK`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityHealth {
    /// No problem found and the check ran.
    pub ok: bool,
    /// Each problem, as the database words it.
    pub problems: Vec<String>,
    /// Why the check could not run.
    pub error: Option<String>,
}

/// Orphan rows, per foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKeyHealth {
    /// No orphan row found and the check ran.
    pub ok: bool,
    /// Each key with orphan rows.
    pub violations: Vec<ForeignKeyViolation>,
    /// Why the check could not run.
    pub error: Option<String>,
}

impl Health {
    /// The report for a database that could not even be opened: unhealthy, nothing checked.
    /// `database` and `error` must already be free of passwords ([`cairn_core::redact_url`]).
    pub fn unreachable(database: String, error: String) -> Health {
        let skipped = || Some("not checked: no connection".to_string());
        Health {
            database,
            checked_at: super::manifest::utc_now().1,
            healthy: false,
            connection: ConnectionHealth {
                ok: false,
                latency_ms: 0.0,
                error: Some(error),
            },
            integrity: IntegrityHealth {
                ok: false,
                problems: Vec::new(),
                error: skipped(),
            },
            foreign_keys: ForeignKeyHealth {
                ok: false,
                violations: Vec::new(),
                error: skipped(),
            },
            migrations: None,
            storage: StorageHealth::failed("not checked: no connection".to_string()),
            server: None,
            advisory: IndexAdvisory::failed("not checked: no connection".to_string()),
            elapsed_ms: 0,
        }
    }
}

/// Checks `db`: connection (and its latency), integrity, foreign-key violations, migration
/// state against `migrations` (skipped when `None`), size, row count and indexes per table,
/// the server's counters (connections, cache hit ratio, slow queries; none on SQLite), and
/// the advisory of foreign keys without an index. Never fails: a check that cannot run is
/// reported unhealthy with its error (the server counters and the advisory never make the
/// database unhealthy). Every check runs a fixed number of queries, whatever the number of
/// tables (row counts: one per 400 tables); the history is read once, only for the
/// migration check; the schema is introspected once ([`cairn_core::Introspect`], a fixed
/// number of catalog queries), only for the index counts and the advisory; the table names
/// come from [`cairn_core::Maintain::table_sizes`].
pub fn health(db: &mut dyn Driver, migrations: Option<&MigrationSet>) -> Health {
    let started = Instant::now();
    let checked_at = super::manifest::utc_now().1;
    let ping = Instant::now();
    if let Err(e) = db.query("SELECT 1") {
        let mut report = Health::unreachable(db.describe(), e.to_string());
        report.checked_at = checked_at;
        report.elapsed_ms = elapsed_ms(started);
        return report;
    }
    let connection = ConnectionHealth {
        ok: true,
        latency_ms: ping.elapsed().as_secs_f64() * 1000.0,
        error: None,
    };
    // Sizes first: their table names feed the integrity check and the row counts, so no
    // check lists the tables again; the history is read once, by the migration check.
    let sizes = db.as_maintain().and_then(|m| m.table_sizes());
    let names: Option<Vec<String>> = sizes
        .as_ref()
        .ok()
        .map(|s| s.tables.iter().map(|t| t.table.clone()).collect());
    let checked = db.as_maintain().and_then(|m| match &names {
        Some(names) => m.integrity_check_of(names),
        None => m.integrity_check(),
    });
    let integrity = match checked {
        Ok(problems) => IntegrityHealth {
            ok: problems.is_empty(),
            problems,
            error: None,
        },
        Err(e) => IntegrityHealth {
            ok: false,
            problems: Vec::new(),
            error: Some(e.to_string()),
        },
    };
    let foreign_keys = match db.as_maintain().and_then(|m| m.foreign_key_violations()) {
        Ok(violations) => ForeignKeyHealth {
            ok: violations.is_empty(),
            violations,
            error: None,
        },
        Err(e) => ForeignKeyHealth {
            ok: false,
            violations: Vec::new(),
            error: Some(e.to_string()),
        },
    };
    let migrations = migrations.map(|set| migrations::migration_health(db, set));
    let dialect = db.dialect();
    let (indexes, advisory) = match db.as_introspect().and_then(|i| i.introspect()) {
        Ok(schema) => (
            index_counts(&schema, dialect),
            IndexAdvisory::of(&schema, dialect),
        ),
        Err(e) => (BTreeMap::new(), IndexAdvisory::failed(e.to_string())),
    };
    let storage = storage::storage_health(db, sizes, &indexes);
    let server = server_stats(db);
    let healthy = connection.ok
        && integrity.ok
        && foreign_keys.ok
        && migrations.as_ref().is_none_or(|m| m.ok)
        && storage.ok;
    Health {
        database: db.describe(),
        checked_at,
        healthy,
        connection,
        integrity,
        foreign_keys,
        migrations,
        storage,
        server,
        advisory,
        elapsed_ms: elapsed_ms(started),
    }
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}
