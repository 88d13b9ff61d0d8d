//! Reading another tool's folder: its entries in path order, and file texts.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::entry::problem;
use super::version::VersionKey;
use crate::error::{LoadErrors, Problem, ProblemKind};

/// What a folder holds, sorted by path.
#[derive(Clone)]
pub(crate) struct Listing {
    /// Files directly in the folder (or anywhere under it, when listed recursively).
    pub files: Vec<PathBuf>,
    /// Folders directly in it.
    pub dirs: Vec<PathBuf>,
    /// Per file, whether it lies in a sub-folder: a folder's own files are picked out of the
    /// recursive listing without parsing paths.
    nested: Vec<bool>,
}

thread_local! {
    /// The folder listed once for the calls inside [`listed_once`]: its root, and its
    /// recursive listing once made.
    static ONCE: RefCell<Option<(PathBuf, Option<Listing>)>> = const { RefCell::new(None) };
    /// The texts of its files read inside [`listed_once`]: detection reads a file's text to
    /// recognise it, and the reader needs it again. Keyed by the path's bytes: hashing a
    /// `Path` parses its components, which cost more than the lookup saved.
    static TEXTS: RefCell<Option<HashMap<OsString, Arc<str>>>> = const { RefCell::new(None) };
    /// Set while reading for a command that looks at the up side only ([`super::read_up`]).
    static UP_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` reading the up side only when `up_only`: readers of tools that keep the down SQL
/// in files of its own leave those files unread.
pub(crate) fn with_sides<T>(up_only: bool, f: impl FnOnce() -> T) -> T {
    let outer = UP_ONLY.with(|u| u.replace(up_only));
    let result = f();
    UP_ONLY.with(|u| u.set(outer));
    result
}

/// Whether down files are left unread ([`with_sides`]).
pub(crate) fn up_only() -> bool {
    UP_ONLY.with(std::cell::Cell::get)
}

/// Runs `f` with `root` listed at most once: detecting a layout, naming the files its tool
/// skips and reading the migrations each list the folder, which on a folder of thousands of
/// files cost as much as everything else a no-op run does. Outside `f` every call lists
/// afresh, so nothing stale outlives it.
pub fn listed_once<T>(root: &Path, f: impl FnOnce() -> T) -> T {
    let outer = ONCE.with(|once| once.replace(Some((root.to_path_buf(), None))));
    let outer_texts = TEXTS.with(|texts| texts.replace(Some(HashMap::new())));
    let result = f();
    ONCE.with(|once| once.replace(outer));
    TEXTS.with(|texts| texts.replace(outer_texts));
    result
}

/// Lists `root`; `recursive` lists files in sub-folders too (Flyway reads them).
pub(crate) fn list(root: &Path, recursive: bool) -> Result<Listing, LoadErrors> {
    let cached = ONCE.with(|once| -> Result<Option<Listing>, LoadErrors> {
        let mut once = once.borrow_mut();
        let Some((scope, listing)) = once.as_mut().filter(|(scope, _)| scope == root) else {
            return Ok(None);
        };
        let all = match listing {
            Some(all) => all,
            None => listing.insert(list_now(scope, true)?),
        };
        Ok(Some(if recursive {
            all.clone()
        } else {
            // The folder's own files are the recursive listing's files directly in it.
            let files: Vec<PathBuf> = all
                .files
                .iter()
                .zip(&all.nested)
                .filter(|(_, nested)| !**nested)
                .map(|(f, _)| f.clone())
                .collect();
            Listing {
                nested: vec![false; files.len()],
                files,
                dirs: all.dirs.clone(),
            }
        }))
    })?;
    match cached {
        Some(listing) => Ok(listing),
        None => list_now(root, recursive),
    }
}

fn list_now(root: &Path, recursive: bool) -> Result<Listing, LoadErrors> {
    let mut listing = Listing {
        files: Vec::new(),
        dirs: Vec::new(),
        nested: Vec::new(),
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
    Ok(listing)
}

/// Appends `dir`'s files in path order: each folder's entries sorted by name, a sub-folder's
/// files in its place. That is the order of sorting the whole list by path (components compare
/// by name), without comparing long paths component by component, which took most of a
/// no-op run's time on a folder of thousands of files.
fn walk(dir: &Path, recursive: bool, top: bool, out: &mut Listing) -> std::io::Result<()> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // The directory entry's own type costs no system call; a symbolic link is followed,
        // as `Path::is_dir` would.
        let file_type = entry.file_type()?;
        let is_dir = if file_type.is_symlink() {
            entry.path().is_dir()
        } else {
            file_type.is_dir()
        };
        entries.push((entry.file_name(), is_dir));
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, is_dir) in entries {
        let path = dir.join(&name);
        if is_dir {
            // Flyway skips hidden folders (`.git`, an editor's `.idea`); so do the others here.
            let hidden = name.to_str().is_some_and(|n| n.starts_with('.'));
            if recursive && !hidden {
                walk(&path, recursive, false, out)?;
            }
            if top {
                out.dirs.push(path);
            }
        } else {
            out.files.push(path);
            out.nested.push(!top);
        }
    }
    Ok(())
}

/// Runs `f` with a place to keep file texts, when it has none ([`listed_once`] gives one):
/// [`read_ahead`] fills it, [`read`] takes from it.
pub(crate) fn with_texts<T>(f: impl FnOnce() -> T) -> T {
    let fresh = TEXTS.with(|texts| {
        let mut texts = texts.borrow_mut();
        let fresh = texts.is_none();
        if fresh {
            *texts = Some(HashMap::new());
        }
        fresh
    });
    let result = f();
    if fresh {
        TEXTS.with(|texts| texts.replace(None));
    }
    result
}

/// Reads the `.sql` files of `root` (and of its sub-folders when `nested`) that are not read
/// yet, several at once, so the layout's reader finds them in memory. A file that cannot be
/// read is left for [`read`] to report, when the reader asks for it: its tool may skip it.
pub(crate) fn read_ahead(root: &Path, nested: bool, wanted: impl Fn(&Path) -> bool) {
    if TEXTS.with(|texts| texts.borrow().is_none()) {
        return;
    }
    let Ok(listing) = list(root, nested) else {
        return;
    };
    let unread: Vec<&Path> = TEXTS.with(|texts| {
        let texts = texts.borrow();
        listing
            .files
            .iter()
            .filter(|p| is_sql(p) && wanted(p))
            .filter(|p| {
                texts
                    .as_ref()
                    .is_some_and(|t| !t.contains_key(p.as_os_str()))
            })
            .map(PathBuf::as_path)
            .collect()
    });
    let texts = crate::source::read_texts::<Arc<str>>(&unread);
    TEXTS.with(|cache| {
        if let Some(cache) = cache.borrow_mut().as_mut() {
            cache.reserve(unread.len());
            for (path, text) in unread.iter().zip(texts) {
                if let Ok(text) = text {
                    cache.insert(path.as_os_str().to_owned(), text);
                }
            }
        }
    });
}

/// The file's text, shared by the sections cut from it.
pub(crate) fn read(path: &Path) -> Result<Arc<str>, Problem> {
    let cached = TEXTS.with(|texts| {
        texts
            .borrow()
            .as_ref()
            .and_then(|t| t.get(path.as_os_str()).map(Arc::clone))
    });
    if let Some(text) = cached {
        return Ok(text);
    }
    let text: Arc<str> = crate::source::read_text(path).map(Arc::from)?;
    TEXTS.with(|texts| {
        if let Some(t) = texts.borrow_mut().as_mut() {
            t.insert(path.as_os_str().to_owned(), Arc::clone(&text));
        }
    });
    Ok(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_in_path_order_with_sub_folders_in_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in [
            "b.sql",
            "a-c.sql",
            "a/z.sql",
            "a/b/1.sql",
            "A.sql",
            "10.sql",
            "9.sql",
            ".hidden/x.sql",
        ] {
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "").unwrap();
        }
        let listing = list(root, true).unwrap();
        let mut by_path: Vec<PathBuf> = listing.files.clone();
        by_path.sort();
        assert_eq!(listing.files, by_path);
        let names: Vec<String> = listing
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "10.sql",
                "9.sql",
                "A.sql",
                "a/b/1.sql",
                "a/z.sql",
                "a-c.sql",
                "b.sql"
            ]
        );
        assert_eq!(listing.dirs, [root.join(".hidden"), root.join("a")]);
        let top = list(root, false).unwrap();
        assert_eq!(top.files.len(), 5, "{:?}", top.files);
        // Listed once for a scope, the same answers.
        let (all, flat) = listed_once(root, || {
            (list(root, true).unwrap(), list(root, false).unwrap())
        });
        assert_eq!((all.files, all.dirs), (listing.files, listing.dirs));
        assert_eq!((flat.files, flat.dirs), (top.files, top.dirs));
        // A file read twice inside the scope is read from disk once.
        let path = root.join("b.sql");
        fs::write(&path, "SELECT 1;").unwrap();
        let (first, second) = listed_once(root, || {
            let first = read(&path).unwrap();
            fs::write(&path, "SELECT 2;").unwrap();
            (first, read(&path).unwrap())
        });
        assert_eq!((&*first, &*second), ("SELECT 1;", "SELECT 1;"));
        assert_eq!(
            &*read(&path).unwrap(),
            "SELECT 2;",
            "outside the scope: afresh"
        );
    }
}
