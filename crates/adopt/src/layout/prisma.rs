//! Prisma Migrate: one folder per migration, `<timestamp>_<name>/migration.sql`, and a
//! `migration_lock.toml` naming the provider the SQL was written for. Prisma has no down
//! migrations.
//!
//! Rules from prisma/prisma-engines: every sub-folder is a migration, applied in the
//! lexicographic order of the folder names (`migrations_directory.rs`, `list_migrations`:
//! `entries.sort_by(|a, b| a.migration_name().cmp(b.migration_name()))`), so `9_x` comes after
//! `20240101000000_y`; a folder's name is its `migration_name` in `_prisma_migrations`; the lock
//! file's provider is the first line starting with `provider`, and a database of another
//! provider is refused (`read_provider_from_lock_file`, `error_on_changed_provider`, P3019).

use std::path::Path;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::Dialect;
use crate::error::{LoadErrors, Problem, ProblemKind};

/// The lock file Prisma writes at the top of the folder.
pub(crate) const LOCK_FILE: &str = "migration_lock.toml";

/// Reads a Prisma migrations folder; files at its top (the lock file) are not migrations.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    // `listing.dirs` is sorted by path, and in one folder that is the byte order of the names:
    // Prisma's order.
    for (position, dir) in listing.dirs.iter().enumerate() {
        match entry(dir, position) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(dir: &Path, position: usize) -> Result<Entry, Problem> {
    let folder = files::name(dir);
    let script = dir.join("migration.sql");
    if !script.is_file() {
        return Err(problem(
            ProblemKind::MissingSql,
            dir,
            0,
            "Prisma migration folder has no migration.sql (Prisma reads every sub-folder as a migration)"
                .to_string(),
            None,
        ));
    }
    let text = files::read(&script)?;
    let (version, name) = folder.split_once('_').unwrap_or((folder, ""));
    Ok(Entry {
        id: folder.to_string(),
        version: version.to_string(),
        // Prisma orders by the whole name as text, not by the number in front.
        key: VersionKey::number(&position.to_string()),
        name: name.to_string(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            up: Section::whole(&script, &text),
            down: None,
            transaction: true,
        }],
        notes: Vec::new(),
    })
}

/// Refuses a folder whose `migration_lock.toml` names a provider other than `dialect`'s, as
/// Prisma refuses a datasource of another provider. No lock file: nothing to check.
pub(crate) fn check_provider(root: &Path, dialect: Dialect) -> Result<(), LoadErrors> {
    let path = root.join(LOCK_FILE);
    if !path.is_file() {
        return Ok(());
    }
    let text = files::read(&path).map_err(|p| LoadErrors(vec![p]))?;
    let (line, provider) = provider(&text);
    let wanted = match provider {
        "postgresql" | "postgres" | "cockroachdb" => Some(Dialect::Postgres),
        "mysql" => Some(Dialect::Mysql),
        "sqlite" => Some(Dialect::Sqlite),
        _ => None,
    };
    if wanted == Some(dialect) {
        return Ok(());
    }
    let message = match wanted {
        Some(_) => format!(
            "the migrations were written for provider `{provider}`, not for {dialect}: Prisma refuses to apply them to another provider (P3019)"
        ),
        None => format!("provider `{provider}` has no Cairn backend"),
    };
    Err(LoadErrors(vec![problem(
        ProblemKind::Format,
        &path,
        line,
        message,
        Some(&text),
    )]))
}

/// The provider named by the lock file and its line, read as Prisma reads it: the first line
/// starting with `provider`, without `provider = ` and quotes.
fn provider(text: &str) -> (u32, &str) {
    text.lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("provider"))
        .map_or((0, "<PROVIDER NOT FOUND>"), |(i, l)| {
            (
                u32::try_from(i + 1).unwrap_or(0),
                l.trim_start_matches("provider = ").trim_matches('"'),
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::layout::{Layout, load};

    use crate::layout::tests::folder;

    #[test]
    fn folders_apply_in_text_order_not_number_order() {
        let dir = folder(&[
            ("9_late/migration.sql", "SELECT 9;\n"),
            ("20240101000000_init/migration.sql", "SELECT 1;\n"),
            ("0_baseline/migration.sql", ""),
            ("migration_lock.toml", "# comment\nprovider = \"sqlite\"\n"),
        ]);
        let set = load(dir.path(), Layout::Prisma, Dialect::Sqlite).unwrap();
        let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["0_baseline", "20240101000000_init", "9_late"]);
        let late = set.get("9_late").unwrap();
        assert_eq!(late.depends_on, ["20240101000000_init"]);
        assert!(late.down.is_none(), "Prisma has no down migrations");
        let origin = late.origin.as_ref().unwrap();
        assert_eq!(
            (origin.version.as_str(), origin.name.as_str()),
            ("9", "late")
        );
        assert!(
            set.get("0_baseline")
                .unwrap()
                .up
                .statements()
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn another_provider_is_refused_at_the_lock_file_line() {
        let dir = folder(&[
            ("1_a/migration.sql", "SELECT 1;\n"),
            (
                "migration_lock.toml",
                "# Please do not edit\nprovider = \"postgresql\"\n",
            ),
        ]);
        assert!(load(dir.path(), Layout::Prisma, Dialect::Postgres).is_ok());
        let e = load(dir.path(), Layout::Prisma, Dialect::Sqlite).unwrap_err();
        assert_eq!(e.0[0].file, dir.path().join(LOCK_FILE));
        assert_eq!(e.0[0].line, 2);
        assert!(e.0[0].message.contains("`postgresql`"), "{e}");
        let mongo = folder(&[
            ("1_a/migration.sql", ""),
            (LOCK_FILE, "provider = \"mongodb\"\n"),
        ]);
        let e = load(mongo.path(), Layout::Prisma, Dialect::Mysql).unwrap_err();
        assert!(e.0[0].message.contains("no Cairn backend"), "{e}");
    }

    #[test]
    fn a_folder_without_migration_sql_is_named() {
        let dir = folder(&[("1_a/migration.sql", ""), ("2_b/notes.txt", "")]);
        let e = load(dir.path(), Layout::Prisma, Dialect::Sqlite).unwrap_err();
        assert_eq!(e.0[0].file, dir.path().join("2_b"));
        assert!(e.0[0].message.contains("no migration.sql"), "{e}");
    }
}
