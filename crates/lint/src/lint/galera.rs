//! `galera_toi_rewrite`: on a Galera cluster, DDL runs in total-order isolation (TOI, the
//! default `wsrep_OSU_method`): every node executes it at the same point of the replication
//! order, and every write ordered after it, on every node, waits until it is done. An `ALTER
//! TABLE` that rebuilds or re-indexes an existing table therefore stalls writes cluster-wide
//! for as long as the rebuild takes, which grows with the table.
//!
//! The rule is not among the built-in rules: only the target says whether it applies, and
//! lint needs no database. `migrate lint` runs it when the migrations are MySQL's, the
//! dialect comes from the database URL, the rule finds a rewrite, and the database turns out
//! to be a Galera node ([`cluster_size`], one query); then [`judge_sizes`] states each table's
//! size (one query for all tables) and drops findings about tables that do not exist yet.

use super::sql::{AlterColumnOperation, AlterTableOperation as Op, TableConstraint};
use super::{Harmless, LintReport, Linter, Policy, Rule, RuleContext, Severity};
use crate::Dialect;
use crate::driver::Driver;
use crate::driver::StorageSizes;
use crate::driver::cells::{number_cell, text_cell};
use crate::error::{BackendError, Direction};
use crate::load::MigrationSet;

/// The rule's id.
pub const RULE: &str = "galera_toi_rewrite";

/// `galera_toi_rewrite`: an `ALTER TABLE` that rebuilds or re-indexes an existing table.
pub struct GaleraTableRewrite;

impl Rule for GaleraTableRewrite {
    fn id(&self) -> &'static str {
        RULE
    }

    // Warn: the stall is the cost of the change, not a loss; its size decides.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "on a Galera cluster, an ALTER TABLE that rebuilds or re-indexes a table stalls writes on every node (TOI)"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<super::LintFinding>) {
        if ctx.dialect() != Dialect::Mysql {
            return;
        }
        for (i, alter, op) in super::rules::alter_ops(ctx) {
            let what = match op {
                Op::ModifyColumn { .. } | Op::ChangeColumn { .. } => "changes a column",
                Op::AlterColumn {
                    op: AlterColumnOperation::SetDataType { .. },
                    ..
                } => "changes a column's type",
                Op::DropPrimaryKey { .. } => "drops the primary key",
                Op::AddConstraint {
                    constraint: TableConstraint::PrimaryKey(_),
                    ..
                } => "adds a primary key",
                Op::AddConstraint {
                    constraint: TableConstraint::Unique(_) | TableConstraint::Index(_),
                    ..
                } => "builds an index",
                _ => continue,
            };
            if ctx.creates_table(&alter.name) {
                continue;
            }
            out.push(
                ctx.finding(
                    self,
                    Direction::Up,
                    i,
                    format!(
                        "this ALTER TABLE {what} of {}, which rebuilds or scans the table; on a Galera cluster it runs in total order (TOI), so writes on every node wait until it is done",
                        alter.name
                    ),
                    "run it at a quiet time, or apply it node by node in RSU (rolling schema upgrade; see docs/lint.md) outside Cairn; on a small table, add `allow: [{rule: galera_toi_rewrite, reason: ...}]`",
                )
                .about([&alter.name], Harmless::Empty),
            );
        }
    }
}

/// Lints `set` with this rule alone, under `policy` (which may turn it off or change its
/// severity, and whose `allow` entries apply).
pub fn rewrites(set: &MigrationSet, policy: &Policy) -> LintReport {
    Linter::empty()
        .with_rule(Box::new(GaleraTableRewrite))
        .lint(set.iter(), set.dialect(), policy)
}

/// The number of nodes of the Galera cluster `db` is a node of; `None` when it is not one
/// (no `wsrep_cluster_size`, or 0: MySQL, or MariaDB without Galera). One query.
pub fn cluster_size(db: &mut dyn Driver) -> Result<Option<u64>, BackendError> {
    if db.dialect() != Dialect::Mysql {
        return Ok(None);
    }
    let rows = db.query("SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'")?;
    Ok(rows
        .first()
        .filter(|r| text_cell(r, 0).eq_ignore_ascii_case("wsrep_cluster_size"))
        .and_then(|r| number_cell::<u64>(r, 1))
        .filter(|n| *n > 0))
}

/// Adds each table's size to the findings about it; a table that does not exist yet (the
/// migrations create it) is small when rewritten: its finding is dropped.
pub fn judge_sizes(report: &mut LintReport, sizes: &StorageSizes) {
    report.findings.retain_mut(|f| {
        let Some(target) = &f.target else {
            return true;
        };
        let found: Vec<_> = sizes
            .tables
            .iter()
            .filter(|t| target.tables.contains(&t.table.to_lowercase()))
            .collect();
        if found.is_empty() && !target.tables.is_empty() {
            return false;
        }
        for t in found {
            f.message.push_str(&format!(
                " ({} holds about {} now)",
                t.table,
                bytes(t.bytes)
            ));
        }
        true
    });
}

/// `bytes` for people: `16 KB`, `3.2 MB`, `1.1 GB`.
fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.0} KB", (n / 1e3).max(1.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::TableSize;
    use crate::source::SourceFile;

    fn set(up: &str) -> MigrationSet {
        let files = vec![SourceFile {
            path: "m.yaml".into(),
            default_id: "m".into(),
            text: format!("up: |\n  {up}\n"),
        }];
        cairn_load::load_files(files, Dialect::Mysql).unwrap()
    }

    #[test]
    fn rebuilds_of_existing_tables_are_found_and_sized() {
        let mut report = rewrites(
            &set(
                "ALTER TABLE orders MODIFY total BIGINT; ALTER TABLE orders ADD INDEX o_total (total); ALTER TABLE later ADD PRIMARY KEY (id); ALTER TABLE orders ADD COLUMN note TEXT; CREATE TABLE fresh (id INT); ALTER TABLE fresh ADD INDEX f (id);",
            ),
            &Policy::default(),
        );
        let rules: Vec<_> = report.findings.iter().map(|f| f.statement).collect();
        assert_eq!(rules, [Some(1), Some(2), Some(3)], "{report:#?}");
        let sizes = StorageSizes {
            database_bytes: 0,
            tables: vec![TableSize {
                table: "orders".into(),
                bytes: 3_200_000,
            }],
        };
        judge_sizes(&mut report, &sizes);
        assert_eq!(report.findings.len(), 2, "`later` does not exist yet");
        assert!(
            report.findings[0]
                .message
                .ends_with("(orders holds about 3.2 MB now)")
        );
        assert_eq!(report.findings[0].severity, Severity::Warn);
        assert_eq!(bytes(16_384), "16 KB");
    }

    #[test]
    fn the_policy_may_name_it_and_turn_it_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cairn.toml");
        std::fs::write(&path, "[lint]\ngalera_toi_rewrite = \"off\"\n").unwrap();
        let policy = Policy::load(&path).unwrap();
        Linter::new().check_policy(&policy).unwrap();
        assert!(
            rewrites(&set("ALTER TABLE t MODIFY c BIGINT;"), &policy)
                .findings
                .is_empty()
        );
    }
}
