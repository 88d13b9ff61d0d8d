//! Schemas: the portable model, DDL per dialect, and the canonical form comparisons use.

mod ddl;
mod diff;
mod form;
mod load;
mod sql;

pub use ddl::{create_index, create_table, drop_index, fk_order, foreign_key, ident, schema_sql};
pub use diff::{Difference, diff, render_text, render_unified};
pub use load::{is_schema_path, load_schema, schema_from_files};
pub use sql::{migration_sql, sqlite_rebuild};

pub use crate::schema_model::{
    Action, Check, Column, ColumnType, DefaultValue, ForeignKey, Index, IndexColumn, RawType,
    Reference, Schema, Table, Unique, canonical_expression, normalize_expression,
};
