//! [`health`]: is the database reachable, sound, consistent and up to date? One call, a typed
//! [`Health`], so a service can serve it from its `/health` endpoint and the CLI can print it.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::maintenance::{ForeignKeyViolation, StorageSizes};
use crate::driver::Driver;
use crate::error::BackendError;
use crate::load::MigrationSet;
use crate::protocol::Migrate;
use crate::status::{MigrationState, status};

/// The result of [`health`]: every check, and whether all of them passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// The database, without its password.
    pub database: String,
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
    /// Size and row count of each table.
    pub storage: StorageHealth,
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

/// Migration state. Healthy means nothing pending, changed, failed or interrupted; a history row without a
/// file (`missing`) is reported but healthy, since a database ahead of the code is what a
/// rollout looks like while old instances still run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationHealth {
    /// Nothing pending, changed or failed, and the history could be read.
    pub ok: bool,
    /// Applied and unchanged.
    pub applied: usize,
    /// Not applied yet.
    pub pending: usize,
    /// Applied, but the file changed since (checksum differs).
    pub changed: usize,
    /// Failed part-way in an earlier run.
    pub failed: usize,
    /// Left part-way by a runner that stopped; the next `migrate up` finishes them.
    pub interrupted: usize,
    /// Applied, but no file has that id.
    pub missing: usize,
    /// Every migration that is not `applied`, in apply order.
    pub attention: Vec<MigrationIssue>,
    /// Why the history could not be read.
    pub error: Option<String>,
}

/// A migration that is not simply applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationIssue {
    /// Migration id.
    pub id: String,
    /// Its state.
    pub state: MigrationState,
}

/// Size and rows of each table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorageHealth {
    /// Sizes and row counts could be read.
    pub ok: bool,
    /// Bytes of the whole database.
    pub database_bytes: Option<u64>,
    /// Each table (the history table included), sorted by name.
    pub tables: Vec<TableHealth>,
    /// Why sizes or counts could not be read.
    pub error: Option<String>,
}

/// One table's size and rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableHealth {
    /// Table name.
    pub table: String,
    /// Exact row count (`COUNT(*)`).
    pub rows: Option<u64>,
    /// Bytes of the table and its indexes.
    pub bytes: Option<u64>,
}

impl Health {
    /// The report for a database that could not even be opened: unhealthy, nothing checked.
    /// `database` and `error` must already be free of passwords ([`cairn_core::redact_url`]).
    pub fn unreachable(database: String, error: String) -> Health {
        let skipped = || Some("not checked: no connection".to_string());
        Health {
            database,
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
            storage: StorageHealth {
                ok: false,
                database_bytes: None,
                tables: Vec::new(),
                error: skipped(),
            },
            elapsed_ms: 0,
        }
    }
}

/// Checks `db`: connection (and its latency), integrity, foreign-key violations, migration
/// state against `migrations` (skipped when `None`), size and row count per table. Never
/// fails: a check that cannot run is reported unhealthy with its error. Every check runs a
/// fixed number of queries, whatever the number of tables (row counts: one per 400 tables);
/// the history is read once, only for the migration check, and the schema is never
/// introspected: table names come from [`cairn_core::Maintain::table_sizes`].
pub fn health(db: &mut dyn Driver, migrations: Option<&MigrationSet>) -> Health {
    let started = Instant::now();
    let ping = Instant::now();
    if let Err(e) = db.query("SELECT 1") {
        let mut report = Health::unreachable(db.describe(), e.to_string());
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
    let migrations = migrations.map(|set| migration_health(db, set));
    let storage = storage_health(db, sizes);
    let healthy = connection.ok
        && integrity.ok
        && foreign_keys.ok
        && migrations.as_ref().is_none_or(|m| m.ok)
        && storage.ok;
    Health {
        database: db.describe(),
        healthy,
        connection,
        integrity,
        foreign_keys,
        migrations,
        storage,
        elapsed_ms: elapsed_ms(started),
    }
}

fn migration_health(db: &mut dyn Driver, set: &MigrationSet) -> MigrationHealth {
    let history = match db.history() {
        Ok(h) => h,
        Err(e) => {
            return MigrationHealth {
                ok: false,
                applied: 0,
                pending: 0,
                changed: 0,
                failed: 0,
                interrupted: 0,
                missing: 0,
                attention: Vec::new(),
                error: Some(e.to_string()),
            };
        }
    };
    let rows = status(set, &history);
    let count = |s: MigrationState| rows.iter().filter(|r| r.state == s).count();
    let (pending, changed, failed, interrupted) = (
        count(MigrationState::Pending),
        count(MigrationState::Changed),
        count(MigrationState::Failed),
        count(MigrationState::Interrupted),
    );
    MigrationHealth {
        ok: pending + changed + failed + interrupted == 0,
        applied: count(MigrationState::Applied),
        pending,
        changed,
        failed,
        interrupted,
        missing: count(MigrationState::Missing),
        attention: rows
            .iter()
            .filter(|r| r.state != MigrationState::Applied)
            .map(|r| MigrationIssue {
                id: r.id.clone(),
                state: r.state,
            })
            .collect(),
        error: None,
    }
}

/// Sizes merged with exact row counts of the same tables (the history table among them when
/// it exists, so an empty one counts 0 rows).
fn storage_health(db: &mut dyn Driver, sizes: Result<StorageSizes, BackendError>) -> StorageHealth {
    let counted = sizes.and_then(|s| {
        let names: Vec<String> = s.tables.iter().map(|t| t.table.clone()).collect();
        super::row_counts_of(db, &names).map(|c| (s, c))
    });
    let (sizes, counts) = match counted {
        Ok(both) => both,
        Err(e) => {
            return StorageHealth {
                ok: false,
                database_bytes: None,
                tables: Vec::new(),
                error: Some(e.to_string()),
            };
        }
    };
    let mut tables: BTreeMap<String, TableHealth> = BTreeMap::new();
    for s in sizes.tables {
        tables.insert(
            s.table.clone(),
            TableHealth {
                table: s.table,
                rows: None,
                bytes: Some(s.bytes),
            },
        );
    }
    for c in counts {
        tables
            .entry(c.table.clone())
            .or_insert_with(|| TableHealth {
                table: c.table,
                rows: None,
                bytes: None,
            })
            .rows = Some(c.rows);
    }
    StorageHealth {
        ok: true,
        database_bytes: Some(sizes.database_bytes),
        tables: tables.into_values().collect(),
        error: None,
    }
}

fn elapsed_ms(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}
