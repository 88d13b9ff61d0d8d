//! The portable schema model ([`Schema`], its tables, column types and defaults) and its
//! canonical form per dialect: what a declared schema file describes and what introspection of
//! a live database returns ([`crate::Introspect`]). A core module (it needs only [`Dialect`]),
//! so the driver interface does not depend on `schema`, which loads, compares and renders
//! schemas; re-exported from `cairn::schema`.

mod default;
mod expr;
mod model;
mod types;

pub use expr::canonical_expression;

pub use default::DefaultValue;
pub use model::{
    Action, Check, Column, ForeignKey, Index, IndexColumn, Reference, Schema, Table, Unique,
};
pub use types::{ColumnType, RawType};

use crate::Dialect;

impl Schema {
    /// The form two schemas are compared in on `dialect`: sorted, types and defaults reduced to
    /// what the dialect stores, ascending index columns as plain names, check expressions and
    /// index predicates in their canonical SQL ([`canonical_expression`]), primary key columns
    /// not null, names the dialect does not keep (SQLite's unique and FK constraint names)
    /// dropped, and on MySQL ascending unique indexes as the unique constraints they are there.
    pub fn canonical(&self, dialect: Dialect) -> Schema {
        let mut s = self.sorted();
        for t in &mut s.tables {
            for c in &mut t.columns {
                c.ty = c.ty.canonical(dialect);
                c.default = c
                    .default
                    .as_ref()
                    .map(|d| d.canonical(dialect))
                    .filter(|d| *d != DefaultValue::Null);
                if t.primary_key.contains(&c.name) {
                    c.nullable = false;
                }
                // An identity column's default is the sequence/auto-increment itself.
                if c.identity {
                    c.default = None;
                }
            }
            for i in &mut t.indexes {
                i.columns = i.columns.iter().map(IndexColumn::canonical).collect();
                i.predicate = i
                    .predicate
                    .as_deref()
                    .map(|p| canonical_expression(p, dialect));
            }
            // The canonical text is printed (DDL, reports), so it must stay valid SQL.
            for c in &mut t.checks {
                c.expression = canonical_expression(&c.expression, dialect);
            }
            // SQLite keeps a CHECK's name in the CREATE TABLE text, where introspection reads
            // it; the names of its unique and FK constraints are not read back.
            if dialect == Dialect::Sqlite {
                t.unique.iter_mut().for_each(|u| u.name = None);
                t.foreign_keys.iter_mut().for_each(|f| f.name = None);
            }
            if dialect == Dialect::Mysql {
                // MySQL keeps no difference between a UNIQUE constraint and a unique index (both
                // are a UNIQUE key; introspection reports one as a unique constraint unless a
                // column is descending), so an ascending unique index compares as a constraint.
                let (as_unique, kept) = std::mem::take(&mut t.indexes)
                    .into_iter()
                    .partition::<Vec<_>, _>(|i| {
                        i.unique && i.predicate.is_none() && !i.columns.iter().any(|c| c.desc())
                    });
                t.indexes = kept;
                t.unique.extend(as_unique.into_iter().map(|i| Unique {
                    columns: i.columns.iter().map(|c| c.name().to_string()).collect(),
                    name: Some(i.name),
                }));
                // MySQL has no SET DEFAULT / distinct NO ACTION for InnoDB: both act as RESTRICT.
                for f in &mut t.foreign_keys {
                    for a in [&mut f.on_delete, &mut f.on_update] {
                        if *a == Action::NoAction {
                            *a = Action::Restrict;
                        }
                    }
                }
            }
        }
        s.sorted()
    }
}

/// An SQL expression as a comparison key, for expressions of different or unknown dialects:
/// without case outside string literals, spaces, quotes around identifiers or parentheses
/// (catalogs add them). Within one dialect, compare [`canonical_expression`]s instead.
pub fn normalize_expression(expr: &str) -> String {
    // Parentheses are dropped, not only the outer ones: PostgreSQL re-parenthesizes every term
    // of an AND/OR (`((a > 0) AND (b > 0))`).
    expr::expression_key(expr)
}

#[cfg(test)]
mod expression_tests {
    use super::normalize_expression;

    #[test]
    fn catalog_parenthesization_and_spacing_do_not_matter() {
        assert_eq!(
            normalize_expression("a > 0 AND b > 0"),
            normalize_expression("((a > 0) AND (b > 0))")
        );
        assert_eq!(
            normalize_expression("\"Price\" >= 0"),
            normalize_expression("(price >= 0)")
        );
        assert_ne!(normalize_expression("a > 0"), normalize_expression("a > 1"));
    }

    #[test]
    fn literals_keep_their_case_and_spaces() {
        assert_ne!(
            normalize_expression("s IN ('A', 'b c')"),
            normalize_expression("s IN ('a', 'bc')")
        );
        assert_eq!(
            normalize_expression("s in ('A','b c')"),
            normalize_expression("(S IN ('A', 'b c'))")
        );
        assert_ne!(
            normalize_expression("a OR b"),
            normalize_expression("aor b")
        );
    }
}
