//! Property tests of the splitter: generated scripts split back into exactly the statements
//! they were made of, at the right positions, with comments before terminators kept and
//! comment-only tails dropped. [`soup`] feeds SQL-shaped noise; [`client`] compares MySQL
//! splits with a model of the `mysql` client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod client;
mod soup;

use proptest::prelude::*;
use proptest::sample::select;

use super::checks::{check_invariants, naive_position};
use super::{Statement, split};
use crate::Dialect;

/// Stands for the delimiter in force. It is only written where the `mysql` client reads it as
/// text (quotes, comments), so it must never end a statement; SQLite and PostgreSQL get `;`.
const D: &str = "{D}";

/// Statements with quotes, comments and bodies in them, valid where `;` ends statements. For
/// MySQL the delimiter in force is written `{D}` in quotes and comments; outside `{D}`, `;`
/// only appears in quotes, comments and compound bodies, and other delimiters only where the
/// section leaves the statement out.
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
            "INSERT INTO t VALUES ('it\\'s{D} ok', \"a\\\"{D}b\", 'x''y{D}', \"q\"\"{D}\")",
            "SELECT `a{D}b`, `c``{D}` FROM t # hash{D} comment\n WHERE 1",
            "SELECT 'x' -- dash{D} comment\n  , /* mid{D} */ 2 --\t{D}\n",
            "SELECT 'a\\\\', `b\\`, '{D}' /* src/*/x{D} */",
            "SELECT @`v{D}`, @'w{D}', _utf8mb4'x{D}', N'y{D}', X'3B' /*+ BKA(t) {D} */",
            "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  SELECT CASE WHEN 1 THEN 'a{D}' END; -- c{D}\n  SELECT `b{D}`; # d{D}\nEND",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = '{D}'",
            "CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1",
            "/*!40101 SET NAMES utf8mb4 */",
            "/*!50003 SELECT '{D}', `{D}` */",
            "SELECT 'é{D}ü' --\u{a0}x",
            "SELECT 1 |/* a{D} */ 2 ||/* b{D} */ 3 >-- c{D}\n, @-- d{D}\n 4",
        ],
    }
}

/// Statements only a custom `DELIMITER` keeps whole (or that hold several statements).
const MYSQL_DELIMITED: &[&str] = &[
    "CREATE PROCEDURE p2()\nBEGIN\n  SELECT 'a;b{D}';\n  SELECT 2; -- two{D}\n  /* three{D} */\nEND",
    "CREATE TRIGGER t2 BEFORE UPDATE ON t FOR EACH ROW\nBEGIN\n  SET NEW.x = 'it\\'s; {D}';\nEND",
    "CREATE FUNCTION f2() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1; # one; {D}\nEND",
    "SELECT 1; SELECT 2",
];

/// The delimiters MySQL sections use.
const DELIMITERS: &[&str] = &[";", "//", "$$", ";;", "|", "!!"];

/// Whitespace and comments that may precede a statement.
fn fillers(d: Dialect) -> Vec<&'static str> {
    let mut f = vec![
        "",
        " ",
        "\n",
        "\t",
        "\r\n",
        "  \n  ",
        "-- c{D} x\n",
        "/* c{D} */",
    ];
    f.push("/* m\nl{D} */ ");
    match d {
        Dialect::Mysql => f.extend(["# h{D} x\n", "--\n", "/* a/*/b{D} */"]),
        Dialect::Postgres => f.push("/* a /* b; */ c */"),
        Dialect::Sqlite => {}
    }
    f
}

/// Comments between a statement and its terminator: they belong to the statement.
fn trailers(d: Dialect) -> Vec<&'static str> {
    let mut t = vec!["", " /* c{D} */", "/*c*/", " -- c{D}\n", "\n-- c\n  "];
    if d == Dialect::Mysql {
        t.extend([" # c{D}\n", " --\t{D}\n", " /*+ h{D} */"]);
    }
    t
}

/// What may follow the last terminator: nothing that makes a statement.
fn tails(d: Dialect) -> Vec<&'static str> {
    let mut t = vec![
        "",
        "\n",
        " -- end",
        " -- end{D}\n",
        "/* x{D} */",
        "\n/* x */\n",
        "\n\n  ",
    ];
    if d == Dialect::Mysql {
        t.extend(["# end", "\n#", "--", "\n-- a\n--"]);
    }
    t
}

/// One statement as generated: the filler before it, its text, a comment after it,
/// whitespace before its terminator, and how many terminators follow (0 only where the
/// statement ends anyway).
#[derive(Debug, Clone)]
struct Gen {
    filler: &'static str,
    text: &'static str,
    trailer: &'static str,
    pre: &'static str,
    terms: usize,
}

fn gen_stmt(d: Dialect, texts: Vec<&'static str>) -> impl Strategy<Value = Gen> {
    (
        select(fillers(d)),
        select(texts),
        select(trailers(d)),
        select(vec!["", " ", "\n", "\t "]),
        0..3usize,
    )
        .prop_map(|(filler, text, trailer, pre, terms)| Gen {
            filler,
            text,
            trailer,
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
    (
        select(DELIMITERS),
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
                // Out go only the statements with the delimiter in code (`|` as an operator),
                // where the client would end them; and `/*! ... */` code before a delimiter
                // that starts with `/`: the client ends the code at `*` and reads `*//` as
                // `*`, `//`.
                texts.retain(|t| !t.replace(D, "").contains(delim));
                if delim.starts_with('/') {
                    texts.retain(|t| !t.starts_with("/*!"));
                }
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

/// `piece` with `{D}` replaced by `delimiter`. Outside `{D}`, a custom delimiter must not
/// occur: the client would end the statement there, and the expected split would be wrong.
fn fill(piece: &str, delimiter: &str) -> String {
    assert!(
        delimiter == ";" || !piece.replace(D, "").contains(delimiter),
        "generator bug: {delimiter:?} in the code of {piece:?}"
    );
    piece.replace(D, delimiter)
}

/// Builds the script (ending with `tail`) and the statements `split` must return.
fn build(sections: &[Section], last_terminated: bool, tail: &str) -> (String, Vec<Statement>) {
    let mut script = String::new();
    let mut expected: Vec<Statement> = Vec::new();
    // Whether the last statement is still open (no terminator or DELIMITER line after it).
    let mut open = false;
    let count: usize = sections.iter().map(|s| s.stmts.len()).sum();
    for (k, sec) in sections.iter().enumerate() {
        let delim = sec.delimiter;
        if k > 0 || delim != ";" {
            if !script.is_empty() && !script.ends_with('\n') {
                script.push('\n');
            }
            script.push_str(&sec.line);
            open = false;
        }
        let last_in_section = sec.stmts.len().saturating_sub(1);
        for (j, g) in sec.stmts.iter().enumerate() {
            script.push_str(&fill(g.filler, delim));
            let start = script.len();
            script.push_str(&fill(g.text, delim));
            script.push_str(&fill(g.trailer, delim));
            let sql = script[start..].trim_end().to_string();
            let (line, column) = naive_position(&script, start);
            expected.push(Statement {
                span: start..start + sql.len(),
                sql,
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
            script.push_str(&delim.repeat(terms));
            open = terms == 0;
        }
    }
    let last_delimiter = sections.last().map_or(";", |s| s.delimiter);
    script.push_str(&fill(tail, last_delimiter));
    // A tail after an unterminated statement is part of it (comments and all).
    if let Some(last) = expected.last_mut().filter(|_| open) {
        let sql = script[last.span.start..].trim_end();
        last.span.end = last.span.start + sql.len();
        last.sql = sql.to_string();
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
    (sections, any::<bool>(), select(tails(d))).prop_map(|(s, last, tail)| build(&s, last, tail))
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
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn generated_mysql_scripts_split_exactly((script, expected) in generated(Dialect::Mysql)) {
        exact(Dialect::Mysql, &script, &expected);
    }
}
