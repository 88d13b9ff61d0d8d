//! Rules for schema changes that lock or rewrite a live table, or break the release still
//! running during a deploy: `alter_column_type`, `add_column_not_null_without_default`,
//! `create_index_without_concurrently`, `rename_table`, `rename_column`,
//! `add_foreign_key_without_not_valid`.

use super::super::sql::{self, AlterTableOperation as Op, ColumnOption, TableConstraint};
use super::{Harmless, LintFinding, Rule, RuleContext, Severity, alter_ops};
use crate::Dialect;
use crate::error::Direction;

/// `alter_column_type`: a column of an existing table changes type.
pub struct AlterColumnType;

impl Rule for AlterColumnType {
    fn id(&self) -> &'static str {
        "alter_column_type"
    }

    // Warn: often fine on small tables; the cost depends on the table's size and the types.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "a column changes type: a table rewrite under lock, and narrowing fails or truncates"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, alter, op) in alter_ops(ctx) {
            let (column, ty) = match op {
                Op::AlterColumn {
                    column_name,
                    op: sql::AlterColumnOperation::SetDataType { data_type, .. },
                } => (column_name, data_type),
                Op::ModifyColumn {
                    col_name,
                    data_type,
                    ..
                } => (col_name, data_type),
                Op::ChangeColumn {
                    old_name,
                    data_type,
                    ..
                } => (old_name, data_type),
                _ => continue,
            };
            if ctx.creates_table(&alter.name) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "changing {}.{column} to {ty} rewrites the table under an exclusive lock on PostgreSQL (unless the types are binary-compatible) and copies it on MySQL, blocking writes meanwhile; a narrowing type fails on, or truncates, values that do not fit",
                    alter.name
                ),
                "add a column of the new type, backfill it, move the code to it, then drop the old column; on a small table, add `allow: [{rule: alter_column_type, reason: ...}]`",
            ).about([&alter.name], Harmless::Empty));
        }
    }
}

/// `add_column_not_null_without_default`: `ADD COLUMN ... NOT NULL` with no `DEFAULT` on an
/// existing table.
pub struct AddColumnNotNullWithoutDefault;

impl Rule for AddColumnNotNullWithoutDefault {
    fn id(&self) -> &'static str {
        "add_column_not_null_without_default"
    }

    // Deny: it fails on any table with rows (PostgreSQL, SQLite) or silently fills them with
    // zero values (MySQL), and breaks the running release's INSERTs.
    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn summary(&self) -> &'static str {
        "ADD COLUMN ... NOT NULL without DEFAULT on an existing table"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, alter, op) in alter_ops(ctx) {
            let Op::AddColumn { column_def, .. } = op else {
                continue;
            };
            if ctx.creates_table(&alter.name) || !required_without_default(column_def) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "adding NOT NULL column {} without a DEFAULT to existing table {} fails when the table has rows (PostgreSQL, SQLite) or fills them with an implicit zero value (MySQL), and the running release's INSERTs, which do not name the column, fail",
                    column_def.name, alter.name
                ),
                "give the column a DEFAULT, or add it nullable, backfill it, and set NOT NULL in a later migration",
            ).about([&alter.name], Harmless::Empty));
        }
    }
}

/// Whether a new column must have a value but gets none from a default, identity or sequence.
fn required_without_default(c: &sql::ColumnDef) -> bool {
    let options = || c.options.iter().map(|o| &o.option);
    let required =
        options().any(|o| matches!(o, ColumnOption::NotNull | ColumnOption::PrimaryKey(_)));
    let filled = options().any(|o| match o {
        ColumnOption::Default(_)
        | ColumnOption::Generated { .. }
        | ColumnOption::Identity(_)
        | ColumnOption::Materialized(_) => true,
        // MySQL AUTO_INCREMENT, SQLite AUTOINCREMENT.
        ColumnOption::DialectSpecific(tokens) => tokens
            .iter()
            .any(|t| t.to_string().to_ascii_uppercase().contains("AUTO")),
        _ => false,
    });
    let serial = c
        .data_type
        .to_string()
        .to_ascii_lowercase()
        .contains("serial");
    required && !filled && !serial
}

/// `create_index_without_concurrently`: on PostgreSQL, `CREATE INDEX` on an existing table
/// without `CONCURRENTLY`.
pub struct CreateIndexWithoutConcurrently;

impl Rule for CreateIndexWithoutConcurrently {
    fn id(&self) -> &'static str {
        "create_index_without_concurrently"
    }

    // Warn: harmless on small tables, an outage on big ones; the team knows which it has.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "PostgreSQL: CREATE INDEX without CONCURRENTLY on an existing table blocks its writes"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        if ctx.dialect() != Dialect::Postgres {
            return;
        }
        for (i, s) in ctx.up_statements() {
            let sql::Statement::CreateIndex(ci) = s else {
                continue;
            };
            if ci.concurrently || ctx.creates_table(&ci.table_name) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "CREATE INDEX on existing table {} blocks every INSERT, UPDATE and DELETE on it until the index is built",
                    ci.table_name
                ),
                "use CREATE INDEX CONCURRENTLY, in a migration with `transaction: false` (it cannot run in a transaction)",
            ).about([&ci.table_name], Harmless::Empty));
        }
    }
}

/// `rename_table`: an existing table is renamed.
pub struct RenameTable;

impl Rule for RenameTable {
    fn id(&self) -> &'static str {
        "rename_table"
    }

    // Warn: safe when the application is stopped for the deploy, breaking otherwise.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "a table is renamed: the release still running queries the old name"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        let mut renames = Vec::new();
        for (i, alter, op) in alter_ops(ctx) {
            if let Op::RenameTable { table_name } = op {
                let to = match table_name {
                    sql::RenameTableNameKind::As(n) | sql::RenameTableNameKind::To(n) => n,
                };
                renames.push((i, alter.name.clone(), to.clone()));
            }
        }
        for (i, s) in ctx.up_statements() {
            if let sql::Statement::RenameTable(list) = s {
                for r in list {
                    renames.push((i, r.old_name.clone(), r.new_name.clone()));
                }
            }
        }
        for (i, from, to) in renames {
            if ctx.creates_table(&from) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "renaming table {from} to {to} breaks the release still running during the deploy, whose queries name {from}"
                ),
                "create the new table (or a view with the old name), move the code over, and drop the old name in a later migration",
            ).about([&from], Harmless::Absent));
        }
    }
}

/// `rename_column`: a column of an existing table is renamed.
pub struct RenameColumn;

impl Rule for RenameColumn {
    fn id(&self) -> &'static str {
        "rename_column"
    }

    // Warn: as for tables.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "a column is renamed: the release still running uses the old name"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, alter, op) in alter_ops(ctx) {
            let (from, to) = match op {
                Op::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => (old_column_name, new_column_name),
                Op::ChangeColumn {
                    old_name, new_name, ..
                } if !old_name.value.eq_ignore_ascii_case(&new_name.value) => (old_name, new_name),
                _ => continue,
            };
            if ctx.creates_table(&alter.name) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "renaming {}.{from} to {to} breaks the release still running during the deploy, which reads and writes {from}",
                    alter.name
                ),
                "add the new column, write both and backfill, move the reads over, then drop the old column in a later migration",
            ).about([&alter.name], Harmless::Absent));
        }
    }
}

/// `add_foreign_key_without_not_valid`: on PostgreSQL, a foreign key added to an existing
/// table without `NOT VALID`.
pub struct AddForeignKeyWithoutNotValid;

impl Rule for AddForeignKeyWithoutNotValid {
    fn id(&self) -> &'static str {
        "add_foreign_key_without_not_valid"
    }

    // Warn: the lock lasts as long as the scan, which only matters on big tables.
    fn severity(&self) -> Severity {
        Severity::Warn
    }

    fn summary(&self) -> &'static str {
        "PostgreSQL: ADD FOREIGN KEY without NOT VALID scans the table under a write-blocking lock"
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        if ctx.dialect() != Dialect::Postgres {
            return;
        }
        for (i, alter, op) in alter_ops(ctx) {
            let Op::AddConstraint {
                constraint: TableConstraint::ForeignKey(fk),
                not_valid: false,
            } = op
            else {
                continue;
            };
            if ctx.creates_table(&alter.name) {
                continue;
            }
            out.push(ctx.finding(
                self,
                Direction::Up,
                i,
                format!(
                    "adding a foreign key to existing table {} checks every row while holding a lock that blocks writes to {} and {}",
                    alter.name, alter.name, fk.foreign_table
                ),
                "add it with NOT VALID, then run ALTER TABLE ... VALIDATE CONSTRAINT in a later migration (which does not block writes)",
            ).about([&alter.name], Harmless::Empty));
        }
    }
}
