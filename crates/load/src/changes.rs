//! Portable migration `changes`: schema operations written once and rendered per dialect, with
//! their rollback derived when the migration gives no `down`.

use serde::{Deserialize, Serialize};

use crate::Dialect;
use crate::rebuild::{Rebuild, RebuildEdit};
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
    /// Change a column's type, nullability, default or name (SQLite: table rebuild).
    AlterColumn {
        /// Table name.
        table: String,
        /// The column's current name.
        column: String,
        /// Its new definition.
        to: Column,
        /// Its old definition, to restore on rollback.
        #[serde(default)]
        from: Option<Column>,
    },
    /// Add a foreign key (SQLite: table rebuild). Name it, so PostgreSQL and MySQL can drop it
    /// on rollback.
    AddForeignKey {
        /// Table name.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// Drop a foreign key (SQLite: table rebuild; matched by columns and target there, by
    /// name elsewhere).
    DropForeignKey {
        /// Table name.
        table: String,
        /// The foreign key as it is.
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
            Change::AddColumn { table, column } => vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                t(table),
                column_def(column, d)
            )],
            // SQLite's own DROP COLUMN refuses indexed or constrained columns: rebuild instead.
            Change::DropColumn { table, column, .. } if d == Dialect::Sqlite => {
                vec![rebuild(table, RebuildEdit::DropColumn(column.clone()))]
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
            Change::AlterColumn {
                table, column, to, ..
            } => match d {
                Dialect::Sqlite => vec![rebuild(
                    table,
                    RebuildEdit::AlterColumn {
                        column: column.clone(),
                        to: to.clone(),
                    },
                )],
                Dialect::Mysql => vec![format!(
                    "ALTER TABLE {} CHANGE COLUMN {} {}",
                    t(table),
                    t(column),
                    column_def(to, d)
                )],
                Dialect::Postgres => {
                    let (tb, c) = (t(table), t(column));
                    let ty = to.ty.sql(d);
                    let mut out = vec![format!(
                        "ALTER TABLE {tb} ALTER COLUMN {c} TYPE {ty} USING {c}::{ty}"
                    )];
                    out.push(format!(
                        "ALTER TABLE {tb} ALTER COLUMN {c} {} NOT NULL",
                        if to.nullable { "DROP" } else { "SET" }
                    ));
                    out.push(match &to.default {
                        Some(v) => {
                            format!("ALTER TABLE {tb} ALTER COLUMN {c} SET DEFAULT {}", v.sql(d))
                        }
                        None => format!("ALTER TABLE {tb} ALTER COLUMN {c} DROP DEFAULT"),
                    });
                    if column != &to.name {
                        out.push(format!(
                            "ALTER TABLE {tb} RENAME COLUMN {c} TO {}",
                            t(&to.name)
                        ));
                    }
                    out
                }
            },
            Change::AddForeignKey {
                table,
                foreign_key: fk,
            } => match d {
                Dialect::Sqlite => vec![rebuild(table, RebuildEdit::AddForeignKey(fk.clone()))],
                _ => vec![format!(
                    "ALTER TABLE {} ADD {}",
                    t(table),
                    foreign_key(fk, d)
                )],
            },
            Change::DropForeignKey {
                table,
                foreign_key: fk,
            } => match (d, &fk.name) {
                (Dialect::Sqlite, _) => {
                    vec![rebuild(table, RebuildEdit::DropForeignKey(fk.clone()))]
                }
                (_, None) => {
                    return Err(format!(
                        "drop_foreign_key on {table} needs the foreign key's `name` on {d}"
                    ));
                }
                (Dialect::Mysql, Some(n)) => vec![format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    t(table),
                    t(n)
                )],
                (Dialect::Postgres, Some(n)) => {
                    vec![format!("ALTER TABLE {} DROP CONSTRAINT {}", t(table), t(n))]
                }
            },
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
            Change::AlterColumn {
                table,
                column,
                to,
                from,
            } => Change::AlterColumn {
                table: table.clone(),
                column: to.name.clone(),
                to: from.clone().ok_or_else(|| {
                    format!("alter_column {table}.{column} cannot be reversed without `from`")
                })?,
                from: Some(to.clone()),
            },
            Change::AddForeignKey { table, foreign_key } => Change::DropForeignKey {
                table: table.clone(),
                foreign_key: foreign_key.clone(),
            },
            Change::DropForeignKey { table, foreign_key } => Change::AddForeignKey {
                table: table.clone(),
                foreign_key: foreign_key.clone(),
            },
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
pub fn reverse(changes: &[Change], _d: Dialect) -> Result<Vec<Change>, String> {
    changes.iter().rev().map(Change::reverse).collect()
}

fn rebuild(table: &str, edit: RebuildEdit) -> String {
    Rebuild {
        table: table.to_string(),
        edit,
    }
    .directive()
}

/// A column definition as it appears in CREATE TABLE.
fn column_def(column: &Column, d: Dialect) -> String {
    let def = create_table(
        &Table {
            name: String::new(),
            columns: vec![column.clone()],
            ..Table::default()
        },
        d,
    );
    def.lines().nth(1).unwrap_or_default().trim().to_string()
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
        let down = render(&reverse(&c, Dialect::Postgres).unwrap(), Dialect::Postgres).unwrap();
        assert_eq!(
            down,
            "ALTER TABLE notes RENAME COLUMN text TO body;\nALTER TABLE notes DROP COLUMN pinned;\nDROP TABLE notes;\n"
        );
        // SQLite drops the column by rebuilding the table (its DROP COLUMN refuses indexed ones).
        let lite = render(&reverse(&c, Dialect::Sqlite).unwrap(), Dialect::Sqlite).unwrap();
        assert!(
            lite.contains(
                r#"SELECT 'cairn:rebuild', '{"table":"notes","edit":{"drop_column":"pinned"}}';"#
            ),
            "{lite}"
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
    fn sqlite_rebuilds_where_alter_cannot_and_other_dialects_alter() {
        let c = changes(
            "- alter_column: {table: t, column: a, to: {name: a, type: varchar(20), nullable: false, default: x}, from: {name: a, type: text}}\n- add_foreign_key: {table: t, foreign_key: {name: fk_t_p, columns: [p_id], references: {table: p, columns: [id]}, on_delete: cascade}}\n",
        );
        let lite = render(&c, Dialect::Sqlite).unwrap();
        assert_eq!(lite.matches("SELECT 'cairn:rebuild'").count(), 2, "{lite}");
        let pg = render(&c, Dialect::Postgres).unwrap();
        assert!(pg.contains("ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20) USING a::VARCHAR(20);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nALTER TABLE t ALTER COLUMN a SET DEFAULT 'x';"), "{pg}");
        assert!(pg.contains("ALTER TABLE t ADD CONSTRAINT fk_t_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE;"), "{pg}");
        let my = render(&c, Dialect::Mysql).unwrap();
        assert!(
            my.contains("ALTER TABLE t CHANGE COLUMN a a VARCHAR(20) NOT NULL DEFAULT 'x';"),
            "{my}"
        );
        let back = render(&reverse(&c, Dialect::Mysql).unwrap(), Dialect::Mysql).unwrap();
        assert_eq!(
            back,
            "ALTER TABLE t DROP FOREIGN KEY fk_t_p;\nALTER TABLE t CHANGE COLUMN a a TEXT;\n"
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
