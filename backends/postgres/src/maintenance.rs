//! Health checks and maintenance on PostgreSQL, in the current schema: invalid indexes and
//! page checksum failures, orphan rows of keys the server does not guarantee, sizes from
//! `pg_total_relation_size`, and `VACUUM (ANALYZE)`. Every function runs a fixed number of
//! queries whatever the number of tables.

use cairn::ops::{
    DeclaredForeignKey, ForeignKeyViolation, StorageSizes, TableAction, TableSize, orphan_rows,
};
use cairn::schema::ident;
use cairn::{Backend, BackendError, Dialect};

use crate::Postgres;

/// Base and partitioned tables of the current schema, with their dead row versions.
const TABLES: &str = "SELECT c.relname, pg_total_relation_size(c.oid), COALESCE(s.n_dead_tup, 0)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
    ORDER BY c.relname";

/// Indexes a failed `CREATE INDEX CONCURRENTLY` (or `REINDEX CONCURRENTLY`) left invalid, and
/// page checksum failures the server counted (NULL when data checksums are off).
pub fn integrity_check(db: &mut Postgres) -> Result<Vec<String>, BackendError> {
    let mut problems: Vec<String> = db
        .query(
            "SELECT ic.relname, tc.relname FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_class tc ON tc.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = tc.relnamespace
             WHERE NOT (i.indisvalid AND i.indisready) AND n.nspname = current_schema()
             ORDER BY ic.relname",
        )?
        .into_iter()
        .map(|row| {
            format!(
                "index {} on {} is invalid (left by a failed CREATE INDEX CONCURRENTLY?): the planner ignores it; drop and create it again",
                text(&row, 0),
                text(&row, 1)
            )
        })
        .collect();
    let failures = db.query(
        "SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database()",
    )?;
    if let Some(n) = failures
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| *n > 0)
    {
        problems.push(format!(
            "{n} data page checksum failures since the statistics were reset: storage corruption"
        ));
    }
    Ok(problems)
}

/// Orphan rows of the keys the server does not guarantee: `NOT VALID` ones (rows older than
/// the key were never checked) and ones whose triggers were disabled (`ALTER TABLE ... DISABLE
/// TRIGGER ALL`). A validated key with enabled triggers cannot have orphans, so it costs
/// nothing. Two catalog queries and one `UNION ALL` count, and none when every key is sound.
pub fn foreign_key_violations(db: &mut Postgres) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    let unguarded: Vec<(String, String)> = db
        .query(
            "SELECT cl.relname, c.conname FROM pg_constraint c
             JOIN pg_class cl ON cl.oid = c.conrelid
             JOIN pg_namespace n ON n.oid = cl.relnamespace
             WHERE c.contype = 'f' AND n.nspname = current_schema()
               AND (NOT c.convalidated OR EXISTS (
                    SELECT 1 FROM pg_trigger t WHERE t.tgconstraint = c.oid AND t.tgenabled = 'D'))",
        )?
        .iter()
        .map(|row| (text(row, 0), text(row, 1)))
        .collect();
    if unguarded.is_empty() {
        return Ok(Vec::new());
    }
    let schema = db.introspect()?;
    let keys: Vec<DeclaredForeignKey<'_>> = schema
        .tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(move |k| (t, k)))
        .filter(|(t, k)| {
            unguarded
                .iter()
                .any(|(table, name)| *table == t.name && k.name.as_deref() == Some(name))
        })
        .map(|(t, key)| DeclaredForeignKey {
            table: &t.name,
            key,
        })
        .collect();
    orphan_rows(db, &keys)
}

/// `pg_database_size` and each table's `pg_total_relation_size` (heap, indexes, TOAST).
pub fn table_sizes(db: &mut Postgres) -> Result<StorageSizes, BackendError> {
    let database_bytes = db
        .query("SELECT pg_database_size(current_database())")?
        .first()
        .map(|r| number(r, 0))
        .unwrap_or(0);
    let tables = db
        .query(TABLES)?
        .iter()
        .map(|row| TableSize {
            table: text(row, 0),
            bytes: number(row, 1),
        })
        .collect();
    Ok(StorageSizes {
        database_bytes,
        tables,
    })
}

/// One `VACUUM (ANALYZE)` statement naming every table of the schema (with `full`: `VACUUM
/// (FULL, ANALYZE)`, which rewrites each table under an exclusive lock and gives the space
/// back to the operating system). Reports each table's dead row versions before.
pub fn optimize(db: &mut Postgres, full: bool) -> Result<Vec<TableAction>, BackendError> {
    let tables: Vec<(String, u64)> = db
        .query(TABLES)?
        .iter()
        .map(|row| (text(row, 0), number(row, 2)))
        .collect();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = tables
        .iter()
        .map(|(t, _)| ident(t, Dialect::Postgres))
        .collect();
    let options = if full { "FULL, ANALYZE" } else { "ANALYZE" };
    db.query(&format!("VACUUM ({options}) {}", names.join(", ")))?;
    let actions: Vec<String> = if full {
        vec!["vacuum full".into(), "analyze".into()]
    } else {
        vec!["vacuum".into(), "analyze".into()]
    };
    Ok(tables
        .into_iter()
        .map(|(table, dead)| TableAction {
            table,
            actions: actions.clone(),
            messages: vec![format!("{dead} dead row versions before")],
        })
        .collect())
}

fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}

fn number(row: &[Option<String>], i: usize) -> u64 {
    row.get(i)
        .cloned()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
