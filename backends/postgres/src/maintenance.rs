//! Health checks and maintenance on PostgreSQL, in the current schema: invalid indexes and
//! page checksum failures (one query), orphan rows of keys the server does not guarantee
//! (one catalog query, one count), sizes from `pg_total_relation_size`, and `VACUUM
//! (ANALYZE)`. Every function runs a fixed number of queries whatever the number of tables,
//! and none introspects the schema.

use cairn::ops::{
    ForeignKeyViolation, StorageSizes, TableAction, TableSize, number_cell, orphan_rows_of_catalog,
    text_cell,
};
use cairn::schema::ident;
use cairn::{BackendError, Dialect, Driver};

use crate::Postgres;

/// Base and partitioned tables of the current schema, with their dead row versions.
const TABLES: &str = "SELECT c.relname, pg_total_relation_size(c.oid), COALESCE(s.n_dead_tup, 0)
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
    ORDER BY c.relname";

/// Indexes a failed `CREATE INDEX CONCURRENTLY` (or `REINDEX CONCURRENTLY`) left invalid, and
/// page checksum failures the server counted (NULL when data checksums are off): one query.
pub fn integrity_check(db: &mut Postgres) -> Result<Vec<String>, BackendError> {
    Ok(db
        .query(
            "SELECT 'index', ic.relname::text, tc.relname::text FROM pg_index i
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_class tc ON tc.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = tc.relnamespace
             WHERE NOT (i.indisvalid AND i.indisready) AND n.nspname = current_schema()
             UNION ALL
             SELECT 'checksums', checksum_failures::text, NULL FROM pg_stat_database
             WHERE datname = current_database() AND checksum_failures > 0
             ORDER BY 1, 2",
        )?
        .iter()
        .map(|row| match text_cell(row, 0) {
            "index" => format!(
                "index {} on {} is invalid (left by a failed CREATE INDEX CONCURRENTLY?): the planner ignores it; drop and create it again",
                text_cell(row, 1),
                text_cell(row, 2)
            ),
            _ => format!(
                "{} data page checksum failures since the statistics were reset: storage corruption",
                text_cell(row, 1)
            ),
        })
        .collect())
}

/// Every column of the foreign keys within the current schema that the server does not
/// guarantee, in key order: `NOT VALID` ones (rows older than the key were never checked) and
/// ones whose triggers were disabled (`ALTER TABLE ... DISABLE TRIGGER ALL`). The catalog
/// [`orphan_rows_of_catalog`] reads.
const UNGUARDED_KEY_COLUMNS: &str = "SELECT cl.relname::text, c.conname::text, a.attname::text,
        r.relname::text, ra.attname::text
    FROM pg_constraint c
    JOIN pg_class cl ON cl.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = cl.relnamespace
    JOIN pg_class r ON r.oid = c.confrelid AND r.relnamespace = n.oid
    CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
    JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum
    WHERE c.contype = 'f' AND n.nspname = current_schema()
      AND (NOT c.convalidated OR EXISTS (
           SELECT 1 FROM pg_trigger t WHERE t.tgconstraint = c.oid AND t.tgenabled = 'D'))
    ORDER BY cl.relname, c.conname, k.ord";

/// Orphan rows of the keys the server does not guarantee ([`UNGUARDED_KEY_COLUMNS`]). A
/// validated key with enabled triggers cannot have orphans, so it costs nothing. One catalog
/// query and one `UNION ALL` count, and only the first when every key is sound.
pub fn foreign_key_violations(db: &mut Postgres) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    let catalog = db.query(UNGUARDED_KEY_COLUMNS)?;
    orphan_rows_of_catalog(db, &catalog)
}

/// `pg_database_size` and each table's `pg_total_relation_size` (heap, indexes, TOAST).
pub fn table_sizes(db: &mut Postgres) -> Result<StorageSizes, BackendError> {
    let database_bytes = db
        .query("SELECT pg_database_size(current_database())")?
        .first()
        .and_then(|r| number_cell(r, 0))
        .unwrap_or(0);
    let tables = db
        .query(TABLES)?
        .iter()
        .map(|row| TableSize {
            table: text_cell(row, 0).to_string(),
            bytes: number_cell(row, 1).unwrap_or(0),
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
        .map(|row| {
            (
                text_cell(row, 0).to_string(),
                number_cell(row, 2).unwrap_or(0),
            )
        })
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
