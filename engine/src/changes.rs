//! Portable migration `changes`: schema operations written once and rendered per dialect, with
//! their rollback derived when the migration gives no `down`.

use serde::{Deserialize, Serialize};

use crate::Dialect;
use crate::schema::{
    Column, ForeignKey, Index, Table, create_index, create_table, drop_index, foreign_key, ident,
};

/// One portable schema operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Create a table (with its indexes).
    CreateTable(Table),
    /// Drop a table; `definition` makes it reversible.
    DropTable {
        /// Table name.
        name: String,
        /// The table as it was, to recreate on rollback.
        #[serde(default)]
        definition: Option<Table>,
    },
    /// Add a column.
    AddColumn {
        /// Table name.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drop a column; `definition` makes it reversible.
    DropColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The column as it was, to re-add on rollback.
        #[serde(default)]
        definition: Option<Column>,
    },
    /// Rename a column.
    RenameColumn {
        /// Table name.
        table: String,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Rename a table.
    RenameTable {
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// Create an index.
    CreateIndex {
        /// Table name.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drop an index; `definition` makes it reversible.
    DropIndex {
        /// Table name.
        table: String,
        /// Index name.
        name: String,
        /// The index as it was, to recreate on rollback.
        #[serde(default)]
        definition: Option<Index>,
    },
    /// Add a foreign key (PostgreSQL and MySQL; SQLite needs a table rebuild, see below).
    AddForeignKey {
        /// Table name.
        table: String,
        /// The foreign key (must be named, so it can be dropped on rollback).
        foreign_key: ForeignKey,
    },
    /// Raw SQL, the same for every dialect (not reversible: give `down`).
    Sql(String),
}

impl Change {
    /// The SQL statements of this change on `dialect`.
    pub fn sql(&self, d: Dialect) -> Result<Vec<String>, String> {
        let t = |name: &str| ident(name, d);
        Ok(match self {
            Change::CreateTable(table) => {
                let mut out = vec![create_table(table, d)];
                for i in &table.indexes {
                    out.push(create_index(&table.name, i, d)?);
                }
                out
            }
            Change::DropTable { name, .. } => vec![format!("DROP TABLE {}", t(name))],
            Change::AddColumn { table, column } => {
                let def = create_table(
                    &Table {
                        name: String::new(),
                        columns: vec![column.clone()],
                        ..Table::default()
                    },
                    d,
                );
                vec![format!(
                    "ALTER TABLE {} ADD COLUMN {}",
                    t(table),
                    def.lines().nth(1).unwrap_or_default().trim()
                )]
            }
            Change::DropColumn { table, column, .. } => vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                t(table),
                t(column)
            )],
            Change::RenameColumn { table, from, to } => vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                t(table),
                t(from),
                t(to)
            )],
            Change::RenameTable { from, to } => {
                vec![format!("ALTER TABLE {} RENAME TO {}", t(from), t(to))]
            }
            Change::CreateIndex { table, index } => vec![create_index(table, index, d)?],
            Change::DropIndex { table, name, .. } => vec![drop_index(table, name, d)],
            Change::AddForeignKey {
                table,
                foreign_key: fk,
            } => {
                if d == Dialect::Sqlite {
                    return Err(format!(
                        "add_foreign_key on {table}: SQLite cannot add a foreign key to an existing table; declare it in create_table, or write the table rebuild as `sql` with a `down`"
                    ));
                }
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    t(table),
                    foreign_key(fk, d)
                )]
            }
            Change::Sql(sql) => vec![sql.trim().trim_end_matches(';').to_string()],
        })
    }

    /// The change that undoes this one, or why there is none.
    pub fn reverse(&self) -> Result<Change, String> {
        Ok(match self {
            Change::CreateTable(table) => Change::DropTable {
                name: table.name.clone(),
                definition: Some(table.clone()),
            },
            Change::DropTable { name, definition } => {
                Change::CreateTable(definition.clone().ok_or_else(|| {
                    format!("drop_table {name} cannot be reversed without its `definition`")
                })?)
            }
            Change::AddColumn { table, column } => Change::DropColumn {
                table: table.clone(),
                column: column.name.clone(),
                definition: Some(column.clone()),
            },
            Change::DropColumn {
                table,
                column,
                definition,
            } => Change::AddColumn {
                table: table.clone(),
                column: definition.clone().ok_or_else(|| {
                    format!(
                        "drop_column {table}.{column} cannot be reversed without its `definition`"
                    )
                })?,
            },
            Change::RenameColumn { table, from, to } => Change::RenameColumn {
                table: table.clone(),
                from: to.clone(),
                to: from.clone(),
            },
            Change::RenameTable { from, to } => Change::RenameTable {
                from: to.clone(),
                to: from.clone(),
            },
            Change::CreateIndex { table, index } => Change::DropIndex {
                table: table.clone(),
                name: index.name.clone(),
                definition: Some(index.clone()),
            },
            Change::DropIndex {
                table,
                name,
                definition,
            } => Change::CreateIndex {
                table: table.clone(),
                index: definition.clone().ok_or_else(|| {
                    format!("drop_index {name} cannot be reversed without its `definition`")
                })?,
            },
            Change::AddForeignKey { table, foreign_key } => {
                let name = foreign_key.name.clone().ok_or_else(|| {
                    format!("add_foreign_key on {table} needs a `name` to be reversed")
                })?;
                Change::Sql(format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
            }
            Change::Sql(_) => {
                return Err(
                    "raw `sql` changes cannot be reversed: give the migration a `down`".to_string(),
                );
            }
        })
    }
}

/// The SQL of `changes` on `dialect`, one statement per line group, `;`-terminated.
pub fn render(changes: &[Change], d: Dialect) -> Result<String, String> {
    let mut out = String::new();
    for c in changes {
        for stmt in c.sql(d)? {
            out.push_str(&stmt);
            out.push_str(";\n");
        }
    }
    Ok(out)
}

/// The changes that undo `changes`, last first.
pub fn reverse(changes: &[Change], d: Dialect) -> Result<Vec<Change>, String> {
    changes
        .iter()
        .rev()
        .map(|c| match (c, d) {
            // MySQL drops foreign keys with its own syntax.
            (Change::AddForeignKey { table, foreign_key }, Dialect::Mysql) => foreign_key
                .name
                .clone()
                .map(|n| {
                    Change::Sql(format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {}",
                        ident(table, d),
                        ident(&n, d)
                    ))
                })
                .ok_or_else(|| format!("add_foreign_key on {table} needs a `name` to be reversed")),
            _ => c.reverse(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(yaml: &str) -> Vec<Change> {
        serde_saphyr::from_str(yaml).unwrap()
    }

    const UP: &str = "- create_table:\n    name: notes\n    columns:\n      - {name: id, type: bigint, identity: true, nullable: false}\n      - {name: body, type: text}\n    primary_key: [id]\n    indexes:\n      - {name: idx_notes_body, columns: [body]}\n- add_column: {table: notes, column: {name: pinned, type: boolean, nullable: false, default: false}}\n- rename_column: {table: notes, from: body, to: text}\n";

    #[test]
    fn renders_per_dialect_and_derives_the_rollback() {
        let c = changes(UP);
        let pg = render(&c, Dialect::Postgres).unwrap();
        assert!(
            pg.contains(
                "CREATE TABLE notes (\n  id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL"
            ),
            "{pg}"
        );
        assert!(pg.contains("CREATE INDEX idx_notes_body ON notes (body);\nALTER TABLE notes ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT false;"), "{pg}");
        assert!(pg.ends_with("ALTER TABLE notes RENAME COLUMN body TO text;\n"));
        let down = render(&reverse(&c, Dialect::Sqlite).unwrap(), Dialect::Sqlite).unwrap();
        assert_eq!(
            down,
            "ALTER TABLE notes RENAME COLUMN text TO body;\nALTER TABLE notes DROP COLUMN pinned;\nDROP TABLE notes;\n"
        );
    }

    #[test]
    fn irreversible_changes_say_why() {
        let c = changes("- drop_column: {table: users, column: phone}\n");
        assert!(
            reverse(&c, Dialect::Postgres)
                .unwrap_err()
                .contains("drop_column users.phone cannot be reversed without its `definition`")
        );
        let c = changes("- sql: UPDATE users SET x = 1\n");
        assert!(
            reverse(&c, Dialect::Postgres)
                .unwrap_err()
                .contains("give the migration a `down`")
        );
        let c = changes(
            "- drop_column: {table: users, column: phone, definition: {name: phone, type: varchar(20)}}\n",
        );
        assert_eq!(
            render(&reverse(&c, Dialect::Mysql).unwrap(), Dialect::Mysql).unwrap(),
            "ALTER TABLE users ADD COLUMN phone VARCHAR(20);\n"
        );
    }

    #[test]
    fn unknown_operations_are_errors() {
        assert!(serde_saphyr::from_str::<Vec<Change>>("- create_tabel: {name: x}\n").is_err());
        assert!(
            serde_saphyr::from_str::<Vec<Change>>(
                "- add_column: {table: t, colum: {name: a, type: text}}\n"
            )
            .is_err()
        );
    }
}
