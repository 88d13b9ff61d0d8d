//! Property tests of the splitter: generated scripts split back into exactly the statements
//! they were made of, at the right positions; arbitrary input never panics, never hangs, and
//! whatever it returns covers the script losslessly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::select;

use super::tests::{check_invariants, naive_position};
use super::{Statement, split};
use crate::Dialect;

/// Statements with `;`, quotes, comments and bodies in them, valid where `;` ends statements.
fn snippets(d: Dialect) -> &'static [&'static str] {
    match d {
        Dialect::Sqlite => &[
            "SELECT 1",
            "INSERT INTO t VALUES ('a;b', 'it''s; ok')",
            "SELECT \"a;b\", [c;d], `e;f` FROM t",
            "SELECT 'x' -- trailing; comment\n  , /* mid; */ 2",
            "SELECT 'é;ü', 'ß' AS \"ü;\"",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET s = CASE WHEN s = ';' THEN 'x' ELSE s END;\n  DELETE FROM u;\nEND",
            "CREATE TEMP TRIGGER IF NOT EXISTS tr BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no;'); END",
            "BEGIN",
            "COMMIT",
        ],
        Dialect::Postgres => &[
            "SELECT 1",
            "INSERT INTO t VALUES ('a;b', 'it''s; ok', E'it\\'s; ok')",
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$",
            "CREATE FUNCTION g() RETURNS text AS $body$ SELECT 'x;$$'; $body$ LANGUAGE sql",
            "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$",
            "CREATE FUNCTION h() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
            "SELECT 1 /* a /* nested; */ b */ + 2",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); DELETE FROM v)",
            "SELECT \"a;b\" FROM t -- c;\n WHERE x = 'é;'",
            "BEGIN",
        ],
        Dialect::Mysql => &[
            "SELECT 1",
            "INSERT INTO t VALUES ('it\\'s; ok', \"a\\\";b\", 'x''y;')",
            "SELECT `a;b` FROM t # hash; comment\n WHERE 1",
            "SELECT 'x' -- dash; comment\n  , /* mid; */ 2",
            "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT CASE WHEN 1 THEN 'a;' END;\nEND",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1",
            "CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1",
            "/*!40101 SET NAMES utf8mb4 */",
            "SELECT 'é;ü'",
        ],
    }
}

/// Statements only a custom `DELIMITER` keeps whole (or that hold several statements).
const MYSQL_DELIMITED: &[&str] = &[
    "CREATE PROCEDURE p2()\nBEGIN\n  SELECT 'a;b';\n  SELECT 2;\nEND",
    "CREATE TRIGGER t2 BEFORE UPDATE ON t FOR EACH ROW\nBEGIN\n  SET NEW.x = 'it\\'s; //';\nEND",
    "CREATE FUNCTION f2() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1; -- one; $$\nEND",
    "SELECT 1; SELECT 2",
];

/// Whitespace and comments that may precede a statement.
fn fillers(d: Dialect) -> Vec<&'static str> {
    let mut f = vec![
        "",
        " ",
        "\n",
        "\t",
        "\r\n",
        "  \n  ",
        "-- c; x\n",
        "/* c; */",
        "/* m\nl; */ ",
    ];
    match d {
        Dialect::Mysql => f.push("# h; x\n"),
        Dialect::Postgres => f.push("/* a /* b; */ c */"),
        Dialect::Sqlite => {}
    }
    f
}

/// One statement as generated: the filler before it, its text, whitespace before its
/// terminator, and how many terminators follow (0 only where the statement ends anyway).
#[derive(Debug, Clone)]
struct Gen {
    filler: &'static str,
    text: &'static str,
    pre: &'static str,
    terms: usize,
}

fn gen_stmt(d: Dialect, texts: Vec<&'static str>) -> impl Strategy<Value = Gen> {
    (
        select(fillers(d)),
        select(texts),
        select(vec!["", " ", "\n", "\t "]),
        0..3usize,
    )
        .prop_map(|(filler, text, pre, terms)| Gen {
            filler,
            text,
            pre,
            terms,
        })
}

/// A `DELIMITER` section: the delimiter (`;` for plain sections), how its line is written,
/// and its statements.
#[derive(Debug, Clone)]
struct Section {
    delimiter: &'static str,
    line: String,
    stmts: Vec<Gen>,
}

fn section(d: Dialect) -> impl Strategy<Value = Section> {
    let plain = snippets(d).to_vec();
    let delimiters = vec![";", "//", "$$", ";;", "|"];
    (
        select(delimiters),
        select(vec!["", "  ", "\t"]),
        select(vec!["DELIMITER", "delimiter", "Delimiter"]),
        select(vec![" ", "\t", "  "]),
        any::<bool>(),
        select(vec!["", " ", " -- reset", "\r"]),
    )
        .prop_flat_map(move |(delim, lead, kw, sep, quoted, trail)| {
            let mut texts = plain.clone();
            if delim != ";" {
                texts.extend_from_slice(MYSQL_DELIMITED);
            }
            // The mysql client would end a statement at its delimiter anywhere in code, and
            // it ends `/*! ... */` code at the `*`, reading `*//` as `*`, `//`.
            texts.retain(|t| !t.contains(delim));
            if delim.starts_with('/') {
                texts.retain(|t| !t.starts_with("/*!"));
            }
            let arg = if quoted {
                format!("'{delim}'")
            } else {
                delim.to_string()
            };
            let line = format!("{lead}{kw}{sep}{arg}{trail}\n");
            prop::collection::vec(gen_stmt(d, texts), 0..4).prop_map(move |stmts| Section {
                delimiter: delim,
                line: line.clone(),
                stmts,
            })
        })
}

/// Builds the script and the statements `split` must return.
fn build(sections: &[Section], last_terminated: bool) -> (String, Vec<Statement>) {
    let mut script = String::new();
    let mut expected = Vec::new();
    let count: usize = sections.iter().map(|s| s.stmts.len()).sum();
    for (k, sec) in sections.iter().enumerate() {
        if k > 0 || sec.delimiter != ";" {
            if !script.is_empty() && !script.ends_with('\n') {
                script.push('\n');
            }
            script.push_str(&sec.line);
        }
        let last_in_section = sec.stmts.len().saturating_sub(1);
        for (j, g) in sec.stmts.iter().enumerate() {
            script.push_str(g.filler);
            let start = script.len();
            script.push_str(g.text);
            let (line, column) = naive_position(&script, start);
            expected.push(Statement {
                sql: g.text.to_string(),
                span: start..script.len(),
                line,
                column,
            });
            script.push_str(g.pre);
            // A statement needs its terminator unless a DELIMITER line or the end follows.
            let is_last = expected.len() == count;
            let ends_anyway = j == last_in_section && (k + 1 < sections.len() || is_last);
            let terms = if ends_anyway && !(is_last && last_terminated) {
                g.terms.saturating_sub(1)
            } else {
                g.terms.max(1)
            };
            script.push_str(&sec.delimiter.repeat(terms));
        }
    }
    (script, expected)
}

fn generated(d: Dialect) -> impl Strategy<Value = (String, Vec<Statement>)> {
    let sections = if d == Dialect::Mysql {
        prop::collection::vec(section(d), 1..5).boxed()
    } else {
        prop::collection::vec(gen_stmt(d, snippets(d).to_vec()), 0..8)
            .prop_map(|stmts| {
                vec![Section {
                    delimiter: ";",
                    line: String::new(),
                    stmts,
                }]
            })
            .boxed()
    };
    (sections, any::<bool>()).prop_map(|(s, last)| build(&s, last))
}

/// Pieces that stress the splitter: quotes and comments opened and not closed, body keywords,
/// DELIMITER lines, multi-byte characters.
const SOUP: &[&str] = &[
    ";",
    "'",
    "\"",
    "`",
    "$$",
    "$a$",
    "--",
    "-- ",
    "#",
    "/*",
    "*/",
    "/*!",
    "\n",
    " ",
    "\\",
    "\r",
    "BEGIN",
    "END",
    "CASE",
    "IF",
    "ATOMIC",
    "NOT",
    "CREATE TRIGGER",
    "CREATE PROCEDURE",
    "CREATE FUNCTION",
    "CREATE RULE",
    "DELIMITER ",
    "\nDELIMITER //\n",
    "\ndelimiter ;\n",
    "//",
    "E'",
    "(",
    ")",
    "x",
    "é",
    "𝄞",
    "COPY t FROM STDIN;\n",
    "'a;b'",
    "$$x;$$",
    "/* ; */",
    "-- ;\n",
    "# ;\n",
    "\"q;\"",
    "`b;`",
    "E'\\';'",
    "SELECT 1",
    "\\.\n",
];

/// `split` on another thread, failing the test if it takes more than 10 seconds (a loop).
fn split_bounded(script: &str, d: Dialect) -> Result<Vec<Statement>, super::SplitError> {
    let (tx, rx) = mpsc::channel();
    let owned = script.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(split(&owned, d));
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("split did not return: {script:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("split panicked on {script:?}"),
    }
}

fn check_arbitrary(script: &str) {
    for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        if let Ok(stmts) = split_bounded(script, d) {
            check_invariants(script, d, &stmts);
        }
    }
}

fn exact(d: Dialect, script: &str, expected: &[Statement]) {
    let got = split(script, d).unwrap_or_else(|e| panic!("{e} in {script:?}"));
    assert_eq!(got, expected, "{d} script {script:?}");
    check_invariants(script, d, &got);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn generated_sqlite_scripts_split_exactly((script, expected) in generated(Dialect::Sqlite)) {
        exact(Dialect::Sqlite, &script, &expected);
    }

    #[test]
    fn generated_postgres_scripts_split_exactly((script, expected) in generated(Dialect::Postgres)) {
        exact(Dialect::Postgres, &script, &expected);
    }

    #[test]
    fn generated_mysql_scripts_split_exactly((script, expected) in generated(Dialect::Mysql)) {
        exact(Dialect::Mysql, &script, &expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_strings_never_panic_or_hang(script in any::<String>()) {
        check_arbitrary(&script);
    }

    #[test]
    fn sql_soup_never_panics_or_hangs(parts in prop::collection::vec(select(SOUP), 0..80)) {
        check_arbitrary(&parts.concat());
    }
}
