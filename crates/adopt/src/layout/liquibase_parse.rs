//! One Liquibase formatted SQL file cut into changesets, with the rules of Liquibase's
//! `AbstractFormattedChangeLogParser` (liquibase-standard, `liquibase/parser/`): its line
//! patterns, matched case-insensitively, and its errors.

use std::ops::Range;
use std::path::Path;

use super::entry::{lines, problem};
use crate::error::{Problem, ProblemKind};

/// One `--changeset author:id` and what follows it up to the next one.
#[derive(Debug, Clone)]
pub(crate) struct Changeset {
    pub author: String,
    pub id: String,
    /// File line of the `--changeset` line.
    pub line: u32,
    /// The `--changeset` line itself, where Liquibase looks for every attribute.
    pub attributes: String,
    /// Bytes of the file after the `--changeset` line, up to the next one.
    pub body: Range<usize>,
    /// Byte ranges of the SQL lines (not a directive, not ignored, not blank).
    pub sql_lines: Vec<Range<usize>>,
    /// The rollback SQL and the file line it starts on, when there is one.
    pub rollback: Option<(String, u32)>,
    /// `--comment` text.
    pub comment: Option<String>,
    /// Directives Cairn does not carry out.
    pub unsupported: Vec<String>,
}

/// The file's `logicalFilePath` (from the header line) and its changesets.
#[derive(Debug)]
pub(crate) struct Changelog {
    pub logical_path: Option<String>,
    pub changesets: Vec<Changeset>,
}

/// Whether `line` is the `--liquibase formatted sql` header (`FIRST_LINE_REGEX`).
pub(crate) fn is_header(line: &str) -> bool {
    line.trim_start_matches('\u{feff}')
        .trim_start()
        .strip_prefix("--")
        .map(|r| r.trim_start().to_ascii_lowercase())
        .and_then(|r| {
            r.strip_prefix("liquibase")
                .map(|r| r.trim_start().to_string())
        })
        .is_some_and(|r| r.starts_with("formatted"))
}

/// Whether the file's first non-blank line is the header (`supports`).
pub(crate) fn is_formatted(text: &str) -> bool {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(is_header)
}

/// `--<word>` (or `-- <word>`) at the start of `line` after optional blanks: the rest of the
/// line after the word, matched case-insensitively.
fn directive<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    let head = rest.get(..word.len())?;
    head.eq_ignore_ascii_case(word).then(|| &rest[word.len()..])
}

/// The value Liquibase's `.*<name>:(<class>).*` pattern finds: the last occurrence wins (the
/// leading `.*` is greedy) and there is no word boundary unless `bounded`.
pub(crate) fn attribute<'a>(line: &'a str, name: &str, bounded: bool) -> Option<&'a str> {
    let lower = line.to_ascii_lowercase();
    let key = format!("{}:", name.to_ascii_lowercase());
    let mut found = None;
    for (at, _) in lower.match_indices(&key) {
        let before = lower[..at].chars().next_back();
        if bounded && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        found = Some(at + key.len());
    }
    let rest = &line[found?..];
    let value = if let Some(quoted) = rest.strip_prefix('"') {
        quoted.find('"').map_or(rest, |end| &rest[..end + 2])
    } else {
        &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())]
    };
    Some(value)
}

/// A boolean attribute as Liquibase reads it (`Boolean.parseBoolean`: only `true` is true).
pub(crate) fn flag(line: &str, name: &str, default: bool) -> bool {
    attribute(line, name, false).map_or(default, |v| {
        let word: String = v
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        word.eq_ignore_ascii_case("true")
    })
}

/// `author:id` of a `--changeset` line (`CHANGE_SET_REGEX` and the check that no blank follows
/// the colon), quotes stripped.
fn author_and_id(rest: &str) -> Option<(String, String)> {
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let (author, after) = if let Some(q) = rest.strip_prefix('"') {
        let end = q.find('"')?;
        (&q[..end], q[end + 1..].strip_prefix(':')?)
    } else {
        let colon = rest.find(':')?;
        (&rest[..colon], &rest[colon + 1..])
    };
    let id = if let Some(q) = after.strip_prefix('"') {
        &q[..q.find('"')?]
    } else {
        &after[..after.find(char::is_whitespace).unwrap_or(after.len())]
    };
    if author.is_empty() || id.replace([':', ' '], "").is_empty() {
        return None;
    }
    Some((author.to_string(), id.to_string()))
}

/// Reads a formatted SQL file; `file` names it in messages.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Changelog, Problem> {
    let fail = |line: u32, msg: String| problem(ProblemKind::Format, path, line, msg, Some(text));
    let expected = |line: u32, form: &str| {
        fail(
            line,
            format!("unexpected formatting: Liquibase expects `{form}` here"),
        )
    };
    let mut log = Changelog {
        logical_path: None,
        changesets: Vec::new(),
    };
    let mut all = lines(text).peekable();
    while let Some((at, n, raw)) = all.next() {
        let end = at + raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if is_header(line) {
            if log.logical_path.is_none() && log.changesets.is_empty() {
                log.logical_path = attribute(line, "logicalFilePath", false)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("--").map(str::trim_start)
            && rest.len() >= 12
            && rest[..12].eq_ignore_ascii_case("ignoreLines:")
        {
            // The skipped lines are no SQL: they never reach `sql_lines`.
            let what = &rest[12..];
            if what.eq_ignore_ascii_case("start") {
                let mut closed = false;
                for (_, _, r) in all.by_ref() {
                    let l = r.trim_end_matches(['\n', '\r']);
                    if directive(l, "ignoreLines:").is_some_and(|w| w.eq_ignore_ascii_case("end")) {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err(expected(n, "--ignoreLines:end"));
                }
            } else {
                let count: u64 = what
                    .parse()
                    .map_err(|_| fail(n, format!("unknown ignoreLines syntax `{what}`")))?;
                for _ in 0..count {
                    all.next();
                }
            }
            continue;
        }
        if directive(line, "property").is_some() {
            return Err(fail(
                n,
                "`--property` is not supported: Cairn does not substitute `${...}` and runs the SQL as written".to_string(),
            ));
        }
        if let Some(rest) = directive(line, "changeset") {
            let Some((author, id)) = author_and_id(rest) else {
                return Err(expected(n, "--changeset <author>:<id>"));
            };
            if let Some(c) = log.changesets.last_mut() {
                c.body.end = at;
            }
            log.changesets.push(Changeset {
                author,
                id,
                line: n,
                attributes: line.to_string(),
                body: end..text.len(),
                sql_lines: Vec::new(),
                rollback: None,
                comment: None,
                unsupported: Vec::new(),
            });
            continue;
        }
        if line.trim_start().starts_with('-') && !line.trim_start().starts_with("--") {
            let word = line.trim_start()[1..].trim_start().to_ascii_lowercase();
            if [
                "changeset",
                "rollback",
                "comment",
                "preconditions",
                "property",
            ]
            .iter()
            .any(|w| word.starts_with(w))
            {
                return Err(fail(
                    n,
                    "a Liquibase directive needs two dashes (`--`)".to_string(),
                ));
            }
        }
        let Some(c) = log.changesets.last_mut() else {
            if line.starts_with("--") && directive(line, "comment").is_some() {
                return Err(fail(
                    n,
                    "Liquibase does not allow `--comment` outside a changeset".to_string(),
                ));
            }
            continue;
        };
        if let Some(rest) = directive(line, "comment")
            .filter(|_| line.starts_with("--"))
            .and_then(|r| r.strip_prefix(':').or(Some(r)))
            .and_then(|r| r.strip_prefix(' '))
        {
            c.comment = Some(rest.to_string());
        } else if let Some(sql) = directive(line, "rollback ") {
            let (rb, _) = c.rollback.get_or_insert_with(|| (String::new(), n));
            rb.push_str(sql);
            rb.push('\n');
        } else if multi_line_rollback_start(line) {
            let mut rb = String::new();
            let mut closed = false;
            for (_, _, r) in all.by_ref() {
                let l = r.trim_end_matches(['\n', '\r']);
                if let Some(last) = l.trim_end().strip_suffix("*/") {
                    if !last.trim().is_empty() {
                        rb.push_str(last);
                        rb.push('\n');
                    }
                    closed = true;
                    break;
                }
                rb.push_str(l);
                rb.push('\n');
            }
            if !closed {
                return Err(fail(
                    n,
                    "Liquibase rollback comment is not closed".to_string(),
                ));
            }
            let (sql, _) = c.rollback.get_or_insert_with(|| (String::new(), n + 1));
            sql.push_str(&rb);
        } else if directive(line, "preconditions").is_some()
            || directive(line, "precondition-").is_some()
        {
            c.unsupported.push(format!(
                "line {n}: preconditions are not checked: Cairn runs the changeset unconditionally"
            ));
        } else if directive(line, "validCheckSum").is_some() {
            // Accepted checksums only matter to Liquibase's own validation.
        } else if !line.trim().is_empty() {
            c.sql_lines.push(at..end);
        }
    }
    Ok(log)
}

/// `/* liquibase rollback` alone on its line (`ROLLBACK_MULTI_LINE_START_REGEX`).
fn multi_line_rollback_start(line: &str) -> bool {
    line.trim()
        .strip_prefix("/*")
        .map(|r| r.trim_start().to_ascii_lowercase())
        .and_then(|r| r.strip_prefix("liquibase").map(|r| r.trim().to_string()))
        .is_some_and(|r| r == "rollback")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Changelog, Problem> {
        parse(Path::new("log.sql"), text)
    }

    #[test]
    fn changeset_lines_as_liquibase_reads_them() {
        assert_eq!(
            author_and_id(" alice:1 runInTransaction:false"),
            Some(("alice".into(), "1".into()))
        );
        assert_eq!(
            author_and_id(" bob:create:v2"),
            Some(("bob".into(), "create:v2".into()))
        );
        assert_eq!(
            author_and_id(" \"Ann Lee\":\"two words\" dbms:mysql"),
            Some(("Ann Lee".into(), "two words".into()))
        );
        assert_eq!(author_and_id(" alice: 1"), None, "a blank after the colon");
        assert_eq!(author_and_id(" alice"), None);
        assert_eq!(author_and_id(":1"), None);
    }

    #[test]
    fn attributes_follow_liquibase_patterns() {
        let line =
            "--changeset a:1 runInTransaction:false endDelimiter:// context:\"dev and test\"";
        assert!(!flag(line, "runInTransaction", true));
        assert!(!flag(line, "runAlways", false));
        assert_eq!(attribute(line, "endDelimiter", true), Some("//"));
        assert_eq!(attribute(line, "context", false), Some("\"dev and test\""));
        // No word boundary before splitStatements: rollbackSplitStatements:false matches too.
        assert!(!flag(
            "--changeset a:1 rollbackSplitStatements:false",
            "splitStatements",
            true
        ));
        assert_eq!(
            attribute(
                "--changeset a:1 rollbackEndDelimiter:$$",
                "endDelimiter",
                true
            ),
            None
        );
        assert!(flag(
            "--changeset a:1 runOnChange:TRUE",
            "runOnChange",
            false
        ));
    }

    #[test]
    fn changesets_rollbacks_comments_and_ignored_lines() {
        let text = "--liquibase formatted sql logicalFilePath:db/log.sql\n\n--changeset alice:1\n--comment: create t\nCREATE TABLE t (a int);\n--rollback DROP TABLE t;\n\n--changeset alice:2\n--ignoreLines:start\nSELECT broken;\n--ignoreLines:end\nINSERT INTO t VALUES (1);\n/* liquibase rollback\nDELETE FROM t\nWHERE a = 1;\n*/\n--ignoreLines:1\nSELECT 1;\n";
        let log = read(text).unwrap();
        assert_eq!(log.logical_path.as_deref(), Some("db/log.sql"));
        let [a, b] = &log.changesets[..] else {
            panic!("two changesets")
        };
        assert_eq!(
            (a.author.as_str(), a.id.as_str(), a.line),
            ("alice", "1", 3)
        );
        assert_eq!(a.comment.as_deref(), Some("create t"));
        assert_eq!(a.rollback, Some(("DROP TABLE t;\n".to_string(), 6)));
        assert_eq!(a.sql_lines.len(), 1);
        assert_eq!(
            &text[a.body.clone()],
            "--comment: create t\nCREATE TABLE t (a int);\n--rollback DROP TABLE t;\n\n"
        );
        assert_eq!(b.sql_lines.len(), 1, "only the INSERT is SQL");
        assert_eq!(
            b.rollback,
            Some(("DELETE FROM t\nWHERE a = 1;\n".to_string(), 14))
        );
    }

    #[test]
    fn malformed_lines_are_located() {
        let e = read("--liquibase formatted sql\n\n--changeset alice\nSELECT 1;\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("--changeset <author>:<id>"),
            "{}",
            e.message
        );
        let e = read("--liquibase formatted sql\n--changeset a:1\n-rollback DROP TABLE t;\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        let e = read("--liquibase formatted sql\n--comment: outside\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = read(
            "--liquibase formatted sql\n--changeset a:1\n/* liquibase rollback\nDROP TABLE t;\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        let e =
            read("--liquibase formatted sql\n--changeset a:1\n--ignoreLines:start\n").unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn the_header_is_recognised() {
        assert!(is_formatted("\n  -- Liquibase Formatted SQL\n"));
        assert!(is_formatted("--liquibase formatted sql\n"));
        assert!(!is_formatted("SELECT 1;\n--liquibase formatted sql\n"));
        assert!(!is_formatted(""));
    }
}
