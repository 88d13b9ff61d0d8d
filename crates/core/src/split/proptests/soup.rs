//! Arbitrary input never panics, never hangs, and whatever it returns covers the script
//! losslessly ([`check_invariants`]). Random Unicode almost never holds a quote, a `;` or a
//! keyword, so most inputs here are drawn from SQL-shaped alphabets: single characters that
//! matter to the splitters, tokens and keywords, and balanced quotes and comments around such
//! noise (so that many scripts split without error and the invariants get checked).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::select;

use super::super::checks::check_invariants;
use super::super::{SplitError, Statement, split};
use crate::Dialect;

/// Characters the splitters treat specially, plus a few plain ones.
pub(super) const CHARS: &[char] = &[
    '\'', '"', '`', ';', '$', '#', '-', '/', '*', '\\', '!', '+', '\n', ' ', '\t', '\r', '(', ')',
    '[', ']', '.', '|', '@', '<', '>', '=', '&', 'a', 'x', 'E', 'e', 'N', 'X', '0', '1', '_', 'é',
    '\u{a0}',
];

/// Tokens and keywords: quote openers, comment markers, body keywords, DELIMITER lines.
pub(super) const TOKENS: &[&str] = &[
    ";",
    "'",
    "\"",
    "`",
    "$$",
    "$tag$",
    "$a$",
    "--",
    "-- ",
    "#",
    "/*",
    "*/",
    "/*!",
    "/*!50003 ",
    "/*+",
    "/*/",
    "|/*",
    "@--",
    "\n",
    " ",
    "\\",
    "\\'",
    "''",
    "\r\n",
    "E'",
    "X'",
    "N'",
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
    "\ndelimiter $$\n",
    "\nDELIMITER ;\n",
    "\nDELIMITER '|'\n",
    "//",
    "(",
    ")",
    "x",
    "é",
    "𝄞",
    "\u{a0}",
    "COPY t FROM STDIN;\n",
    "\\.\n",
    "SELECT 1",
];

/// Text from [`CHARS`] and [`TOKENS`].
fn noise(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        select(CHARS).prop_map(String::from),
        select(TOKENS).prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|p| p.concat())
}

/// Noise wrapped in something that closes: quotes (the quote doubled inside), comments, dollar
/// quotes; or bare noise.
fn balanced() -> impl Strategy<Value = String> {
    let inner = || noise(12);
    prop_oneof![
        3 => noise(6),
        1 => (select(vec!['\'', '"', '`']), inner()).prop_map(|(q, s)| {
            let q = q.to_string();
            // Backslashes doubled: an escape in MySQL strings, two characters elsewhere.
            let s = s.replace('\\', "\\\\").replace(&q, &q.repeat(2));
            format!("{q}{s}{q}")
        }),
        1 => inner().prop_map(|s| format!("/*{}*/", s.replace("*/", ""))),
        1 => inner().prop_map(|s| format!("-- {}\n", s.replace('\n', ""))),
        1 => inner().prop_map(|s| format!("# {}\n", s.replace('\n', ""))),
        1 => inner().prop_map(|s| format!("$q${}$q$", s.replace("$q$", ""))),
    ]
}

/// A script of [`balanced`] pieces.
pub(super) fn sql_shaped() -> impl Strategy<Value = String> {
    prop::collection::vec(balanced(), 0..24).prop_map(|p| p.concat())
}

/// `split` on another thread, failing the test if it does not return within 60 seconds: a hang
/// guard (the inputs here take milliseconds), not a timing assertion.
pub(super) fn split_bounded(script: &str, d: Dialect) -> Result<Vec<Statement>, SplitError> {
    let (tx, rx) = mpsc::channel();
    let owned = script.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(split(&owned, d));
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings_never_panic_or_hang(script in any::<String>()) {
        check_arbitrary(&script);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn sql_characters_and_tokens_never_panic_hang_or_lose_text(script in noise(80)) {
        check_arbitrary(&script);
    }

    #[test]
    fn balanced_sql_noise_never_panics_hangs_or_loses_text(script in sql_shaped()) {
        check_arbitrary(&script);
    }
}
