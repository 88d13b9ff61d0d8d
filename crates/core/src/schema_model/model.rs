//! The portable schema model: what a declared schema file describes and what introspection of a
//! live database returns, so the two can be compared.

use serde::{Deserialize, Serialize};

use super::default::DefaultValue;
use super::types::ColumnType;

/// A set of tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The tables, in any order (see [`Schema::sorted`]).
    #[serde(default)]
    pub tables: Vec<Table>,
}

impl Schema {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// A copy with tables sorted by name and each table's parts sorted, so equal schemas
    /// compare equal whatever order they were declared or introspected in.
    pub fn sorted(&self) -> Schema {
        let mut tables: Vec<Table> = self.tables.iter().map(Table::sorted).collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        Schema { tables }
    }
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Table name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<Column>,
    /// Primary key columns, in key order (empty when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<Unique>,
    /// Indexes (not backing a primary key or unique constraint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn sorted(&self) -> Table {
        let mut t = self.clone();
        t.unique.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
        t.checks.sort_by(|a, b| a.expression.cmp(&b.expression));
        t
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Portable type (`bigint`, `varchar(255)`, `decimal(10,2)`, `timestamp`, ... or a raw
    /// per-dialect type).
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether NULL is allowed (default true; primary key columns are never nullable).
    #[serde(default = "yes")]
    pub nullable: bool,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// Auto-increment / identity.
    #[serde(default, skip_serializing_if = "is_false")]
    pub identity: bool,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    /// Constraint name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Indexed columns, in order.
    pub columns: Vec<IndexColumn>,
    /// Whether it is a unique index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// Partial index predicate (PostgreSQL and SQLite).
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

/// One column of an index: a name, or `{name, desc: true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexColumn {
    /// Ascending.
    Name(String),
    /// With an explicit order.
    Ordered {
        /// Column name.
        name: String,
        /// Descending.
        #[serde(default)]
        desc: bool,
    },
}

impl IndexColumn {
    /// Column name.
    pub fn name(&self) -> &str {
        match self {
            IndexColumn::Name(n) | IndexColumn::Ordered { name: n, .. } => n,
        }
    }

    /// Whether it is descending.
    pub fn desc(&self) -> bool {
        matches!(self, IndexColumn::Ordered { desc: true, .. })
    }

    /// The canonical form: a plain name when ascending.
    pub fn canonical(&self) -> IndexColumn {
        if self.desc() {
            IndexColumn::Ordered {
                name: self.name().to_string(),
                desc: true,
            }
        } else {
            IndexColumn::Name(self.name().to_string())
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// Constraint name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table and columns.
    pub references: Reference,
    /// ON DELETE action.
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_delete: Action,
    /// ON UPDATE action.
    #[serde(default, skip_serializing_if = "Action::is_default")]
    pub on_update: Action,
}

/// The target of a foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Referenced table.
    pub table: String,
    /// Referenced columns.
    pub columns: Vec<String>,
}

/// A foreign key action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// NO ACTION (the default).
    #[default]
    NoAction,
    /// RESTRICT.
    Restrict,
    /// CASCADE.
    Cascade,
    /// SET NULL.
    SetNull,
    /// SET DEFAULT.
    SetDefault,
}

impl Action {
    fn is_default(&self) -> bool {
        *self == Action::NoAction
    }

    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses a catalog's spelling (`CASCADE`, `SET NULL`, `a`/`c`/`n`/`r`/`d` codes of
    /// `pg_constraint`).
    pub fn parse(s: &str) -> Action {
        match s.trim().to_ascii_uppercase().as_str() {
            "CASCADE" | "C" => Action::Cascade,
            "SET NULL" | "N" => Action::SetNull,
            "SET DEFAULT" | "D" => Action::SetDefault,
            "RESTRICT" | "R" => Action::Restrict,
            _ => Action::NoAction,
        }
    }
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Constraint name, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The boolean SQL expression.
    pub expression: String,
}
