//! Each rule: what it catches, what it leaves alone, per dialect where that matters.

use super::*;

const ALL: [Dialect; 3] = Dialect::ALL;

#[test]
fn drop_table_is_denied_unless_the_migration_created_the_table() {
    for d in ALL {
        assert_eq!(up_rules("DROP TABLE users;", d), ["drop_table"], "{d}");
        assert_eq!(
            up_rules("DROP TABLE IF EXISTS a, b;", d),
            ["drop_table"],
            "{d}"
        );
        assert!(
            up_rules("CREATE TABLE tmp (id INT);\nDROP TABLE tmp;", d).is_empty(),
            "{d}"
        );
        assert!(up_rules("DROP VIEW v;", d).is_empty(), "{d}");
    }
    // A rollback is meant to drop things: `down` is not checked for data loss.
    let r = rules_in(
        "CREATE TABLE a (id INT);",
        Some("DROP TABLE a;"),
        Dialect::Sqlite,
    );
    assert!(r.is_empty(), "{r:?}");
    let f = findings(
        "up: DROP TABLE users;\ndown: SELECT 1;\n",
        Dialect::Postgres,
    );
    assert_eq!(f[0].severity, Severity::Deny);
    assert!(f[0].message.contains("every row"), "{}", f[0].message);
    assert!(f[0].help.contains("allow"), "{}", f[0].help);
}

#[test]
fn drop_column_truncate_and_unfiltered_delete_are_denied() {
    for d in ALL {
        assert_eq!(
            up_rules("ALTER TABLE users DROP COLUMN phone;", d),
            ["drop_column"],
            "{d}"
        );
        assert_eq!(
            up_rules("DELETE FROM sessions;", d),
            ["delete_without_where"],
            "{d}"
        );
        assert!(
            up_rules("DELETE FROM sessions WHERE expires_at < 1;", d).is_empty(),
            "{d}"
        );
    }
    assert_eq!(
        up_rules("ALTER TABLE users DROP phone;", Dialect::Mysql),
        ["drop_column"]
    );
    for d in [Dialect::Postgres, Dialect::Mysql] {
        assert_eq!(
            up_rules("TRUNCATE TABLE audit_log;", d),
            ["truncate"],
            "{d}"
        );
        assert!(
            up_rules("CREATE TABLE t (id INT);\nTRUNCATE TABLE t;", d).is_empty(),
            "{d}"
        );
    }
    assert!(
        up_rules(
            "CREATE TABLE t (id INT, x INT);\nALTER TABLE t DROP COLUMN x;\nDELETE FROM t;",
            Dialect::Postgres
        )
        .is_empty()
    );
}

#[test]
fn update_without_where_warns() {
    for d in ALL {
        assert_eq!(
            up_rules("UPDATE users SET is_admin = 0;", d),
            ["update_without_where"],
            "{d}"
        );
        assert!(
            up_rules("UPDATE users SET is_admin = 0 WHERE id = 1;", d).is_empty(),
            "{d}"
        );
    }
    let f = findings(
        "up: UPDATE users SET x = 1;\ndown: SELECT 1;\n",
        Dialect::Sqlite,
    );
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warn);
}

#[test]
fn alter_column_type_per_dialect() {
    let pg = "ALTER TABLE users ALTER COLUMN email TYPE varchar(100);";
    assert_eq!(up_rules(pg, Dialect::Postgres), ["alter_column_type"]);
    assert_eq!(
        up_rules(
            "ALTER TABLE users MODIFY COLUMN email VARCHAR(100);",
            Dialect::Mysql
        ),
        ["alter_column_type"]
    );
    assert!(
        up_rules(
            "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x';",
            Dialect::Postgres
        )
        .is_empty()
    );
    // MySQL's CHANGE COLUMN restates the type and, here, renames.
    assert_eq!(
        up_rules(
            "ALTER TABLE users CHANGE COLUMN email mail VARCHAR(100);",
            Dialect::Mysql
        ),
        ["alter_column_type", "rename_column"]
    );
}

#[test]
fn add_column_not_null_needs_a_default_on_an_existing_table() {
    for d in ALL {
        let r = up_rules("ALTER TABLE users ADD COLUMN tenant INTEGER NOT NULL;", d);
        assert_eq!(r, ["add_column_not_null_without_default"], "{d}");
        assert!(
            up_rules(
                "ALTER TABLE users ADD COLUMN tenant INTEGER NOT NULL DEFAULT 0;",
                d
            )
            .is_empty(),
            "{d}"
        );
        assert!(
            up_rules("ALTER TABLE users ADD COLUMN tenant INTEGER;", d).is_empty(),
            "{d}"
        );
        assert!(
            up_rules(
                "CREATE TABLE t (id INTEGER);\nALTER TABLE t ADD COLUMN x INTEGER NOT NULL;",
                d
            )
            .is_empty(),
            "{d}"
        );
    }
    assert!(
        up_rules(
            "ALTER TABLE users ADD COLUMN n BIGINT GENERATED ALWAYS AS IDENTITY NOT NULL;",
            Dialect::Postgres
        )
        .is_empty()
    );
}

#[test]
fn create_index_without_concurrently_is_a_postgres_rule_for_existing_tables() {
    let sql = "CREATE INDEX idx_users_email ON users (email);";
    assert_eq!(
        up_rules(sql, Dialect::Postgres),
        ["create_index_without_concurrently"]
    );
    assert!(up_rules(sql, Dialect::Sqlite).is_empty());
    assert!(up_rules(sql, Dialect::Mysql).is_empty());
    assert!(
        up_rules(
            "CREATE INDEX CONCURRENTLY idx ON users (email);",
            Dialect::Postgres
        )
        .is_empty()
    );
    assert!(
        up_rules(
            "CREATE TABLE t (x INT);\nCREATE INDEX idx ON t (x);",
            Dialect::Postgres
        )
        .is_empty()
    );
}

#[test]
fn renames_warn() {
    for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        assert_eq!(
            up_rules("ALTER TABLE users RENAME TO people;", d),
            ["rename_table"],
            "{d}"
        );
        assert_eq!(
            up_rules("ALTER TABLE users RENAME COLUMN mail TO email;", d),
            ["rename_column"],
            "{d}"
        );
    }
    assert_eq!(
        up_rules("RENAME TABLE users TO people;", Dialect::Mysql),
        ["rename_table"]
    );
}

#[test]
fn foreign_keys_on_postgres_should_be_added_not_valid() {
    let add =
        "ALTER TABLE sessions ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id);";
    assert_eq!(
        up_rules(add, Dialect::Postgres),
        ["add_foreign_key_without_not_valid"]
    );
    assert!(up_rules(add, Dialect::Mysql).is_empty());
    let not_valid = add.replace(";", " NOT VALID;");
    assert!(up_rules(&not_valid, Dialect::Postgres).is_empty());
}

#[test]
fn down_missing_and_down_mismatch() {
    let d = Dialect::Sqlite;
    assert_eq!(
        rules_in("CREATE TABLE a (id INT);", None, d),
        ["down_missing"]
    );
    assert!(rules_in("CREATE TABLE a (id INT);", Some("DROP TABLE a;"), d).is_empty());
    // Leaves `a` behind and drops `b`, which existed before.
    let r = rules_in("CREATE TABLE a (id INT);", Some("DROP TABLE b;"), d);
    assert_eq!(r, ["down_mismatch", "down_mismatch"]);
    let r = rules_in(
        "ALTER TABLE users ADD COLUMN phone TEXT;\nCREATE INDEX idx_phone ON users (phone);",
        Some("DROP INDEX idx_phone;"),
        d,
    );
    assert_eq!(r, ["down_mismatch"]);
    assert!(
        rules_in(
            "ALTER TABLE users ADD COLUMN phone TEXT;\nCREATE INDEX idx_phone ON users (phone);",
            Some("DROP INDEX idx_phone;\nALTER TABLE users DROP COLUMN phone;"),
            d,
        )
        .is_empty()
    );
    // Derived rollbacks are exact by construction.
    let changes = "changes:\n  - create_table: {name: t, columns: [{name: id, type: integer}]}\n";
    assert!(findings(changes, d).is_empty());
}

#[test]
fn syntax_errors_warn_with_the_parser_message_and_skip_the_rules() {
    let f = findings(
        "up: |\n  CREATE TABLE a (id INT);\n  DROP TABLE users WHERE;\n",
        Dialect::Sqlite,
    );
    let syntax: Vec<_> = f.iter().filter(|f| f.rule == "syntax").collect();
    assert_eq!(syntax.len(), 1, "{f:?}");
    assert_eq!(syntax[0].severity, Severity::Info);
    assert!(
        syntax[0].message.starts_with("not checked: sqlparser"),
        "{}",
        syntax[0].message
    );
    assert_eq!(
        (syntax[0].line, syntax[0].column),
        (3, 20),
        "{:?}",
        syntax[0]
    );
    assert!(!f.iter().any(|f| f.rule == "drop_table"));
}

#[test]
fn lint_off_and_allow() {
    let off = "lint: off\nup: DROP TABLE users;\n";
    assert!(findings(off, Dialect::Postgres).is_empty());
    let report = lint(
        &set_of("0001_m.yaml", off, Dialect::Sqlite),
        &Policy::default(),
        &Linter::new(),
    );
    assert_eq!(report.skipped, ["0001_m"]);

    let allowed = "allow:\n  - {rule: drop_table, reason: \"replaced by accounts in 0041\"}\nup: DROP TABLE users;\ndown: SELECT 1;\n";
    let report = lint(
        &set_of("0001_m.yaml", allowed, Dialect::Sqlite),
        &Policy::default(),
        &Linter::new(),
    );
    assert_eq!(report.findings.len(), 1);
    assert_eq!(
        report.findings[0].allowed.as_deref(),
        Some("replaced by accounts in 0041")
    );
    assert!(!report.is_blocked());

    let typo = "allow: [{rule: drop_tabel, reason: x}]\nup: DROP TABLE users;\ndown: SELECT 1;\n";
    let report = lint(
        &set_of("0001_m.yaml", typo, Dialect::Sqlite),
        &Policy::default(),
        &Linter::new(),
    );
    assert!(report.is_blocked());
    let unknown = report.findings.iter().find(|f| f.rule == "allow").unwrap();
    assert_eq!((unknown.line, unknown.severity), (1, Severity::Warn));
}

#[test]
fn the_builtin_migrations_have_no_deny_level_finding() {
    let files = cairn_load::builtin_files(&["auth".into(), "audit".into(), "scan".into()]).unwrap();
    for d in ALL {
        let set = load_files(files.clone(), d).unwrap();
        let report = lint(&set, &Policy::default(), &Linter::new());
        let blocking: Vec<String> = report.blocking().map(ToString::to_string).collect();
        assert!(blocking.is_empty(), "{d}: {blocking:#?}");
        let syntax: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == "syntax")
            .map(ToString::to_string)
            .collect();
        assert!(syntax.is_empty(), "{d}: {syntax:#?}");
        assert_eq!(report.unparsed, 0);
    }
}
