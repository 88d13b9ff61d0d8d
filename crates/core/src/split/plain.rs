//! Splitting a plain script without the tokenizer: one made only of words, numbers,
//! whitespace, parentheses, operators and simple single-quoted strings (printable ASCII, no
//! `;` or backslash inside), with no other quotes, comments, dollar signs, `DELIMITER` lines
//! or statements with bodies. In such a script every `;` ends a statement, which is what the
//! tokenizer would find, at a fraction of the cost; most generated and hand-written DDL
//! (`CREATE TABLE`, `CREATE INDEX`, `ALTER TABLE`) and seed rows (`INSERT ... VALUES (1,
//! 'alpha')`) are plain.

use super::{Statement, push};

/// Words after which `;` may not end a statement (bodies, `COPY` data, the `mysql` client's
/// `DELIMITER`), compared without case: a script with one of them goes to the tokenizer.
const NOT_PLAIN: &[&str] = &[
    "BEGIN",
    "TRIGGER",
    "FUNCTION",
    "PROCEDURE",
    "EVENT",
    "RULE",
    "COPY",
    "DELIMITER",
];

/// Splits `script` into `out` when it is plain and returns `true`; otherwise returns `false`
/// and leaves `out` as it was.
pub(super) fn split(script: &str, out: &mut Vec<Statement>) -> bool {
    if !is_plain(script.as_bytes()) {
        return false;
    }
    // Every byte is ASCII here, so a byte is a character for the column.
    let (mut line, mut column) = (1u64, 1u64);
    let mut start: Option<(usize, u64, u64)> = None;
    for (i, b) in script.bytes().enumerate() {
        match b {
            b';' => {
                if let Some((from, l, c)) = start.take() {
                    push(out, script, from..i, l, c);
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ if start.is_none() => start = Some((i, line, column)),
            _ => {}
        }
        if b == b'\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    if let Some((from, l, c)) = start {
        push(out, script, from..script.len(), l, c);
    }
    true
}

/// Whether `bytes` hold only the characters of a plain script, no comment and none of the
/// [`NOT_PLAIN`] words.
fn is_plain(bytes: &[u8]) -> bool {
    let mut word = 0..0;
    let mut in_string = false;
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        if in_string {
            // `''` inside a string closes and reopens it: the same split either way. A
            // backslash may escape the quote (MySQL, PostgreSQL's E''), and a `;` would not
            // end a statement: both go to the tokenizer.
            match b {
                b'\\' | b';' => return false,
                b'\'' => in_string = false,
                b' '..=b'~' => {}
                _ => return false,
            }
            continue;
        }
        match b {
            b'\'' => {
                in_string = true;
                word = i..i;
                continue;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => {
                if word.end != i {
                    word = i..i;
                }
                word.end = i + 1;
                continue;
            }
            b'-' if next == Some(b'-') => return false,
            b'/' if next == Some(b'*') => return false,
            b' ' | b'\t' | b'\n' | b'\r' | b'(' | b')' | b',' | b';' | b'.' | b'=' | b'<'
            | b'>' | b'*' | b'+' | b'-' | b'/' | b'%' | b':' | b'!' => {}
            _ => return false,
        }
        if ends_not_plain(bytes, &word, i) {
            return false;
        }
    }
    !in_string && !ends_not_plain(bytes, &word, bytes.len())
}

/// Whether the word ending at `at` is one of [`NOT_PLAIN`].
fn ends_not_plain(bytes: &[u8], word: &std::ops::Range<usize>, at: usize) -> bool {
    word.end == at
        && (4..=9).contains(&word.len())
        && bytes.get(word.clone()).is_some_and(|w| {
            NOT_PLAIN
                .iter()
                .any(|k| k.as_bytes().eq_ignore_ascii_case(w))
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;
    use proptest::sample::select;

    use super::super::split_tokenized;
    use super::*;
    use crate::Dialect;

    fn plain(script: &str) -> Option<Vec<Statement>> {
        let mut out = Vec::new();
        split(script, &mut out).then_some(out)
    }

    #[test]
    fn plain_ddl_splits_at_every_semicolon() {
        let script = "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
                      CREATE INDEX t1_name ON t1 (name);\n\n  ALTER TABLE t1 ADD x INT ;;\n";
        let out = plain(script).unwrap();
        let got: Vec<(&str, u32, u32)> = out
            .iter()
            .map(|s| (s.sql.as_str(), s.line, s.column))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "CREATE TABLE t1 (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                    1,
                    1
                ),
                ("CREATE INDEX t1_name ON t1 (name)", 2, 1),
                ("ALTER TABLE t1 ADD x INT", 4, 3),
            ]
        );
        assert_eq!(&script[out[2].span.clone()], "ALTER TABLE t1 ADD x INT");
    }

    #[test]
    fn quotes_comments_bodies_and_other_characters_are_not_plain() {
        for script in [
            "INSERT INTO t VALUES ('a;b')",
            "INSERT INTO t VALUES ('it\\'s')",
            "INSERT INTO t VALUES ('open",
            "SELECT \"a;b\"",
            "SELECT `a`",
            "SELECT 1 -- c;\n",
            "SELECT 1 /* c; */",
            "SELECT 1 # c;\n",
            "SELECT $$;$$",
            "CREATE TRIGGER tr AFTER INSERT ON t begin SELECT 1; END",
            "CREATE FUNCTION f() RETURNS int",
            "COPY t FROM STDIN;\n1\n\\.\n",
            "DELIMITER //",
            "SELECT 'é'",
            "SELECT [a]",
            "SELECT x FROM t WHERE y = @v",
        ] {
            assert!(plain(script).is_none(), "{script}");
        }
        // Words that only contain a keyword are plain.
        assert!(plain("CREATE TABLE beginnings (triggered INT, copy_of INT)").is_some());
        // So are simple strings, whatever words they hold.
        let rows =
            plain("INSERT INTO t VALUES (1, 'alpha'), (2, 'it''s -- BEGIN');SELECT 1").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].sql,
            "INSERT INTO t VALUES (1, 'alpha'), (2, 'it''s -- BEGIN')"
        );
    }

    proptest! {
        #[test]
        fn a_plain_script_splits_as_the_tokenizer_splits_it(
            parts in proptest::collection::vec(
                select(&[
                    "CREATE", "TABLE", "t1", "INDEX", "ON", "(", ")", ",", ";", " ", "\n", "\t",
                    "\r\n", "id", "INT", "42", "1.5", "=", "<>", "-", "/", "*", "+", "%", ":",
                    "!", ".", "begin", "Trigger", "copy", "rule", "Event", "--", "/*", "'", "x_1",
                    "NOT NULL", "DO ALSO", "'alpha'", "'a b'", "'it''s'", "N'x'", "E'y'", "'\\'",
                    "';'", "'--'", "'/*'", "'\"'", "'$$'", "'`'", "''",
                ][..]),
                0..40,
            ),
            dialect in select(&[Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql][..]),
        ) {
            let script = parts.concat();
            if let Some(fast) = plain(&script) {
                let slow = split_tokenized(&script, dialect);
                prop_assert_eq!(Ok(fast), slow, "{:?}", script);
            }
        }
    }
}
