//! SHA-256 checksums of normalized SQL.
//!
//! Normalization folds what editors and checkouts change without changing meaning (CRLF line
//! endings, trailing white space, trailing blank lines), so a checksum changes only on a real
//! edit.

use std::fmt;

use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The SHA-256 of a migration's normalized up SQL.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum([u8; 32]);

impl Checksum {
    /// Checksum of `sql` after [`normalize`].
    pub fn of_sql(sql: &str) -> Checksum {
        // Hashes the normalized text as it is produced, without building it: this runs for
        // every migration on every `status` and no-op `up`.
        let mut hasher = Sha256::new();
        let mut owed_newlines = 0usize;
        for line in sql.split('\n') {
            let line = line.trim_end();
            if line.is_empty() {
                owed_newlines += 1;
                continue;
            }
            for _ in 0..owed_newlines {
                hasher.update(b"\n");
            }
            hasher.update(line.as_bytes());
            owed_newlines = 1;
        }
        let digest = hasher.finalize();
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&digest);
        Checksum(bytes)
    }

    /// Whether `hex` is this checksum's [`Checksum::to_hex`], compared without building it:
    /// status and validation compare every migration with its history row.
    pub fn is_hex(&self, hex: &str) -> bool {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        hex.len() == 64
            && self
                .0
                .iter()
                .zip(hex.as_bytes().chunks_exact(2))
                .all(|(b, pair)| {
                    pair[0] == HEX[usize::from(b >> 4)] && pair[1] == HEX[usize::from(b & 0x0f)]
                })
    }

    /// Lower-case hex, 64 characters.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0x0f)] as char);
        }
        out
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({})", self.to_hex())
    }
}

impl Serialize for Checksum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// LF line endings, no trailing white space on any line, no trailing blank lines.
pub fn normalize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    for line in sql.split('\n') {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let kept = out.trim_end_matches('\n').len();
    out.truncate(kept);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "CREATE TABLE t (\n  id INTEGER PRIMARY KEY\n);\nCREATE INDEX i ON t(id);\n";

    #[test]
    fn crlf_and_trailing_space_keep_the_checksum() {
        let base = Checksum::of_sql(SQL);
        assert_eq!(Checksum::of_sql(&SQL.replace('\n', "\r\n")), base);
        assert_eq!(Checksum::of_sql(&SQL.replace('\n', "  \t\n")), base);
        assert_eq!(Checksum::of_sql(&format!("{SQL}\n\n  \n")), base);
    }

    #[test]
    fn any_real_edit_changes_it() {
        let base = Checksum::of_sql(SQL);
        assert_ne!(Checksum::of_sql(&SQL.replace("INTEGER", "BIGINT")), base);
        assert_ne!(Checksum::of_sql(&SQL.replace("  id", "    id")), base);
        assert_ne!(Checksum::of_sql(&SQL.replace("(id)", "(id DESC)")), base);
        assert_ne!(Checksum::of_sql(&format!("\n{SQL}")), base);
    }

    #[test]
    fn is_the_sha256_of_normalize() {
        for sql in [
            "",
            "\n",
            "a",
            "a\n",
            "\na",
            "\n\na\n\n",
            "a \r\n\r\n b \n\t\nc",
            "  \n a\n",
            SQL,
        ] {
            let digest = Sha256::digest(normalize(sql).as_bytes());
            assert_eq!(Checksum::of_sql(sql).0[..], digest[..], "{sql:?}");
        }
    }

    #[test]
    fn is_hex_agrees_with_to_hex() {
        let c = Checksum::of_sql(SQL);
        assert!(c.is_hex(&c.to_hex()));
        assert!(!c.is_hex(&c.to_hex().to_uppercase()));
        assert!(!c.is_hex(&c.to_hex()[..63]));
        assert!(!c.is_hex(&Checksum::of_sql("x").to_hex()));
        assert!(!c.is_hex(""));
    }

    #[test]
    fn hex_is_sha256_of_normalized_text() {
        // sha256("") is a well-known constant.
        assert_eq!(
            Checksum::of_sql("\n\n").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(normalize("a \r\nb\t\r\n\r\n"), "a\nb");
    }

    #[test]
    fn messages_and_json_show_the_hex_form() {
        // Users compare these with the history table's `checksum` column.
        let c = Checksum::of_sql("\n");
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(c.to_string(), hex);
        assert_eq!(format!("{c:?}"), format!("Checksum({hex})"));
        assert_eq!(
            serde_json::to_string(&c).unwrap_or_default(),
            format!("\"{hex}\"")
        );
    }
}
