#![allow(clippy::unwrap_used)]

use super::*;

fn ident(text: &str) -> Ident {
    Ident {
        text: text.to_string(),
        quoted: false,
    }
}

fn name(text: &str) -> Name {
    match text.split_once('.') {
        Some((s, n)) => Name {
            schema: Some(ident(s)),
            name: ident(n),
        },
        None => Name {
            schema: None,
            name: ident(text),
        },
    }
}

fn my(sql: &str) -> Effect {
    Effect::of(sql, Dialect::Mysql)
}

fn pg(sql: &str) -> Effect {
    Effect::of(sql, Dialect::Postgres)
}

fn creates(objects: Vec<Object>) -> Effect {
    Effect::Schema(Change {
        present: objects,
        absent: Vec::new(),
    })
}

fn drops(objects: Vec<Object>) -> Effect {
    Effect::Schema(Change {
        present: Vec::new(),
        absent: objects,
    })
}

fn column(table: &str, c: &str) -> Object {
    Object::Column {
        table: name(table),
        column: ident(c),
    }
}

fn index(table: Option<&str>, n: &str) -> Object {
    Object::Index {
        table: table.map(name),
        name: name(n),
        concurrently: false,
    }
}

#[test]
fn rows_session_and_transaction_control() {
    for sql in [
        "INSERT INTO t VALUES (1)",
        "  -- lead\n/* c */ update t set a = 1",
        "DELETE FROM t",
        "REPLACE INTO t VALUES (1)",
        "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
        "SAVEPOINT a",
        "ROLLBACK TO SAVEPOINT a",
    ] {
        assert_eq!(my(sql), Effect::Rows, "{sql}");
    }
    for sql in [
        "SET NAMES utf8mb4",
        "SET foreign_key_checks = 0",
        "USE app",
        "PRAGMA foreign_keys = OFF",
        "SET search_path TO app",
    ] {
        assert_eq!(my(sql), Effect::Session, "{sql}");
    }
    assert_eq!(my("START TRANSACTION"), Effect::Begin);
    assert_eq!(pg("BEGIN"), Effect::Begin);
    assert_eq!(my("SET autocommit = 0"), Effect::Begin);
    assert_eq!(my("SET SESSION autocommit = OFF"), Effect::Begin);
    assert_eq!(my("SET autocommit = 1"), Effect::Commit);
    assert_eq!(my("SET autocommit = ON"), Effect::Commit);
    assert_eq!(my("COMMIT"), Effect::Commit);
    assert_eq!(my("ROLLBACK"), Effect::Rollback);
    assert_eq!(my("CALL refresh()"), Effect::Unknown);
    assert_eq!(my(""), Effect::Unknown);
}

#[test]
fn statements_safe_to_run_twice() {
    for sql in [
        "CREATE TABLE IF NOT EXISTS t (id INT)",
        "CREATE OR REPLACE VIEW v AS SELECT 1",
        "DROP TABLE IF EXISTS t",
        "DROP INDEX IF EXISTS i",
        "ANALYZE TABLE t",
        "TRUNCATE TABLE t",
        "GRANT SELECT ON t TO app",
        "ALTER TABLE t MODIFY a BIGINT NOT NULL",
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 3, ENGINE = InnoDB",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT",
        "ALTER TABLE t CHANGE a a BIGINT",
        "REINDEX INDEX CONCURRENTLY i",
    ] {
        assert_eq!(my(sql), Effect::Repeatable, "{sql}");
    }
}

#[test]
fn creates_and_drops_name_their_objects() {
    let rel = |n: &str| Object::Relation { name: name(n) };
    assert_eq!(
        my("CREATE TABLE b5 (id INT PRIMARY KEY)"),
        creates(vec![rel("b5")])
    );
    assert_eq!(
        my("create temporary table app.t (id int)"),
        creates(vec![rel("app.t")])
    );
    assert_eq!(
        my("CREATE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1"),
        creates(vec![rel("v")])
    );
    assert_eq!(
        my("CREATE UNIQUE INDEX i_a ON t (a)"),
        creates(vec![index(Some("t"), "i_a")])
    );
    assert_eq!(
        my("CREATE INDEX i_a USING BTREE ON t (a)"),
        creates(vec![index(Some("t"), "i_a")])
    );
    // MySQL needs the table to find an index; PostgreSQL picks a name when none is given.
    assert_eq!(my("CREATE INDEX i_a"), Effect::Unknown);
    assert_eq!(pg("CREATE INDEX ON t (a)"), Effect::Unknown);
    assert_eq!(
        pg("CREATE INDEX CONCURRENTLY IF NOT EXISTS i_a ON ONLY t (a)"),
        creates(vec![Object::Index {
            table: Some(name("t")),
            name: name("i_a"),
            concurrently: true,
        }])
    );
    assert_eq!(
        my("CREATE DEFINER = CURRENT_USER PROCEDURE p() BEGIN SELECT 1; END"),
        creates(vec![Object::Routine { name: name("p") }])
    );
    assert_eq!(
        pg("CREATE FUNCTION f() RETURNS int AS $$ select 1 $$ LANGUAGE sql"),
        creates(vec![Object::Routine { name: name("f") }])
    );
    assert_eq!(
        my("CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1"),
        creates(vec![Object::Trigger { name: name("tr") }])
    );
    assert_eq!(
        my("DROP TABLE a, app.b CASCADE"),
        drops(vec![rel("a"), rel("app.b")])
    );
    assert_eq!(my("DROP INDEX i ON t"), drops(vec![index(Some("t"), "i")]));
    assert_eq!(my("DROP INDEX i"), Effect::Unknown);
    assert_eq!(
        pg("DROP FUNCTION f(int, text), g()"),
        drops(vec![
            Object::Routine { name: name("f") },
            Object::Routine { name: name("g") }
        ])
    );
    assert_eq!(
        my("RENAME TABLE a TO b, c TO d"),
        Effect::Schema(Change {
            present: vec![rel("b"), rel("d")],
            absent: vec![rel("a"), rel("c")],
        })
    );
    assert_eq!(
        my("RENAME TABLE a TO tmp, b TO a, tmp TO b"),
        Effect::Unknown
    );
}

#[test]
fn alter_table_is_decided_by_the_actions_the_catalog_shows() {
    assert_eq!(
        my("ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0, MODIFY d TEXT"),
        creates(vec![column("t", "c")])
    );
    assert_eq!(
        my("ALTER TABLE t ADD c INT"),
        creates(vec![column("t", "c")])
    );
    assert_eq!(
        my("ALTER TABLE t ADD INDEX i_c (c), ADD UNIQUE KEY u_d (d)"),
        creates(vec![index(Some("t"), "i_c"), index(Some("t"), "u_d")])
    );
    assert_eq!(my("ALTER TABLE t ADD INDEX (c)"), Effect::Unknown);
    assert_eq!(
        my("ALTER TABLE t ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES p (id)"),
        creates(vec![Object::Constraint {
            table: name("t"),
            name: ident("fk_a"),
        }])
    );
    assert_eq!(
        my("ALTER TABLE t DROP COLUMN c, DROP FOREIGN KEY fk_a"),
        drops(vec![
            column("t", "c"),
            Object::Constraint {
                table: name("t"),
                name: ident("fk_a"),
            }
        ])
    );
    assert_eq!(
        pg("ALTER TABLE t RENAME a TO b"),
        Effect::Schema(Change {
            present: vec![column("t", "b")],
            absent: vec![column("t", "a")],
        })
    );
    assert_eq!(
        my("ALTER TABLE t RENAME TO u"),
        Effect::Schema(Change {
            present: vec![Object::Relation { name: name("u") }],
            absent: vec![Object::Relation { name: name("t") }],
        })
    );
    // A default's text holds a comma; the action list is not fooled by it.
    assert_eq!(
        my("ALTER TABLE t ALTER c SET DEFAULT 'a,b', ADD `Quoted Col` INT"),
        creates(vec![Object::Column {
            table: name("t"),
            column: Ident {
                text: "Quoted Col".to_string(),
                quoted: true
            }
        }])
    );
    assert_eq!(my("ALTER TABLE t ADD CHECK (a > 0)"), Effect::Unknown);
}

#[test]
fn postgres_statements_that_cannot_run_in_a_transaction() {
    for sql in [
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)",
        "DROP INDEX CONCURRENTLY i",
        "REINDEX TABLE CONCURRENTLY t",
        "REINDEX DATABASE app",
        "VACUUM ANALYZE t",
        "CREATE DATABASE x",
        "ALTER SYSTEM SET work_mem = '64MB'",
    ] {
        assert!(!runs_in_transaction(sql, Dialect::Postgres), "{sql}");
    }
    for sql in [
        "CREATE INDEX i ON t (a)",
        "ALTER TABLE t ADD c int",
        "INSERT INTO t VALUES (1)",
        "REINDEX TABLE t",
    ] {
        assert!(runs_in_transaction(sql, Dialect::Postgres), "{sql}");
    }
    assert!(!runs_in_transaction("VACUUM", Dialect::Sqlite));
    assert!(runs_in_transaction(
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        Dialect::Mysql
    ));
}

#[test]
fn identifiers_are_looked_up_as_the_database_stores_them() {
    let quoted = Ident {
        text: "Mixed".to_string(),
        quoted: true,
    };
    assert_eq!(ident("Mixed").stored(Dialect::Postgres), "mixed");
    assert_eq!(quoted.stored(Dialect::Postgres), "Mixed");
    assert_eq!(ident("Mixed").stored(Dialect::Mysql), "Mixed");
}
