//! Atlas's `atlas.sum`: the integrity file of a migration folder, verified exactly as
//! `atlas migrate validate` does (ariga/atlas `sql/migrate/dir.go`: `NewHashFile`,
//! `HashFile.Sum`, `HashFile.UnmarshalText`, `Validate`).
//!
//! Each file's hash is cumulative: one SHA-256 is fed every file's name and bytes in name
//! order, and a file's `h1:` value is the base64 of that hash's state after its own bytes, so
//! editing, adding or removing a file changes its hash and every later one. A file whose first
//! line carries `atlas:sum ignore` feeds its name only and gets no line. The first line of
//! `atlas.sum` is `h1:` + base64(SHA-256 of every listed name and hash).

use sha2::{Digest, Sha256};

use super::directive;

/// The name of the sum file.
pub(crate) const SUM_FILE: &str = "atlas.sum";

/// `(file name, h1 hash)` per file, in order: what `atlas.sum` lists.
pub(crate) type HashFile = Vec<(String, String)>;

/// The hashes Atlas computes for `files` (`(name, bytes)`, sorted by name).
pub(crate) fn compute(files: &[(&str, &[u8])]) -> HashFile {
    let mut hasher = Sha256::new();
    let mut out = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        hasher.update(name.as_bytes());
        let text = String::from_utf8_lossy(bytes);
        if directive(&text, "sum").is_some_and(|(_, args)| args == "ignore") {
            continue;
        }
        hasher.update(bytes);
        out.push((name.to_string(), base64(&hasher.clone().finalize())));
    }
    out
}

/// The sum over a hash file's lines (`HashFile.Sum`).
pub(crate) fn total(hashes: &HashFile) -> String {
    let mut hasher = Sha256::new();
    for (name, hash) in hashes {
        hasher.update(name.as_bytes());
        hasher.update(hash.as_bytes());
    }
    base64(&hasher.finalize())
}

/// Why a folder does not match its `atlas.sum`: the sum file's line and the message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// Line of `atlas.sum` the problem is on.
    pub line: u32,
    /// What is wrong, naming the file.
    pub message: String,
}

/// Checks `text` (the sum file) against the folder's `computed` hashes as `Validate` does.
pub(crate) fn validate(text: &str, computed: &HashFile) -> Result<(), Mismatch> {
    // `bufio.Scanner` lines: split at `\n`, one trailing `\r` dropped.
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let header = lines.next().unwrap_or("");
    let header = header.strip_prefix("h1:").unwrap_or(header);
    let mut stored: HashFile = Vec::new();
    let mut rest: Vec<&str> = lines.collect();
    // The text's final newline ends the last line; it starts no empty one.
    if rest.last() == Some(&"") {
        rest.pop();
    }
    for (i, line) in rest.iter().enumerate() {
        let Some((name, hash)) = line.split_once("h1:") else {
            return Err(Mismatch {
                line: to_line(i + 2),
                message: "checksum file format invalid: expected `<file> h1:<hash>`".to_string(),
            });
        };
        stored.push((name.trim().to_string(), hash.to_string()));
    }
    if header != total(&stored) {
        return Err(Mismatch {
            line: 1,
            message: "checksum mismatch: the sum on the first line is not the sum of the lines below it (the file was edited by hand); run `atlas migrate hash`".to_string(),
        });
    }
    if total(&stored) == total(computed) {
        return Ok(());
    }
    let found = |reason: &str, file: &str, line: usize| Mismatch {
        line: to_line(line),
        message: format!(
            "checksum error: L{line}: {file} was {reason}; `atlas migrate validate` refuses this folder until `atlas migrate hash` re-hashes it"
        ),
    };
    for (i, entry) in stored.iter().enumerate() {
        if computed.get(i) == Some(entry) {
            continue;
        }
        return Err(match computed.iter().position(|(n, _)| *n == entry.0) {
            None => found("removed", &entry.0, i + 2),
            Some(at) if at == i => found("edited", &entry.0, i + 2),
            // Another file now stands in its place: that one was added before it.
            Some(_) => found("added", computed.get(i).map_or(&entry.0, |(n, _)| n), i + 2),
        });
    }
    let added = computed.get(stored.len()).map_or("", |(n, _)| n.as_str());
    Err(found("added", added, stored.len() + 2))
}

/// The text Atlas writes for `hashes` (`HashFile.MarshalText`).
pub(crate) fn render(hashes: &HashFile) -> String {
    let mut out = format!("h1:{}\n", total(hashes));
    for (name, hash) in hashes {
        out.push_str(&format!("{name} h1:{hash}\n"));
    }
    out
}

fn to_line(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Standard base64 with padding (Go's `base64.StdEncoding`).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn files<'a>(list: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a [u8])> {
        list.iter().map(|(n, t)| (*n, t.as_bytes())).collect()
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn hashes_are_cumulative_over_names_and_bytes() {
        let one = compute(&files(&[("1_a.sql", "A"), ("2_b.sql", "B")]));
        // The second hash covers the first file too: editing the first changes both.
        let edited = compute(&files(&[("1_a.sql", "a"), ("2_b.sql", "B")]));
        assert_ne!(one[0].1, edited[0].1);
        assert_ne!(one[1].1, edited[1].1);
        // Spelled out: SHA-256 over "1_a.sql" "A" "2_b.sql" "B".
        let mut h = Sha256::new();
        h.update(b"1_a.sql");
        h.update(b"A");
        h.update(b"2_b.sql");
        h.update(b"B");
        assert_eq!(one[1].1, base64(&h.finalize()));
        let ignored = compute(&files(&[
            ("1_a.sql", "-- atlas:sum ignore\nX"),
            ("2_b.sql", "B"),
        ]));
        assert_eq!(ignored.len(), 1);
        let mut h = Sha256::new();
        h.update(b"1_a.sql");
        h.update(b"2_b.sql");
        h.update(b"B");
        assert_eq!(ignored[0].1, base64(&h.finalize()));
    }

    #[test]
    fn validate_reports_the_line_file_and_reason_as_atlas_does() {
        let list = [("1_a.sql", "A"), ("2_b.sql", "B"), ("3_c.sql", "C")];
        let hashes = compute(&files(&list));
        let sum = render(&hashes);
        assert_eq!(validate(&sum, &hashes), Ok(()));
        assert_eq!(validate(&sum.replace('\n', "\r\n"), &hashes), Ok(()));

        let edited = compute(&files(&[
            ("1_a.sql", "A"),
            ("2_b.sql", "b"),
            ("3_c.sql", "C"),
        ]));
        let e = validate(&sum, &edited).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("L3: 2_b.sql was edited"),
            "{}",
            e.message
        );

        let removed = compute(&files(&[("1_a.sql", "A"), ("3_c.sql", "C")]));
        let e = validate(&sum, &removed).unwrap_err();
        assert!(e.message.contains("2_b.sql was removed"), "{}", e.message);

        let inserted = compute(&files(&[
            ("1_a.sql", "A"),
            ("1_z.sql", "Z"),
            ("2_b.sql", "B"),
            ("3_c.sql", "C"),
        ]));
        let e = validate(&sum, &inserted).unwrap_err();
        assert!(e.message.contains("L3: 1_z.sql was added"), "{}", e.message);

        let appended = compute(&files(&[
            ("1_a.sql", "A"),
            ("2_b.sql", "B"),
            ("3_c.sql", "C"),
            ("4_d.sql", "D"),
        ]));
        let e = validate(&sum, &appended).unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("4_d.sql was added"), "{}", e.message);

        let tampered = sum.replacen("h1:", "h1:x", 1);
        assert_eq!(validate(&tampered, &hashes).unwrap_err().line, 1);
        let broken = format!("{sum}no hash here\n");
        assert_eq!(validate(&broken, &hashes).unwrap_err().line, 5);
    }
}
