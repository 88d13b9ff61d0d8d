//! What [`crate::ops::health()`] reads from one introspection of the schema: the number of
//! indexes of each table, and the advisory of foreign keys no index covers (a lookup of the
//! child rows, as every `ON DELETE` of a parent row does, then scans the whole child table).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::Dialect;
use crate::schema::{Schema, Table};

/// Foreign keys without an index, as advice: it never makes the database unhealthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexAdvisory {
    /// Every foreign key no index, unique constraint or primary key covers, by table.
    pub unindexed_foreign_keys: Vec<UnindexedForeignKey>,
    /// Why the list is empty by construction, where it is (MySQL/MariaDB).
    pub note: Option<String>,
    /// Why the schema could not be read (then the list is empty).
    pub error: Option<String>,
}

/// A foreign key whose columns lead no index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnindexedForeignKey {
    /// The referencing (child) table.
    pub table: String,
    /// The constraint's name, where the database keeps one (SQLite does not).
    pub constraint: Option<String>,
    /// The key's columns, in key order.
    pub columns: Vec<String>,
    /// The referenced (parent) table.
    pub references: String,
}

/// Why MySQL/MariaDB never has an unindexed foreign key.
pub const INNODB_NOTE: &str = "InnoDB creates an index for every foreign key that has none (introspection hides it): none can be unindexed";

impl IndexAdvisory {
    /// The advisory for `schema` as read from a `dialect` database.
    pub fn of(schema: &Schema, dialect: Dialect) -> IndexAdvisory {
        if dialect == Dialect::Mysql {
            return IndexAdvisory {
                unindexed_foreign_keys: Vec::new(),
                note: Some(INNODB_NOTE.to_string()),
                error: None,
            };
        }
        IndexAdvisory {
            unindexed_foreign_keys: unindexed_foreign_keys(schema),
            note: None,
            error: None,
        }
    }

    /// The advisory when the schema could not be read.
    pub fn failed(error: String) -> IndexAdvisory {
        IndexAdvisory {
            unindexed_foreign_keys: Vec::new(),
            note: None,
            error: Some(error),
        }
    }
}

/// The foreign keys of `schema` that no index covers, sorted by table then columns.
pub fn unindexed_foreign_keys(schema: &Schema) -> Vec<UnindexedForeignKey> {
    let mut found: Vec<UnindexedForeignKey> = schema
        .tables
        .iter()
        .flat_map(|t| {
            let leads = leading_columns(t);
            t.foreign_keys
                .iter()
                .filter(move |k| !k.columns.is_empty() && !covered(&leads, &k.columns))
                .map(|k| UnindexedForeignKey {
                    table: t.name.clone(),
                    constraint: k.name.clone(),
                    columns: k.columns.clone(),
                    references: k.references.table.clone(),
                })
        })
        .collect();
    found.sort_by(|a, b| (&a.table, &a.columns).cmp(&(&b.table, &b.columns)));
    found
}

/// The number of indexes of each table: its indexes, unique constraints and primary key. On
/// MySQL/MariaDB, plus the index InnoDB made for each foreign key no other index covers,
/// which introspection does not report.
pub fn index_counts(schema: &Schema, dialect: Dialect) -> BTreeMap<String, usize> {
    schema
        .tables
        .iter()
        .map(|t| {
            let mut n = t.indexes.len() + t.unique.len() + usize::from(!t.primary_key.is_empty());
            if dialect == Dialect::Mysql {
                let leads = leading_columns(t);
                n += t
                    .foreign_keys
                    .iter()
                    .filter(|k| !covered(&leads, &k.columns))
                    .count();
            }
            (t.name.clone(), n)
        })
        .collect()
}

/// The column lists that can serve a lookup of the rows of `t`: every full (not partial)
/// index, unique constraint and the primary key, each in its order.
fn leading_columns(t: &Table) -> Vec<Vec<&str>> {
    let mut leads: Vec<Vec<&str>> = t
        .indexes
        .iter()
        .filter(|i| i.predicate.is_none())
        .map(|i| i.columns.iter().map(|c| c.name()).collect())
        .collect();
    leads.extend(
        t.unique
            .iter()
            .map(|u| u.columns.iter().map(String::as_str).collect()),
    );
    if !t.primary_key.is_empty() {
        leads.push(t.primary_key.iter().map(String::as_str).collect());
    }
    leads
}

/// Whether one of `leads` starts with exactly `columns`, in any order within that prefix.
fn covered(leads: &[Vec<&str>], columns: &[String]) -> bool {
    let wanted: BTreeSet<&str> = columns.iter().map(String::as_str).collect();
    leads.iter().any(|lead| {
        lead.len() >= columns.len()
            && lead[..columns.len()]
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                == wanted
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn schema(json: &str) -> Schema {
        serde_json::from_str(json).unwrap()
    }

    const SHOP: &str = r#"{"tables": [
      {"name": "users", "columns": [{"name": "id", "type": "bigint"}], "primary_key": ["id"]},
      {"name": "orders", "columns": [{"name": "id", "type": "bigint"}, {"name": "user_id", "type": "bigint"},
         {"name": "a", "type": "bigint"}, {"name": "b", "type": "bigint"}],
       "primary_key": ["id"],
       "indexes": [{"name": "i_ba", "columns": ["b", "a", "id"]},
                   {"name": "i_user_live", "columns": ["user_id"], "where": "a IS NULL"}],
       "foreign_keys": [
         {"name": "fk_user", "columns": ["user_id"], "references": {"table": "users", "columns": ["id"]}},
         {"name": "fk_ab", "columns": ["a", "b"], "references": {"table": "pairs", "columns": ["x", "y"]}},
         {"name": "fk_a", "columns": ["a"], "references": {"table": "users", "columns": ["id"]}},
         {"name": "fk_id", "columns": ["id"], "references": {"table": "users", "columns": ["id"]}}]}
    ]}"#;

    #[test]
    fn a_key_is_covered_by_the_leading_columns_of_a_full_index_in_any_order() {
        let s = schema(SHOP);
        let found: Vec<(String, Vec<String>)> = unindexed_foreign_keys(&s)
            .into_iter()
            .map(|k| (k.table, k.columns))
            .collect();
        // (a, b) leads i_ba (as b, a); id leads the primary key; a alone leads nothing (b
        // comes first in i_ba); user_id has only a partial index.
        assert_eq!(
            found,
            [
                ("orders".to_string(), vec!["a".to_string()]),
                ("orders".to_string(), vec!["user_id".to_string()]),
            ]
        );
        let advisory = IndexAdvisory::of(&s, Dialect::Postgres);
        assert_eq!(advisory.unindexed_foreign_keys.len(), 2);
        assert!(advisory.note.is_none());
    }

    #[test]
    fn mysql_reports_no_unindexed_key_and_counts_the_hidden_indexes() {
        let s = schema(SHOP);
        let advisory = IndexAdvisory::of(&s, Dialect::Mysql);
        assert!(advisory.unindexed_foreign_keys.is_empty());
        assert_eq!(advisory.note.as_deref(), Some(INNODB_NOTE));
        let counts = index_counts(&s, Dialect::Postgres);
        assert_eq!((counts["users"], counts["orders"]), (1, 3));
        let counts = index_counts(&s, Dialect::Mysql);
        assert_eq!((counts["users"], counts["orders"]), (1, 5));
    }
}
