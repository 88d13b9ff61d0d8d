//! Writing history rows without running SQL, under the migration lock: what `adopt`, `stamp`
//! and `baseline` share.

use crate::driver::Driver;
use crate::error::{Error, Result};
use crate::history::AppliedMigration;
use crate::load::MigrationSet;
use crate::protocol::Migrate;
pub(crate) use crate::run::locked;
use crate::run::{Audit, Options, record_for};

/// Records `ids` (in this order) as applied after the last row of `history`, each with its
/// file's checksum, SQL and dependencies, and runs none of their SQL. Nothing in a dry run.
pub(crate) fn record(
    backend: &mut dyn Driver,
    action: &'static str,
    set: &MigrationSet,
    ids: &[String],
    history: &[AppliedMigration],
    opts: &Options,
) -> Result<()> {
    if opts.dry_run {
        return Ok(());
    }
    let mut rank = history.iter().map(|h| h.rank).max().unwrap_or(0);
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let m = set
            .get(id)
            .ok_or_else(|| Error::UnknownMigration(id.clone()))?;
        rank += 1;
        rows.push(record_for(m, opts, rank));
    }
    // One batch: a few round trips whatever the number of rows, and all or nothing.
    backend.record_applied(&rows)?;
    let mut audit = Audit::new(action, opts);
    for id in ids {
        audit.push(
            Some(id),
            "ok",
            Some("recorded as applied without running its SQL".into()),
        );
    }
    Ok(audit.write(backend)?)
}

/// `id` and every migration it depends on, directly or not, in apply order.
pub(crate) fn with_ancestors(set: &MigrationSet, id: &str) -> Result<Vec<String>> {
    if set.get(id).is_none() {
        return Err(Error::UnknownMigration(id.to_string()));
    }
    let ancestors = set.graph().ancestors(id);
    Ok(set
        .iter()
        .filter(|m| m.id == id || ancestors.contains(m.id.as_str()))
        .map(|m| m.id.clone())
        .collect())
}
