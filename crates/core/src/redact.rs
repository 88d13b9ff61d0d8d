//! Keeping passwords out of every message.
//!
//! A URL a user mistyped is still a secret: the rules below find credentials in any text, valid
//! URL or not, and prefer hiding too much to showing a password. They find:
//!
//! - the password of a URL's user-info (`scheme://user:PASSWORD@host`), with any number of
//!   slashes after the scheme (`postgres:/u:p@h`, `postgres:u:p@h`), or no scheme (`u:p@h`),
//!   up to the last `@` of the word (a password may hold `@`, `/`, `?`);
//! - the value of any `key=value` whose key is `password`, `passwd`, `pass`, `pwd`, `secret`
//!   or `token`, or ends in `_`/`-`/`.` and one of them, or is `sslpassword`/`PGPASSWORD`
//!   (URL query options, libpq keyword strings, `MYSQL_PWD=...`), quoted or not.
//!
//! A password with a space is found when the text is the URL itself (it starts with its
//! scheme), not inside a longer message: a driver that echoes one back is caught by [`scrub`]
//! with the secret the URL parser found.

use std::ops::Range;

/// `url` (or any text) with every credential it holds replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let spans = secret_spans(url);
    let mut out = String::with_capacity(url.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&url[at..span.start]);
        out.push_str("***");
        at = span.end;
    }
    out.push_str(&url[at..]);
    out
}

/// Replaces every occurrence of `secret` in `text` (for driver messages that echo a URL).
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

/// Byte ranges of `text` holding a credential, sorted and without overlaps.
fn secret_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = words(text).filter_map(|w| userinfo(text, w)).collect();
    // Text that is a URL as a whole (a `--database-url` value) is one word even with a space
    // in its password.
    let scheme_len = text.bytes().take_while(|b| is_scheme_char(*b)).count();
    if text.starts_with(|c: char| c.is_ascii_alphabetic()) && text[scheme_len..].starts_with(":/") {
        spans.extend(userinfo(text, 0..text.len()));
    }
    spans.extend(key_values(text));
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for s in spans.into_iter().filter(|s| !s.is_empty()) {
        match merged.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    merged
}

/// Whitespace-separated words of `text`, as byte ranges.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = None;
    text.char_indices()
        .chain(std::iter::once((text.len(), ' ')))
        .filter_map(move |(i, c)| match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                start = None;
                Some(s..i)
            }
            (false, None) => {
                start = Some(i);
                None
            }
            _ => None,
        })
}

fn is_scheme_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')
}

/// The password of the user-info in `word` (a range of `text`), if it has one.
fn userinfo(text: &str, word: Range<usize>) -> Option<Range<usize>> {
    let w = &text[word.clone()];
    // The last `@` before the query, or of the whole word when the query holds none (a `?` in
    // the password).
    let query = w.find(['?', '#']).unwrap_or(w.len());
    let at = w[..query].rfind('@').or_else(|| w.rfind('@'))?;
    let region = &w[..at];
    let user_start = scheme_end(region).unwrap_or(0);
    let pass = user_start + region[user_start..].find(':')? + 1;
    (pass < at).then(|| word.start + pass..word.start + at)
}

/// Where the user-info of `region` (a word up to its last `@`) starts: after `scheme:` and its
/// slashes when the first colon ends a scheme (a run of scheme characters starting with a
/// letter) and slashes (`postgres:/`, `mysql:///`) or another colon (`postgres:user:pw`)
/// follow. Only the first colon is taken for a scheme's: a password may hold `x:/` itself.
fn scheme_end(region: &str) -> Option<usize> {
    let b = region.as_bytes();
    let colon = region.find(':')?;
    let start = b[..colon]
        .iter()
        .rposition(|c| !is_scheme_char(*c))
        .map_or(0, |i| i + 1);
    let is_scheme = start < colon
        && b[start].is_ascii_alphabetic()
        && (b.get(colon + 1) == Some(&b'/') || region[colon + 1..].contains(':'));
    is_scheme.then(|| colon + 1 + b[colon + 1..].iter().take_while(|c| **c == b'/').count())
}

/// Key names whose values are secrets, case-insensitively: the key itself, or its last part
/// after `_`, `-` or `.` (`db_password`, `MYSQL_PWD`).
const SECRET_KEYS: [&str; 6] = ["password", "passwd", "pass", "pwd", "secret", "token"];

/// Keys that name a secret without a separator.
const SECRET_KEYS_JOINED: [&str; 2] = ["sslpassword", "pgpassword"];

fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let last = key.rsplit(['_', '-', '.']).next().unwrap_or_default();
    SECRET_KEYS.contains(&last) || SECRET_KEYS_JOINED.contains(&key.as_str())
}

/// Values of `key=value` pairs whose key names a secret.
fn key_values(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    for (eq, _) in text.match_indices('=') {
        let key_end = eq - b[..eq].iter().rev().take_while(|c| **c == b' ').count();
        let key_start = b[..key_end]
            .iter()
            .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
            .map_or(0, |i| i + 1);
        if !is_secret_key(&text[key_start..key_end]) {
            continue;
        }
        let start = eq + 1 + b[eq + 1..].iter().take_while(|c| **c == b' ').count();
        let value = match b.get(start) {
            Some(&q @ (b'\'' | b'"')) => {
                let body = start + 1;
                let mut end = body;
                while end < b.len() && b[end] != q {
                    end += if b[end] == b'\\' { 2 } else { 1 };
                }
                body..end.min(b.len())
            }
            Some(_) => {
                let end = text[start..]
                    .find(|c: char| c.is_whitespace() || c == '&')
                    .map_or(text.len(), |i| start + i);
                start..end
            }
            None => continue,
        };
        out.push(value);
    }
    out
}

#[cfg(test)]
mod tests;
