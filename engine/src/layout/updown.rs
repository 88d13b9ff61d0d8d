//! sqlx and golang-migrate: `<version>_<name>.up.sql` / `.down.sql` pairs in one folder; sqlx
//! also takes `<version>_<name>.sql` (up only, irreversible) and a first line
//! `-- no-transaction`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::{VersionKey, split_version};
use crate::error::{Problem, ProblemKind};

/// Which files of a version were found.
#[derive(Default)]
struct Files {
    up: Option<PathBuf>,
    down: Option<PathBuf>,
    /// sqlx's up-only `<version>_<name>.sql`.
    simple: Option<PathBuf>,
}

/// Reads a sqlx folder (`sqlx == true`) or a golang-migrate one.
pub(crate) fn scan(root: &Path, sqlx: bool) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let expected = if sqlx {
        "<version>_<name>.sql or <version>_<name>.up.sql / .down.sql (sqlx)"
    } else {
        "<version>_<name>.up.sql / .down.sql (golang-migrate)"
    };
    let mut problems = Vec::new();
    let mut by_stem: BTreeMap<String, Files> = BTreeMap::new();
    for path in listing.files.iter().filter(|p| files::is_sql(p)) {
        let name = files::name(path);
        let (stem, slot) = if let Some(stem) = name.strip_suffix(".up.sql") {
            (stem, 0)
        } else if let Some(stem) = name.strip_suffix(".down.sql") {
            (stem, 1)
        } else if sqlx && let Some(stem) = name.strip_suffix(".sql") {
            (stem, 2)
        } else {
            problems.push(files::unrecognised(path, expected));
            continue;
        };
        if split_version(stem).is_none() {
            problems.push(files::unrecognised(path, expected));
            continue;
        }
        let found = by_stem.entry(stem.to_string()).or_default();
        let place = match slot {
            0 => &mut found.up,
            1 => &mut found.down,
            _ => &mut found.simple,
        };
        *place = Some(path.clone());
    }
    let mut entries = Vec::new();
    for (stem, found) in by_stem {
        match entry(&stem, found, sqlx) {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(stem: &str, found: Files, sqlx: bool) -> Result<Option<Entry>, Problem> {
    let Some((version, name)) = split_version(stem) else {
        return Ok(None);
    };
    let up_path = match (&found.up, &found.simple) {
        (Some(up), Some(simple)) => {
            return Err(problem(
                ProblemKind::DuplicateId,
                simple,
                0,
                format!(
                    "version `{version}` has both {} and {}: keep one",
                    files::name(simple),
                    files::name(up)
                ),
                None,
            ));
        }
        (Some(p), None) | (None, Some(p)) => p,
        (None, None) => {
            let down = found.down.as_deref().unwrap_or(Path::new(stem));
            return Err(problem(
                ProblemKind::MissingSql,
                down,
                0,
                format!("`{}` has no matching `{stem}.up.sql`", files::name(down)),
                None,
            ));
        }
    };
    let up_text = files::read(up_path)?;
    let down = match &found.down {
        Some(p) => Some(Section::whole(p, &files::read(p)?)),
        None => None,
    };
    Ok(Some(Entry {
        id: stem.to_string(),
        version: version.to_string(),
        key: VersionKey::number(version),
        name: name.to_string(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            // sqlx reads this marker in both files; the up file decides for the migration.
            transaction: !(sqlx && up_text.starts_with("-- no-transaction")),
            up: Section::whole(up_path, &up_text),
            down,
        }],
        notes: Vec::new(),
    }))
}
