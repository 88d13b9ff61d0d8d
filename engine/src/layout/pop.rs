//! pop / popx: `<version>_<name>[.<dialect>][.autocommit].(up|down).sql` in one folder. A
//! dialect-specific file replaces the generic one of its version on that dialect;
//! `.autocommit` runs it outside a transaction.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::{VersionKey, split_version};
use crate::Dialect;
use crate::error::{Problem, ProblemKind};

const EXPECTED: &str = "<version>_<name>[.<dialect>][.autocommit].(up|down).sql (pop)";

/// One file name, taken apart.
#[derive(Debug, PartialEq, Eq)]
struct Parsed<'a> {
    stem: &'a str,
    dialect: Option<&'a str>,
    autocommit: bool,
    up: bool,
}

fn parse(file_name: &str) -> Option<Parsed<'_>> {
    let rest = file_name.strip_suffix(".sql")?;
    let (rest, up) = match rest.strip_suffix(".up") {
        Some(r) => (r, true),
        None => (rest.strip_suffix(".down")?, false),
    };
    let (rest, autocommit) = match rest.strip_suffix(".autocommit") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (stem, dialect) = match rest.split_once('.') {
        Some((stem, d)) => (stem, Some(d)),
        None => (rest, None),
    };
    let dialect_ok = dialect.is_none_or(|d| {
        !d.is_empty()
            && d.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    (dialect_ok && split_version(stem).is_some()).then_some(Parsed {
        stem,
        dialect,
        autocommit,
        up,
    })
}

/// The Cairn dialect of a pop dialect name; `Ok(None)` for pop's `all`, `Err` for dialects
/// Cairn has no backend for (cockroach, mssql).
fn dialect(name: &str) -> Result<Option<Dialect>, ()> {
    match name {
        "all" => Ok(None),
        "postgres" | "postgresql" | "pg" => Ok(Some(Dialect::Postgres)),
        "mysql" | "mariadb" => Ok(Some(Dialect::Mysql)),
        "sqlite" | "sqlite3" => Ok(Some(Dialect::Sqlite)),
        _ => Err(()),
    }
}

/// Files of one version for one dialect.
#[derive(Default)]
struct Pair {
    up: Option<(PathBuf, bool)>,
    down: Option<PathBuf>,
}

/// Reads a pop folder.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut problems = Vec::new();
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut found: BTreeMap<String, BTreeMap<Option<Dialect>, Pair>> = BTreeMap::new();
    for path in &listing.files {
        let file_name = files::name(path);
        if file_name.ends_with(".fizz") {
            problems.push(files::not_sql(path, "pop fizz migrations"));
            continue;
        }
        if !files::is_sql(path) {
            continue;
        }
        let Some(p) = parse(file_name) else {
            problems.push(files::unrecognised(path, EXPECTED));
            continue;
        };
        let Ok(d) = p.dialect.map_or(Ok(None), dialect) else {
            notes.entry(p.stem.to_string()).or_default().push(format!(
                "{}: dialect `{}` has no Cairn backend; the file is not used",
                path.display(),
                p.dialect.unwrap_or_default()
            ));
            continue;
        };
        let pair = found
            .entry(p.stem.to_string())
            .or_default()
            .entry(d)
            .or_default();
        if p.up {
            pair.up = Some((path.clone(), p.autocommit));
        } else {
            pair.down = Some(path.clone());
        }
    }
    let mut entries = Vec::new();
    for (stem, by_dialect) in found {
        match entry(&stem, by_dialect, notes.remove(&stem).unwrap_or_default()) {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(
    stem: &str,
    by_dialect: BTreeMap<Option<Dialect>, Pair>,
    notes: Vec<String>,
) -> Result<Option<Entry>, Problem> {
    let Some((version, name)) = split_version(stem) else {
        return Ok(None);
    };
    // A dialect's own file replaces the generic one direction by direction: a
    // `<v>_<n>.mysql.down.sql` alone gives MySQL its own down and the generic up.
    let generic_up = by_dialect.get(&None).and_then(|p| p.up.clone());
    let generic_down = by_dialect.get(&None).and_then(|p| p.down.clone());
    let mut variants = Vec::new();
    for (dialect, pair) in by_dialect {
        let pair = Pair {
            up: pair.up.or_else(|| generic_up.clone()),
            down: pair.down.or_else(|| generic_down.clone()),
        };
        let Some((up_path, autocommit)) = pair.up else {
            let down = pair.down.unwrap_or_else(|| PathBuf::from(stem));
            return Err(problem(
                ProblemKind::MissingSql,
                &down,
                0,
                format!("`{}` has no matching up file", files::name(&down)),
                None,
            ));
        };
        let down = match &pair.down {
            Some(p) => Some(Section::whole(p, &files::read(p)?)),
            None => None,
        };
        variants.push(Variant {
            dialect,
            up: Section::whole(&up_path, &files::read(&up_path)?),
            down,
            transaction: !autocommit,
        });
    }
    // The generic variant first, so it names the entry.
    variants.sort_by_key(|v| v.dialect.is_some());
    Ok(Some(Entry {
        id: stem.to_string(),
        version: version.to_string(),
        key: VersionKey::number(version),
        name: name.to_string(),
        repeatable: false,
        variants,
        notes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_with_dialect_and_autocommit() {
        let p = parse("20190101000000_users.postgres.autocommit.up.sql").unwrap();
        assert_eq!(
            p,
            Parsed {
                stem: "20190101000000_users",
                dialect: Some("postgres"),
                autocommit: true,
                up: true
            }
        );
        let p = parse("20190101000000_users.down.sql").unwrap();
        assert_eq!((p.dialect, p.autocommit, p.up), (None, false, false));
        assert!(parse("20190101000000_users.sql").is_none());
        assert!(parse("users.up.sql").is_none());
        assert_eq!(dialect("sqlite3"), Ok(Some(Dialect::Sqlite)));
        assert_eq!(dialect("cockroach"), Err(()));
    }
}
