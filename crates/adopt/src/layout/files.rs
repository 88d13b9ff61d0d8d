//! Reading another tool's folder: its entries in path order, and file texts.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::entry::problem;
use super::version::VersionKey;
use crate::error::{LoadErrors, Problem, ProblemKind};

/// What a folder holds, sorted by path.
pub(crate) struct Listing {
    /// Files directly in the folder (or anywhere under it, when listed recursively).
    pub files: Vec<PathBuf>,
    /// Folders directly in it.
    pub dirs: Vec<PathBuf>,
}

/// Lists `root`; `recursive` lists files in sub-folders too (Flyway reads them).
pub(crate) fn list(root: &Path, recursive: bool) -> Result<Listing, LoadErrors> {
    let mut listing = Listing {
        files: Vec::new(),
        dirs: Vec::new(),
    };
    walk(root, recursive, true, &mut listing).map_err(|e| {
        LoadErrors(vec![problem(
            ProblemKind::Io,
            root,
            0,
            format!("cannot read migrations directory: {e}"),
            None,
        )])
    })?;
    listing.files.sort();
    listing.dirs.sort();
    Ok(listing)
}

fn walk(dir: &Path, recursive: bool, top: bool, out: &mut Listing) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if top {
                out.dirs.push(path.clone());
            }
            // Flyway skips hidden folders (`.git`, an editor's `.idea`); so do the others here.
            if recursive && !name(&path).starts_with('.') {
                walk(&path, recursive, false, out)?;
            }
        } else {
            out.files.push(path);
        }
    }
    Ok(())
}

/// The file's text, shared by the sections cut from it.
pub(crate) fn read(path: &Path) -> Result<Arc<str>, Problem> {
    crate::source::read_text(path).map(Arc::from)
}

/// The file name as text (empty when it is not UTF-8, which no pattern matches).
pub(crate) fn name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Whether the file is SQL.
pub(crate) fn is_sql(path: &Path) -> bool {
    name(path).ends_with(".sql")
}

/// A `.sql` file whose name the layout does not recognise: reported, since skipping it would
/// leave out a migration the user expects to run.
pub(crate) fn unrecognised(path: &Path, expected: &str) -> Problem {
    problem(
        ProblemKind::Format,
        path,
        0,
        format!("file name does not match {expected}"),
        None,
    )
}

/// How a layout reads the up and down sections of one file.
pub(crate) type SectionParser =
    fn(&Path, &Arc<str>) -> Result<(super::entry::Variant, Vec<String>), Problem>;

/// A `.sql` file holding both directions in marked sections (goose, dbmate), whose version,
/// order and name the layout has read from the file name by its tool's own rule.
pub(crate) fn sectioned(
    path: &Path,
    version: &str,
    key: VersionKey,
    migration_name: &str,
    parse: SectionParser,
) -> Result<super::entry::Entry, Problem> {
    let stem = name(path).strip_suffix(".sql").unwrap_or(name(path));
    let (variant, notes) = read(path).and_then(|text| parse(path, &text))?;
    Ok(super::entry::Entry {
        id: stem.to_string(),
        version: version.to_string(),
        key,
        name: migration_name.to_string(),
        repeatable: false,
        variants: vec![variant],
        notes,
    })
}

/// Every entry, or every problem when there is any.
pub(crate) fn all_or_problems<T>(
    items: Vec<T>,
    problems: Vec<Problem>,
) -> Result<Vec<T>, Vec<Problem>> {
    if problems.is_empty() {
        Ok(items)
    } else {
        Err(problems)
    }
}

/// A migration written in a programming language (refinery `.rs`, pop `.fizz`, goose `.go`):
/// reported, since Cairn runs SQL only and skipping it would leave out a migration.
pub(crate) fn not_sql(path: &Path, what: &str) -> Problem {
    problem(
        ProblemKind::Format,
        path,
        0,
        format!("{what} cannot be read: only .sql migrations can"),
        None,
    )
}
