//! Rules about the rollback: `down_missing`, `down_mismatch`.

use std::collections::HashSet;

use super::super::sql::{self, AlterTableOperation as Op, ObjectType};
use super::super::table_key;
use super::{LintFinding, Rule, RuleContext, Severity};
use crate::error::Direction;

/// `down_missing`: the migration has no `down`.
pub struct DownMissing;

impl Rule for DownMissing {
    fn id(&self) -> &'static str {
        "down_missing"
    }

    // Warn: applying is no riskier for it, but a bad deploy cannot be rolled back.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "no `down`: the migration cannot be rolled back"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        if ctx.down().is_some() {
            return;
        }
        out.push(ctx.finding_for_script(
            self,
            Direction::Up,
            "this migration has no `down`: `migrate down` cannot roll it back when a release goes wrong",
            "write a `down` that reverts the `up` (or use `changes`, whose rollback is derived); if it truly cannot be reverted, add `allow: [{rule: down_missing, reason: ...}]`",
        ));
    }
}

/// `down_mismatch`: a written `down` that does not reverse the `up`: it leaves behind a table,
/// index or column the `up` creates, or drops one the `up` did not create.
pub struct DownMismatch;

impl Rule for DownMismatch {
    fn id(&self) -> &'static str {
        "down_mismatch"
    }

    // Warn: the comparison only sees tables, indexes and columns by name.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "`down` does not reverse `up` (leaves created objects, or drops others)"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        let Some(down) = ctx.down() else { return };
        // A derived rollback is the exact reverse by construction; and a statement the parser
        // could not read may create or drop anything, so say nothing rather than guess.
        if ctx.migration().down_derived || ctx.up().iter().chain(down).any(|p| p.error.is_some()) {
            return;
        }
        let up = Objects::of(ctx.up_statements(), Kind::Created);
        let back = Objects::of(ctx.down_statements(), Kind::Dropped);
        let dropped_table = |t: &str| back.tables.iter().any(|(_, n, _)| n == t);

        let mut push = |direction, i, message: String, help: &str| {
            out.push(ctx.finding(self, direction, i, message, help));
        };
        let leave = "make `down` drop what `up` creates, in reverse order";
        for (i, t, shown) in &up.tables {
            if !dropped_table(t) {
                push(
                    Direction::Up,
                    *i,
                    format!(
                        "`up` creates table {shown}, but `down` does not drop it: after a rollback it stays, and applying again fails"
                    ),
                    leave,
                );
            }
        }
        for (i, idx, table) in &up.indexes {
            let gone = back.indexes.iter().any(|(_, n, _)| n == idx) || dropped_table(table);
            if !gone {
                push(
                    Direction::Up,
                    *i,
                    format!(
                        "`up` creates index {idx}, but `down` does not drop it (nor its table)"
                    ),
                    leave,
                );
            }
        }
        for (i, table, col) in &up.columns {
            let gone =
                back.columns.iter().any(|(_, t, c)| t == table && c == col) || dropped_table(table);
            if !gone {
                push(
                    Direction::Up,
                    *i,
                    format!("`up` adds column {table}.{col}, but `down` does not drop it"),
                    leave,
                );
            }
        }
        let only = "`down` should drop only what `up` creates; anything else existed before this migration and holds data";
        for (i, t, shown) in &back.tables {
            if !up.tables.iter().any(|(_, n, _)| n == t) {
                push(
                    Direction::Down,
                    *i,
                    format!(
                        "`down` drops table {shown}, which `up` does not create: a rollback would delete a table (and its rows) that existed before"
                    ),
                    only,
                );
            }
        }
        for (i, table, col) in &back.columns {
            let added = up.columns.iter().any(|(_, t, c)| t == table && c == col);
            if !added && !up.tables.iter().any(|(_, n, _)| n == table) {
                push(
                    Direction::Down,
                    *i,
                    format!(
                        "`down` drops column {table}.{col}, which `up` does not add: a rollback would delete data that existed before"
                    ),
                    only,
                );
            }
        }
    }
}

/// Which objects of a script to collect.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Created,
    Dropped,
}

/// Tables, indexes and columns a script creates (or drops), by statement index.
#[derive(Default)]
struct Objects {
    /// (statement, key, name as written)
    tables: Vec<(usize, String, String)>,
    /// (statement, index key, table key)
    indexes: Vec<(usize, String, String)>,
    /// (statement, table key, column key)
    columns: Vec<(usize, String, String)>,
}

impl Objects {
    /// What `statements` create, or drop.
    fn of<'s>(
        statements: impl Iterator<Item = (usize, &'s sql::Statement)>,
        kind: Kind,
    ) -> Objects {
        let mut o = Objects::default();
        let mut seen = HashSet::new();
        let created = kind == Kind::Created;
        for (i, s) in statements {
            match s {
                sql::Statement::CreateTable(t) if created => {
                    o.tables.push((i, table_key(&t.name), t.name.to_string()));
                }
                sql::Statement::CreateIndex(ci) if created => {
                    if let Some(name) = &ci.name {
                        o.indexes
                            .push((i, table_key(name), table_key(&ci.table_name)));
                    }
                }
                sql::Statement::Drop {
                    object_type, names, ..
                } if !created => {
                    for n in names {
                        match object_type {
                            ObjectType::Table => o.tables.push((i, table_key(n), n.to_string())),
                            ObjectType::Index => {
                                o.indexes.push((i, table_key(n), String::new()));
                            }
                            _ => {}
                        }
                    }
                }
                sql::Statement::AlterTable(a) => {
                    let table = table_key(&a.name);
                    for op in &a.operations {
                        let cols: Vec<String> = match op {
                            Op::AddColumn { column_def, .. } if created => {
                                vec![column_def.name.value.to_lowercase()]
                            }
                            Op::DropColumn { column_names, .. } if !created => column_names
                                .iter()
                                .map(|c| c.value.to_lowercase())
                                .collect(),
                            _ => Vec::new(),
                        };
                        for c in cols {
                            if seen.insert((table.clone(), c.clone())) {
                                o.columns.push((i, table.clone(), c));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        o
    }
}
