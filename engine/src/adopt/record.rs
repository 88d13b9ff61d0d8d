//! Writing history rows without running SQL, under the migration lock: what `adopt`, `stamp`
//! and `baseline` share.

use crate::backend::{Backend, Step};
use crate::error::{Direction, Error, Result};
use crate::history::AppliedMigration;
use crate::load::MigrationSet;
use crate::run::{Options, record_for};

/// Runs `f` holding the migration lock with the history table present (no lock and no table
/// in a dry run, which changes nothing); the lock is released on every path.
pub(crate) fn locked<T>(
    backend: &mut dyn Backend,
    opts: &Options,
    f: impl FnOnce(&mut dyn Backend) -> Result<T>,
) -> Result<T> {
    if opts.dry_run {
        return f(backend);
    }
    backend.lock(opts.lock_timeout)?;
    let result = backend
        .ensure_history()
        .map_err(Error::from)
        .and_then(|()| f(backend));
    let released = backend.unlock();
    match (result, released) {
        (Ok(v), Ok(())) => Ok(v),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// Records `ids` (in this order) as applied after the last row of `history`, each with its
/// file's checksum, SQL and dependencies, and runs none of their SQL. Nothing in a dry run.
pub(crate) fn record(
    backend: &mut dyn Backend,
    set: &MigrationSet,
    ids: &[String],
    history: &[AppliedMigration],
    opts: &Options,
) -> Result<()> {
    if opts.dry_run {
        return Ok(());
    }
    let mut rank = history.iter().map(|h| h.rank).max().unwrap_or(0);
    for id in ids {
        let m = set
            .get(id)
            .ok_or_else(|| Error::UnknownMigration(id.clone()))?;
        rank += 1;
        let row = record_for(m, opts, rank);
        // No statements: the backend only inserts the history row.
        backend.execute(&Step::new(Direction::Up, &[], true, &row))?;
    }
    Ok(())
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
