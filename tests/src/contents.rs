//! What a database holds, read as text through the catalogs, so two databases built by
//! different means (Cairn and a native client) can be compared: every user object (tables,
//! views, indexes, routines, triggers, rules, with their definitions) and every row of every
//! table and view. Cairn's own `cairn_*` objects are left out.

use crate::conn::Conn;
use crate::{Kind, TestDb};

/// The objects and rows of one database, comparable with `==`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// For each catalog query of [`object_queries`]: the query and its rows.
    pub objects: Vec<(&'static str, Vec<Vec<String>>)>,
    /// For each user table and view (quoted name): its rows, sorted.
    pub rows: Vec<(String, Vec<Vec<String>>)>,
}

impl Contents {
    /// Reads every object and row of `db`.
    pub fn of(db: &TestDb) -> Contents {
        // MySQL qualifies names in view definitions with the database, which differs between
        // two test databases: leave it out.
        let qualifier = format!("`{}`.", db.name());
        let unqualified = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
            rows.into_iter()
                .map(|row| row.into_iter().map(|v| v.replace(&qualifier, "")).collect())
                .collect()
        };
        let objects = object_queries(db.kind)
            .iter()
            .map(|&query| (query, unqualified(rows(db, query))))
            .collect();
        let rows = rows(db, relation_query(db.kind))
            .into_iter()
            .map(|r| {
                let name = r[0].clone();
                let mut data = rows(db, &format!("SELECT * FROM {name}"));
                data.sort();
                (name, data)
            })
            .collect();
        Contents { objects, rows }
    }

    /// Whether the database holds no user object at all.
    pub fn is_empty(&self) -> bool {
        self.objects.iter().all(|(_, rows)| rows.is_empty()) && self.rows.is_empty()
    }

    /// How many user objects the catalog queries found (rows over all of them).
    pub fn object_count(&self) -> usize {
        self.objects.iter().map(|(_, rows)| rows.len()).sum()
    }
}

/// Catalog queries listing the user objects with their definitions, one per kind of object.
pub fn object_queries(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Sqlite => &["SELECT type, name, tbl_name, sql FROM sqlite_schema \
             WHERE name NOT LIKE 'sqlite%' AND name NOT LIKE 'cairn%' ORDER BY type, name"],
        Kind::Postgres => &[
            "SELECT c.relname, c.relkind FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname NOT LIKE 'cairn%' ORDER BY 1",
            "SELECT p.proname, p.prokind, pg_get_functiondef(p.oid) FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = current_schema() ORDER BY 1",
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND n.nspname = current_schema() ORDER BY 1",
            "SELECT rulename, definition FROM pg_rules WHERE schemaname = current_schema() ORDER BY 1",
            "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema() ORDER BY 1",
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename NOT LIKE 'cairn%' ORDER BY 1",
        ],
        Kind::Mysql => &[
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'cairn%' ORDER BY 1",
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1",
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, \
             ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
            "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS \
             WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
            "SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'cairn%' ORDER BY 1, 2, 3",
        ],
    }
}

/// User tables and views, quoted for use in a query, sorted.
pub fn relation_query(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => {
            "SELECT '\"' || name || '\"' FROM sqlite_schema WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'cairn%' ORDER BY 1"
        }
        Kind::Postgres => {
            "SELECT quote_ident(table_name) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name NOT LIKE 'cairn%' ORDER BY 1"
        }
        Kind::Mysql => {
            "SELECT CONCAT('`', TABLE_NAME, '`') FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'cairn%' ORDER BY 1"
        }
    }
}

/// All rows of `sql` on `db`, every value as text (`NULL` for null).
pub fn rows(db: &TestDb, sql: &str) -> Vec<Vec<String>> {
    let failed = |e: &dyn std::fmt::Display| -> ! { panic!("{}: `{sql}` failed: {e}", db.kind) };
    match db.connect() {
        Conn::Sqlite(conn) => {
            use rusqlite::types::ValueRef;
            let mut stmt = conn.prepare(sql).unwrap_or_else(|e| failed(&e));
            let n = stmt.column_count();
            stmt.query_map([], |row| {
                (0..n)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => "NULL".to_string(),
                            ValueRef::Integer(v) => v.to_string(),
                            ValueRef::Real(v) => v.to_string(),
                            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                            ValueRef::Blob(b) => format!("{b:?}"),
                        })
                    })
                    .collect()
            })
            .and_then(|rows| rows.collect())
            .unwrap_or_else(|e| failed(&e))
        }
        Conn::Postgres(mut client) => {
            // The simple protocol returns every value as text, whatever its type.
            let messages = client.simple_query(sql).unwrap_or_else(|e| failed(&e));
            messages
                .iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("NULL").to_string())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect()
        }
        Conn::Mysql(mut conn) => {
            use mysql::prelude::Queryable as _;
            let result: Vec<mysql::Row> = conn.query(sql).unwrap_or_else(|e| failed(&e));
            result
                .into_iter()
                .map(|row| {
                    row.unwrap()
                        .into_iter()
                        .map(|v| match v {
                            mysql::Value::NULL => "NULL".to_string(),
                            mysql::Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect()
        }
    }
}
