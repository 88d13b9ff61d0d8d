//! What a backend reports to [`crate::ops::health()`] and [`crate::ops::optimize()`]:
//! foreign-key violations, storage sizes, per-table maintenance actions; and the one-query
//! orphan-row count the server backends share, fed from their key catalog.

use crate::driver::cells::{number_cell, text_cell};
use crate::driver::{Driver, Rows};
pub use crate::driver::{ForeignKeyViolation, StorageSizes, TableAction, TableSize};
use crate::error::BackendError;
use crate::schema::{Action, ForeignKey, Reference, ident};

/// One declared foreign key of `table`, to count orphan rows of.
#[derive(Debug, Clone, Copy)]
pub struct DeclaredForeignKey<'a> {
    /// The referencing table.
    pub table: &'a str,
    /// The key.
    pub key: &'a ForeignKey,
}

/// Counts, in one `UNION ALL` query, the child rows of each key whose parent row is missing,
/// and returns the keys with at least one. Follows `MATCH SIMPLE` (every SQL database's
/// default): a row with a NULL in any key column references nothing and is never an orphan.
pub fn orphan_rows(
    db: &mut dyn Driver,
    keys: &[DeclaredForeignKey<'_>],
) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = orphan_sql(keys, db.dialect());
    let mut found = Vec::new();
    for row in db.query(&sql)? {
        let (Some(index), Some(rows)) =
            (number_cell::<usize>(&row, 0), number_cell::<u64>(&row, 1))
        else {
            continue;
        };
        if let Some(k) = keys.get(index)
            && rows > 0
        {
            found.push(ForeignKeyViolation {
                table: k.table.to_string(),
                constraint: k.key.name.clone(),
                columns: k.key.columns.clone(),
                references: k.key.references.table.clone(),
                rows,
            });
        }
    }
    Ok(found)
}

/// [`orphan_rows`] of the foreign keys in `catalog`: rows of (table, constraint, column,
/// referenced table, referenced column), one per key column in key order, the rows of one key
/// adjacent. Lets a server backend read its keys in one catalog query instead of
/// introspecting the whole schema, then count their orphans in one more.
pub fn orphan_rows_of_catalog(
    db: &mut dyn Driver,
    catalog: &Rows,
) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    let keys = catalog_keys(catalog);
    let declared: Vec<DeclaredForeignKey<'_>> = keys
        .iter()
        .map(|(table, key)| DeclaredForeignKey { table, key })
        .collect();
    orphan_rows(db, &declared)
}

/// The keys of [`orphan_rows_of_catalog`]'s rows, each with its referencing table: adjacent
/// rows of the same table and constraint are one key's columns, in order.
fn catalog_keys(catalog: &Rows) -> Vec<(String, ForeignKey)> {
    let mut keys: Vec<(String, ForeignKey)> = Vec::new();
    for row in catalog {
        let (table, name) = (text_cell(row, 0), text_cell(row, 1));
        let column = text_cell(row, 2).to_string();
        let referenced = text_cell(row, 4).to_string();
        match keys.last_mut() {
            Some((t, k)) if t == table && k.name.as_deref() == Some(name) => {
                k.columns.push(column);
                k.references.columns.push(referenced);
            }
            _ => keys.push((
                table.to_string(),
                ForeignKey {
                    name: Some(name.to_string()),
                    columns: vec![column],
                    references: Reference {
                        table: text_cell(row, 3).to_string(),
                        columns: vec![referenced],
                    },
                    on_delete: Action::default(),
                    on_update: Action::default(),
                },
            )),
        }
    }
    keys
}

/// `SELECT i, COUNT(*) FROM child c WHERE <all key columns set> AND NOT EXISTS (<parent>)`
/// for each key `i`, joined by `UNION ALL`.
fn orphan_sql(keys: &[DeclaredForeignKey<'_>], dialect: crate::Dialect) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let set: Vec<String> = k
                .key
                .columns
                .iter()
                .map(|c| format!("c.{} IS NOT NULL", ident(c, dialect)))
                .collect();
            let matches: Vec<String> = k
                .key
                .columns
                .iter()
                .zip(&k.key.references.columns)
                .map(|(c, p)| format!("p.{} = c.{}", ident(p, dialect), ident(c, dialect)))
                .collect();
            format!(
                "SELECT {i}, COUNT(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p WHERE {})",
                ident(k.table, dialect),
                set.join(" AND "),
                ident(&k.key.references.table, dialect),
                matches.join(" AND ")
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;

    #[test]
    fn catalog_rows_of_one_key_become_its_columns_in_order() {
        let cell = |v: &str| Some(v.to_string());
        let row = |t: &str, k: &str, c: &str, p: &str, pc: &str| {
            vec![cell(t), cell(k), cell(c), cell(p), cell(pc)]
        };
        let catalog = vec![
            row("child", "fk_ab", "a", "parent", "x"),
            row("child", "fk_ab", "b", "parent", "y"),
            row("child", "fk_c", "c", "other", "id"),
            row("next", "fk_ab", "a", "parent", "x"),
        ];
        let keys: Vec<String> = catalog_keys(&catalog)
            .into_iter()
            .map(|(t, k)| {
                format!(
                    "{t}.{}({}) -> {}({})",
                    k.name.unwrap_or_default(),
                    k.columns.join(", "),
                    k.references.table,
                    k.references.columns.join(", ")
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                "child.fk_ab(a, b) -> parent(x, y)",
                "child.fk_c(c) -> other(id)",
                "next.fk_ab(a) -> parent(x)",
            ]
        );
    }

    #[test]
    fn one_select_per_key_with_null_columns_excluded() {
        let key = ForeignKey {
            name: Some("fk".into()),
            columns: vec!["a".into(), "b".into()],
            references: Reference {
                table: "Parent".into(),
                columns: vec!["x".into(), "y".into()],
            },
            on_delete: Default::default(),
            on_update: Default::default(),
        };
        let keys = [
            DeclaredForeignKey {
                table: "child",
                key: &key,
            },
            DeclaredForeignKey {
                table: "other",
                key: &key,
            },
        ];
        let sql = orphan_sql(&keys, Dialect::Mysql);
        assert_eq!(
            sql,
            "SELECT 0, COUNT(*) FROM child c WHERE c.a IS NOT NULL AND c.b IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM `Parent` p WHERE p.x = c.a AND p.y = c.b) UNION ALL \
             SELECT 1, COUNT(*) FROM other c WHERE c.a IS NOT NULL AND c.b IS NOT NULL AND NOT EXISTS \
             (SELECT 1 FROM `Parent` p WHERE p.x = c.a AND p.y = c.b)"
        );
    }
}
