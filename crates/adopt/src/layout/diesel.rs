//! diesel: one folder per migration, `<timestamp>_<name>/up.sql` + `down.sql`, with an optional
//! `metadata.toml` (`run_in_transaction = false`).

use std::fs;
use std::path::Path;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};
use crate::source::locate::line_col;

/// Reads a diesel migrations folder as diesel does (`migrations_internals`:
/// `migrations_directories`, `version_from_string`): every folder is a migration except those
/// whose name starts with `.` and empty ones; files at the top level (diesel's `.keep`) are
/// ignored. Diesel keeps two folders of one version in a `HashMap`, so one of them silently
/// never runs; Cairn runs both, the folder names breaking the tie.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for dir in &listing.dirs {
        let folder = files::name(dir);
        let empty = fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
        if folder.starts_with('.') || empty {
            continue;
        }
        match entry(dir) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// diesel's version of a folder name: the text before the first `_`, with every `-` removed
/// (`2025-11-19-091444-0000_x` is `202511190914440000`, `2024-03-13_170000_x` is `20240313`).
/// It is never parsed as a time: versions are strings, compared as strings.
pub(crate) fn version_of(folder: &str) -> (String, &str) {
    let (head, name) = folder.split_once('_').unwrap_or((folder, ""));
    (head.replace('-', ""), name)
}

fn entry(dir: &Path) -> Result<Entry, Problem> {
    let folder = files::name(dir);
    let (version, name) = version_of(folder);
    // The version as the folder spells it, for messages and adoption; `version` orders.
    let spelled = folder.split('_').next().unwrap_or(folder);
    let up_path = dir.join("up.sql");
    if !up_path.is_file() {
        return Err(problem(
            ProblemKind::MissingSql,
            dir,
            0,
            "diesel migration folder has no up.sql (diesel refuses it too: UnknownMigrationFormat)"
                .to_string(),
            None,
        ));
    }
    let up_text = files::read(&up_path)?;
    let down_path = dir.join("down.sql");
    let down = if files::up_only() && down_path.is_file() {
        Some(Section::unread(&down_path))
    } else if down_path.is_file() {
        Some(Section::whole(&down_path, &files::read(&down_path)?))
    } else {
        None
    };
    let mut notes = Vec::new();
    let meta_path = dir.join("metadata.toml");
    let transaction = if meta_path.is_file() {
        metadata(&meta_path, &mut notes)?
    } else {
        true
    };
    Ok(Entry {
        id: folder.to_string(),
        key: VersionKey::text(&version),
        version: spelled.to_string(),
        name: name.to_string(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            up: Section::whole(&up_path, &up_text),
            down,
            transaction,
        }],
        notes,
    })
}

/// `run_in_transaction` from `metadata.toml`, read as diesel reads it
/// (`TomlMetadata::read_from_file(..).unwrap_or_default()`): a file diesel cannot read (bad
/// TOML, a value that is not a boolean) counts as absent, so the migration runs in a
/// transaction; a file without the key deserializes the field's serde default, `false`.
/// Either surprise is noted for `migrate import`; other keys are noted as not carried over.
fn metadata(path: &Path, notes: &mut Vec<String>) -> Result<bool, Problem> {
    let text = files::read(path)?;
    let table: toml::Table = match text.parse() {
        Ok(table) => table,
        Err(e) => {
            let e: toml::de::Error = e;
            let line = e.span().map_or(0, |s| line_col(&text, s.start).0);
            notes.push(format!(
                "{}:{line}: diesel cannot read this file ({}) and ignores it: the migration runs in a transaction",
                path.display(),
                e.message()
            ));
            return Ok(true);
        }
    };
    let transaction = match table.get("run_in_transaction") {
        Some(value) => match value.as_bool() {
            Some(b) => b,
            None => {
                notes.push(format!(
                    "{}: `run_in_transaction` is not a boolean, so diesel ignores the file: the migration runs in a transaction",
                    path.display()
                ));
                return Ok(true);
            }
        },
        None => {
            notes.push(format!(
                "{}: no `run_in_transaction` key: diesel reads that as false, so the migration runs outside a transaction",
                path.display()
            ));
            false
        }
    };
    for key in table.keys().filter(|k| *k != "run_in_transaction") {
        notes.push(format!(
            "{}: key `{key}` has no Cairn equivalent and was not carried over",
            path.display()
        ));
    }
    Ok(transaction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_the_text_before_the_first_underscore_without_dashes() {
        assert_eq!(
            version_of("2025-11-19-091444-0000_add_x"),
            ("202511190914440000".to_string(), "add_x")
        );
        assert_eq!(
            version_of("2024-03-13_170000_name"),
            ("20240313".to_string(), "170000_name")
        );
        assert_eq!(
            version_of("00000000000000_diesel_initial_setup"),
            ("00000000000000".to_string(), "diesel_initial_setup")
        );
        assert_eq!(
            version_of("initial setup"),
            ("initial setup".to_string(), "")
        );
        assert_eq!(
            version_of("2019-02-30-999999_not_a_time"),
            ("20190230999999".to_string(), "not_a_time")
        );
    }
}
