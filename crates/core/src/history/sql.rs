//! The history table's SQL for each dialect, as data: its DDL, the catalog query that lists
//! its columns, and the statements that read and write rows. Parameters are numbered in the
//! order they appear, so one text serves `$n` and `?` placeholders alike.

use super::{HISTORY_COLUMNS, HistoryStatus};
use crate::Dialect;

/// Column types per dialect, in [`HISTORY_COLUMNS`] order.
pub fn column_types(dialect: Dialect) -> [&'static str; 14] {
    match dialect {
        Dialect::Sqlite => [
            "TEXT PRIMARY KEY NOT NULL",
            "TEXT NOT NULL",
            "TEXT NOT NULL DEFAULT ''",
            "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            "INTEGER NOT NULL DEFAULT 0",
            "TEXT NOT NULL DEFAULT ''",
            "TEXT NOT NULL",
            "TEXT",
            "TEXT",
            "TEXT NOT NULL DEFAULT '[]'",
            "TEXT NOT NULL DEFAULT 'applied'",
            "INTEGER NOT NULL",
            "INTEGER",
            "TEXT",
        ],
        Dialect::Postgres => [
            "VARCHAR(255) PRIMARY KEY",
            "CHAR(64) NOT NULL",
            "TEXT NOT NULL DEFAULT ''",
            "TIMESTAMPTZ NOT NULL DEFAULT now()",
            "BIGINT NOT NULL DEFAULT 0",
            "TEXT NOT NULL DEFAULT ''",
            "TEXT NOT NULL",
            "TEXT",
            "TEXT",
            "TEXT NOT NULL DEFAULT '[]'",
            "VARCHAR(16) NOT NULL DEFAULT 'applied'",
            "BIGINT NOT NULL",
            "BIGINT",
            "TEXT",
        ],
        // `applied_at` is always written as UTC_TIMESTAMP(6), never through a default:
        // DATETIME has no time zone, and CURRENT_TIMESTAMP would store the session's local
        // time. Binary collation on `id`: ids compare exactly, as the engine compares them.
        Dialect::Mysql => [
            "VARCHAR(255) COLLATE utf8mb4_bin NOT NULL",
            "CHAR(64) NOT NULL",
            "TEXT NOT NULL",
            "DATETIME(6) NOT NULL",
            "BIGINT NOT NULL DEFAULT 0",
            "VARCHAR(255) NOT NULL DEFAULT ''",
            "VARCHAR(32) NOT NULL",
            "LONGTEXT NULL",
            "LONGTEXT NULL",
            "TEXT NOT NULL",
            "VARCHAR(16) NOT NULL DEFAULT 'applied'",
            "BIGINT NOT NULL",
            "BIGINT NULL",
            "TEXT NULL",
        ],
    }
}

/// The columns an insert of a new row writes, after `id` and before `applied_at`'s `now`.
pub const INSERTED: [&str; 11] = [
    "id",
    "checksum",
    "description",
    "execution_ms",
    "applied_by",
    "engine_version",
    "up_sql",
    "down_sql",
    "depends_on",
    "status",
    "installed_rank",
];

/// The history table's statements for one dialect and table name.
#[derive(Debug, Clone)]
pub struct HistorySql {
    dialect: Dialect,
    /// The table name as plainly given (a validated identifier).
    name: String,
    /// The table name as written in statements.
    table: String,
}

impl HistorySql {
    /// Statements for table `name` (a plain identifier, checked by `ConnectOptions`).
    pub fn new(dialect: Dialect, name: &str) -> HistorySql {
        let table = match dialect {
            Dialect::Mysql => format!("`{name}`"),
            Dialect::Sqlite | Dialect::Postgres => name.to_string(),
        };
        HistorySql {
            dialect,
            name: name.to_string(),
            table,
        }
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Dialect::Postgres => "now()",
            Dialect::Mysql => "UTC_TIMESTAMP(6)",
        }
    }

    /// Placeholders `first..first + count`, comma-separated.
    pub fn places(&self, first: usize, count: usize) -> String {
        (first..first + count)
            .map(|n| self.dialect.placeholder(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// One row per column of the table; no rows when it does not exist.
    pub fn columns(&self) -> String {
        let name = &self.name;
        match self.dialect {
            Dialect::Sqlite => format!("SELECT name FROM pragma_table_info('{name}')"),
            Dialect::Postgres => format!(
                "SELECT attname::text FROM pg_attribute
                 WHERE attrelid = to_regclass('{name}') AND attnum > 0 AND NOT attisdropped"
            ),
            Dialect::Mysql => format!(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{name}'"
            ),
        }
    }

    /// Creates the table.
    pub fn create(&self) -> String {
        let columns: Vec<String> = HISTORY_COLUMNS
            .iter()
            .zip(column_types(self.dialect))
            .map(|(name, ty)| match self.dialect {
                Dialect::Mysql => format!("`{name}` {ty}"),
                Dialect::Sqlite | Dialect::Postgres => format!("{name} {ty}"),
            })
            .collect();
        match self.dialect {
            Dialect::Mysql => format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  {},\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
                self.table,
                columns.join(",\n  ")
            ),
            Dialect::Sqlite | Dialect::Postgres => format!(
                "CREATE TABLE IF NOT EXISTS {} (\n  {}\n)",
                self.table,
                columns.join(",\n  ")
            ),
        }
    }

    /// Every row, columns in [`HISTORY_COLUMNS`] order, `applied_at` as ISO-8601 UTC with
    /// milliseconds on every dialect. Unordered: the reader sorts by rank, because the table
    /// has no index on it and a server's sort of rows with long text columns (MariaDB's
    /// filesort) cost more than the rest of the query.
    pub fn select(&self) -> String {
        let applied_at = match self.dialect {
            Dialect::Sqlite => "applied_at",
            Dialect::Postgres => {
                "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            }
            Dialect::Mysql => {
                "CONCAT(LEFT(DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"
            }
        };
        let columns: Vec<&str> = HISTORY_COLUMNS
            .iter()
            .map(|c| if *c == "applied_at" { applied_at } else { c })
            .collect();
        format!("SELECT {} FROM {}", columns.join(", "), self.table)
    }

    /// Inserts `rows` new rows (parameters: [`INSERTED`] per row), `applied_at` now.
    pub fn insert(&self, rows: usize) -> String {
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let first = r * INSERTED.len() + 1;
                format!("({}, {})", self.places(first, INSERTED.len()), self.now())
            })
            .collect();
        format!(
            "INSERT INTO {} ({}, applied_at) VALUES {}",
            self.table,
            INSERTED.join(", "),
            tuples.join(", ")
        )
    }

    /// Inserts one `running` row (parameters: [`INSERTED`]) whose next statement is the first:
    /// a row of this version always says how far its run got.
    pub fn insert_running(&self) -> String {
        format!(
            "INSERT INTO {} ({}, applied_at, failed_statement) VALUES ({}, {}, 1)",
            self.table,
            INSERTED.join(", "),
            self.places(1, INSERTED.len()),
            self.now()
        )
    }

    /// Records how far a `running` or `reverting` row got (parameters: the 1-based statement
    /// to run next, id): every statement before it took effect.
    pub fn progress(&self) -> String {
        format!(
            "UPDATE {} SET failed_statement = {} WHERE id = {}",
            self.table,
            self.dialect.placeholder(1),
            self.dialect.placeholder(2)
        )
    }

    /// Marks a row applied now, its `execution_ms` the time since the row was written
    /// `running` as the database measures it (parameter: id), for a run whose statements and
    /// records go in one exchange, so the client never learns the time in between. MySQL
    /// only: `None` elsewhere. `execution_ms` is set before `applied_at`, so it reads the old
    /// value whichever order the server assigns in.
    pub fn finish_measured(&self) -> Option<String> {
        (self.dialect == Dialect::Mysql).then(|| {
            format!(
                "UPDATE {} SET status = 'applied',
                     execution_ms = TIMESTAMPDIFF(MICROSECOND, applied_at, UTC_TIMESTAMP(6)) DIV 1000,
                     applied_at = UTC_TIMESTAMP(6), failed_statement = NULL, error = NULL
                 WHERE id = ?",
                self.table
            )
        })
    }

    /// Marks a row applied now (parameters: execution_ms, id).
    pub fn finish(&self) -> String {
        format!(
            "UPDATE {} SET status = 'applied', execution_ms = {}, applied_at = {},
                 failed_statement = NULL, error = NULL WHERE id = {}",
            self.table,
            self.dialect.placeholder(1),
            self.now(),
            self.dialect.placeholder(2)
        )
    }

    /// Marks a row running, recording the file's current checksum, description and SQL
    /// (parameters: checksum, description, up_sql, down_sql, 1-based statement to run next,
    /// id).
    pub fn resume(&self) -> String {
        let p = |n| self.dialect.placeholder(n);
        format!(
            "UPDATE {} SET status = 'running', error = NULL, checksum = {}, description = {},
                 up_sql = {}, down_sql = {}, failed_statement = {} WHERE id = {}",
            self.table,
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6)
        )
    }

    /// Marks a row reverting before it is reverted (parameters: 1-based statement of the down
    /// to run next, id).
    pub fn reverting(&self) -> String {
        format!(
            "UPDATE {} SET status = 'reverting', failed_statement = {}, error = NULL WHERE id = {}",
            self.table,
            self.dialect.placeholder(1),
            self.dialect.placeholder(2)
        )
    }

    /// Marks a row failed (parameters: 1-based statement, message, id): `failed` for an
    /// apply, `revert_failed` for a revert.
    pub fn fail(&self, status: HistoryStatus) -> String {
        let p = |n| self.dialect.placeholder(n);
        format!(
            "UPDATE {} SET status = '{}', failed_statement = {}, error = {} WHERE id = {}",
            self.table,
            status.as_str(),
            p(1),
            p(2),
            p(3)
        )
    }

    /// Marks a row applied again, keeping why its revert failed (parameters: message, id).
    pub fn still_applied(&self) -> String {
        let p = |n| self.dialect.placeholder(n);
        format!(
            "UPDATE {} SET status = 'applied', failed_statement = NULL, error = {} WHERE id = {}",
            self.table,
            p(1),
            p(2)
        )
    }

    /// Deletes a row (parameter: id).
    pub fn delete(&self) -> String {
        format!(
            "DELETE FROM {} WHERE id = {}",
            self.table,
            self.dialect.placeholder(1)
        )
    }

    /// Inserts a row exactly as it was read, every column given (parameters: every column of
    /// [`HISTORY_COLUMNS`] in order, `applied_at` as read, see [`HistorySql::applied_at`]).
    pub fn restore(&self) -> String {
        let values: Vec<String> = (1..=HISTORY_COLUMNS.len())
            .map(|n| {
                let p = self.dialect.placeholder(n);
                if HISTORY_COLUMNS[n - 1] == "applied_at" && self.dialect == Dialect::Postgres {
                    format!("CAST({p}::text AS timestamptz)")
                } else {
                    p
                }
            })
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.table,
            HISTORY_COLUMNS.join(", "),
            values.join(", ")
        )
    }

    /// `applied_at` as read (`YYYY-MM-DDTHH:MM:SS.mmmZ`) in the form [`HistorySql::restore`]
    /// stores: a MySQL DATETIME takes it without the `T` and the `Z`.
    pub fn applied_at(&self, read: &str) -> String {
        match self.dialect {
            Dialect::Mysql => read.trim_end_matches('Z').replacen('T', " ", 1),
            Dialect::Sqlite | Dialect::Postgres => read.to_string(),
        }
    }
}

/// `value` as a MySQL utf8mb4 string literal spelled in hex, which no `sql_mode` or escaping
/// rule can change: how a batch of rows is written on MySQL, where a server-side prepared
/// statement with thousands of parameters costs more than the round trips it saves.
pub fn mysql_text(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 2 + 12);
    out.push_str("_utf8mb4 X'");
    for b in value.bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out.push('\'');
    out
}

/// The columns [`HistorySql::insert`] takes per row, in order.
pub const INSERT_COLUMNS: usize = INSERTED.len();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_on_postgres_and_plain_elsewhere() {
        let pg = HistorySql::new(Dialect::Postgres, "h");
        assert!(pg.insert(2).contains("($12, $13,"), "{}", pg.insert(2));
        assert!(
            pg.fail(HistoryStatus::Failed)
                .ends_with("error = $2 WHERE id = $3")
        );
        let my = HistorySql::new(Dialect::Mysql, "h");
        assert!(my.delete().starts_with("DELETE FROM `h` WHERE id = ?"));
        assert_eq!(
            my.applied_at("2026-01-02T03:04:05.678Z"),
            "2026-01-02 03:04:05.678"
        );
    }

    #[test]
    fn mysql_text_is_hex_of_the_utf8_bytes() {
        assert_eq!(mysql_text("a'é"), "_utf8mb4 X'6127C3A9'");
    }
}
