//! `stamp` (record a migration and its ancestors as applied) and `baseline` (adopt a schema
//! that exists without any history), neither running SQL.

use serde::Serialize;

use super::AdoptError;
use super::record::{locked, record, with_ancestors};
use crate::driver::Driver;
use crate::error::Result;
use crate::load::MigrationSet;
use crate::plan::UpTarget;
use crate::protocol::Migrate;
use crate::run::{Options, up};
use crate::schema::{Difference, diff};
use crate::tool_tables::TOOL_TABLES;

/// What `stamp` or `baseline` recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StampReport {
    /// The database (password removed).
    pub database: String,
    /// Whether nothing was recorded on purpose.
    pub dry_run: bool,
    /// Recorded as applied (or, in a dry run, would be), in apply order.
    pub stamped: Vec<String>,
    /// Already in the history, left alone.
    pub already_recorded: Vec<String>,
    /// `baseline` only: whether the live schema was compared with the migrations' replay.
    pub schema_checked: bool,
    /// `baseline` only: how the live schema differs from the replay (nothing is recorded
    /// when there is any difference).
    pub differences: Vec<Difference>,
}

/// Records `id` and its ancestors as applied without running their SQL (those already
/// recorded are left alone): for changes made by hand or by another process.
pub fn stamp(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    id: &str,
    opts: &Options,
) -> Result<StampReport> {
    let ids = with_ancestors(set, id)?;
    stamp_ids(backend, set, ids, opts)
}

/// Records every migration of `set` as applied without running its SQL (Alembic's `stamp
/// head`): those already recorded are left alone.
pub fn stamp_all(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    opts: &Options,
) -> Result<StampReport> {
    let ids = set.iter().map(|m| m.id.clone()).collect();
    stamp_ids(backend, set, ids, opts)
}

fn stamp_ids(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    ids: Vec<String>,
    opts: &Options,
) -> Result<StampReport> {
    locked(backend, opts, |backend| {
        let history = backend.history()?;
        let (already, todo): (Vec<String>, Vec<String>) = ids
            .into_iter()
            .partition(|id| history.iter().any(|h| &h.id == id));
        record(backend, "stamp", set, &todo, &history, opts)?;
        Ok(StampReport {
            database: backend.describe(),
            dry_run: opts.dry_run,
            stamped: todo,
            already_recorded: already,
            schema_checked: false,
            differences: Vec::new(),
        })
    })
}

/// Adopts a database whose schema exists but that has no history at all: records every
/// migration (or `to` and its ancestors) as applied. With a `scratch` database, it first
/// replays those migrations there and compares the result with the live schema (other tools'
/// history tables left out); on any difference nothing is recorded and the report lists them.
/// Without one (`--force`), the schema is not compared. Refused when Cairn's history is not
/// empty (`stamp` is for that).
pub fn baseline(
    backend: &mut dyn Driver,
    set: &MigrationSet,
    to: Option<&str>,
    scratch: Option<Box<dyn Driver>>,
    opts: &Options,
) -> Result<StampReport> {
    let ids = match to {
        Some(id) => with_ancestors(set, id)?,
        None => set.iter().map(|m| m.id.clone()).collect(),
    };
    locked(backend, opts, |backend| {
        let history = backend.history()?;
        if !history.is_empty() {
            return Err(AdoptError::HasHistory {
                database: backend.describe(),
                rows: history.len(),
            }
            .into());
        }
        let checked = scratch.is_some();
        let differences = match scratch {
            Some(mut scratch) => compare(backend, set, to, scratch.as_mut())?,
            None => Vec::new(),
        };
        let stamped = if differences.is_empty() {
            record(backend, "baseline", set, &ids, &history, opts)?;
            ids
        } else {
            Vec::new()
        };
        Ok(StampReport {
            database: backend.describe(),
            dry_run: opts.dry_run,
            stamped,
            already_recorded: Vec::new(),
            schema_checked: checked,
            differences,
        })
    })
}

/// Differences from the replay of the baselined migrations to the live schema, other tools'
/// history tables left out (they are expected in a database being taken over).
fn compare(
    live: &mut dyn Driver,
    set: &MigrationSet,
    to: Option<&str>,
    scratch: &mut dyn Driver,
) -> Result<Vec<Difference>> {
    crate::scratch::refuse_non_empty(scratch)?;
    let target = to.map_or(UpTarget::All, |id| UpTarget::To(id.to_string()));
    up(scratch, set, &target, &Options::default(), &mut |_| {})?;
    let want = scratch.as_introspect()?.introspect()?;
    let have = live.as_introspect()?.introspect()?;
    Ok(diff(&want, &have, live.dialect())
        .into_iter()
        .filter(|d| !TOOL_TABLES.iter().any(|t| t.table == d.table()))
        .collect())
}
