//! What `migrate diff` writes: the differences as portable `changes` where every one of them
//! has a change that expresses it, else the SQL of each dialect that was replayed.

use cairn::Change;
use cairn::schema::{Difference, ForeignKey, Index, Schema, Table, fk_order};

/// The differences (REPLAYED -> DECLARED, as one dialect compared them) as portable changes,
/// in an order that never breaks a dependency: foreign keys and indexes that go first, new
/// tables in foreign-key order, columns, removed tables (dependents first), then new indexes
/// and foreign keys. `None` when a difference has no change to express it (unique and check
/// constraints, primary keys, identity).
///
/// The objects are taken from the files as declared (not the canonical form one dialect
/// compared), so the changes render the declared types on every dialect; what is removed or
/// changed from is taken from the replayed database, for the derived rollback.
pub fn changes(diffs: &[Difference], declared: &Schema, replayed: &Schema) -> Option<Vec<Change>> {
    use Difference as D;
    let (mut pre, mut mid, mut post) = (Vec::new(), Vec::new(), Vec::new());
    let (mut created, mut removed) = (Schema::default(), Schema::default());
    for x in diffs {
        let (want, have) = (declared.table(x.table()), replayed.table(x.table()));
        let table = x.table().to_string();
        match x {
            D::TableAdded { .. } => created.tables.push(want?.clone()),
            D::TableRemoved { .. } => removed.tables.push(have?.clone()),
            D::ColumnAdded { column, .. } => mid.push(Change::AddColumn {
                table,
                column: want?.column(&column.name)?.clone(),
            }),
            D::ColumnRemoved { column, .. } => mid.push(Change::DropColumn {
                table,
                column: column.name.clone(),
                definition: Some(have?.column(&column.name)?.clone()),
            }),
            D::ColumnChanged { from, to, .. } => {
                // Identity is not something `alter_column` changes on PostgreSQL.
                if from.identity != to.identity {
                    return None;
                }
                mid.push(Change::AlterColumn {
                    table,
                    column: from.name.clone(),
                    to: want?.column(&to.name)?.clone(),
                    from: Some(have?.column(&from.name)?.clone()),
                })
            }
            D::IndexAdded { index, .. } => post.push(Change::CreateIndex {
                table,
                index: index_named(want?, &index.name)?,
            }),
            D::IndexRemoved { index, .. } => pre.push(Change::DropIndex {
                table,
                name: index.name.clone(),
                definition: Some(index_named(have?, &index.name).unwrap_or(index.clone())),
            }),
            // MySQL compares an ascending unique index as a unique constraint: when the
            // declared table has it as an index, create the index.
            D::UniqueAdded { unique, .. } => {
                let index = want?.indexes.iter().find(|i| {
                    i.unique
                        && i.columns
                            .iter()
                            .map(|c| c.name())
                            .eq(unique.columns.iter().map(String::as_str))
                })?;
                post.push(Change::CreateIndex {
                    table,
                    index: index.clone(),
                })
            }
            D::ForeignKeyAdded { foreign_key, .. } => {
                let mut fk = same_fk(want?, foreign_key)?;
                // Named, so PostgreSQL and MySQL can drop it on rollback (drift matches
                // foreign keys by content, not name).
                if fk.name.is_none() {
                    fk.name = Some(format!("fk_{table}_{}", fk.columns.join("_")));
                }
                post.push(Change::AddForeignKey {
                    table,
                    foreign_key: fk,
                })
            }
            D::ForeignKeyRemoved { foreign_key, .. } => pre.push(Change::DropForeignKey {
                table,
                foreign_key: same_fk(have?, foreign_key).unwrap_or(foreign_key.clone()),
            }),
            D::PrimaryKeyChanged { .. }
            | D::UniqueRemoved { .. }
            | D::CheckAdded { .. }
            | D::CheckRemoved { .. } => return None,
        }
    }
    let creates = fk_order(&created)
        .into_iter()
        .map(|t| Change::CreateTable(t.clone()));
    let drops: Vec<Change> = fk_order(&removed)
        .into_iter()
        .rev()
        .map(|t| Change::DropTable {
            name: t.name.clone(),
            definition: Some(t.clone()),
        })
        .collect();
    Some(
        pre.into_iter()
            .chain(creates)
            .chain(mid)
            .chain(drops)
            .chain(post)
            .collect(),
    )
}

fn index_named(t: &Table, name: &str) -> Option<Index> {
    t.indexes.iter().find(|i| i.name == name).cloned()
}

/// `t`'s foreign key on the same columns to the same table and columns as `fk`.
fn same_fk(t: &Table, fk: &ForeignKey) -> Option<ForeignKey> {
    t.foreign_keys
        .iter()
        .find(|f| f.columns == fk.columns && f.references == fk.references)
        .cloned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use cairn::Dialect;
    use cairn::schema::diff;

    fn schema(yaml: &str) -> Schema {
        serde_saphyr::from_str(yaml).unwrap()
    }

    const OLD: &str = "tables:\n  - name: users\n    columns:\n      - {name: id, type: bigint, nullable: false}\n      - {name: old, type: text}\n    primary_key: [id]\n";
    const NEW: &str = "tables:\n  - name: users\n    columns:\n      - {name: id, type: bigint, nullable: false}\n      - {name: email, type: varchar(255)}\n    primary_key: [id]\n    indexes:\n      - {name: idx_users_email, columns: [email]}\n  - name: posts\n    columns:\n      - {name: id, type: bigint, nullable: false}\n      - {name: user_id, type: bigint}\n    primary_key: [id]\n    foreign_keys:\n      - {columns: [user_id], references: {table: users, columns: [id]}}\n";

    #[test]
    fn differences_become_changes_in_dependency_order_with_declared_types() {
        let (old, new) = (schema(OLD), schema(NEW));
        let diffs = diff(&old, &new, Dialect::Sqlite);
        let c = changes(&diffs, &new, &old).unwrap();
        let kinds: Vec<String> = c
            .iter()
            .map(|c| {
                serde_json::to_value(c)
                    .unwrap()
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .clone()
            })
            .collect();
        assert_eq!(
            kinds,
            ["create_table", "add_column", "drop_column", "create_index"]
        );
        // SQLite compares varchar(255) as text; the change keeps the declared type.
        let Change::AddColumn { column, .. } = &c[1] else {
            panic!("{c:?}")
        };
        assert_eq!(column.ty.to_string(), "varchar(255)");
        let Change::DropColumn { definition, .. } = &c[2] else {
            panic!("{c:?}")
        };
        assert_eq!(definition.as_ref().unwrap().name, "old");
    }

    #[test]
    fn a_new_foreign_key_is_named_and_constraints_without_a_change_give_none() {
        let base = "tables:\n  - name: users\n    columns:\n      - {name: id, type: bigint, nullable: false}\n    primary_key: [id]\n  - name: posts\n    columns:\n      - {name: id, type: bigint, nullable: false}\n      - {name: user_id, type: bigint}\n    primary_key: [id]\n";
        let with_fk = format!(
            "{base}    foreign_keys:\n      - {{columns: [user_id], references: {{table: users, columns: [id]}}}}\n"
        );
        let (old, new) = (schema(base), schema(&with_fk));
        let c = changes(&diff(&old, &new, Dialect::Postgres), &new, &old).unwrap();
        let Change::AddForeignKey { foreign_key, .. } = &c[0] else {
            panic!("{c:?}")
        };
        assert_eq!(foreign_key.name.as_deref(), Some("fk_posts_user_id"));
        let with_check = format!("{base}    checks:\n      - {{expression: \"id > 0\"}}\n");
        let new = schema(&with_check);
        assert!(changes(&diff(&old, &new, Dialect::Postgres), &new, &old).is_none());
    }
}
