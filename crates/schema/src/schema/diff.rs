//! Comparing two schemas on one dialect: a list of typed differences, each saying what is in
//! TO and not in FROM (`+`), in FROM and not in TO (`-`), or changed (`~`).

use std::collections::BTreeSet;

use serde::Serialize;
use similar::TextDiff;

use super::{DefaultValue, schema_sql};
use crate::Dialect;
use crate::schema_model::{Check, Column, ForeignKey, Index, Schema, Table, Unique};

/// One difference between FROM and TO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// A table only TO has.
    TableAdded {
        /// The table as TO has it.
        table: Table,
    },
    /// A table only FROM has.
    TableRemoved {
        /// The table as FROM has it.
        table: Table,
    },
    /// A column only TO has.
    ColumnAdded {
        /// Its table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column only FROM has.
    ColumnRemoved {
        /// Its table.
        table: String,
        /// The column.
        column: Column,
    },
    /// A column both have, differing in type, nullability, default or identity.
    ColumnChanged {
        /// Its table.
        table: String,
        /// As FROM has it.
        from: Column,
        /// As TO has it.
        to: Column,
    },
    /// The primary key differs.
    PrimaryKeyChanged {
        /// Its table.
        table: String,
        /// FROM's key columns.
        from: Vec<String>,
        /// TO's key columns.
        to: Vec<String>,
    },
    /// An index only TO has (or TO's version of a changed index).
    IndexAdded {
        /// Its table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index only FROM has (or FROM's version of a changed index).
    IndexRemoved {
        /// Its table.
        table: String,
        /// The index.
        index: Index,
    },
    /// A unique constraint only TO has.
    UniqueAdded {
        /// Its table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// A unique constraint only FROM has.
    UniqueRemoved {
        /// Its table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// A foreign key only TO has (or TO's version of a changed one).
    ForeignKeyAdded {
        /// Its table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// A foreign key only FROM has (or FROM's version of a changed one).
    ForeignKeyRemoved {
        /// Its table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// A check only TO has.
    CheckAdded {
        /// Its table.
        table: String,
        /// The check.
        check: Check,
    },
    /// A check only FROM has.
    CheckRemoved {
        /// Its table.
        table: String,
        /// The check.
        check: Check,
    },
}

impl Difference {
    /// The table it concerns.
    pub fn table(&self) -> &str {
        use Difference as D;
        match self {
            D::TableAdded { table } | D::TableRemoved { table } => &table.name,
            D::ColumnAdded { table, .. }
            | D::ColumnRemoved { table, .. }
            | D::ColumnChanged { table, .. }
            | D::PrimaryKeyChanged { table, .. }
            | D::IndexAdded { table, .. }
            | D::IndexRemoved { table, .. }
            | D::UniqueAdded { table, .. }
            | D::UniqueRemoved { table, .. }
            | D::ForeignKeyAdded { table, .. }
            | D::ForeignKeyRemoved { table, .. }
            | D::CheckAdded { table, .. }
            | D::CheckRemoved { table, .. } => table,
        }
    }

    /// The column it concerns, if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Difference::ColumnAdded { column, .. } | Difference::ColumnRemoved { column, .. } => {
                Some(&column.name)
            }
            Difference::ColumnChanged { to, .. } => Some(&to.name),
            _ => None,
        }
    }

    /// One line: `+ index idx_users_phone (phone)`, `~ column users.email: varchar(255) -> varchar(320)`.
    pub fn describe(&self) -> String {
        use Difference as D;
        match self {
            D::TableAdded { table } => {
                format!("+ table {} ({} columns)", table.name, table.columns.len())
            }
            D::TableRemoved { table } => {
                format!("- table {} ({} columns)", table.name, table.columns.len())
            }
            D::ColumnAdded { table, column } => format!("+ column {table}.{}", column_text(column)),
            D::ColumnRemoved { table, column } => {
                format!("- column {table}.{}", column_text(column))
            }
            D::ColumnChanged { table, from, to } => format!(
                "~ column {table}.{}: {}",
                to.name,
                column_changes(from, to).join(", ")
            ),
            D::PrimaryKeyChanged { table, from, to } => format!(
                "~ primary key of {table}: ({}) -> ({})",
                from.join(", "),
                to.join(", ")
            ),
            D::IndexAdded { table, index } => {
                format!("+ index {} on {table} {}", index.name, index_text(index))
            }
            D::IndexRemoved { table, index } => {
                format!("- index {} on {table} {}", index.name, index_text(index))
            }
            D::UniqueAdded { table, unique } => {
                format!("+ unique {table} ({})", unique.columns.join(", "))
            }
            D::UniqueRemoved { table, unique } => {
                format!("- unique {table} ({})", unique.columns.join(", "))
            }
            D::ForeignKeyAdded { table, foreign_key } => {
                format!("+ foreign key {table} {}", fk_text(foreign_key))
            }
            D::ForeignKeyRemoved { table, foreign_key } => {
                format!("- foreign key {table} {}", fk_text(foreign_key))
            }
            D::CheckAdded { table, check } => format!("+ check {}", check_text(table, check)),
            D::CheckRemoved { table, check } => format!("- check {}", check_text(table, check)),
        }
    }
}

/// `ck_name on table: expression`, or `on table: expression` for an unnamed check.
fn check_text(table: &str, c: &Check) -> String {
    match &c.name {
        Some(name) => format!("{name} on {table}: {}", c.expression),
        None => format!("on {table}: {}", c.expression),
    }
}

fn column_text(c: &Column) -> String {
    let mut s = format!("{} {}", c.name, c.ty);
    s.push_str(if c.nullable { " null" } else { " not null" });
    if let Some(d) = &c.default {
        s.push_str(&format!(" default {}", default_text(d)));
    }
    if c.identity {
        s.push_str(" identity");
    }
    s
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Null => "null".into(),
        DefaultValue::Bool(b) => b.to_string(),
        DefaultValue::Number(n) => n.clone(),
        DefaultValue::Text(t) => format!("'{t}'"),
        DefaultValue::Now => "now()".into(),
        DefaultValue::Sql(s) => s.clone(),
    }
}

fn column_changes(from: &Column, to: &Column) -> Vec<String> {
    let mut out = Vec::new();
    if from.ty != to.ty {
        out.push(format!("type {} -> {}", from.ty, to.ty));
    }
    if from.nullable != to.nullable {
        let n = |b: bool| if b { "null" } else { "not null" };
        out.push(format!("{} -> {}", n(from.nullable), n(to.nullable)));
    }
    if from.default != to.default {
        let d = |d: &Option<DefaultValue>| {
            d.as_ref().map_or("no default".to_string(), |d| {
                format!("default {}", default_text(d))
            })
        };
        out.push(format!("{} -> {}", d(&from.default), d(&to.default)));
    }
    if from.identity != to.identity {
        out.push(format!("identity {} -> {}", from.identity, to.identity));
    }
    out
}

fn index_text(i: &Index) -> String {
    let cols: Vec<String> = i
        .columns
        .iter()
        .map(|c| format!("{}{}", c.name(), if c.desc() { " desc" } else { "" }))
        .collect();
    let mut s = format!("({})", cols.join(", "));
    if i.unique {
        s = format!("unique {s}");
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" where {p}"));
    }
    s
}

fn fk_text(f: &ForeignKey) -> String {
    format!(
        "({}) -> {} ({}) on delete {} on update {}",
        f.columns.join(", "),
        f.references.table,
        f.references.columns.join(", "),
        f.on_delete.sql().to_lowercase(),
        f.on_update.sql().to_lowercase()
    )
}

/// Every difference between `from` and `to` as `dialect` stores them (both are brought to
/// their canonical form first), tables in name order.
pub fn diff(from: &Schema, to: &Schema, dialect: Dialect) -> Vec<Difference> {
    let (from, to) = (from.canonical(dialect), to.canonical(dialect));
    let names: BTreeSet<&str> = from
        .tables
        .iter()
        .chain(&to.tables)
        .map(|t| t.name.as_str())
        .collect();
    let mut out = Vec::new();
    for name in names {
        match (from.table(name), to.table(name)) {
            (None, Some(t)) => out.push(Difference::TableAdded { table: t.clone() }),
            (Some(t), None) => out.push(Difference::TableRemoved { table: t.clone() }),
            (Some(a), Some(b)) => table_diff(a, b, &mut out),
            (None, None) => {}
        }
    }
    out
}

fn table_diff(a: &Table, b: &Table, out: &mut Vec<Difference>) {
    let t = &a.name;
    for c in &b.columns {
        match a.column(&c.name) {
            None => out.push(Difference::ColumnAdded {
                table: t.clone(),
                column: c.clone(),
            }),
            Some(old) if old != c => out.push(Difference::ColumnChanged {
                table: t.clone(),
                from: old.clone(),
                to: c.clone(),
            }),
            Some(_) => {}
        }
    }
    for c in a.columns.iter().filter(|c| b.column(&c.name).is_none()) {
        out.push(Difference::ColumnRemoved {
            table: t.clone(),
            column: c.clone(),
        });
    }
    if a.primary_key != b.primary_key {
        out.push(Difference::PrimaryKeyChanged {
            table: t.clone(),
            from: a.primary_key.clone(),
            to: b.primary_key.clone(),
        });
    }
    // Indexes are matched by name; a changed index is its old version removed and new added.
    for i in a.indexes.iter().filter(|i| !b.indexes.contains(i)) {
        out.push(Difference::IndexRemoved {
            table: t.clone(),
            index: i.clone(),
        });
    }
    for i in b.indexes.iter().filter(|i| !a.indexes.contains(i)) {
        out.push(Difference::IndexAdded {
            table: t.clone(),
            index: i.clone(),
        });
    }
    // Constraints are matched by content: names differ between dialects and tools.
    let same_unique = |x: &Unique, y: &Unique| x.columns == y.columns;
    for u in a
        .unique
        .iter()
        .filter(|u| !b.unique.iter().any(|v| same_unique(u, v)))
    {
        out.push(Difference::UniqueRemoved {
            table: t.clone(),
            unique: u.clone(),
        });
    }
    for u in b
        .unique
        .iter()
        .filter(|u| !a.unique.iter().any(|v| same_unique(u, v)))
    {
        out.push(Difference::UniqueAdded {
            table: t.clone(),
            unique: u.clone(),
        });
    }
    let same_fk = |x: &ForeignKey, y: &ForeignKey| {
        x.columns == y.columns
            && x.references == y.references
            && x.on_delete == y.on_delete
            && x.on_update == y.on_update
    };
    for f in a
        .foreign_keys
        .iter()
        .filter(|f| !b.foreign_keys.iter().any(|g| same_fk(f, g)))
    {
        out.push(Difference::ForeignKeyRemoved {
            table: t.clone(),
            foreign_key: f.clone(),
        });
    }
    for f in b
        .foreign_keys
        .iter()
        .filter(|f| !a.foreign_keys.iter().any(|g| same_fk(f, g)))
    {
        out.push(Difference::ForeignKeyAdded {
            table: t.clone(),
            foreign_key: f.clone(),
        });
    }
    // Checks: by name when both sides name it (catalogs rewrite expressions), else by text.
    let same_check = |x: &Check, y: &Check| match (&x.name, &y.name) {
        (Some(m), Some(n)) => m == n,
        _ => x.expression == y.expression,
    };
    for c in a
        .checks
        .iter()
        .filter(|c| !b.checks.iter().any(|d| same_check(c, d)))
    {
        out.push(Difference::CheckRemoved {
            table: t.clone(),
            check: c.clone(),
        });
    }
    for c in b
        .checks
        .iter()
        .filter(|c| !a.checks.iter().any(|d| same_check(c, d)))
    {
        out.push(Difference::CheckAdded {
            table: t.clone(),
            check: c.clone(),
        });
    }
}

/// Grouped human text: one block per table.
pub fn render_text(differences: &[Difference]) -> String {
    let mut out = String::new();
    let mut current = "";
    for d in differences {
        if d.table() != current {
            current = d.table();
            out.push_str(&format!("table {current}:\n"));
        }
        out.push_str(&format!("  {}\n", d.describe()));
    }
    out
}

/// A unified diff of both schemas' canonical DDL.
pub fn render_unified(
    from: &Schema,
    to: &Schema,
    dialect: Dialect,
    labels: (&str, &str),
) -> String {
    let ddl = |s: &Schema| {
        let canon = s.canonical(dialect);
        let mut text = String::new();
        for stmt in schema_sql(&canon, dialect).unwrap_or_else(|e| vec![format!("-- {e}")]) {
            text.push_str(&stmt);
            text.push_str(";\n");
        }
        text
    };
    let (a, b) = (ddl(from), ddl(to));
    TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(labels.0, labels.1)
        .to_string()
}

#[cfg(test)]
mod tests;
