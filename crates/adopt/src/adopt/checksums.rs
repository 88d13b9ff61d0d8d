//! Other tools' checksums of a migration, computed exactly as each tool computes them, so an
//! adopted migration is only recorded when its file is the one that tool ran.

use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256, Sha384};
use siphasher::sip::SipHasher13;

/// sqlx: SHA-384 of the migration file's text as read (no normalization), stored as raw bytes
/// in `_sqlx_migrations.checksum`; returned here as lower-case hex.
///
/// Source: launchbadge/sqlx `sqlx-core/src/migrate/migration.rs` (`checksum(sql)` =
/// `Sha384::digest(sql)`), fed the whole file by `sqlx-core/src/migrate/source.rs`.
pub fn sqlx(sql: &str) -> String {
    Sha384::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Flyway: CRC-32 over the file's lines without their terminators (Java `readLine`, which ends
/// a line at `\n`, `\r` or `\r\n`), a byte-order mark dropped from the first line, each line's
/// UTF-8 bytes fed in order; stored as a signed 32-bit integer. Blank lines and line endings
/// therefore do not change it.
///
/// Source: flyway/flyway `ChecksumCalculator.calculateChecksumForResource` (a `CRC32` updated
/// with `line.getBytes(UTF_8)` for each `BufferedReader.readLine()`, the first line passed
/// through `BomFilter.FilterBomFromString`; result `(int) crc32.getValue()`).
pub fn flyway(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = crc32fast::Hasher::new();
    for line in text.split(['\n', '\r']) {
        crc.update(line.as_bytes());
    }
    // Java's `(int) long`: the low 32 bits, reinterpreted as signed.
    i32::from_ne_bytes(crc.finalize().to_ne_bytes())
}

/// refinery: SipHash-1-3 (zero key) of the name, the version and the SQL, each through Rust's
/// `Hash` (a string is its bytes then `0xff`; the version its native-endian bytes), stored as
/// the decimal `u64` in `refinery_schema_history.checksum`. The version is an `i32`, or an
/// `i64` when refinery is built with its `int8-versions` feature: both are returned, and a
/// stored checksum equal to either verifies.
///
/// Source: rust-db/refinery `refinery_core/src/migration.rs` (`Migration::unapplied`:
/// `SipHasher13::new()`, `name.hash`, `version.hash`, `sql.hash`, `hasher.finish()`).
pub fn refinery(name: &str, version: i64, sql: &str) -> [u64; 2] {
    let narrow = i32::try_from(version).map(|v| {
        let mut h = SipHasher13::new();
        name.hash(&mut h);
        v.hash(&mut h);
        sql.hash(&mut h);
        h.finish()
    });
    let mut h = SipHasher13::new();
    name.hash(&mut h);
    version.hash(&mut h);
    sql.hash(&mut h);
    let wide = h.finish();
    [narrow.unwrap_or(wide), wide]
}

/// Prisma: whether `stored` (`_prisma_migrations.checksum`) is the SHA-256 hex of the script,
/// as written, with its CRLFs as LFs, or with its LFs as CRLFs (git changes line endings), in
/// lower-case hex; a stored value not 64 characters long is compared with the hex of each byte
/// without zero padding, which older Prisma versions wrote.
///
/// Source: prisma/prisma-engines `schema-engine/connectors/schema-connector/src/checksum.rs`
/// (`script_matches_checksum`, `format_checksum`, `format_checksum_old`).
pub fn prisma_matches(script: &str, stored: &str) -> bool {
    let variants = [
        script.to_string(),
        script.replace("\r\n", "\n"),
        script.replace('\n', "\r\n"),
    ];
    variants.iter().any(|text| {
        let digest = Sha256::digest(text.as_bytes());
        let hex: String = if !stored.is_empty() && stored.len() != 64 {
            digest.iter().map(|b| format!("{b:x}")).collect()
        } else {
            digest.iter().map(|b| format!("{b:02x}")).collect()
        };
        hex == stored
    })
}

/// Prisma's checksum of a script: lower-case SHA-256 hex.
pub fn prisma(script: &str) -> String {
    Sha256::digest(script.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prisma_is_sha256_hex_and_ignores_line_endings() {
        // prisma-engines' own vector: render_checksum("hello").
        assert_eq!(
            prisma("hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let lf = "CREATE TABLE t (a INT);\nSELECT 1;\n";
        let crlf = "CREATE TABLE t (a INT);\r\nSELECT 1;\r\n";
        assert!(prisma_matches(lf, &prisma(crlf)));
        assert!(prisma_matches(crlf, &prisma(lf)));
        assert!(!prisma_matches("abc\n", &prisma("abc")));
        // Unpadded hex of old versions: each byte without its leading zero.
        let old: String = Sha256::digest(b"hello")
            .iter()
            .map(|b| format!("{b:x}"))
            .collect();
        assert_ne!(old.len(), 64);
        assert!(prisma_matches("hello", &old));
    }

    #[test]
    fn sqlx_is_sha384_of_the_exact_text() {
        // SHA-384 of the empty string (FIPS 180-2 test vector).
        assert_eq!(
            sqlx(""),
            "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"
        );
        // No normalization: a trailing newline is a different file.
        assert_ne!(sqlx("SELECT 1;"), sqlx("SELECT 1;\n"));
    }

    #[test]
    fn flyway_ignores_line_endings_blank_lines_and_a_leading_bom_only() {
        let lf = flyway("CREATE TABLE t (id INT);\n\nINSERT INTO t VALUES (1);\n");
        assert_eq!(
            lf,
            flyway("CREATE TABLE t (id INT);\r\nINSERT INTO t VALUES (1);")
        );
        assert_eq!(
            lf,
            flyway("\u{feff}CREATE TABLE t (id INT);\rINSERT INTO t VALUES (1);")
        );
        assert_ne!(
            lf,
            flyway("CREATE TABLE t (id INT);\n\u{feff}INSERT INTO t VALUES (1);")
        );
        // CRC-32 (IEEE) of "123456789" is 0xCBF43926, which Java's int shows as -873187034.
        assert_eq!(flyway("1234\n56789\n"), -873_187_034);
        assert_eq!(flyway(""), 0);
    }

    #[test]
    fn refinery_hashes_name_version_and_sql_and_has_both_version_widths() {
        let [narrow, wide] = refinery("initial", 1, "CREATE TABLE t (id INT);");
        assert_ne!(narrow, wide, "i32 and i64 versions hash different bytes");
        assert_ne!(
            narrow,
            refinery("initial", 2, "CREATE TABLE t (id INT);")[0]
        );
        assert_ne!(
            narrow,
            refinery("initia", 1, "lCREATE TABLE t (id INT);")[0]
        );
        // Produced by refinery itself: `refinery_core::Migration::unapplied(stem, sql)
        // .checksum()` from refinery-core 0.9.0 with default features off (i32 versions), and
        // again with `int8-versions` (i64), in a throwaway crate outside this repository.
        let products = "CREATE TABLE products (id INTEGER PRIMARY KEY);\n";
        assert_eq!(
            refinery("create_products", 1, products),
            [6_048_486_197_374_249_047, 13_896_214_513_995_945_605]
        );
        let stock = "-- stock\nCREATE TABLE stock (product_id INTEGER NOT NULL);\n";
        assert_eq!(
            refinery("create_stock", 10, stock),
            [7_250_162_843_916_709_657, 7_152_062_209_373_695_250]
        );
        // Computed independently (a Python SipHash-1-3 over `name 0xff`, the i32 little-endian,
        // `sql 0xff`) for tests/fixtures/adopt/refinery/V1__create_items.sql.
        let sql = "CREATE TABLE items (name VARCHAR(50) NOT NULL);\n";
        assert_eq!(
            refinery("create_items", 1, sql)[0],
            10_767_414_848_179_088_473
        );
    }
}
