//! The engine's rules. Each says in its message why the statement is risky and in its help what
//! to do instead.

mod data;
mod down;
mod online;

use super::sql::{self, ObjectName};
use super::{Harmless, LintFinding, Rule, RuleContext, Severity};
use crate::error::Direction;

pub use data::{DeleteWithoutWhere, DropColumn, DropTable, Truncate, UpdateWithoutWhere};
pub use down::{DownMismatch, DownMissing};
pub use online::{
    AddColumnNotNullWithoutDefault, AddForeignKeyWithoutNotValid, AlterColumnType,
    CreateIndexWithoutConcurrently, RenameColumn, RenameTable,
};

/// The engine's rules, in the order they run: `syntax` first, then the safety rules.
pub fn builtin_rules() -> Vec<Box<dyn Rule>> {
    vec![
        Box::new(Syntax),
        Box::new(DropTable),
        Box::new(DropColumn),
        Box::new(Truncate),
        Box::new(DeleteWithoutWhere),
        Box::new(UpdateWithoutWhere),
        Box::new(AlterColumnType),
        Box::new(AddColumnNotNullWithoutDefault),
        Box::new(CreateIndexWithoutConcurrently),
        Box::new(RenameTable),
        Box::new(RenameColumn),
        Box::new(AddForeignKeyWithoutNotValid),
        Box::new(DownMissing),
        Box::new(DownMismatch),
    ]
}

/// `syntax`: a statement sqlparser cannot parse for the dialect.
pub struct Syntax;

impl Rule for Syntax {
    fn id(&self) -> &'static str {
        "syntax"
    }

    // Info, never an error by default: sqlparser lacks some vendor syntax servers accept, so a
    // refusal may be the parser's gap, and the server has the last word. Teams that write
    // portable SQL only can make it `warn` or `deny` in cairn.toml.
    fn severity(&self) -> Severity {
        Severity::Info
    }

    fn summary(&self) -> &'static str {
        "a statement sqlparser cannot parse for the dialect (not checked by the other rules)"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        let scripts = [
            (Direction::Up, Some(ctx.up())),
            (Direction::Down, ctx.down()),
        ];
        for (direction, parsed) in scripts {
            for (i, p) in parsed.unwrap_or_default().iter().enumerate() {
                let Some(e) = &p.error else { continue };
                let inside = (e.line > 0).then_some((e.line, e.column));
                out.push(ctx.finding_inside(
                    self,
                    direction,
                    i,
                    inside,
                    format!(
                        "not checked: sqlparser cannot parse this statement for {} ({}); no safety rule looked at it",
                        ctx.dialect(),
                        e.message
                    ),
                    "fix the syntax; if the database accepts it (vendor syntax sqlparser lacks), add `allow: [{rule: syntax, reason: ...}]`",
                ));
            }
        }
    }
}

/// Names as written, for messages.
fn names(list: &[ObjectName]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each (statement index, ALTER TABLE, operation) of the up SQL.
pub(super) fn alter_ops<'c>(
    ctx: &'c RuleContext<'_>,
) -> impl Iterator<Item = (usize, &'c sql::AlterTable, &'c sql::AlterTableOperation)> + 'c {
    ctx.up_statements().flat_map(|(i, s)| match s {
        sql::Statement::AlterTable(a) => a.operations.iter().map(|op| (i, a, op)).collect(),
        _ => Vec::new(),
    })
}
