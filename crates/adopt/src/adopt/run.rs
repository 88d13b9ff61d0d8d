//! `adopt`: find the other tool's history table, read it, match, record.

use std::collections::HashSet;

use serde::Serialize;

use super::AdoptError;
use super::catalog::{Columns, columns, fits, present, read, stored_name};
use super::matching::{AdoptEntry, AdoptOutcome, match_rows};
use super::record::{locked, record};
use super::tools::ForeignRow;
use crate::driver::Driver;
use crate::error::Result;
use crate::load::MigrationSet;
use crate::model::Migration;
use crate::origin::Layout;
use crate::protocol::Migrate;
use crate::run::Options;
use crate::tool_tables::{TOOL_TABLES, table_of};

/// What `adopt` found and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdoptReport {
    /// The database (password removed).
    pub database: String,
    /// The tool whose history was read.
    pub tool: Layout,
    /// Its history table.
    pub table: String,
    /// Whether nothing was recorded on purpose.
    pub dry_run: bool,
    /// One entry per migration of the folder, in apply order.
    pub migrations: Vec<AdoptEntry>,
    /// Rows of the tool's history that no migration of the folder matches.
    pub unmatched: Vec<ForeignRow>,
    /// Why nothing was adopted, when the tool's history shows a half-applied migration.
    pub refused: Vec<String>,
}

impl AdoptReport {
    /// Ids recorded (or, in a dry run, that would be).
    pub fn adopted(&self) -> impl Iterator<Item = &str> + '_ {
        self.migrations
            .iter()
            .filter(|e| e.outcome == AdoptOutcome::Adopted)
            .map(|e| e.id.as_str())
    }

    /// Whether everything matched: no refusal, no unmatched row, no changed file, nothing
    /// blocked.
    pub fn is_clean(&self) -> bool {
        self.refused.is_empty()
            && self.unmatched.is_empty()
            && self.migrations.iter().all(|e| {
                !matches!(
                    e.outcome,
                    AdoptOutcome::ChecksumMismatch | AdoptOutcome::Blocked
                )
            })
    }
}

/// Adopts what `from` (default: the tool whose history table is present, preferring the
/// folder's layout when several are) applied to `backend`, reading its history from `table`
/// (default: the tool's own table name; a custom name needs `from`): matched migrations are
/// recorded as applied without running their SQL; the report says what did not match. When
/// the tool's history shows a half-applied migration (golang-migrate `dirty`, sqlx or Flyway
/// `success = false`), nothing is recorded and `refused` says why. Running it again records
/// nothing twice.
pub fn adopt(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    from: Option<Layout>,
    table: Option<&str>,
    opts: &Options,
) -> Result<AdoptReport> {
    locked(backend, opts, |backend| {
        let columns = columns(backend, table)?;
        let (tool, table) = choose(from, table, &columns, set, &backend.describe())?;
        let rows = read(backend, tool, &table)?;
        let history = backend.history()?;
        let recorded: HashSet<String> = history.iter().map(|h| h.id.clone()).collect();
        let migrations: Vec<&Migration> = set.iter().collect();
        let matching = match_rows(tool, &migrations, &rows, &recorded);
        let report = AdoptReport {
            database: backend.describe(),
            tool,
            table,
            dry_run: opts.dry_run,
            migrations: matching.entries,
            unmatched: matching.unmatched,
            refused: matching.refused,
        };
        if report.refused.is_empty() {
            let ids: Vec<String> = report.adopted().map(str::to_string).collect();
            record(backend, "adopt", set, &ids, &history, opts)?;
        }
        Ok(report)
    })
}

/// The tool to adopt from and its table: the one asked for (its table must exist), else the
/// only one whose table exists, else among several the folder's own layout.
fn choose(
    from: Option<Layout>,
    table: Option<&str>,
    columns: &Columns,
    set: &MigrationSet,
    database: &str,
) -> Result<(Layout, String)> {
    if let Some(tool) = from {
        let spec = table_of(tool).ok_or(AdoptError::NoHistoryFor { tool })?;
        let name = table.unwrap_or(spec.table);
        if !fits(spec, name, columns) {
            return Err(AdoptError::NoTable {
                database: database.to_string(),
                table: name.to_string(),
                tool,
                shape: match spec.marker {
                    Some((col, true)) => format!(", with a `{col}` column"),
                    Some((col, false)) => format!(", without a `{col}` column"),
                    None => String::new(),
                },
            }
            .into());
        }
        let stored = stored_name(columns, name).unwrap_or(name);
        return Ok((tool, stored.to_string()));
    }
    if let Some(name) = table {
        return Err(AdoptError::TableWithoutTool {
            table: name.to_string(),
        }
        .into());
    }
    let found = present(columns);
    let folder: HashSet<Layout> = set
        .iter()
        .filter_map(|m| m.origin.as_ref().map(|o| o.layout))
        .collect();
    let tool = match found.as_slice() {
        [] => Err(AdoptError::NoToolHistory {
            database: database.to_string(),
            tables: TOOL_TABLES.iter().map(|t| t.table.to_string()).collect(),
        }),
        [one] => Ok(*one),
        several => several
            .iter()
            .copied()
            .find(|t| folder.contains(t))
            .ok_or_else(|| AdoptError::SeveralTools {
                database: database.to_string(),
                tools: several.iter().map(|t| t.name().to_string()).collect(),
            }),
    }?;
    let name = table_of(tool).map_or("", |t| t.table);
    let stored = stored_name(columns, name).unwrap_or(name);
    Ok((tool, stored.to_string()))
}
