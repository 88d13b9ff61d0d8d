//! diesel: one folder per migration, `<timestamp>_<name>/up.sql` + `down.sql`, with an optional
//! `metadata.toml` (`run_in_transaction = false`).

use std::path::Path;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::{VersionKey, split_version};
use crate::error::{Problem, ProblemKind};
use crate::load::locate::line_col;

/// Reads a diesel migrations folder. Files at its top level (diesel's `.keep`) are ignored.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for dir in &listing.dirs {
        match entry(dir) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(dir: &Path) -> Result<Entry, Problem> {
    let folder = files::name(dir);
    let (version, name) = split_version(folder).ok_or_else(|| {
        files::unrecognised(dir, "<timestamp>_<name>/up.sql (diesel migration folder)")
    })?;
    let up_path = dir.join("up.sql");
    if !up_path.is_file() {
        return Err(problem(
            ProblemKind::MissingSql,
            dir,
            0,
            "diesel migration folder has no up.sql".to_string(),
            None,
        ));
    }
    let up_text = files::read(&up_path)?;
    let down_path = dir.join("down.sql");
    let down = if down_path.is_file() {
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
        version: version.to_string(),
        key: VersionKey::number(version),
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

/// `run_in_transaction` from `metadata.toml`; other keys are noted as not carried over.
fn metadata(path: &Path, notes: &mut Vec<String>) -> Result<bool, Problem> {
    let text = files::read(path)?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map_or(0, |s| line_col(&text, s.start).0);
        problem(
            ProblemKind::Syntax,
            path,
            line,
            e.message().to_string(),
            Some(&text),
        )
    })?;
    let mut transaction = true;
    for (key, value) in &table {
        match (key.as_str(), value.as_bool()) {
            ("run_in_transaction", Some(b)) => transaction = b,
            ("run_in_transaction", None) => {
                return Err(problem(
                    ProblemKind::Format,
                    path,
                    0,
                    "`run_in_transaction` must be true or false".to_string(),
                    None,
                ));
            }
            _ => notes.push(format!(
                "{}: key `{key}` has no Cairn equivalent and was not carried over",
                path.display()
            )),
        }
    }
    Ok(transaction)
}
