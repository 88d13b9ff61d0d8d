//! How each tool spells a migration's version in its history table, from the version as the
//! file name spells it (`ToolOrigin::version`), so rows and files meet on one key.

use std::cmp::Ordering;
use std::path::Path;

use crate::model::Migration;
use crate::origin::Layout;

/// The key `tool`'s history row would carry for `m` (a migration read from a foreign folder),
/// or None when `m` has no version that tool could have stored (a Cairn file, a repeatable).
pub fn file_key(tool: Layout, m: &Migration) -> Option<String> {
    let origin = m.origin.as_ref()?;
    if m.repeatable {
        return None;
    }
    let version = origin.version.as_str();
    Some(match tool {
        // diesel stores the folder name up to its first `_`, with `-` removed
        // (diesel-rs/diesel `migrations_internals::version_from_string`:
        // `path.split('_').next().map(|s| s.replace('-', ""))`).
        Layout::Diesel => {
            let folder = m
                .file
                .parent()
                .and_then(Path::file_name)
                .and_then(|n| n.to_str())
                .filter(|n| n.starts_with(version))
                .unwrap_or(version);
            folder.split('_').next().unwrap_or(folder).replace('-', "")
        }
        // Prisma stores the folder name (`migration_name`).
        Layout::Prisma => m
            .file
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .unwrap_or(version)
            .to_string(),
        // tern stores the migration's number.
        Layout::Tern => number(version)?,
        // Flyway stores the version with `_` as `.` (`MigrationVersion`), compared part by
        // part as numbers.
        Layout::Flyway => dotted(version),
        // sqlx (i64), refinery (i32), golang-migrate (uint), goose (int64): numbers.
        Layout::Sqlx | Layout::Refinery | Layout::GolangMigrate | Layout::Goose => number(version)?,
        // dbmate, pop and Atlas store the version text from the file name as it is.
        Layout::Dbmate | Layout::Pop | Layout::Atlas | Layout::Cairn | Layout::JsonDocs => {
            version.to_string()
        }
        // sql-migrate stores the whole file name (`Migration.Id` in migrate.go).
        Layout::SqlMigrate => m.file.file_name()?.to_str()?.to_string(),
        // Sqitch's registry is not adopted (it lives outside the migrated schema).
        Layout::Sqitch => return None,
        // Liquibase: the id `<file>::<id>::<author>` (the author has no `:`).
        Layout::Liquibase => {
            let (rest, author) = m.id.rsplit_once("::")?;
            let (file, id) = rest.split_once("::")?;
            liquibase_key(id, author, file)
        }
    })
}

/// The key of a Liquibase changeset: id, author and the last part of the changelog path.
pub fn liquibase_key(id: &str, author: &str, file: &str) -> String {
    let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
    format!("{id}::{author}::{file}")
}

/// The key of a stored version, comparable with [`file_key`].
pub fn row_key(tool: Layout, stored: &str) -> String {
    let stored = stored.trim();
    match tool {
        Layout::Flyway => dotted(stored),
        Layout::Sqlx | Layout::Refinery | Layout::GolangMigrate | Layout::Goose | Layout::Tern => {
            number(stored).unwrap_or_else(|| stored.to_string())
        }
        Layout::Diesel
        | Layout::Dbmate
        | Layout::Pop
        | Layout::Cairn
        | Layout::Prisma
        | Layout::Atlas
        | Layout::JsonDocs
        | Layout::SqlMigrate
        | Layout::Liquibase
        | Layout::Sqitch => stored.to_string(),
    }
}

/// A decimal number of any length without leading zeros (`0001` -> `1`); None when `text` is
/// not all digits.
pub fn number(text: &str) -> Option<String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = text.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0" } else { trimmed }.to_string())
}

/// Compares two [`number`] keys by value (any length).
pub fn compare_numbers(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A Flyway version as Flyway compares it: `_` read as `.`, each part a number (leading zeros
/// dropped), trailing zero parts dropped (Flyway's `1.0` equals `1`).
pub fn dotted(version: &str) -> String {
    let mut parts: Vec<String> = version
        .replace('_', ".")
        .split('.')
        .map(|p| number(p).unwrap_or_else(|| p.to_string()))
        .collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p == "0") {
        parts.pop();
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_of_any_length_lose_leading_zeros_and_compare_by_value() {
        assert_eq!(number("0001").as_deref(), Some("1"));
        assert_eq!(number("000").as_deref(), Some("0"));
        assert_eq!(
            number("00012345678901234567890").as_deref(),
            Some("12345678901234567890")
        );
        assert_eq!(number("1.2"), None);
        assert_eq!(compare_numbers("9", "10"), Ordering::Less);
        assert_eq!(
            compare_numbers("20190101000000", "20190101000000"),
            Ordering::Equal
        );
    }

    #[test]
    fn flyway_versions_compare_as_flyway_does() {
        assert_eq!(dotted("1_1"), "1.1");
        assert_eq!(dotted("1.1"), "1.1");
        assert_eq!(dotted("1.0"), "1");
        assert_eq!(dotted("01.002"), "1.2");
        assert_eq!(dotted("2.0.3"), "2.0.3");
        assert_eq!(row_key(Layout::Flyway, "1.10"), dotted("1_10"));
    }

    #[test]
    fn stored_numbers_meet_file_numbers() {
        assert_eq!(row_key(Layout::GolangMigrate, "1"), "1");
        assert_eq!(row_key(Layout::Sqlx, " 20190101000000 "), "20190101000000");
        assert_eq!(row_key(Layout::Dbmate, "0001"), "0001");
    }
}
