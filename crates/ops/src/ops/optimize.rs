//! [`optimize`]: refresh the planner's statistics and, on request, compact the database and
//! rebuild its indexes; report what was done to each table and how many bytes it gave back.

use std::time::Instant;

use serde::Serialize;

use super::maintenance::TableAction;
use crate::Dialect;
use crate::driver::Driver;
use crate::driver::cells::text_cell;
use crate::error::BackendError;
use crate::schema::ident;

/// What [`optimize_with`] is asked to do beside refreshing statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptimizeOptions {
    /// Compact: SQLite `VACUUM`, PostgreSQL `VACUUM FULL`, MySQL `OPTIMIZE TABLE`.
    pub vacuum: bool,
    /// Rebuild every index: SQLite `REINDEX`, PostgreSQL `REINDEX SCHEMA`, MySQL
    /// `OPTIMIZE TABLE` (InnoDB rebuilds each table with its indexes).
    pub reindex: bool,
}

/// What [`optimize`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Optimization {
    /// The database, without its password.
    pub database: String,
    /// Whether compaction was asked for (SQLite `VACUUM`, PostgreSQL `VACUUM FULL`, MySQL
    /// `OPTIMIZE TABLE`).
    pub vacuum: bool,
    /// Whether rebuilding the indexes was asked for.
    pub reindex: bool,
    /// The tables whose indexes were rebuilt, sorted by name (empty without `reindex`).
    pub reindexed: Vec<String>,
    /// The statements that rebuilt them (e.g. `REINDEX SCHEMA public`).
    pub reindex_statements: Vec<String>,
    /// What was done to each table, sorted by name.
    pub tables: Vec<TableAction>,
    /// Bytes of the database before.
    pub bytes_before: u64,
    /// Bytes of the database after.
    pub bytes_after: u64,
    /// `bytes_before - bytes_after`, 0 when it grew.
    pub bytes_reclaimed: u64,
    /// How long it took, in milliseconds.
    pub elapsed_ms: u64,
}

/// Runs the backend's maintenance: SQLite `ANALYZE` and `PRAGMA optimize` (with `vacuum`:
/// `VACUUM`); PostgreSQL `VACUUM (ANALYZE)` (with `vacuum`: `VACUUM (FULL, ANALYZE)`, which
/// locks each table while it is rewritten); MySQL `ANALYZE TABLE` (with `vacuum`:
/// `OPTIMIZE TABLE`, which rebuilds each table). Each is one statement over all tables.
/// Sizes are measured before and after with [`cairn_core::Maintain::table_sizes`].
pub fn optimize(db: &mut dyn Driver, vacuum: bool) -> Result<Optimization, BackendError> {
    optimize_with(
        db,
        OptimizeOptions {
            vacuum,
            reindex: false,
        },
    )
}

/// [`optimize`], and with `reindex` every index of every table rebuilt after it, in a fixed
/// number of statements: SQLite `REINDEX` (1); PostgreSQL `SELECT current_schema()` then
/// `REINDEX SCHEMA <it>` (2; each table in its own transaction; needs the schema's owner, and
/// falls back to one `REINDEX TABLE` per table when the role owns only its tables); MySQL
/// one `OPTIMIZE TABLE t1, t2, ...` (1; none more when `vacuum` already ran it).
pub fn optimize_with(
    db: &mut dyn Driver,
    options: OptimizeOptions,
) -> Result<Optimization, BackendError> {
    let started = Instant::now();
    let maintain = db.as_maintain()?;
    let sizes = maintain.table_sizes()?;
    let before = sizes.database_bytes;
    let mut tables = maintain.optimize(options.vacuum)?;
    tables.sort_by(|a, b| a.table.cmp(&b.table));
    let mut reindex_statements = Vec::new();
    let mut reindexed = Vec::new();
    if options.reindex {
        let names: Vec<String> = sizes.tables.into_iter().map(|t| t.table).collect();
        reindex_statements = reindex(db, &names, options.vacuum, &mut tables)?;
        reindexed = names;
        reindexed.sort();
    }
    let after = db.as_maintain()?.table_sizes()?.database_bytes;
    Ok(Optimization {
        database: db.describe(),
        vacuum: options.vacuum,
        reindex: options.reindex,
        reindexed,
        reindex_statements,
        tables,
        bytes_before: before,
        bytes_after: after,
        bytes_reclaimed: before.saturating_sub(after),
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// Rebuilds the indexes of `names` (every base table) and notes `reindex` on each table of
/// `actions`, with what the server said; returns the statements run.
fn reindex(
    db: &mut dyn Driver,
    names: &[String],
    vacuumed: bool,
    actions: &mut Vec<TableAction>,
) -> Result<Vec<String>, BackendError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let dialect = db.dialect();
    let mut messages: Vec<(String, String)> = Vec::new();
    let statements = match dialect {
        Dialect::Sqlite => {
            db.execute("REINDEX")?;
            vec!["REINDEX".to_string()]
        }
        Dialect::Postgres => {
            let schema = db
                .query("SELECT current_schema()")?
                .first()
                .map(|r| text_cell(r, 0).to_string())
                .unwrap_or_else(|| "public".to_string());
            let sql = format!("REINDEX SCHEMA {}", ident(&schema, dialect));
            match db.query(&sql) {
                Ok(_) => vec![sql],
                // 42501: not the schema's owner; its tables may still be ours.
                Err(BackendError::Sql { code: Some(c), .. }) if c == "42501" => {
                    let mut run = Vec::new();
                    for t in names {
                        let sql = format!("REINDEX TABLE {}", ident(t, dialect));
                        db.query(&sql)?;
                        run.push(sql);
                    }
                    run
                }
                Err(e) => return Err(e),
            }
        }
        Dialect::Mysql if vacuumed => {
            for t in names {
                messages.push((t.clone(), "indexes rebuilt by OPTIMIZE TABLE".into()));
            }
            Vec::new()
        }
        Dialect::Mysql => {
            let list: Vec<String> = names.iter().map(|t| ident(t, dialect)).collect();
            let sql = format!("OPTIMIZE TABLE {}", list.join(", "));
            for row in db.query(&sql)? {
                // `Table` is `schema.table`.
                let qualified = text_cell(&row, 0);
                if let Some(t) = names.iter().find(|t| qualified.ends_with(&format!(".{t}"))) {
                    messages.push((
                        t.clone(),
                        format!("{}: {}", text_cell(&row, 2), text_cell(&row, 3)),
                    ));
                }
            }
            vec![sql]
        }
    };
    for name in names {
        let i = match actions.iter().position(|a| &a.table == name) {
            Some(i) => i,
            None => {
                actions.push(TableAction {
                    table: name.clone(),
                    actions: Vec::new(),
                    messages: Vec::new(),
                });
                actions.len() - 1
            }
        };
        let a = &mut actions[i];
        a.actions.push("reindex".to_string());
        a.messages.extend(
            messages
                .iter()
                .filter(|(t, _)| t == name)
                .map(|(_, m)| m.clone()),
        );
    }
    actions.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(statements)
}
