//! The history table in PostgreSQL.

use cairn::{
    AppliedMigration, BackendError, HISTORY_COLUMNS, HistoryStatus, decode_depends_on,
    encode_depends_on,
};
use postgres::types::ToSql;
use postgres::{Error, GenericClient, Row};

/// Creates the table in the current schema if absent; if present, returns the columns this
/// version needs that it lacks (none when compatible).
pub fn ensure(client: &mut impl GenericClient, table: &str) -> Result<Vec<&'static str>, Error> {
    // One catalog query answers both "does it exist" and "which columns has it".
    let row = client.query_opt(
        &format!(
            "SELECT ARRAY(SELECT attname::text FROM pg_attribute
                          WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped)
             FROM (SELECT to_regclass('{table}') AS oid) c WHERE c.oid IS NOT NULL"
        ),
        &[],
    )?;
    let Some(row) = row else {
        create(client, table)?;
        return Ok(Vec::new());
    };
    let present: Vec<String> = row.try_get(0)?;
    Ok(HISTORY_COLUMNS
        .into_iter()
        .filter(|c| !present.iter().any(|p| p == c))
        .collect())
}

/// The error for a history table that lacks `missing` columns (worded as the other backends).
pub fn incompatible(missing: &[&str], table: &str) -> BackendError {
    BackendError::Other(format!(
        "table {table} exists but lacks columns {}: it was not created by this version \
         of Cairn; rename it or migrate it by hand",
        missing.join(", ")
    ))
}

fn create(client: &mut impl GenericClient, table: &str) -> Result<(), Error> {
    client.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
            id VARCHAR(255) PRIMARY KEY,
            checksum CHAR(64) NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            execution_ms BIGINT NOT NULL DEFAULT 0,
            applied_by TEXT NOT NULL DEFAULT '',
            engine_version TEXT NOT NULL,
            up_sql TEXT,
            down_sql TEXT,
            depends_on TEXT NOT NULL DEFAULT '[]',
            status VARCHAR(16) NOT NULL DEFAULT 'applied',
            installed_rank BIGINT NOT NULL,
            failed_statement BIGINT,
            error TEXT
        )"
    ))
}

/// Whether the table exists (in the search path).
pub fn exists(client: &mut impl GenericClient, table: &str) -> Result<bool, Error> {
    client
        .query_one(&format!("SELECT to_regclass('{table}') IS NOT NULL"), &[])?
        .try_get(0)
}

/// Every row, by rank, in one query; the table must exist.
pub fn read(client: &mut impl GenericClient, table: &str) -> Result<Vec<AppliedMigration>, Error> {
    client
        .query(
            &format!(
                "SELECT id, checksum, description,
                        to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),
                        execution_ms, applied_by, engine_version, up_sql, down_sql, depends_on,
                        status, installed_rank, failed_statement, error
                 FROM {table} ORDER BY installed_rank, id"
            ),
            &[],
        )?
        .iter()
        .map(from_row)
        .collect()
}

fn from_row(r: &Row) -> Result<AppliedMigration, Error> {
    Ok(AppliedMigration {
        id: r.try_get(0)?,
        checksum: r.try_get(1)?,
        description: r.try_get(2)?,
        applied_at: r.try_get(3)?,
        execution_ms: r.try_get(4)?,
        applied_by: r.try_get(5)?,
        engine_version: r.try_get(6)?,
        up_sql: r.try_get(7)?,
        down_sql: r.try_get(8)?,
        depends_on: decode_depends_on(r.try_get(9)?),
        status: HistoryStatus::parse(r.try_get(10)?),
        rank: r.try_get(11)?,
        failed_statement: r.try_get(12)?,
        error: r.try_get(13)?,
    })
}

/// Inserts `row` with `status` and `execution_ms`; `applied_at` is the transaction's time.
pub fn insert(
    client: &mut impl GenericClient,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> Result<(), Error> {
    client.execute(
        &format!(
            "INSERT INTO {table} (id, checksum, description, execution_ms, applied_by,
                 engine_version, up_sql, down_sql, depends_on, status, installed_rank)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ),
        &[
            &row.id,
            &row.checksum,
            &row.description,
            &execution_ms,
            &row.applied_by,
            &row.engine_version,
            &row.up_sql,
            &row.down_sql,
            &encode_depends_on(&row.depends_on),
            &status.as_str(),
            &row.rank,
        ],
    )?;
    Ok(())
}

/// Marks `id` applied after a non-transactional run.
pub fn finish(
    client: &mut impl GenericClient,
    table: &str,
    id: &str,
    execution_ms: i64,
) -> Result<(), Error> {
    client.execute(
        &format!(
            "UPDATE {table} SET status = 'applied', execution_ms = $2, applied_at = now()
             WHERE id = $1"
        ),
        &[&id, &execution_ms],
    )?;
    Ok(())
}

/// Marks a failed row as running again for a resumed run, with the file's current checksum
/// and SQL (the user may have fixed the failing statement).
pub fn mark_running(
    client: &mut impl GenericClient,
    table: &str,
    row: &AppliedMigration,
) -> Result<(), Error> {
    client.execute(
        &format!(
            "UPDATE {table} SET status = 'running', failed_statement = NULL, error = NULL,
                 checksum = $2, description = $3, up_sql = $4, down_sql = $5
             WHERE id = $1"
        ),
        &[
            &row.id,
            &row.checksum,
            &row.description,
            &row.up_sql,
            &row.down_sql,
        ],
    )?;
    Ok(())
}

/// Marks `id` failed at 1-based `statement` with the database's message.
pub fn fail(
    client: &mut impl GenericClient,
    table: &str,
    id: &str,
    statement: usize,
    message: &str,
) -> Result<(), Error> {
    client.execute(
        &format!(
            "UPDATE {table} SET status = 'failed', failed_statement = $2, error = $3
             WHERE id = $1"
        ),
        &[&id, &i64::try_from(statement).unwrap_or(i64::MAX), &message],
    )?;
    Ok(())
}

/// Deletes `id`'s row.
pub fn delete(client: &mut impl GenericClient, table: &str, id: &str) -> Result<(), Error> {
    client.execute(&format!("DELETE FROM {table} WHERE id = $1"), &[&id])?;
    Ok(())
}

/// Replaces the row of `row.id` (a changed repeatable's previous run) with `row`, as
/// [`insert`] writes it; inside the caller's transaction when there is one.
pub fn replace(
    client: &mut impl GenericClient,
    table: &str,
    row: &AppliedMigration,
    status: HistoryStatus,
    execution_ms: i64,
) -> Result<(), Error> {
    delete(client, table, &row.id)?;
    insert(client, table, row, status, execution_ms)
}

/// Puts `previous` back exactly as it was read (time to the millisecond, status, rank and all)
/// in place of the row a failed re-run of the same repeatable migration wrote.
pub fn put_back(
    client: &mut impl GenericClient,
    table: &str,
    previous: &AppliedMigration,
) -> Result<(), Error> {
    delete(client, table, &previous.id)?;
    client.execute(
        &format!(
            "INSERT INTO {table} (id, checksum, description, applied_at, execution_ms, applied_by,
                 engine_version, up_sql, down_sql, depends_on, status, installed_rank,
                 failed_statement, error)
             VALUES ($1, $2, $3, CAST($4::text AS timestamptz), $5, $6, $7, $8, $9, $10, $11,
                     $12, $13, $14)"
        ),
        &[
            &previous.id,
            &previous.checksum,
            &previous.description,
            &previous.applied_at,
            &previous.execution_ms,
            &previous.applied_by,
            &previous.engine_version,
            &previous.up_sql,
            &previous.down_sql,
            &encode_depends_on(&previous.depends_on),
            &previous.status.as_str(),
            &previous.rank,
            &previous.failed_statement,
            &previous.error,
        ],
    )?;
    Ok(())
}

/// Inserts `rows` as applied (adoption), one multi-row `INSERT` per
/// [`cairn::insert_batches`] slice; the caller's transaction makes it all or nothing.
pub fn insert_applied(
    client: &mut impl GenericClient,
    table: &str,
    rows: &[AppliedMigration],
) -> Result<(), Error> {
    let applied = HistoryStatus::Applied.as_str();
    let zero: i64 = 0;
    for batch in cairn::insert_batches(rows) {
        let depends: Vec<String> = batch
            .iter()
            .map(|r| encode_depends_on(&r.depends_on))
            .collect();
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(batch.len() * 11);
        let mut tuples = Vec::with_capacity(batch.len());
        for (row, depends_on) in batch.iter().zip(&depends) {
            let first = params.len() + 1;
            let places: Vec<String> = (first..first + 11).map(|i| format!("${i}")).collect();
            tuples.push(format!("({})", places.join(", ")));
            params.extend([
                &row.id as &(dyn ToSql + Sync),
                &row.checksum,
                &row.description,
                &zero,
                &row.applied_by,
                &row.engine_version,
                &row.up_sql,
                &row.down_sql,
                depends_on,
                &applied,
                &row.rank,
            ]);
        }
        client.execute(
            &format!(
                "INSERT INTO {table} (id, checksum, description, execution_ms, applied_by,
                     engine_version, up_sql, down_sql, depends_on, status, installed_rank)
                 VALUES {}",
                tuples.join(", ")
            ),
            &params,
        )?;
    }
    Ok(())
}
