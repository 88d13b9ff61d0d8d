#![allow(clippy::unwrap_used)]

use super::progress::{Mode, modes};
use crate::Dialect;
use crate::split::split;

fn of(sql: &str, dialect: Dialect, atomic_ddl: bool) -> Vec<Mode> {
    modes(&split(sql, dialect).unwrap(), dialect, atomic_ddl)
        .into_iter()
        .map(|(_, m)| m)
        .collect()
}

#[test]
fn mysql_rows_commit_with_their_record_and_ddl_is_in_doubt() {
    use Mode::*;
    assert_eq!(
        of(
            "SET NAMES utf8mb4; CREATE TABLE t (id INT); INSERT INTO t VALUES (1); UPDATE t SET id = 2; CREATE INDEX i ON t (id)",
            Dialect::Mysql,
            false
        ),
        [Session, Alone, Wrapped, Wrapped, Alone]
    );
    assert!(Alone.uncertain() && EndsBlock.uncertain());
    assert!(!Wrapped.uncertain() && !Session.uncertain() && !InBlock.uncertain());
}

#[test]
fn a_scripts_own_transaction_records_at_its_commit() {
    use Mode::*;
    // MySQL: DDL inside the block commits it first.
    assert_eq!(
        of(
            "START TRANSACTION; INSERT INTO t VALUES (1); COMMIT; BEGIN; INSERT INTO t VALUES (2); ALTER TABLE t ADD c INT; INSERT INTO t VALUES (3); ROLLBACK",
            Dialect::Mysql,
            false
        ),
        [
            Begin, InBlock, Commit, Begin, InBlock, EndsBlock, Wrapped, Session
        ]
    );
    // PostgreSQL: DDL stays inside the block; a stray COMMIT is harmless to run again.
    assert_eq!(
        of(
            "BEGIN; CREATE TABLE t (id int); INSERT INTO t VALUES (1); ROLLBACK; COMMIT",
            Dialect::Postgres,
            true
        ),
        [Begin, InBlock, InBlock, Rollback, Session]
    );
    assert_eq!(
        of(
            "SET autocommit = 0; INSERT INTO t VALUES (1); SET autocommit = 1",
            Dialect::Mysql,
            false
        ),
        [Begin, InBlock, Commit]
    );
}

#[test]
fn transactional_ddl_is_wrapped_except_what_cannot_run_in_a_transaction() {
    use Mode::*;
    assert_eq!(
        of(
            "CREATE TABLE t (id int); CREATE INDEX CONCURRENTLY i ON t (id); VACUUM t; INSERT INTO t VALUES (1)",
            Dialect::Postgres,
            true
        ),
        [Wrapped, Alone, Alone, Wrapped]
    );
    assert_eq!(
        of("CREATE TABLE t (id INTEGER); VACUUM", Dialect::Sqlite, true),
        [Wrapped, Alone]
    );
    // A driver whose DDL is not transactional runs SQLite DDL alone too.
    assert_eq!(
        of(
            "CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1)",
            Dialect::Sqlite,
            false
        ),
        [Alone, Wrapped]
    );
}
