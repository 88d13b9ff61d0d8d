//! The MySQL splitter against a model of the `mysql` client, whose reading of a script is the
//! spec: where the client sends a statement to the server, `split` must return one with the
//! same first byte and the same end (trailing blanks aside).
//!
//! The model follows `read_and_execute` and `add_line` of client/mysql.cc (MySQL 8.x). The
//! MariaDB client differs in `--` without a blank at the start of a statement (a comment to
//! it) and `/*M! ... */` (code to it); the model, like the splitter, reads those as MySQL does,
//! and no generator here writes them. Where the splitter deliberately differs, the
//! model declines the script ([`Unsupported`]) rather than guess: compound bodies kept whole
//! under `;`, a `DELIMITER` line ending a pending statement, backslash commands, and the
//! client's mix-ups of `/*`, `/*!` and `/*+` nested in comments and `/*!` code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ops::Range;

use proptest::prelude::*;
use proptest::sample::select;

use super::super::split;
use super::soup::{CHARS, TOKENS};
use crate::Dialect;

/// Why the model declines a script.
type Unsupported = &'static str;

/// What the client sends.
#[derive(Debug, PartialEq, Eq)]
struct Sent {
    /// From the first character the client keeps (blanks and comments before it are dropped)
    /// to where the statement ends: its delimiter, or the end of the script.
    statements: Vec<Range<usize>>,
    /// The script ends inside quotes or a comment (the splitter refuses such a script).
    unterminated: bool,
}

/// The client's `my_isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Client commands a line (or a statement) may start with; only `delimiter` is modelled.
const COMMANDS: &[&str] = &[
    "?",
    "charset",
    "clear",
    "connect",
    "edit",
    "ego",
    "exit",
    "go",
    "help",
    "nopager",
    "notee",
    "nowarning",
    "pager",
    "print",
    "prompt",
    "query_attributes",
    "quit",
    "rehash",
    "resetconnection",
    "source",
    "status",
    "system",
    "tee",
    "use",
    "warnings",
];

/// The first word of `text` after the client's blanks (`find_command`: up to a space or tab),
/// and the blanks before it.
fn first_word(text: &[u8]) -> (&[u8], &[u8]) {
    let lead = text.iter().take_while(|&&b| is_space(b)).count();
    let rest = &text[lead..];
    let len = rest.iter().position(|&b| b == b' ' || b == b'\t');
    (&rest[..len.unwrap_or(rest.len())], &text[..lead])
}

/// `line` as a command line (`find_command` and `com_delimiter`), read with an empty buffer:
/// `Some(delimiter)` for a `DELIMITER` line, `None` for SQL.
fn command_line(line: &[u8]) -> Result<Option<Vec<u8>>, Unsupported> {
    let (word, lead) = first_word(line);
    if COMMANDS
        .iter()
        .any(|c| word.eq_ignore_ascii_case(c.as_bytes()))
    {
        return Err("a client command other than DELIMITER");
    }
    if !word.eq_ignore_ascii_case(b"delimiter") {
        return Ok(None);
    }
    if lead.iter().any(|&b| b != b' ' && b != b'\t') {
        return Err("DELIMITER after blanks other than spaces and tabs");
    }
    // `get_arg`: after blanks, a quoted argument or one that ends at a space.
    let rest = &line[lead.len() + word.len()..];
    let arg = &rest[rest.iter().take_while(|&&b| is_space(b)).count()..];
    let delimiter = match arg.first() {
        None => return Err("DELIMITER without an argument (the splitter reads it as SQL)"),
        Some(&q @ (b'\'' | b'"' | b'`')) => {
            let close = arg[1..].iter().position(|&b| b == q);
            let close = close.ok_or("DELIMITER with an unclosed quote")?;
            if arg.get(close + 2) == Some(&q) {
                return Err("DELIMITER with a doubled quote");
            }
            &arg[1..=close]
        }
        Some(_) => {
            let bare = &arg[..arg.iter().position(|&b| b == b' ').unwrap_or(arg.len())];
            if bare.iter().any(|&b| is_space(b)) {
                return Err("a bare DELIMITER argument with blanks other than spaces");
            }
            bare
        }
    };
    if delimiter.is_empty() || delimiter.contains(&b'\\') {
        return Err("a DELIMITER argument the client refuses");
    }
    Ok(Some(delimiter.to_vec()))
}

/// What the client sends for `script`.
fn client(script: &str) -> Result<Sent, Unsupported> {
    let bytes = script.as_bytes();
    let mut delimiter = b";".to_vec();
    let mut quote: Option<u8> = None;
    let mut comment = false;
    // Inside `/*! ... */` code (the client's `ss_comment`, which it forgets at a line end).
    let mut hint = false;
    // The first kept byte of the buffer; `None` while it is empty.
    let mut start: Option<usize> = None;
    let mut sent = Vec::new();
    let mut end_statement = |start: &mut Option<usize>, at: usize| {
        if let Some(from) = start.take() {
            // `find_command(buffer)` runs a statement that starts with a command name.
            let (word, _) = first_word(&bytes[from..at]);
            let command = |c: &&str| word.eq_ignore_ascii_case(c.as_bytes());
            if word.eq_ignore_ascii_case(b"delimiter") || COMMANDS.iter().any(command) {
                return Err("a statement that starts with a client command");
            }
            sent.push(from..at);
        }
        Ok(())
    };
    for (line_start, line) in lines(bytes) {
        if hint {
            return Err("/*! code over several lines (the client forgets it at the line end)");
        }
        if !comment && quote.is_none() && start.is_none() {
            if let Some(d) = command_line(line)? {
                delimiter = d;
                continue;
            }
        } else if !comment && quote.is_none() {
            // The client reads the line as SQL; the splitter ends the statement before it.
            if first_word(line).0.eq_ignore_ascii_case(b"delimiter") {
                return Err("DELIMITER line with a statement pending");
            }
        }
        let mut pos = 0;
        while pos < line.len() {
            let (c, at) = (line[pos], line_start + pos);
            let (next, next2) = (line.get(pos + 1).copied(), line.get(pos + 2).copied());
            let opens = c == b'/' && next == Some(b'*');
            if start.is_none() && is_space(c) {
                pos += 1;
            } else if c >= 0xC0 {
                // A multi-byte character is taken whole and never special.
                if !comment {
                    start.get_or_insert(at);
                }
                pos += script[at..].chars().next().map_or(1, char::len_utf8);
            } else if !comment && c == b'\\' && quote.is_none() {
                return Err("a backslash outside quotes (a client command)");
            } else if !comment && c == b'\\' && quote != Some(b'`') {
                // An escape in strings (MariaDB and MySQL 8 both leave backticks alone).
                start.get_or_insert(at);
                pos += 2;
            } else if !comment && quote.is_none() && line[pos..].starts_with(&delimiter) {
                end_statement(&mut start, at)?;
                pos += delimiter.len();
            } else if !comment
                && quote.is_none()
                && (c == b'#' || (c == b'-' && next == Some(b'-') && next2.is_none_or(is_space)))
            {
                break;
            } else if quote.is_none() && opens && comment && matches!(next2, Some(b'!' | b'+')) {
                return Err("/*! or /*+ inside a comment (the client then misses its end)");
            } else if quote.is_none() && opens && next2 != Some(b'!') {
                // MySQL 8 keeps `/*+` hints in the statement; MariaDB and the splitter drop
                // them as comments (no difference to where statements end).
                if hint && !comment {
                    return Err("a comment inside /*! code (the client then misses its end)");
                }
                comment = true;
                pos += 2;
            } else if comment && c == b'*' && next == Some(b'/') {
                comment = false;
                pos += 2;
            } else {
                // The `*` of the `*/` that ends `/*!` code ends it; the `/` is read afresh.
                if quote.is_none() && opens {
                    hint = true;
                } else if quote.is_none() && hint && c == b'*' && next == Some(b'/') {
                    hint = false;
                }
                if quote == Some(c) {
                    quote = None;
                } else if !comment && quote.is_none() && matches!(c, b'\'' | b'"' | b'`') {
                    quote = Some(c);
                }
                if !comment {
                    start.get_or_insert(at);
                }
                pos += 1;
            }
        }
    }
    end_statement(&mut start, bytes.len())?;
    Ok(Sent {
        statements: sent,
        unterminated: quote.is_some() || comment,
    })
}

/// The lines of `bytes` (without their `\n`) with their offsets, as the client reads them.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        (at < bytes.len()).then(|| {
            let len = bytes[at..].iter().position(|&b| b == b'\n');
            let line = (at, &bytes[at..at + len.unwrap_or(bytes.len() - at)]);
            at += len.map_or(bytes.len() - at, |n| n + 1);
            line
        })
    })
}

/// Compares `split` with the model, if the model takes the script.
fn agrees_with_client(script: &str) {
    let Ok(sent) = client(script) else {
        return;
    };
    let got = match split(script, Dialect::Mysql) {
        Ok(stmts) => stmts.into_iter().map(|s| s.span).collect::<Vec<_>>(),
        // sqlparser refuses some malformed numbers (`._x`, `1._x`) the server would refuse too.
        Err(e) if e.message.starts_with("Unexpected character") => return,
        Err(e) => {
            assert!(
                sent.unterminated,
                "split refuses what the client reads: {e} in {script:?}"
            );
            return;
        }
    };
    let expected: Vec<Range<usize>> = sent
        .statements
        .iter()
        .map(|r| r.start..r.start + script[r.clone()].trim_end().len())
        .filter(|r| !r.is_empty())
        .collect();
    let text = |spans: &[Range<usize>]| -> Vec<&str> {
        spans.iter().map(|r| &script[r.clone()]).collect()
    };
    assert_eq!(text(&got), text(&expected), "in {script:?}");
    assert_eq!(got, expected, "in {script:?}");
}

/// Tokens for MySQL noise: no compound-body starts (`CREATE ...`, `NOT`; under `;` the
/// splitter keeps those whole where the client does not), plus the custom delimiters.
fn mysql_tokens() -> Vec<&'static str> {
    let mut t: Vec<&str> = TOKENS
        .iter()
        .copied()
        .filter(|t| !t.starts_with("CREATE") && *t != "NOT")
        .collect();
    t.extend(["//", "$$", "|", ";;"]);
    t
}

/// SQL-shaped MySQL noise: anything goes, so many scripts are left unterminated or declined.
fn mysql_noise() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        select(CHARS).prop_map(String::from),
        select(mysql_tokens()).prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|p| p.concat())
}

/// One piece of a statement: bare noise (no backslash, no DELIMITER), or noise in quotes
/// (with escapes), backticks, comments or `/*!` code, each closed.
fn mysql_piece() -> impl Strategy<Value = String> {
    let bare: Vec<String> = CHARS
        .iter()
        .map(|c| c.to_string())
        .chain(mysql_tokens().into_iter().map(String::from))
        .filter(|t| !t.contains('\\') && !t.to_ascii_uppercase().contains("DELIMITER"))
        .collect();
    let text = move |n: usize| prop::collection::vec(select(bare.clone()), 0..n);
    let escapes = select(vec!["\\'", "\\\"", "\\\\", "\\n", "\\;", "\\`", "\\é"]);
    prop_oneof![
        6 => text(4).prop_map(|t| t.concat()),
        2 => (select(vec!['\'', '"']), text(6), escapes, text(4)).prop_map(|(q, a, e, b)| {
            let q = q.to_string();
            format!("{q}{}{e}{}{q}", a.concat().replace(&q, "''"), b.concat().replace(&q, "''"))
                .replace("''", &q.repeat(2))
        }),
        1 => text(6).prop_map(|t| format!("`{}\\`", t.concat().replace('`', "``"))),
        1 => text(6).prop_map(|t| format!("/*{}*/", t.concat().replace("/*", "").replace("*/", ""))),
        1 => text(6).prop_map(|t| format!("-- {}\n", t.concat().replace('\n', ""))),
        1 => text(6).prop_map(|t| format!("#{}\n", t.concat().replace('\n', ""))),
        1 => text(6).prop_map(|t| {
            let code = t.concat().replace("/*", "").replace("*/", "").replace('\n', " ");
            format!("/*!50003 {code}*/")
        }),
        1 => text(6).prop_map(|t| format!("/*+ {}*/", t.concat().replace("/*", "").replace("*/", ""))),
    ]
}

/// MySQL scripts in `DELIMITER` sections, each statement followed by the delimiter.
fn mysql_script() -> impl Strategy<Value = String> {
    let statement = prop::collection::vec(mysql_piece(), 0..6).prop_map(|p| p.concat());
    let section = (
        select(vec![";", "//", "$$", "|", ";;"]),
        any::<bool>(),
        prop::collection::vec(statement, 0..5),
    );
    prop::collection::vec(section, 1..4).prop_map(|sections| {
        let mut script = String::new();
        for (k, (delimiter, quoted, statements)) in sections.into_iter().enumerate() {
            if k > 0 || delimiter != ";" {
                if !script.is_empty() && !script.ends_with('\n') {
                    script.push('\n');
                }
                let arg = if quoted {
                    format!("'{delimiter}'")
                } else {
                    delimiter.to_string()
                };
                script.push_str(&format!("DELIMITER {arg}\n"));
            }
            for s in statements {
                script.push_str(&s);
                script.push_str(delimiter);
            }
        }
        script
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10000))]

    #[test]
    fn mysql_splits_where_the_client_sends(script in prop_oneof![1 => mysql_noise(), 3 => mysql_script()]) {
        agrees_with_client(&script);
    }
}

#[test]
fn the_client_model_reads_as_mysql_cc() {
    // The text of each statement sent, from its first kept byte to its end.
    fn sent(script: &str) -> Result<Vec<&str>, Unsupported> {
        let sent = client(script)?;
        Ok(sent.statements.into_iter().map(|r| &script[r]).collect())
    }
    // Blanks and comments before a statement are dropped; comments after it stay until the
    // delimiter; `--` needs an ASCII blank or the line end after it.
    let script = "  /* a */ SELECT 1 -- x;\n;--\u{a0};\n#;\nSELECT 2";
    assert_eq!(
        sent(script),
        Ok(vec!["SELECT 1 -- x;\n", "--\u{a0}", "SELECT 2"])
    );
    // `/*/` inside a comment does not close it.
    assert_eq!(sent("/* src/*/x; */ SELECT 1;"), Ok(vec!["SELECT 1"]));
    // DELIMITER lines count only with an empty buffer.
    assert_eq!(sent("DELIMITER //\nSELECT 1; //"), Ok(vec!["SELECT 1; "]));
    assert!(sent("SELECT 1\nDELIMITER //\n").is_err());
    // The `*/` after a delimiter inside `/*!` code starts a statement.
    assert_eq!(
        sent("/*!50003 SELECT 1; */;"),
        Ok(vec!["/*!50003 SELECT 1", "*/"])
    );
}
