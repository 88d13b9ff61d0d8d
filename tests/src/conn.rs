//! Short-lived driver connections (rusqlite, postgres, mysql) behind one small interface.

use std::path::Path;
use std::time::Duration;

use mysql::prelude::Queryable as _;

/// The history table Cairn keeps in every database.
pub const HISTORY_TABLE: &str = "cairn_migrations";

/// Cairn's audit log beside the history table.
const AUDIT_LOG: &str = "cairn_migrations_log";

/// An open connection to one test database.
pub enum Conn {
    /// SQLite file.
    Sqlite(rusqlite::Connection),
    /// PostgreSQL.
    Postgres(Box<postgres::Client>),
    /// MySQL / MariaDB.
    Mysql(Box<mysql::Conn>),
}

impl Conn {
    /// Opens the SQLite file at `path`.
    pub fn sqlite(path: &Path) -> Conn {
        let conn = rusqlite::Connection::open(path)
            .unwrap_or_else(|e| panic!("cannot open SQLite database {}: {e}", path.display()));
        conn.busy_timeout(Duration::from_secs(10))
            .expect("cannot set the SQLite busy timeout");
        Conn::Sqlite(conn)
    }

    /// Connects to a PostgreSQL URL (no TLS: test servers are on loopback).
    pub fn postgres(url: &str) -> Conn {
        let client = postgres::Client::connect(url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {url}: {e}"));
        Conn::Postgres(Box::new(client))
    }

    /// Connects to a MySQL URL.
    pub fn mysql(url: &str) -> Conn {
        let opts =
            mysql::Opts::from_url(url).unwrap_or_else(|e| panic!("invalid MySQL URL {url}: {e}"));
        let conn = mysql::Conn::new(opts)
            .unwrap_or_else(|e| panic!("cannot connect to MySQL at {url}: {e}"));
        Conn::Mysql(Box::new(conn))
    }

    /// Runs one or more statements; panics on error.
    pub fn execute(&mut self, sql: &str) {
        if let Err(e) = self.try_execute(sql) {
            panic!("SQL failed: {e}\n{sql}");
        }
    }

    /// Like [`Conn::execute`], returning the error instead of panicking.
    pub fn try_execute(&mut self, sql: &str) -> Result<(), String> {
        match self {
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
            Conn::Postgres(c) => c.batch_execute(sql).map_err(|e| e.to_string()),
            Conn::Mysql(c) => c.query_drop(sql).map_err(|e| e.to_string()),
        }
    }

    /// The first column of the first row as an integer; panics on no row or NULL.
    pub fn scalar_i64(&mut self, sql: &str) -> i64 {
        match self {
            Conn::Sqlite(c) => c
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}")),
            Conn::Postgres(c) => {
                // The simple protocol returns text for every type (int2/4/8, numeric, ...).
                let messages = c
                    .simple_query(sql)
                    .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"));
                let row = messages
                    .iter()
                    .find_map(|m| match m {
                        postgres::SimpleQueryMessage::Row(row) => Some(row),
                        _ => None,
                    })
                    .unwrap_or_else(|| panic!("query returned no row: {sql}"));
                let text = row
                    .get(0)
                    .unwrap_or_else(|| panic!("query returned NULL: {sql}"));
                text.parse()
                    .unwrap_or_else(|e| panic!("not an integer: {text:?} ({e}): {sql}"))
            }
            Conn::Mysql(c) => {
                let value: mysql::Value = c
                    .query_first(sql)
                    .unwrap_or_else(|e| panic!("query failed: {e}\n{sql}"))
                    .unwrap_or_else(|| panic!("query returned no row: {sql}"));
                mysql::from_value_opt::<i64>(value.clone())
                    .unwrap_or_else(|_| panic!("not an integer: {value:?}: {sql}"))
            }
        }
    }

    /// User tables in the connection's database (SQLite), current schema (PostgreSQL) or
    /// current database (MySQL), sorted by name; the history table included, its audit log
    /// (`cairn_migrations_log`, which every command appends to) left out.
    pub fn tables(&mut self) -> Vec<String> {
        let mut names: Vec<String> = match self {
            Conn::Sqlite(c) => {
                let mut stmt = c
                    .prepare(
                        "SELECT name FROM sqlite_schema \
                         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
                    )
                    .expect("cannot list SQLite tables");
                stmt.query_map([], |r| r.get(0))
                    .and_then(|rows| rows.collect())
                    .expect("cannot list SQLite tables")
            }
            Conn::Postgres(c) => c
                .query(
                    "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                    &[],
                )
                .expect("cannot list PostgreSQL tables")
                .iter()
                .map(|r| r.get(0))
                .collect(),
            Conn::Mysql(c) => c
                .query(
                    "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                     WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
                )
                .expect("cannot list MySQL tables"),
        };
        names.retain(|n| n != AUDIT_LOG);
        names.sort();
        names
    }

    /// Migration ids in the history table by installed rank; empty without the table.
    pub fn history_ids(&mut self) -> Vec<String> {
        if !self.tables().iter().any(|t| t == HISTORY_TABLE) {
            return Vec::new();
        }
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c
                    .prepare(&format!(
                        "SELECT id FROM {HISTORY_TABLE} ORDER BY installed_rank, id"
                    ))
                    .expect("cannot read the history table");
                stmt.query_map([], |r| r.get(0))
                    .and_then(|rows| rows.collect())
                    .expect("cannot read the history table")
            }
            Conn::Postgres(c) => c
                .query(
                    &format!(
                        "SELECT CAST(id AS TEXT) FROM {HISTORY_TABLE} ORDER BY installed_rank, id"
                    ),
                    &[],
                )
                .expect("cannot read the history table")
                .iter()
                .map(|r| r.get(0))
                .collect(),
            Conn::Mysql(c) => c
                .query(format!(
                    "SELECT CAST(id AS CHAR) FROM {HISTORY_TABLE} ORDER BY installed_rank, id"
                ))
                .expect("cannot read the history table"),
        }
    }

    /// `(status, failed_statement)` of migration `id`; `None` without the table or the row.
    pub fn history_status(&mut self, id: &str) -> Option<(String, Option<i64>)> {
        if !self.tables().iter().any(|t| t == HISTORY_TABLE) {
            return None;
        }
        match self {
            Conn::Sqlite(c) => {
                use rusqlite::OptionalExtension as _;
                c.query_row(
                    &format!("SELECT status, failed_statement FROM {HISTORY_TABLE} WHERE id = ?1"),
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .expect("cannot read the history table")
            }
            Conn::Postgres(c) => c
                .query_opt(
                    &format!(
                        "SELECT CAST(status AS TEXT), CAST(failed_statement AS BIGINT) \
                         FROM {HISTORY_TABLE} WHERE id = $1"
                    ),
                    &[&id],
                )
                .expect("cannot read the history table")
                .map(|r| (r.get(0), r.get(1))),
            Conn::Mysql(c) => c
                .exec_first(
                    format!(
                        "SELECT CAST(status AS CHAR), CAST(failed_statement AS SIGNED) \
                         FROM {HISTORY_TABLE} WHERE id = ?"
                    ),
                    (id,),
                )
                .expect("cannot read the history table"),
        }
    }
}
