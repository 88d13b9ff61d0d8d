//! pop / popx: `<version>_<name>[.<dialect>][.autocommit].(up|down).sql` in one folder. A
//! dialect-specific file replaces the generic one of its version on that dialect;
//! `.autocommit` runs it outside a transaction.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
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

/// popx's names (`popx/match.go`): `^(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.sql$`.
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
    (dialect_ok && version_of(stem).is_some()).then_some(Parsed {
        stem,
        dialect,
        autocommit,
        up,
    })
}

/// pop's version and name: the leading digits, `_`, then a name without dots. The version is
/// a string: pop and popx order migrations with `strings.Compare`, so `10_b` runs before
/// `9_a` and `01_a` is another version than `1_a`.
fn version_of(stem: &str) -> Option<(&str, &str)> {
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let (version, rest) = stem.split_at(digits);
    let name = rest.strip_prefix('_')?;
    (digits > 0 && !name.is_empty()).then_some((version, name))
}

/// The Cairn dialect of a pop dialect name (`pop.CanonicalDialect`: synonyms included), or
/// `Err` for dialects Cairn has no backend for (cockroach, mssql) and names pop does not know
/// (`all` is no dialect in pop: such a file is ignored there too).
fn dialect(name: &str) -> Result<Dialect, ()> {
    match name {
        "postgres" | "postgresql" | "pg" | "pgx" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::Mysql),
        "sqlite" | "sqlite3" => Ok(Dialect::Sqlite),
        _ => Err(()),
    }
}

/// Why pop does not run `file_name`, when it does not.
pub(crate) fn pop_ignores(file_name: &str) -> Option<String> {
    let p = parse(file_name)?;
    let d = p.dialect?;
    dialect(d).is_err().then(|| {
        format!("for dialect `{d}`, which has no Cairn backend (or which pop does not know)")
    })
}

/// Files of one version for one dialect.
#[derive(Default)]
struct Pair {
    up: Option<(PathBuf, bool)>,
    down: Option<(PathBuf, bool)>,
}

/// Reads a pop folder, sub-folders included (pop and popx walk them with `fs.WalkDir`).
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, true).map_err(|e| e.0)?;
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
        let d = match p.dialect.map(dialect) {
            None => None,
            Some(Ok(d)) => Some(d),
            Some(Err(())) => continue,
        };
        if let Some(problem) = template(path) {
            problems.push(problem);
            continue;
        }
        let pair = found
            .entry(p.stem.to_string())
            .or_default()
            .entry(d)
            .or_default();
        let slot = if p.up { &mut pair.up } else { &mut pair.down };
        if let Some((other, _)) = slot {
            // `.mysql.` and `.mariadb.` both mean Cairn's MySQL backend: popx would run the
            // `.mariadb.` file on MariaDB and the `.mysql.` one on MySQL.
            let (keep, drop) = if files::name(other).contains(".mariadb.") {
                (path.clone(), other.clone())
            } else {
                (other.clone(), path.clone())
            };
            notes.entry(p.stem.to_string()).or_default().push(format!(
                "{} is used and {} is not: Cairn has one MySQL/MariaDB backend",
                keep.display(),
                drop.display()
            ));
            *slot = Some((keep, p.autocommit));
        } else {
            *slot = Some((path.clone(), p.autocommit));
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

/// pop and popx render every file as a Go template before running it; Cairn runs SQL as
/// written, so a file with template actions is refused at the first one.
fn template(path: &Path) -> Option<Problem> {
    let text = files::read(path).ok()?;
    let (n, line) = text.lines().enumerate().find(|(_, l)| l.contains("{{"))?;
    Some(problem(
        ProblemKind::Format,
        path,
        u32::try_from(n + 1).unwrap_or(0),
        format!(
            "pop renders this file as a Go template (`{}`); Cairn runs SQL as written: render it, or split it into per-dialect files",
            line.trim()
        ),
        Some(&text),
    ))
}

fn entry(
    stem: &str,
    by_dialect: BTreeMap<Option<Dialect>, Pair>,
    notes: Vec<String>,
) -> Result<Option<Entry>, Problem> {
    let Some((version, name)) = version_of(stem) else {
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
        // A down without an up for this dialect runs nothing (popx checks only that every up
        // has a down): a generic down often serves dialect-specific ups alone.
        let Some((up_path, autocommit)) = pair.up else {
            continue;
        };
        let down = match &pair.down {
            Some((p, _)) => Some(Section::whole(p, &files::read(p)?)),
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
        key: VersionKey::text(version),
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
        assert_eq!(dialect("sqlite3"), Ok(Dialect::Sqlite));
        assert_eq!(dialect("pgx"), Ok(Dialect::Postgres));
        assert_eq!(dialect("cockroach"), Err(()));
        assert_eq!(dialect("all"), Err(()));
        assert!(parse("2019-01-01-000000_users.up.sql").is_none());
        assert!(parse("1_a.b.c.up.sql").is_none());
        assert_eq!(version_of("0001_a"), Some(("0001", "a")));
    }
}
