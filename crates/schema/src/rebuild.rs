//! Table edits SQLite's ALTER TABLE cannot make (change a column, add or drop a foreign key).
//! The current table is only known at run time, so `changes` render these on SQLite as a
//! directive statement, `SELECT 'cairn:rebuild', '<json>'`; the SQLite backend introspects the
//! table, applies the edit with [`Rebuild::apply`] and runs SQLite's documented rebuild
//! procedure. (On any other database the directive is a harmless SELECT.)

use serde::{Deserialize, Serialize};

use crate::schema::{Column, ForeignKey, Table};

const PREFIX: &str = "SELECT 'cairn:rebuild', '";

/// One edit of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rebuild {
    /// The table.
    pub table: String,
    /// What changes.
    pub edit: RebuildEdit,
}

/// The edit a rebuild makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RebuildEdit {
    /// Replace the definition of column `column` with `to` (which may rename it).
    AlterColumn {
        /// The column's current name.
        column: String,
        /// Its new definition.
        to: Column,
    },
    /// Drop a column, with the indexes, unique constraints and foreign keys that use it (as
    /// PostgreSQL does); a check that names it makes the rebuild fail with SQLite's message.
    DropColumn(String),
    /// Add a foreign key.
    AddForeignKey(ForeignKey),
    /// Drop the foreign key on these columns.
    DropForeignKey(ForeignKey),
}

impl Rebuild {
    /// The directive statement for this rebuild.
    pub fn directive(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{PREFIX}{}'", json.replace('\'', "''"))
    }

    /// The rebuild a statement asks for, if it is a directive.
    pub fn parse(statement: &str) -> Option<Result<Rebuild, String>> {
        let rest = statement.trim().strip_prefix(PREFIX)?;
        let json = rest.strip_suffix('\'').unwrap_or(rest).replace("''", "'");
        Some(
            serde_json::from_str(&json)
                .map_err(|e| format!("damaged cairn:rebuild directive: {e}")),
        )
    }

    /// `table` after the edit.
    pub fn apply(&self, table: &Table) -> Result<Table, String> {
        let mut t = table.clone();
        match &self.edit {
            RebuildEdit::AlterColumn { column, to } => {
                let c = t
                    .columns
                    .iter_mut()
                    .find(|c| &c.name == column)
                    .ok_or_else(|| format!("table {} has no column {column}", t.name))?;
                *c = to.clone();
                if column != &to.name {
                    rename_everywhere(&mut t, column, &to.name);
                }
            }
            RebuildEdit::DropColumn(column) => {
                if t.column(column).is_none() {
                    return Err(format!("table {} has no column {column}", t.name));
                }
                t.columns.retain(|c| &c.name != column);
                t.indexes
                    .retain(|i| i.columns.iter().all(|c| c.name() != column));
                t.unique.retain(|u| !u.columns.contains(column));
                t.foreign_keys.retain(|f| !f.columns.contains(column));
                if t.primary_key.contains(column) {
                    return Err(format!(
                        "column {column} is part of the primary key of {}",
                        t.name
                    ));
                }
            }
            RebuildEdit::AddForeignKey(fk) => t.foreign_keys.push(fk.clone()),
            RebuildEdit::DropForeignKey(fk) => {
                let before = t.foreign_keys.len();
                t.foreign_keys
                    .retain(|f| !(f.columns == fk.columns && f.references == fk.references));
                if t.foreign_keys.len() == before {
                    return Err(format!(
                        "table {} has no foreign key ({}) -> {}",
                        t.name,
                        fk.columns.join(", "),
                        fk.references.table
                    ));
                }
            }
        }
        Ok(t)
    }
}

fn rename_everywhere(t: &mut Table, from: &str, to: &str) {
    let swap = |c: &mut String| {
        if c == from {
            *c = to.to_string();
        }
    };
    t.primary_key.iter_mut().for_each(swap);
    t.unique
        .iter_mut()
        .flat_map(|u| u.columns.iter_mut())
        .for_each(swap);
    t.foreign_keys
        .iter_mut()
        .flat_map(|f| f.columns.iter_mut())
        .for_each(swap);
    for i in &mut t.indexes {
        for c in &mut i.columns {
            if c.name() == from {
                *c = if c.desc() {
                    crate::schema::IndexColumn::Ordered {
                        name: to.to_string(),
                        desc: true,
                    }
                } else {
                    crate::schema::IndexColumn::Name(to.to_string())
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnType, Reference};

    #[test]
    fn directives_round_trip_and_edit_the_table() {
        let col = |n: &str| Column {
            name: n.into(),
            ty: ColumnType::Text,
            nullable: true,
            default: None,
            identity: false,
        };
        let fk = ForeignKey {
            name: None,
            columns: vec!["a".into()],
            references: Reference {
                table: "p".into(),
                columns: vec!["id".into()],
            },
            on_delete: crate::schema::Action::Cascade,
            on_update: Default::default(),
        };
        let r = Rebuild {
            table: "t".into(),
            edit: RebuildEdit::AddForeignKey(fk.clone()),
        };
        let sql = r.directive();
        assert!(
            cairn_core::split(&sql, crate::Dialect::Sqlite)
                .unwrap()
                .len()
                == 1
        );
        assert_eq!(Rebuild::parse(&sql).unwrap().unwrap(), r);
        assert!(Rebuild::parse("SELECT 1").is_none());
        let t = Table {
            name: "t".into(),
            columns: vec![col("a"), col("it's")],
            ..Table::default()
        };
        assert_eq!(r.apply(&t).unwrap().foreign_keys, std::slice::from_ref(&fk));
        let mut to = col("b");
        to.nullable = false;
        let alter = Rebuild {
            table: "t".into(),
            edit: RebuildEdit::AlterColumn {
                column: "a".into(),
                to,
            },
        };
        assert_eq!(Rebuild::parse(&alter.directive()).unwrap().unwrap(), alter);
        assert_eq!(
            alter.apply(&r.apply(&t).unwrap()).unwrap().foreign_keys[0].columns,
            ["b"]
        );
        assert!(
            Rebuild {
                table: "t".into(),
                edit: RebuildEdit::DropForeignKey(fk)
            }
            .apply(&t)
            .is_err()
        );
    }
}
