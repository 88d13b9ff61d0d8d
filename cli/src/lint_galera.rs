//! `migrate lint` on a Galera target: the one place lint looks at the database. Only when it
//! could matter: MySQL migrations, the dialect taken from the database URL (not `--dialect`),
//! and an `ALTER TABLE` that rebuilds or re-indexes an existing table
//! (`cairn::lint::galera`). Then one query says whether the target is a Galera node and one
//! more gives the tables' sizes. A database that cannot be reached is a note, not an error:
//! lint must keep working without one.

use cairn::lint::{LintFinding, Policy, galera};
use cairn::{Dialect, MigrationSet};

use crate::Context;

/// What the Galera check adds to a lint report: findings, and a line for the reader.
#[derive(Debug, Default)]
pub struct Check {
    /// `galera_toi_rewrite` findings about existing tables, each with the table's size.
    pub findings: Vec<LintFinding>,
    /// What was checked, or why it could not be.
    pub note: Option<String>,
}

/// Runs the check when `dialect` is MySQL and came from the database URL.
pub fn check(ctx: &Context, set: &MigrationSet, policy: &Policy, from_url: bool) -> Check {
    if !from_url || set.dialect() != Dialect::Mysql {
        return Check::default();
    }
    let mut report = galera::rewrites(set, policy);
    if report.findings.is_empty() {
        return Check::default();
    }
    let mut db = match ctx.connect() {
        Ok(db) => db,
        Err(e) => {
            return Check {
                findings: Vec::new(),
                note: Some(format!(
                    "not checked whether the database is a Galera cluster, where table rebuilds stall every node: {e:#}"
                )),
            };
        }
    };
    let nodes = match galera::cluster_size(db.as_mut()) {
        Ok(Some(nodes)) => nodes,
        Ok(None) => return Check::default(),
        Err(e) => {
            return Check {
                findings: Vec::new(),
                note: Some(format!(
                    "cannot tell whether the database is a Galera node: {e}"
                )),
            };
        }
    };
    let sizes = db.as_maintain().and_then(|m| m.table_sizes());
    let mut note = format!(
        "the database is a node of a {nodes}-node Galera cluster: DDL runs in total order (TOI) and stalls writes on every node while it runs"
    );
    match sizes {
        Ok(sizes) => galera::judge_sizes(&mut report, &sizes),
        Err(e) => note.push_str(&format!("; table sizes unknown: {e}")),
    }
    Check {
        findings: report.findings,
        note: Some(note),
    }
}
