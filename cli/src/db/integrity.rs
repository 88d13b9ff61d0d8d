//! `migrate up|down --check`: the database's own integrity check and its foreign keys, before
//! the run (under its lock: a database that fails them is not migrated) and after it (a run
//! that leaves the database failing them exits 1).

use cairn::Driver;
use clap::Args;

/// `--check` of `migrate up`/`down`.
#[derive(Debug, Clone, Copy, Args)]
pub struct IntegrityGate {
    /// Run the database's integrity and foreign-key checks before the run (refusing to start
    /// on a database that fails them) and after it (exit 1 if it fails them then).
    #[arg(long)]
    pub check: bool,
}

/// What the integrity check (SQLite `PRAGMA integrity_check`, PostgreSQL invalid indexes,
/// MySQL `CHECK TABLE`) and the foreign-key check find in `db`, one line each; empty when
/// it passes.
pub fn problems(db: &mut dyn Driver) -> cairn::Result<Vec<String>> {
    let maintain = db.as_maintain()?;
    let mut found = maintain.integrity_check()?;
    for v in maintain.foreign_key_violations()? {
        let key = v
            .constraint
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        found.push(format!(
            "{} row(s) of {}{key} reference missing rows of {}",
            v.rows, v.table, v.references
        ));
    }
    Ok(found)
}

/// Refuses the run when `db` fails its checks: nothing has run yet.
pub fn before(db: &mut dyn Driver) -> cairn::Result<()> {
    let found = problems(db)?;
    if found.is_empty() {
        return Ok(());
    }
    Err(cairn::Error::Backend(cairn::BackendError::Other(format!(
        "--check: {} fails its integrity checks, so nothing was run ({}):\n  {}\nrepair the database (`db health` shows the same), or run without --check",
        db.describe(),
        plural(found.len()),
        found.join("\n  ")
    ))))
}

/// `N problem(s)`.
pub fn plural(n: usize) -> String {
    format!("{n} problem{}", if n == 1 { "" } else { "s" })
}
