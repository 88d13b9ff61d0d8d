//! The migration check of [`super::health`]: the history, read once, against the files.

use serde::Serialize;

use crate::driver::Driver;
use crate::load::MigrationSet;
use crate::protocol::Migrate;
use crate::status::{MigrationState, status};

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

/// The history (read once) against `set`.
pub(super) fn migration_health(db: &mut dyn Driver, set: &MigrationSet) -> MigrationHealth {
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
