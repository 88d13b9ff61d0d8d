//! Unit tests of the splitter: constructs per dialect, `DELIMITER`, positions, errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::checks::check_invariants;
use super::*;

fn texts(sql: &str, d: Dialect) -> Vec<String> {
    split(sql, d).unwrap().into_iter().map(|s| s.sql).collect()
}

#[test]
fn splits_on_top_level_semicolons_with_positions() {
    let sql = "CREATE TABLE a (x INT);\n\n  -- a comment; with a semicolon\n  INSERT INTO a VALUES (1);\nSELECT 'x;y'";
    let stmts = split(sql, Dialect::Sqlite).unwrap();
    assert_eq!(stmts.len(), 3);
    assert_eq!(stmts[0].sql, "CREATE TABLE a (x INT)");
    assert_eq!((stmts[0].line, stmts[0].column), (1, 1));
    assert_eq!(stmts[1].sql, "INSERT INTO a VALUES (1)");
    assert_eq!((stmts[1].line, stmts[1].column), (4, 3));
    assert_eq!(stmts[2].sql, "SELECT 'x;y'");
    assert_eq!(stmts[2].line, 5);
    for s in &stmts {
        assert_eq!(&sql[s.span.clone()], s.sql);
    }
}

#[test]
fn quotes_comments_and_dollar_quotes_do_not_split() {
    let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END; $body$ LANGUAGE plpgsql;\n/* x; y */ SELECT \"a;b\", E'it''s; ok', $$;$$;";
    assert_eq!(split(sql, Dialect::Postgres).unwrap().len(), 2);
    let my = "INSERT INTO t VALUES ('a\\';b'); SELECT `x;y` FROM t # c;\n;";
    assert_eq!(texts(my, Dialect::Mysql).len(), 2);
}

#[test]
fn trigger_and_procedure_bodies_stay_whole() {
    let sqlite = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x > 1 THEN 1 ELSE 2 END;\n  DELETE FROM b;\nEND;\nSELECT 1;";
    let got = texts(sqlite, Dialect::Sqlite);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].ends_with("END"));

    let mysql = "CREATE PROCEDURE p() BEGIN\n  IF 1 THEN SELECT 1; END IF;\n  lbl: LOOP LEAVE lbl; END LOOP;\n  CASE WHEN 1 THEN SELECT 2; END CASE;\nEND;\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.x = 1;\nSELECT 3";
    let got = texts(mysql, Dialect::Mysql);
    assert_eq!(got.len(), 3, "{got:?}");

    let pg = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nBEGIN;\nCOMMIT;";
    assert_eq!(texts(pg, Dialect::Postgres).len(), 3);
}

#[test]
fn only_keywords_open_and_close_bodies() {
    // A quoted identifier spelled END does not close the trigger body.
    let sqlite = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET \"end\" = 1;\n  SELECT 1;\nEND;\nSELECT 2;";
    let got = texts(sqlite, Dialect::Sqlite);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].ends_with("SELECT 1;\nEND"), "{got:?}");
    // On PostgreSQL only `BEGIN ATOMIC` opens a body: a parameter named begin does not.
    let pg = "CREATE FUNCTION f(begin int) RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\nSELECT 2;";
    assert_eq!(
        texts(pg, Dialect::Postgres),
        [
            "CREATE FUNCTION f(begin int) RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "SELECT 2"
        ]
    );
}

#[test]
fn empty_and_comment_only_scripts_have_no_statements() {
    assert!(split("", Dialect::Sqlite).unwrap().is_empty());
    assert!(
        split(" ;; -- nothing\n", Dialect::Postgres)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn multibyte_text_keeps_byte_spans_right() {
    let sql = "INSERT INTO t VALUES ('é;ü');\nINSERT INTO t VALUES ('ß')";
    let stmts = split(sql, Dialect::Sqlite).unwrap();
    assert_eq!(stmts.len(), 2);
    assert_eq!(&sql[stmts[1].span.clone()], "INSERT INTO t VALUES ('ß')");
    assert_eq!(stmts[1].line, 2);
}

#[test]
fn unterminated_string_is_an_error_with_position() {
    let err = split("SELECT 1;\nSELECT 'oops", Dialect::Sqlite).unwrap_err();
    assert_eq!(err.line, 2);
}

fn checked(sql: &str, d: Dialect) -> Vec<Statement> {
    let stmts = split(sql, d).unwrap();
    check_invariants(sql, d, &stmts);
    stmts
}

#[test]
fn postgres_dollar_quotes_do_blocks_and_escape_strings() {
    let sql = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.x := 'a;b';\n  RETURN NEW;\nEND;\n$$;\n\
               CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n\
               DO $$ BEGIN PERFORM 1; END $$;\n\
               CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f();\n\
               INSERT INTO a VALUES (E'it\\'s; ok', 'it''s; ok'); -- done; really\n\
               /* a /* nested; */ comment */ SELECT 1";
    let stmts = checked(sql, Dialect::Postgres);
    let heads: Vec<&str> = stmts.iter().map(|s| &s.sql[..8]).collect();
    assert_eq!(
        heads,
        [
            "CREATE F", "CREATE F", "DO $$ BE", "CREATE T", "INSERT I", "SELECT 1"
        ]
    );
    assert_eq!((stmts[2].line, stmts[2].column), (8, 1));
}

#[test]
fn postgres_rules_keep_parenthesised_actions() {
    let sql = "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (1); DELETE FROM c);\nSELECT 1;";
    assert_eq!(checked(sql, Dialect::Postgres).len(), 2);
}

#[test]
fn mysql_delimiter_sections() {
    let sql = "CREATE TABLE t (x INT);\n\
               DELIMITER //\n\
               CREATE PROCEDURE p()\nBEGIN\n  SELECT 'a;b//';\n  SELECT 2;\nEND//\n\
               CREATE FUNCTION f() RETURNS INT DETERMINISTIC\nBEGIN\n  RETURN 1;\nEND //\n\
               delimiter $$\n\
               CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.x = 1; END$$ -- trailing\n\
               \x20 DELIMITER ;\n\
               INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)";
    let stmts = checked(sql, Dialect::Mysql);
    let got: Vec<(&str, u32, u32)> = stmts
        .iter()
        .map(|s| (&s.sql[..s.sql.len().min(16)], s.line, s.column))
        .collect();
    assert_eq!(
        got,
        [
            ("CREATE TABLE t (", 1, 1),
            ("CREATE PROCEDURE", 3, 1),
            ("CREATE FUNCTION ", 8, 1),
            ("CREATE TRIGGER t", 13, 1),
            ("INSERT INTO t VA", 15, 1),
            ("INSERT INTO t VA", 15, 27),
        ]
    );
    assert!(stmts[1].sql.ends_with("END"), "{:?}", stmts[1].sql);
    assert!(stmts[2].sql.ends_with("END"), "{:?}", stmts[2].sql);
    assert!(stmts[3].sql.ends_with("END"), "{:?}", stmts[3].sql);
}

#[test]
fn mysql_delimiter_lines_only_count_at_line_start_in_code() {
    // Inside a string and inside a comment, a DELIMITER line is text.
    let sql =
        "SELECT 'x\nDELIMITER //\n';\n/*\nDELIMITER //\n*/ SELECT 2;\nSELECT 3 # DELIMITER //\n;";
    let got = texts(sql, Dialect::Mysql);
    assert_eq!(got.len(), 3, "{got:?}");
    // A bare DELIMITER (no argument) is SQL, e.g. a column named delimiter.
    let sql = "SELECT a,\ndelimiter\nFROM t;";
    assert_eq!(texts(sql, Dialect::Mysql), ["SELECT a,\ndelimiter\nFROM t"]);
    // Other dialects have no DELIMITER command.
    let sql = "DELIMITER //\nSELECT 1//";
    assert_eq!(texts(sql, Dialect::Sqlite), [sql]);
}

#[test]
fn mysql_delimiter_arguments() {
    let sql = "DELIMITER '$$' ignored\nSELECT 1$$SELECT 2 $$\nDELIMITER ;;\nSELECT 3;;\r\nDELIMITER ;\r\nSELECT 4;";
    assert_eq!(
        texts(sql, Dialect::Mysql),
        ["SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"]
    );
    // A statement cut short by a DELIMITER line ends there, as in the client.
    assert_eq!(
        texts("SELECT 1\nDELIMITER //\nSELECT 2//", Dialect::Mysql),
        ["SELECT 1", "SELECT 2"]
    );
    let err = split("SELECT 1;\nDELIMITER \\\\\n", Dialect::Mysql).unwrap_err();
    assert_eq!((err.line, err.column), (2, 11));
    assert!(err.message.contains("backslash"), "{err}");
    let err = split("DELIMITER 'x\n", Dialect::Mysql).unwrap_err();
    assert_eq!(err.line, 1);
}

#[test]
fn mysql_custom_sections_know_quotes_and_comments() {
    let sql = "DELIMITER //\nSELECT 'a//b', \"c\\\"//\", `d//`/* e// */ # f//\n-- g//\n//\n/* lead // */ # x\nSELECT 2//";
    let stmts = checked(sql, Dialect::Mysql);
    assert_eq!(stmts.len(), 2, "{stmts:?}");
    assert!(stmts[0].sql.ends_with("-- g//"), "{:?}", stmts[0].sql);
    assert_eq!(stmts[1].sql, "SELECT 2");
    assert_eq!((stmts[1].line, stmts[1].column), (6, 1));
    let err = split("DELIMITER //\nSELECT 'oops//", Dialect::Mysql).unwrap_err();
    assert_eq!((err.line, err.column), (2, 8));
}

#[test]
fn mysql_executable_comments_are_statements() {
    let sql = "/*!40101 SET NAMES utf8mb4 */;\n/* plain; */\nSELECT 1 /*!50000 , 2 */;\n\
               /*!50003 CREATE*/ /*!50003 PROCEDURE p() BEGIN SELECT 1; END */;";
    assert_eq!(
        texts(sql, Dialect::Mysql),
        [
            "/*!40101 SET NAMES utf8mb4 */",
            "SELECT 1 /*!50000 , 2 */",
            "/*!50003 CREATE*/ /*!50003 PROCEDURE p() BEGIN SELECT 1; END */"
        ]
    );
}

#[test]
fn mysql_anonymous_blocks_and_loops() {
    let sql = "BEGIN NOT ATOMIC\n  FOR i IN 1..3 DO SELECT i; END FOR;\n  lbl: WHILE 0 DO SELECT 1; END WHILE lbl;\nEND;\nSELECT 2;";
    assert_eq!(checked(sql, Dialect::Mysql).len(), 2);
    // Plain BEGIN starts a transaction.
    assert_eq!(texts("BEGIN; SELECT 1; COMMIT;", Dialect::Mysql).len(), 3);
}

#[test]
fn sqlite_trigger_with_case_and_quotes() {
    let sql = "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  INSERT INTO log VALUES ('it''s; ok', CASE WHEN NEW.x > 0 THEN 'pos;' ELSE 'neg' END);\n  UPDATE a SET y = 1 WHERE rowid = NEW.rowid;\nEND;\n-- done; bye\n";
    let stmts = checked(sql, Dialect::Sqlite);
    assert_eq!(stmts.len(), 1);
    assert!(stmts[0].sql.ends_with("END"));
}

#[test]
fn copy_from_stdin_keeps_its_rows() {
    let sql = "COPY t FROM STDIN; -- rows follow\n1\t2\n\\.\nSELECT 1;";
    assert_eq!(
        texts(sql, Dialect::Postgres),
        ["COPY t FROM STDIN; -- rows follow\n1\t2\n\\.", "SELECT 1"]
    );
    check_invariants(
        sql,
        Dialect::Postgres,
        &split(sql, Dialect::Postgres).unwrap(),
    );
}

#[test]
fn cases_the_fuzzer_found() {
    // MySQL identifiers may start with U+2000, which Unicode counts as whitespace.
    // An unterminated COPY row is the COPY statement's, not a stray gap.
    for sql in [
        "\u{2000}\u{1ed01}",
        "COPY t FROM STDIN;\n'",
        "/*!40101 x */;;/*!*/",
    ] {
        for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
            // Only PostgreSQL has COPY ... FROM STDIN rows; elsewhere the `'` opens a string
            // that never ends, and the splitter must say so, not split.
            let copy_elsewhere = sql.starts_with("COPY") && d != Dialect::Postgres;
            match split(sql, d) {
                Ok(stmts) if !copy_elsewhere => check_invariants(sql, d, &stmts),
                Err(e) if copy_elsewhere => {
                    assert!(e.to_string().starts_with("Unterminated"), "{d}: {e}");
                }
                other => panic!("{sql:?} on {d}: {other:?}"),
            }
        }
    }
}

#[test]
fn huge_input_is_linear() {
    // 1 MB of semicolons and quotes, balanced, then unbalanced: a quadratic pass would take
    // hours here, a linear one about a second even unoptimised.
    for (d, unit) in [
        (Dialect::Sqlite, r#";';;''';"";[;];;"#),
        (Dialect::Postgres, r#";';;''';"";$$;$$;;E'\\';'"#),
        (Dialect::Mysql, r#";';;''';"";`;`;;'\\'';"#),
    ] {
        let big = unit.repeat(1_000_000 / unit.len());
        let started = std::time::Instant::now();
        let stmts = split(&big, d).unwrap();
        assert!(stmts.len() > 100_000, "{d}: {}", stmts.len());
        check_invariants(&big, d, &stmts);
        assert!(split(&format!("{big}'"), d).is_err());
        assert!(split(&format!("'{big}"), d).is_err());
        if d == Dialect::Mysql {
            let delimited = format!("DELIMITER //\n{}", big.replace(';', "//"));
            assert!(split(&delimited, d).unwrap().len() > 100_000);
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{d}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn mysql_comments_end_where_the_client_ends_them() {
    let my = |sql: &str| texts(sql, Dialect::Mysql);
    // `--` needs an ASCII blank, a line end or the end of the script after it.
    assert_eq!(my("SELECT 1;\n--"), ["SELECT 1"]);
    assert_eq!(my("DELIMITER //\nSELECT 1//\n--"), ["SELECT 1"]);
    assert_eq!(
        my("DELIMITER //\nSELECT 1//--//SELECT 2"),
        ["SELECT 1", "--", "SELECT 2"]
    );
    assert_eq!(
        my("SELECT 1 --\u{a0}x; SELECT 2"),
        ["SELECT 1 --\u{a0}x", "SELECT 2"]
    );
    assert_eq!(
        my("DELIMITER $$\nSELECT 1 ---\u{2000}x$$SELECT 2"),
        ["SELECT 1 ---\u{2000}x", "SELECT 2"]
    );
    // A `/*` inside a comment is skipped whole: `/*/` does not close it.
    assert_eq!(
        my("/* src/*/x; */ SELECT 1; SELECT 2"),
        ["SELECT 1", "SELECT 2"]
    );
    assert_eq!(my("DELIMITER //\n/* src/*/x// */ SELECT 1//"), ["SELECT 1"]);
    // sqlparser glues `|` to the `/` of `/*` and `@` to `;`; the client does not.
    assert_eq!(
        my("SELECT 1 |/* c; */ 2; SELECT 3"),
        ["SELECT 1 |/* c; */ 2", "SELECT 3"]
    );
    assert_eq!(
        my("SELECT 1 @-- c;\n; SELECT @; SELECT 2"),
        ["SELECT 1 @-- c;", "SELECT @", "SELECT 2"]
    );
    // `/*!` code: `--*/` is no comment, and a `;` inside it ends the statement.
    assert_eq!(
        my("/*!40101 SET @x=1--*/; SELECT 2"),
        ["/*!40101 SET @x=1--*/", "SELECT 2"]
    );
    assert_eq!(my("/*!50003 SELECT 1; */;"), ["/*!50003 SELECT 1", "*/"]);
}

#[test]
fn mysql_blanks_are_the_clients_ascii_ones() {
    let my = |sql: &str| checked(sql, Dialect::Mysql);
    // U+00A0 is text to the client: it starts a statement in both kinds of section.
    for sql in ["\u{a0}SELECT 1;", "DELIMITER //\n\u{a0}SELECT 1//"] {
        let stmts = my(sql);
        assert_eq!(stmts.len(), 1, "{sql:?}");
        assert_eq!(stmts[0].sql, "\u{a0}SELECT 1", "{sql:?}");
    }
    // ... and can be a delimiter.
    assert_eq!(
        texts("DELIMITER \u{a0}\nSELECT 1\u{a0}SELECT 2", Dialect::Mysql),
        ["SELECT 1", "SELECT 2"]
    );
}

#[test]
fn the_mysql_lossless_check_sees_lost_text() {
    let script = "SELECT 1;\nDELIMITER //\nSELECT 2// x //";
    let mut stmts = checked(script, Dialect::Mysql);
    assert_eq!(stmts.len(), 3);
    stmts.remove(1);
    let lost = std::panic::catch_unwind(|| check_invariants(script, Dialect::Mysql, &stmts));
    assert!(lost.is_err(), "a dropped statement went unnoticed");
    // Under `//`, a `;` outside the statements is text, not a terminator.
    let script = "DELIMITER //\nSELECT 1;";
    let stmts = vec![Statement {
        sql: "SELECT 1".into(),
        span: 13..21,
        line: 2,
        column: 1,
    }];
    let lost = std::panic::catch_unwind(|| check_invariants(script, Dialect::Mysql, &stmts));
    assert!(lost.is_err(), "a stray `;` under `//` went unnoticed");
}

#[test]
fn backslash_escapes_under_a_custom_delimiter_keep_text_and_lines() {
    // `\'` does not end the string and `//` inside it does not end the statement; a
    // backslash before a newline still counts the line, so the next statement's line is right.
    let sql = "DELIMITER //\nSELECT 'it\\'s // here', 'a\\\nb' //\nSELECT 2 //\n";
    let got = split(sql, Dialect::Mysql).unwrap();
    let texts: Vec<&str> = got.iter().map(|s| s.sql.as_str()).collect();
    assert_eq!(texts, ["SELECT 'it\\'s // here', 'a\\\nb'", "SELECT 2"]);
    assert_eq!((got[0].line, got[1].line), (2, 4), "{got:?}");
}
