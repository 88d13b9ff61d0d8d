//! Rules for statements that destroy or rewrite data: `drop_table`, `drop_column`, `truncate`,
//! `delete_without_where`, `update_without_where`.

use super::super::sql::{self, ObjectName, ObjectType, TableFactor, TableWithJoins};
use super::{Harmless, LintFinding, Rule, RuleContext, Severity, alter_ops, names};
use crate::error::Direction;

/// `drop_table`: `DROP TABLE` of a table this migration did not create.
pub struct DropTable;

impl Rule for DropTable {
    fn id(&self) -> &'static str {
        "drop_table"
    }

    // Deny: the data is gone for good, and no `down` can bring it back.
    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn summary(&self) -> &'static str {
        "DROP TABLE of an existing table: its rows are lost for good"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, s) in ctx.up_statements() {
            let sql::Statement::Drop {
                object_type: ObjectType::Table,
                names: dropped,
                ..
            } = s
            else {
                continue;
            };
            let existing: Vec<ObjectName> = dropped
                .iter()
                .filter(|n| !ctx.creates_table(n))
                .cloned()
                .collect();
            if existing.is_empty() {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "DROP TABLE {} deletes the table and every row in it: no rollback brings the data back, and the release still running fails on the missing table",
                    names(&existing)
                ),
                "stop using the table in a release first and back it up (or rename it aside); then drop it with `allow: [{rule: drop_table, reason: ...}]`",
            ).about(&existing, Harmless::Empty));
        }
    }
}

/// `drop_column`: `ALTER TABLE ... DROP COLUMN` on an existing table.
pub struct DropColumn;

impl Rule for DropColumn {
    fn id(&self) -> &'static str {
        "drop_column"
    }

    // Deny: as with a table, the column's data is gone for good.
    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn summary(&self) -> &'static str {
        "ALTER TABLE ... DROP COLUMN on an existing table: the column's data is lost"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, alter, op) in alter_ops(ctx) {
            let sql::AlterTableOperation::DropColumn { column_names, .. } = op else {
                continue;
            };
            if ctx.creates_table(&alter.name) {
                continue;
            }
            let cols: Vec<String> = column_names.iter().map(|c| c.value.clone()).collect();
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "dropping column {} of {} deletes its data for good, and the release still running fails where it reads or writes the column",
                    cols.join(", "),
                    alter.name
                ),
                "stop reading and writing the column in a release first, then drop it in a later migration with `allow: [{rule: drop_column, reason: ...}]`",
            ).about([&alter.name], Harmless::Empty));
        }
    }
}

/// `truncate`: `TRUNCATE` of an existing table.
pub struct Truncate;

impl Rule for Truncate {
    fn id(&self) -> &'static str {
        "truncate"
    }

    // Deny: every row goes, in one statement that no rollback reverses.
    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn summary(&self) -> &'static str {
        "TRUNCATE: every row of the table is deleted"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, s) in ctx.up_statements() {
            let sql::Statement::Truncate(t) = s else {
                continue;
            };
            let existing: Vec<ObjectName> = t
                .table_names
                .iter()
                .map(|t| t.name.clone())
                .filter(|n| !ctx.creates_table(n))
                .collect();
            if existing.is_empty() {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "TRUNCATE {} deletes every row, and a migration's rollback cannot restore them",
                    names(&existing)
                ),
                "delete only the rows meant with DELETE ... WHERE; to empty the table on purpose, add `allow: [{rule: truncate, reason: ...}]`",
            ).about(&existing, Harmless::Empty));
        }
    }
}

/// `delete_without_where`: `DELETE` with no `WHERE` on an existing table.
pub struct DeleteWithoutWhere;

impl Rule for DeleteWithoutWhere {
    fn id(&self) -> &'static str {
        "delete_without_where"
    }

    // Deny: in a migration this is nearly always a forgotten WHERE, and it empties the table.
    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn summary(&self) -> &'static str {
        "DELETE without WHERE: every row of the table is deleted"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, s) in ctx.up_statements() {
            let sql::Statement::Delete(d) = s else {
                continue;
            };
            if d.selection.is_some() {
                continue;
            }
            let from = match &d.from {
                sql::FromTable::WithFromKeyword(t) | sql::FromTable::WithoutKeyword(t) => t,
            };
            let tables: Vec<&ObjectName> = d
                .tables
                .iter()
                .chain(from.iter().filter_map(relation))
                .collect();
            if !tables.is_empty() && tables.iter().all(|t| ctx.creates_table(t)) {
                continue;
            }
            let shown: Vec<ObjectName> = tables.into_iter().cloned().collect();
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "DELETE without WHERE deletes every row of {}",
                    names(&shown)
                ),
                "add a WHERE clause that selects only the rows meant; to empty the table on purpose, add `allow: [{rule: delete_without_where, reason: ...}]`",
            ).about(&shown, Harmless::Empty));
        }
    }
}

/// `update_without_where`: `UPDATE` with no `WHERE` on an existing table.
pub struct UpdateWithoutWhere;

impl Rule for UpdateWithoutWhere {
    fn id(&self) -> &'static str {
        "update_without_where"
    }

    // Warn: a whole-table backfill is often meant; the risk is its lock time on a big table.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "UPDATE without WHERE: every row is rewritten in one transaction"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, s) in ctx.up_statements() {
            let sql::Statement::Update(u) = s else {
                continue;
            };
            if u.selection.is_some() {
                continue;
            }
            let Some(table) = relation(&u.table) else {
                continue;
            };
            if ctx.creates_table(table) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "UPDATE without WHERE rewrites every row of {table} in one transaction, locking them all until it commits (and, if the WHERE was forgotten, overwriting data for good)"
                ),
                "add a WHERE clause; for a deliberate backfill of a large table, update in batches outside the schema migration",
            ).about([table], Harmless::Empty));
        }
    }
}

/// The table a FROM item names, when it is a plain table.
fn relation(t: &TableWithJoins) -> Option<&ObjectName> {
    match &t.relation {
        TableFactor::Table { name, .. } => Some(name),
        _ => None,
    }
}
