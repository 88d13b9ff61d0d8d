//! Writing many history rows at once, shared by the backends: the slices of one adoption
//! batch, and the error for a failed repeatable re-run whose previous row could not be put back.

use crate::error::BackendError;
use crate::history::AppliedMigration;

/// `rows` cut into slices small enough for one multi-row `INSERT` each: at most 500 rows (well
/// under the 65,535 parameters PostgreSQL and MySQL allow in one statement) and, past the
/// first row, about 4 MB of stored SQL (under MySQL's default `max_allowed_packet`).
pub fn insert_batches(rows: &[AppliedMigration]) -> Vec<&[AppliedMigration]> {
    const MAX_ROWS: usize = 500;
    const MAX_BYTES: usize = 4 << 20;
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, row) in rows.iter().enumerate() {
        let size = row.up_sql.as_ref().map_or(0, String::len)
            + row.down_sql.as_ref().map_or(0, String::len)
            + row.description.len();
        if i > start && (i - start == MAX_ROWS || bytes + size > MAX_BYTES) {
            batches.push(&rows[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < rows.len() {
        batches.push(&rows[start..]);
    }
    batches
}

/// The error when a changed repeatable's re-run failed (`failure`) and its previous history
/// row could not be put back (`cause`): the new row stays `running`, which stops every run
/// until `migrate repair`.
pub fn put_back_failed(
    id: &str,
    failure: &dyn std::fmt::Display,
    cause: &dyn std::fmt::Display,
) -> BackendError {
    BackendError::Other(format!(
        "migration {id}: {failure}; putting back its previous history row failed too: {cause}; the row stays `running`, so the next run stops until `migrate repair {id}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::insert_batches;
    use crate::history::{AppliedMigration, HistoryStatus};

    fn row(sql_bytes: usize) -> AppliedMigration {
        AppliedMigration {
            id: "1".into(),
            checksum: String::new(),
            description: String::new(),
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: String::new(),
            engine_version: String::new(),
            up_sql: Some("x".repeat(sql_bytes)),
            down_sql: None,
            depends_on: Vec::new(),
            status: HistoryStatus::Applied,
            rank: 1,
            failed_statement: None,
            error: None,
        }
    }

    #[test]
    fn batches_are_cut_by_rows_and_by_size_and_keep_every_row_in_order() {
        let sizes = |rows: &[AppliedMigration]| -> Vec<usize> {
            insert_batches(rows).iter().map(|b| b.len()).collect()
        };
        assert!(insert_batches(&[]).is_empty());
        assert_eq!(sizes(&vec![row(10); 1001]), [500, 500, 1]);
        // 3 MB each: one row per batch, since two would pass 4 MB.
        assert_eq!(sizes(&vec![row(3 << 20); 3]), [1, 1, 1]);
        // A row larger than the limit still gets a batch of its own.
        assert_eq!(sizes(&[row(10), row(5 << 20), row(10)]), [1, 1, 1]);
        // ... also when it comes first: no empty batch before it.
        assert_eq!(sizes(&[row(5 << 20), row(10)]), [1, 1]);
        assert_eq!(sizes(&vec![row(1 << 20); 9]), [4, 4, 1]);
        // Exactly 4 MB still fits in one.
        assert_eq!(sizes(&vec![row(2 << 20); 2]), [2]);
        // Every stored text counts: down SQL and descriptions as much as up SQL.
        let big = |down: usize, description: usize| AppliedMigration {
            up_sql: Some("x".into()),
            down_sql: Some("y".repeat(down)),
            description: "d".repeat(description),
            ..row(0)
        };
        assert_eq!(sizes(&vec![big(3 << 20, 0); 3]), [1, 1, 1]);
        assert_eq!(sizes(&vec![big(0, 3 << 20); 3]), [1, 1, 1]);
        assert_eq!(sizes(&vec![big(1 << 20, 1 << 19); 4]), [2, 2]);
    }
}
