//! Statements a database refuses (or silently ignores) inside a transaction block. Flyway runs
//! a script containing one outside a transaction (`ParserSqlScript.executeInTransaction`, the
//! lists in `PostgreSQLParser.detectCanExecuteInTransaction` and `SQLiteParser`), and
//! golang-migrate never wraps a single PostgreSQL statement in one; every foreign layout here
//! does the same, so a file holding only `CREATE INDEX CONCURRENTLY` runs as it does with
//! those tools instead of failing.

use crate::Dialect;

/// Whether `statement` cannot run inside a transaction on `dialect`.
pub(crate) fn cannot_run_in_transaction(statement: &str, dialect: Dialect) -> bool {
    if dialect == Dialect::Mysql {
        return false;
    }
    let words = code_words(statement);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match dialect {
        Dialect::Postgres => {
            matches!(
                w.as_slice(),
                ["CREATE", "INDEX", "CONCURRENTLY", ..]
                    | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..]
                    | ["DROP", "INDEX", "CONCURRENTLY", ..]
                    | ["REINDEX", ..]
                    | ["VACUUM", ..]
                    | ["ALTER", "SYSTEM", ..]
                    | ["DISCARD", "ALL", ..]
                    | ["CREATE" | "DROP", "DATABASE" | "TABLESPACE", ..]
                    | ["CREATE", "SUBSCRIPTION", ..]
            ) && (w.first() != Some(&"REINDEX") || reindex_needs_no_transaction(&w))
        }
        // Inside a transaction SQLite ignores it without an error: the migration would run
        // with the old setting.
        Dialect::Sqlite => {
            matches!(w.as_slice(), ["PRAGMA", p, ..] if p.starts_with("FOREIGN_KEYS"))
        }
        Dialect::Mysql => false,
    }
}

/// Whether `sql` holds a word that [`cannot_run_in_transaction`] looks for, anywhere (in a
/// comment or a string too): when it does not, no statement of it can refuse a transaction, and
/// the SQL need not be split to know.
pub(crate) fn may_refuse_transaction(sql: &str, dialect: Dialect) -> bool {
    let words: &[&str] = match dialect {
        Dialect::Postgres => &[
            "CONCURRENTLY",
            "REINDEX",
            "VACUUM",
            "SYSTEM",
            "DISCARD",
            "DATABASE",
            "TABLESPACE",
            "SUBSCRIPTION",
        ],
        Dialect::Sqlite => &["PRAGMA"],
        Dialect::Mysql => return false,
    };
    let upper = sql.to_ascii_uppercase();
    words.iter().any(|w| upper.contains(w))
}

/// `REINDEX SCHEMA|DATABASE|SYSTEM` and any `REINDEX ... CONCURRENTLY`.
fn reindex_needs_no_transaction(words: &[&str]) -> bool {
    words
        .iter()
        .any(|w| matches!(*w, "SCHEMA" | "DATABASE" | "SYSTEM" | "CONCURRENTLY"))
}

/// The first six upper-cased words of `sql` outside comments, split at whitespace, `(`, `=`
/// and `;`.
fn code_words(sql: &str) -> Vec<String> {
    let mut code = String::new();
    let mut rest = sql;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            let next = rest
                .find(['-', '/'])
                .filter(|&i| i > 0)
                .unwrap_or(rest.len());
            let (head, tail) = rest.split_at(if next == 0 { 1 } else { next });
            code.push_str(head);
            rest = tail;
        }
        code.push(' ');
        if code.len() > 200 {
            break;
        }
    }
    code.split(|c: char| c.is_whitespace() || matches!(c, '(' | '=' | ';'))
        .filter(|w| !w.is_empty())
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_statements_that_refuse_a_transaction() {
        let no = |s| cannot_run_in_transaction(s, Dialect::Postgres);
        assert!(no("CREATE INDEX CONCURRENTLY i ON t (a)"));
        assert!(no("-- why\ncreate unique index concurrently i on t (a)"));
        assert!(no("DROP INDEX CONCURRENTLY IF EXISTS i"));
        assert!(no("VACUUM ANALYZE t"));
        assert!(no("REINDEX INDEX CONCURRENTLY i"));
        assert!(no("/* x */ ALTER SYSTEM SET work_mem = '8MB'"));
        assert!(!no("REINDEX INDEX i"));
        assert!(!no("CREATE INDEX i ON t (a)"));
        assert!(!no("CREATE TABLE concurrently (a int)"));
        assert!(!cannot_run_in_transaction("VACUUM", Dialect::Mysql));
    }

    #[test]
    fn sqlite_foreign_keys_pragma() {
        assert!(cannot_run_in_transaction(
            "PRAGMA foreign_keys = OFF",
            Dialect::Sqlite
        ));
        assert!(cannot_run_in_transaction(
            "pragma foreign_keys=on",
            Dialect::Sqlite
        ));
        assert!(!cannot_run_in_transaction(
            "PRAGMA user_version = 3",
            Dialect::Sqlite
        ));
    }
}
