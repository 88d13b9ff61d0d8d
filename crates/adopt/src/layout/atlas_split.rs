//! Statements of an Atlas file that sets its own delimiter, cut as Atlas's scanner cuts them
//! (ariga/atlas `sql/migrate/lex.go`, `Scanner.stmt`): a first line `-- atlas:delimiter X`
//! makes `X` end statements (`\n`, `\r`, `\t` escapes allowed) and the rest of the file is
//! scanned; a statement starting with the MySQL client's `DELIMITER X` command changes it from
//! there on. A delimiter ends a statement only outside parentheses and quotes (`'`, `"`, `` ` ``,
//! PostgreSQL `$tag$`), and takes precedence over comments; comments before a statement are no
//! part of it; the text is trimmed and its delimiter dropped; a last statement needs none.

use super::directive;
use crate::split::Statement;

/// The file's statements when it sets a delimiter (the directive or a `DELIMITER` command),
/// else `None` (Cairn's own splitter reads it). An error is the byte offset and the message.
pub(crate) fn delimited(text: &str) -> Option<Result<Vec<Statement>, (usize, String)>> {
    let (start, delim) = match directive(text, "delimiter").filter(|(p, _)| *p == "-- ") {
        Some((_, arg)) => (text.find('\n')? + 1, unescape(arg)),
        None if has_delimiter_command(text) => (0, ";".to_string()),
        None => return None,
    };
    Some(
        Scanner {
            text,
            at: start,
            delim,
        }
        .run(),
    )
}

/// Whether a line starts with the `DELIMITER` command.
pub(crate) fn has_delimiter_command(text: &str) -> bool {
    text.lines().any(|l| is_delimiter_command(l.trim_start()))
}

fn is_delimiter_command(s: &str) -> bool {
    s.get(..10)
        .is_some_and(|w| w.eq_ignore_ascii_case("delimiter "))
}

fn unescape(arg: &str) -> String {
    arg.replace("\\n", "\n")
        .replace("\\r", "\r")
        .replace("\\t", "\t")
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
    delim: String,
}

impl Scanner<'_> {
    fn run(mut self) -> Result<Vec<Statement>, (usize, String)> {
        let mut out = Vec::new();
        loop {
            self.skip_space_and_comments();
            let start = self.at;
            if start >= self.text.len() {
                return Ok(out);
            }
            let rest = &self.text[start..];
            if is_delimiter_command(rest) {
                let line_end = rest.find('\n').map_or(rest.len(), |i| i);
                let mut d = rest[10..line_end].trim().to_string();
                if d.len() >= 2 && d.starts_with('\'') && d.ends_with('\'') {
                    d = d[1..d.len() - 1].replace("''", "'");
                }
                if d.is_empty() {
                    return Err((start, "empty delimiter".to_string()));
                }
                self.delim = d;
                self.at = start + line_end;
                continue;
            }
            let end = self.statement()?;
            if let Some(stmt) = statement(self.text, start, end) {
                out.push(stmt);
            }
        }
    }

    /// Scans one statement from `at`; returns where its text ends and moves past its
    /// delimiter.
    fn statement(&mut self) -> Result<usize, (usize, String)> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut open = 0;
        let mut i = self.at;
        while i < text.len() {
            if depth == 0 && bytes[i..].starts_with(self.delim.as_bytes()) {
                self.at = i + self.delim.len();
                return Ok(i);
            }
            match bytes[i] {
                b'(' => {
                    if depth == 0 {
                        open = i;
                    }
                    depth += 1;
                }
                b')' if depth == 0 => return Err((i, "unexpected ')'".to_string())),
                b')' => depth -= 1,
                q @ (b'\'' | b'"' | b'`') => match text[i + 1..].find(char::from(q)) {
                    Some(n) => i += n + 1,
                    None => return Err((i, format!("unclosed quote {:?}", char::from(q)))),
                },
                b'$' => {
                    if let Some(tag) = dollar_tag(&text[i..]) {
                        // An unclosed dollar quote runs to the end: a delimiter is set.
                        i = text[i + tag.len()..]
                            .find(tag)
                            .map_or(text.len(), |n| i + tag.len() + n + tag.len() - 1);
                    }
                }
                b'-' if bytes.get(i + 1) == Some(&b'-') => {
                    if let Some(n) = text[i..].find('\n') {
                        i += n;
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    if let Some(n) = text[i + 2..].find("*/") {
                        i += n + 3;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        if depth > 0 {
            return Err((open, "unclosed '('".to_string()));
        }
        self.at = text.len();
        Ok(text.len())
    }

    fn skip_space_and_comments(&mut self) {
        loop {
            let rest = &self.text[self.at..];
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            let skip = if trimmed.starts_with("--") {
                trimmed.find('\n')
            } else if trimmed.starts_with("/*") {
                trimmed.find("*/").map(|n| n + 2)
            } else {
                None
            };
            match skip {
                Some(n) => self.at += n,
                None => return,
            }
        }
    }
}

/// `$tag$` at the start of `s` (`^\$([A-Za-zÈ-ÿ_][\wÈ-ÿ]*)*\$`).
fn dollar_tag(s: &str) -> Option<&str> {
    let body = s.strip_prefix('$')?;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || ('È'..='ÿ').contains(&c);
    if body.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let n: usize = body
        .chars()
        .take_while(|&c| ident(c))
        .map(char::len_utf8)
        .sum();
    body[n..].starts_with('$').then(|| &s[..n + 2])
}

/// The statement in `start..end`, white space trimmed; `None` when empty.
fn statement(text: &str, start: usize, end: usize) -> Option<Statement> {
    let raw = &text[start..end];
    let body = raw.trim();
    if body.is_empty() {
        return None;
    }
    let from = start + (raw.len() - raw.trim_start().len());
    let before = &text[..from];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Some(Statement {
        sql: body.to_string(),
        span: from..from + body.len(),
        line: u32::try_from(before.matches('\n').count() + 1).unwrap_or(u32::MAX),
        column: u32::try_from(before[line_start..].chars().count() + 1).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn texts(text: &str) -> Vec<(String, u32)> {
        delimited(text)
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|s| (s.sql, s.line))
            .collect()
    }

    #[test]
    fn the_directive_sets_the_delimiter_for_the_rest_of_the_file() {
        let text = "-- atlas:delimiter //\n\nCREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW\nBEGIN\n  UPDATE b SET n = n + 1;\nEND//\n-- a comment; with a semicolon\nSELECT ';//', (1 + 2)//\nSELECT 3";
        assert_eq!(
            texts(text),
            [
                (
                    "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW\nBEGIN\n  UPDATE b SET n = n + 1;\nEND".to_string(),
                    3
                ),
                ("SELECT ';//', (1 + 2)".to_string(), 8),
                ("SELECT 3".to_string(), 9),
            ]
        );
        let escaped = "-- atlas:delimiter \\n\\n\nSELECT 1;\nSELECT 2\n\nSELECT 3\n";
        assert_eq!(texts(escaped)[0].0, "SELECT 1;\nSELECT 2");
        assert!(delimited("SELECT 1;\n").is_none());
        assert!(
            delimited("--atlas:delimiter //\nSELECT 1//\n").is_none(),
            "prefix must be `-- `"
        );
    }

    #[test]
    fn dollar_quotes_and_delimiter_commands() {
        let text = "-- atlas:delimiter ;;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1;; $body$ LANGUAGE sql;;\n";
        assert_eq!(texts(text).len(), 1);
        let cmd =
            "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDELIMITER ;\nSELECT 2;\n";
        assert_eq!(
            texts(cmd),
            [
                ("CREATE PROCEDURE p() BEGIN SELECT 1; END".to_string(), 2),
                ("SELECT 2".to_string(), 4)
            ]
        );
    }

    #[test]
    fn errors_carry_their_offset() {
        let e = delimited("-- atlas:delimiter //\nSELECT (1//\n")
            .unwrap()
            .unwrap_err();
        assert_eq!(e, (29, "unclosed '('".to_string()));
        let e = delimited("-- atlas:delimiter //\nSELECT 'x//\n")
            .unwrap()
            .unwrap_err();
        assert!(e.1.contains("unclosed quote"));
    }
}
