//! Support library for Cairn's cross-backend integration tests (`tests/tests/*.rs`).
//!
//! A [`TestDb`] is a fresh, empty database on one backend: a SQLite file in a temporary
//! directory, or a new database `cairn_t_<random>` on the PostgreSQL / MySQL server that
//! `CAIRN_TEST_POSTGRES_URL` / `CAIRN_TEST_MYSQL_URL` point at (`cargo xtask test` starts
//! throwaway servers and sets both). It is deleted when dropped. Its query helpers
//! ([`TestDb::tables`], [`TestDb::scalar_i64`], [`TestDb::history_ids`], ...) open a short-lived
//! driver connection each, so they work the same on every backend.
//!
//! ```no_run
//! for db in cairn_tests::all() {
//!     db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)");
//!     assert_eq!(db.tables(), ["t"], "{}", db.kind.name());
//! }
//! ```
//!
//! Without a server URL, the backend is skipped with a note on stderr, except when `CI=true`,
//! where a missing URL is a panic: CI must test every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conn;
mod contents;
mod counted;
mod db;
mod galera;
pub mod kill;
mod kind;
mod minimal;
pub mod native;
mod replica;
mod url;

pub use conn::Conn;
pub use contents::{Contents, object_queries, relation_query, rows};
pub use counted::Counted;
pub use db::{TestDb, all};
pub use galera::{GALERA_ENV, GaleraDb, galera_urls};
pub use kind::Kind;
pub use minimal::MinimalSqlite;
pub use replica::{POSTGRES_REPLICA_ENV, postgres_replica_url, wait_replayed};
pub use url::with_database;

/// A registry with every backend, as the `cairn` binary has.
pub fn registry() -> cairn::Registry {
    let mut r = cairn::Registry::new();
    cairn_sqlite::register(&mut r);
    cairn_postgres::register(&mut r);
    cairn_mysql::register(&mut r);
    r
}

/// Generates `mod sqlite`, `mod postgres` and `mod mysql`, each with one `#[test]` per named
/// scenario `fn(&TestDb)`, run on a fresh database of that backend (skipped with a note when
/// its server is not configured, except under `CI=true`).
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $scenario() { if let Some(db) = $crate::TestDb::new($crate::Kind::Sqlite) { super::$scenario(&db) } } )* }
        mod postgres { $( #[test] fn $scenario() { if let Some(db) = $crate::TestDb::new($crate::Kind::Postgres) { super::$scenario(&db) } } )* }
        mod mysql { $( #[test] fn $scenario() { if let Some(db) = $crate::TestDb::new($crate::Kind::Mysql) { super::$scenario(&db) } } )* }
    };
}

#[cfg(test)]
mod tests;
