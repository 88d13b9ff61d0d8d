//! Which migrations send their statements in one call ([`super::apply`]). A call that fails is
//! rolled back and its statements run again one by one to name the one that failed, so a
//! statement that fails late would run, and hold its locks, twice. Only statements whose time
//! does not grow with what the database already holds go together: new tables, indexes on
//! them, views, sequences, types, comments, grants, and rows written as literals.

use crate::split::Statement;

/// Whether every one of `statements` is quick whatever the database holds.
pub(super) fn quick(statements: &[Statement]) -> bool {
    let mut created: Vec<String> = Vec::new();
    statements.iter().all(|s| quick_one(&s.sql, &mut created))
}

/// Whether `sql` is quick; a table it creates is added to `created`.
fn quick_one(sql: &str, created: &mut Vec<String>) -> bool {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(12)
        .map(str::to_ascii_uppercase)
        .collect();
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    let selects = sql.to_ascii_uppercase().contains("SELECT");
    match (word(0), word(1)) {
        ("CREATE", _) => {
            let mut i = 1;
            while matches!(
                word(i),
                "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "UNIQUE"
            ) {
                i += 1;
            }
            match word(i) {
                "TABLE" if !selects => {
                    created.push(name(&words[skip_if_not_exists(&words, i + 1)..]));
                    true
                }
                "INDEX" => {
                    let on = words.iter().skip(i + 1).position(|w| w == "ON");
                    on.is_some_and(|at| {
                        let mut t = i + 1 + at + 1;
                        if word(t) == "ONLY" {
                            t += 1;
                        }
                        created.contains(&name(&words[t.min(words.len())..]))
                    })
                }
                "VIEW" | "SEQUENCE" | "TYPE" | "SCHEMA" | "DOMAIN" => true,
                _ => false,
            }
        }
        ("INSERT", "INTO") => !selects,
        ("COMMENT", "ON") | ("GRANT", _) | ("REVOKE", _) => true,
        _ => false,
    }
}

/// The index just past `IF NOT EXISTS` at `from`, or `from`.
fn skip_if_not_exists(words: &[String], from: usize) -> usize {
    let is = |i: usize, w: &str| words.get(i).is_some_and(|x| x == w);
    if is(from, "IF") && is(from + 1, "NOT") && is(from + 2, "EXISTS") {
        from + 3
    } else {
        from
    }
}

/// The first of `words` as a name to compare: quotes taken off, lower case.
fn name(words: &[String]) -> String {
    words
        .first()
        .map(|w| {
            w.chars()
                .filter(|c| !matches!(c, '"' | '`' | '[' | ']'))
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(sql: &[&str]) -> Vec<Statement> {
        sql.iter()
            .map(|s| Statement {
                sql: (*s).to_string(),
                span: 0..s.len(),
                line: 1,
                column: 1,
            })
            .collect()
    }

    #[test]
    fn new_tables_their_indexes_and_literal_rows_are_quick() {
        assert!(quick(&statements(&[
            "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "CREATE INDEX t1_name ON t1 (name)",
            "CREATE UNIQUE INDEX IF NOT EXISTS t1_u ON \"T1\"(id)",
            "INSERT INTO t1 (id, name) VALUES (1, 'a')",
            "CREATE TABLE IF NOT EXISTS s.t2 (x INT)",
            "CREATE INDEX ON s.t2 (x)",
            "CREATE VIEW v AS SELECT id FROM t1",
            "COMMENT ON TABLE t1 IS 'x'",
        ])));
    }

    #[test]
    fn work_that_grows_with_existing_data_is_not() {
        for sql in [
            "CREATE INDEX big_x ON big (x)",
            "ALTER TABLE t1 ADD COLUMN y INT",
            "UPDATE t1 SET name = 'b'",
            "INSERT INTO t1 SELECT * FROM big",
            "CREATE TABLE t3 AS SELECT * FROM big",
            "DELETE FROM t1",
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
        ] {
            assert!(
                !quick(&statements(&["CREATE TABLE t1 (id INT)", sql])),
                "{sql}"
            );
        }
    }
}
