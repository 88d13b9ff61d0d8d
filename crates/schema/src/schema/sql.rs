//! The statements that turn FROM into TO, in an order that never breaks a dependency:
//! foreign keys and indexes that go are dropped first, new tables are created in foreign-key
//! order, columns change, removed tables go (dependents first), and new indexes and foreign
//! keys come last. SQLite cannot alter a column or a constraint in place: those tables are
//! rebuilt with SQLite's documented procedure.

use std::collections::BTreeSet;

use super::ddl::{create_index, create_table, drop_index, fk_order, foreign_key, ident};
use super::diff::{Difference, diff};
use crate::Dialect;
use crate::schema_model::{Column, Schema, Table};

/// SQL that turns `from` into `to` on `dialect`.
pub fn migration_sql(from: &Schema, to: &Schema, dialect: Dialect) -> Result<Vec<String>, String> {
    let (from_c, to_c) = (from.canonical(dialect), to.canonical(dialect));
    let diffs = diff(from, to, dialect);
    let d = dialect;
    let rebuild: BTreeSet<&str> = if d == Dialect::Sqlite {
        diffs
            .iter()
            .filter(|x| needs_rebuild(x))
            .map(Difference::table)
            .collect()
    } else {
        BTreeSet::new()
    };
    let mut pre = Vec::new();
    let mut mid = Vec::new();
    let mut post = Vec::new();
    for x in diffs.iter().filter(|x| !rebuild.contains(x.table())) {
        match x {
            Difference::ForeignKeyRemoved { table, foreign_key } => pre.push(drop_constraint(
                table,
                foreign_key.name.as_deref(),
                "foreign key",
                d,
            )?),
            Difference::IndexRemoved { table, index } => {
                pre.push(drop_index(table, &index.name, d))
            }
            Difference::UniqueRemoved { table, unique } => {
                pre.push(drop_constraint(table, unique.name.as_deref(), "unique", d)?)
            }
            Difference::CheckRemoved { table, check } => {
                pre.push(drop_constraint(table, check.name.as_deref(), "check", d)?)
            }
            Difference::ColumnAdded { table, column } => mid.push(format!(
                "ALTER TABLE {} ADD COLUMN {}",
                ident(table, d),
                column_def(column, d)
            )),
            Difference::ColumnChanged { table, from, to } => {
                mid.extend(alter_column(table, from, to, d))
            }
            Difference::ColumnRemoved { table, column } => mid.push(format!(
                "ALTER TABLE {} DROP COLUMN {}",
                ident(table, d),
                ident(&column.name, d)
            )),
            Difference::PrimaryKeyChanged { table, .. } => {
                return Err(format!(
                    "the primary key of {table} changed: write that migration by hand"
                ));
            }
            Difference::IndexAdded { table, index } => post.push(create_index(table, index, d)?),
            Difference::UniqueAdded { table, unique } => post.push(format!(
                "ALTER TABLE {} ADD {}UNIQUE ({})",
                ident(table, d),
                unique
                    .name
                    .as_ref()
                    .map(|n| format!("CONSTRAINT {} ", ident(n, d)))
                    .unwrap_or_default(),
                unique
                    .columns
                    .iter()
                    .map(|c| ident(c, d))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Difference::ForeignKeyAdded {
                table,
                foreign_key: f,
            } => post.push(format!(
                "ALTER TABLE {} ADD {}",
                ident(table, d),
                foreign_key(f, d)
            )),
            Difference::CheckAdded { table, check } => post.push(format!(
                "ALTER TABLE {} ADD {}CHECK ({})",
                ident(table, d),
                check
                    .name
                    .as_ref()
                    .map(|n| format!("CONSTRAINT {} ", ident(n, d)))
                    .unwrap_or_default(),
                check.expression
            )),
            Difference::TableAdded { .. } | Difference::TableRemoved { .. } => {}
        }
    }
    let added = Schema {
        tables: diffs
            .iter()
            .filter_map(|x| {
                if let Difference::TableAdded { table } = x {
                    Some(table.clone())
                } else {
                    None
                }
            })
            .collect(),
    };
    let mut creates = Vec::new();
    for t in fk_order(&added) {
        creates.push(create_table(t, d));
        for i in &t.indexes {
            creates.push(create_index(&t.name, i, d)?);
        }
    }
    let removed = Schema {
        tables: diffs
            .iter()
            .filter_map(|x| {
                if let Difference::TableRemoved { table } = x {
                    Some(table.clone())
                } else {
                    None
                }
            })
            .collect(),
    };
    let drops: Vec<String> = fk_order(&removed)
        .iter()
        .rev()
        .map(|t| format!("DROP TABLE {}", ident(&t.name, d)))
        .collect();
    let mut rebuilds = Vec::new();
    for name in &rebuild {
        if let (Some(old), Some(new)) = (from_c.table(name), to_c.table(name)) {
            rebuilds.extend(sqlite_rebuild(old, new)?);
        }
    }
    Ok([pre, creates, mid, rebuilds, drops, post].concat())
}

/// Changes SQLite's ALTER TABLE cannot make.
fn needs_rebuild(x: &Difference) -> bool {
    !matches!(
        x,
        Difference::TableAdded { .. }
            | Difference::TableRemoved { .. }
            | Difference::ColumnAdded { .. }
            | Difference::ColumnRemoved { .. }
            | Difference::IndexAdded { .. }
            | Difference::IndexRemoved { .. }
    )
}

fn column_def(c: &Column, d: Dialect) -> String {
    let table = Table {
        name: String::new(),
        columns: vec![c.clone()],
        ..Table::default()
    };
    let ddl = create_table(&table, d);
    ddl.lines().nth(1).unwrap_or_default().trim().to_string()
}

fn drop_constraint(
    table: &str,
    name: Option<&str>,
    what: &str,
    d: Dialect,
) -> Result<String, String> {
    let name = name.ok_or_else(|| {
        format!("a {what} constraint on {table} has no name, so it cannot be dropped by name")
    })?;
    Ok(match (d, what) {
        (Dialect::Mysql, "foreign key") => format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}",
            ident(table, d),
            ident(name, d)
        ),
        (Dialect::Mysql, "unique") => format!(
            "ALTER TABLE {} DROP INDEX {}",
            ident(table, d),
            ident(name, d)
        ),
        _ => format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            ident(table, d),
            ident(name, d)
        ),
    })
}

fn alter_column(table: &str, from: &Column, to: &Column, d: Dialect) -> Vec<String> {
    let t = ident(table, d);
    let c = ident(&to.name, d);
    if d == Dialect::Mysql {
        return vec![format!(
            "ALTER TABLE {t} MODIFY COLUMN {}",
            column_def(to, d)
        )];
    }
    let mut out = Vec::new();
    if from.ty != to.ty {
        out.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {}",
            to.ty.sql(d)
        ));
    }
    if from.nullable != to.nullable {
        out.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} {} NOT NULL",
            if to.nullable { "DROP" } else { "SET" }
        ));
    }
    if from.default != to.default {
        out.push(match &to.default {
            Some(v) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}", v.sql(d)),
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
        });
    }
    if from.identity != to.identity {
        out.push(if to.identity {
            format!("ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY")
        } else {
            format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY")
        });
    }
    out
}

/// SQLite's table rebuild (its ALTER TABLE documentation, "making other kinds of table schema
/// changes"): create the new shape under a temporary name, copy the common columns, drop the
/// old table, rename, recreate the indexes. Foreign key enforcement must be off while it runs
/// (outside a transaction), or dropping a referenced table would cascade into its children.
pub fn sqlite_rebuild(old: &Table, new: &Table) -> Result<Vec<String>, String> {
    let d = Dialect::Sqlite;
    let tmp = format!("_cairn_new_{}", new.name);
    let mut shape = new.clone();
    shape.name = tmp.clone();
    let common: Vec<String> = new
        .columns
        .iter()
        .filter(|c| old.column(&c.name).is_some())
        .map(|c| ident(&c.name, d))
        .collect();
    let mut out = vec![create_table(&shape, d)];
    out.push(format!(
        "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
        ident(&tmp, d),
        ident(&old.name, d),
        cols = common.join(", ")
    ));
    out.push(format!("DROP TABLE {}", ident(&old.name, d)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&tmp, d),
        ident(&new.name, d)
    ));
    for i in &new.indexes {
        out.push(create_index(&new.name, i, d)?);
    }
    Ok(out)
}
