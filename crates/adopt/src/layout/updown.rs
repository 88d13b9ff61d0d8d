//! sqlx and golang-migrate: `<version>_<name>.up.sql` / `.down.sql` pairs in one folder; sqlx
//! also takes `<version>_<name>.sql` (up only, irreversible) and a first line
//! `-- no-transaction`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// One file name as its tool reads it.
#[derive(Debug, PartialEq, Eq)]
struct Name<'a> {
    version: &'a str,
    name: &'a str,
    stem: &'a str,
    /// 0 up, 1 down, 2 sqlx's up-only `<version>_<name>.sql`.
    slot: usize,
}

/// sqlx's names (`sqlx-core` `migrate/source.rs`): split at the first `_`; files without one,
/// or whose rest does not end in `.sql`, are skipped (`Ok(None)`); a prefix that is not an
/// `i64` is an error ("expected integer version prefix").
fn parse_sqlx(file_name: &str) -> Result<Option<Name<'_>>, String> {
    let Some((version, rest)) = file_name.split_once('_') else {
        return Ok(None);
    };
    let (name, slot) = if let Some(n) = rest.strip_suffix(".up.sql") {
        (n, 0)
    } else if let Some(n) = rest.strip_suffix(".down.sql") {
        (n, 1)
    } else if let Some(n) = rest.strip_suffix(".sql") {
        (n, 2)
    } else {
        return Ok(None);
    };
    if version.parse::<i64>().is_err() || version.starts_with('+') {
        return Err(format!(
            "sqlx refuses this name: `{version}` is not an integer version prefix (expected <integer>_<name>.sql)"
        ));
    }
    let stem = file_name
        .get(..version.len() + 1 + name.len())
        .unwrap_or(file_name);
    Ok(Some(Name {
        version,
        name,
        stem,
        slot,
    }))
}

/// golang-migrate's names (`source/parse.go`: `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, the version a
/// `uint64`); anything else is skipped (`source/iofs`). The name is greedy, so the last
/// `.up.`/`.down.` decides the direction; the extension may be anything.
fn parse_golang(file_name: &str) -> Option<Name<'_>> {
    let digits = file_name.bytes().take_while(u8::is_ascii_digit).count();
    let (version, rest) = file_name.split_at(digits);
    let rest = rest.strip_prefix('_')?;
    version.parse::<u64>().ok()?;
    let up = rest.rfind(".up.");
    let down = rest.rfind(".down.");
    let (at, slot) = match (up, down) {
        (Some(u), Some(d)) if d > u => (d, 1),
        (Some(u), _) => (u, 0),
        (None, Some(d)) => (d, 1),
        (None, None) => return None,
    };
    let name = rest.get(..at)?;
    Some(Name {
        version,
        name,
        stem: file_name.get(..digits + 1 + at)?,
        slot,
    })
}

/// Why the tool does not run `file_name`, when it does not.
pub(crate) fn ignores(file_name: &str, sqlx: bool) -> Option<String> {
    if sqlx {
        matches!(parse_sqlx(file_name), Ok(None))
            .then(|| "not a sqlx migration name (<integer>_<name>.sql); sqlx skips it".to_string())
    } else {
        parse_golang(file_name).is_none().then(|| {
            "not a golang-migrate migration name (<integer>_<name>.up|down.<ext>); golang-migrate skips it".to_string()
        })
    }
}

/// Whether `file_name` is a down file that `layout` pairs with an up file (sqlx and
/// golang-migrate `.down.` files, diesel's `down.sql`): what an up-only read leaves unread.
pub(crate) fn is_down(layout: super::Layout, file_name: &str) -> bool {
    match layout {
        super::Layout::Sqlx => matches!(parse_sqlx(file_name), Ok(Some(n)) if n.slot == 1),
        super::Layout::GolangMigrate => parse_golang(file_name).is_some_and(|n| n.slot == 1),
        super::Layout::Diesel => file_name == "down.sql",
        _ => false,
    }
}

/// Which files of a version were found.
#[derive(Default)]
struct Files {
    up: Option<(PathBuf, String)>,
    down: Option<(PathBuf, String)>,
    /// sqlx's up-only `<version>_<name>.sql`.
    simple: Option<(PathBuf, String)>,
}

/// Reads a sqlx folder (`sqlx == true`) or a golang-migrate one: one level, files paired by
/// version as both tools pair them (`1_create.up.sql` with `1_drop.down.sql`).
pub(crate) fn scan(root: &Path, sqlx: bool) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut problems = Vec::new();
    let mut by_version: BTreeMap<u128, (String, Files)> = BTreeMap::new();
    for path in &listing.files {
        let file_name = files::name(path);
        let parsed = if sqlx {
            match parse_sqlx(file_name) {
                Ok(Some(n)) => n,
                Ok(None) => continue,
                Err(message) => {
                    problems.push(problem(ProblemKind::Format, path, 0, message, None));
                    continue;
                }
            }
        } else {
            match parse_golang(file_name) {
                Some(n) => n,
                None => continue,
            }
        };
        let Ok(number) = parsed.version.parse::<u128>() else {
            continue;
        };
        let (_, found) = by_version
            .entry(number)
            .or_insert_with(|| (parsed.version.to_string(), Files::default()));
        let place = match parsed.slot {
            0 => &mut found.up,
            1 => &mut found.down,
            _ => &mut found.simple,
        };
        if let Some((other, _)) = place {
            problems.push(problem(
                ProblemKind::DuplicateId,
                path,
                0,
                format!(
                    "version `{}` is used twice: also by {}",
                    parsed.version,
                    other.display()
                ),
                None,
            ));
            continue;
        }
        *place = Some((path.clone(), parsed.stem.to_string()));
    }
    let mut entries = Vec::new();
    for (_, (version, found)) in by_version {
        match entry(&version, found, sqlx) {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(version: &str, found: Files, sqlx: bool) -> Result<Option<Entry>, Problem> {
    let (up_path, stem) = match (&found.up, &found.simple) {
        (Some((up, _)), Some((simple, _))) => {
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
        (Some((p, stem)), None) | (None, Some((p, stem))) => (p.clone(), stem.clone()),
        // A down file alone: sqlx never runs it; golang-migrate applies the version with no
        // SQL (a "nil migration") and runs the down when reverting it.
        (None, None) => match (&found.down, sqlx) {
            (Some((down, stem)), false) => (down.clone(), stem.clone()),
            _ => return Ok(None),
        },
    };
    let up_only_down = found.up.is_none() && found.simple.is_none();
    let up_text = if up_only_down {
        Arc::from("")
    } else {
        files::read(&up_path)?
    };
    let down = match &found.down {
        // A down file alone is the migration's only file: it is read as its source anyway.
        Some((p, _)) if files::up_only() && !up_only_down => Some(Section::unread(p)),
        Some((p, _)) => Some(Section::whole(p, &files::read(p)?)),
        None => None,
    };
    let name = stem.split_once('_').map_or("", |(_, n)| n).to_string();
    let mut up = Section::whole(&up_path, &up_text);
    if up_only_down {
        up.source = files::read(&up_path)?;
    }
    Ok(Some(Entry {
        id: stem.clone(),
        version: version.to_string(),
        key: VersionKey::number(version),
        name,
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            // sqlx reads this marker in both files; the up file decides for the migration.
            transaction: !(sqlx && up_text.starts_with("-- no-transaction")),
            up,
            down,
        }],
        notes: if up_only_down {
            vec![format!(
                "version {version} has only a down file: golang-migrate applies it with no SQL"
            )]
        } else {
            Vec::new()
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlx_names_split_at_the_first_underscore() {
        let n = parse_sqlx("2019_01_01_000000_x.sql").unwrap().unwrap();
        assert_eq!((n.version, n.name, n.slot), ("2019", "01_01_000000_x", 2));
        assert_eq!(parse_sqlx("schema.sql"), Ok(None));
        assert_eq!(parse_sqlx("1_notes.txt"), Ok(None));
        assert!(parse_sqlx("2019-01-01-000000_x.sql").is_err());
        assert!(parse_sqlx("10000000000000000001_big.sql").is_err());
        let n = parse_sqlx("0003_a.down.sql").unwrap().unwrap();
        assert_eq!((n.version, n.stem, n.slot), ("0003", "0003_a", 1));
    }

    #[test]
    fn golang_migrate_names_take_any_extension_and_the_last_direction() {
        let n = parse_golang("1_init.up.sql").unwrap();
        assert_eq!(
            (n.version, n.name, n.stem, n.slot),
            ("1", "init", "1_init", 0)
        );
        let n = parse_golang("2_a.up.b.down.sql").unwrap();
        assert_eq!((n.name, n.slot), ("a.up.b", 1));
        assert_eq!(parse_golang("3_x.up.cql").unwrap().slot, 0);
        assert!(parse_golang("1_init.sql").is_none());
        assert!(parse_golang("README.up.sql").is_none());
        assert!(parse_golang("2019-01-01-000000_x.up.sql").is_none());
        assert!(parse_golang("99999999999999999999_x.up.sql").is_none());
    }
}
