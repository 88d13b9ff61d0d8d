//! Flyway and refinery: `V<version>__<name>.sql`. Flyway also has `U<version>__<name>.sql` undo
//! scripts (read as the down SQL of that version), repeatable `R__<name>.sql` migrations, and
//! `<script>.sql.conf` files (`executeInTransaction=false`); refinery's `U` prefix marks an
//! "unversioned" migration, which applies in version order like a `V` one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// One file name, taken apart.
struct Parsed<'a> {
    prefix: char,
    version: &'a str,
    name: &'a str,
    stem: &'a str,
}

/// Flyway's names (`ResourceNameParser`): a case-sensitive prefix, the version up to the first
/// `__` (digits in parts separated by `.` or `_`; none for `R`), and a `.sql` suffix in any
/// case.
fn parse(file_name: &str) -> Option<Parsed<'_>> {
    let stem = strip_sql_suffix(file_name)?;
    let prefix = stem.chars().next()?;
    let (version, name) = stem.get(1..)?.split_once("__")?;
    let versioned = !version.is_empty()
        && version
            .split(['.', '_'])
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let ok = match prefix {
        'V' | 'U' => versioned,
        'R' => version.is_empty(),
        _ => false,
    };
    ok.then_some(Parsed {
        prefix,
        version,
        name,
        stem,
    })
}

fn strip_sql_suffix(file_name: &str) -> Option<&str> {
    let cut = file_name.len().checked_sub(4)?;
    file_name
        .get(cut..)
        .filter(|s| s.eq_ignore_ascii_case(".sql"))
        .and_then(|_| file_name.get(..cut))
}

/// Flyway's callback events (`org.flywaydb.core.api.callback.Event`): `<event>.sql` and
/// `<event>__<description>.sql` run at that event, not as migrations.
const CALLBACKS: &[&str] = &[
    "beforeMigrate",
    "beforeRepeatables",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "afterMigrate",
    "afterMigrateApplied",
    "afterVersioned",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "beforeEachUndoStatement",
    "afterEachUndoStatement",
    "afterEachUndoStatementError",
    "afterEachUndo",
    "afterEachUndoError",
    "afterUndo",
    "afterUndoError",
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeInfo",
    "afterInfo",
    "afterInfoError",
    "beforeValidate",
    "afterValidate",
    "afterValidateError",
    "beforeBaseline",
    "afterBaseline",
    "afterBaselineError",
    "beforeRepair",
    "afterRepair",
    "afterRepairError",
    "createSchema",
    "beforeConnect",
    "afterConnect",
    "beforeEachConnect",
    "afterEachConnect",
];

/// Why Flyway does not run `file_name` as a migration, when it does not.
pub(crate) fn flyway_ignores(file_name: &str) -> Option<String> {
    let stem = strip_sql_suffix(file_name)?;
    let event = stem.split_once("__").map_or(stem, |(e, _)| e);
    if CALLBACKS.contains(&event) {
        return Some(format!(
            "a Flyway callback (runs at the `{event}` event, not as a migration); Cairn does not run callbacks"
        ));
    }
    if let Some(rest) = stem.strip_prefix('B')
        && rest.split_once("__").is_some_and(|(v, _)| !v.is_empty())
    {
        return Some(
            "a Flyway baseline migration (used only to start an empty database from it); Cairn applies the versioned migrations instead"
                .to_string(),
        );
    }
    parse(file_name).is_none().then(|| {
        "not a Flyway migration name (V<version>__<name>.sql, U..., R__...); Flyway skips it (validateMigrationNaming=false)".to_string()
    })
}

/// refinery's names (`refinery_core::util`, `STEM_RE`): `^([UV])(\d+(?:\.\d+)?)__(\w+)`
/// followed by `.sql`. Anything else is skipped by refinery (`None` here); a dotted version
/// matches the pattern but refinery refuses it (`Err`).
fn parse_refinery(file_name: &str) -> Option<Result<Parsed<'_>, String>> {
    let stem = file_name.strip_suffix(".sql")?;
    let prefix = stem.chars().next().filter(|c| matches!(c, 'U' | 'V'))?;
    let (version, name) = stem.get(1..)?.split_once("__")?;
    let (whole, fraction) = version.split_once('.').unwrap_or((version, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (version.contains('.') && !digits(fraction)) {
        return None;
    }
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let parsed = Parsed {
        prefix,
        version,
        name,
        stem,
    };
    if !fraction.is_empty() || whole.parse::<i64>().is_err() {
        return Some(Err(format!(
            "refinery refuses version `{version}` (InvalidVersion): versions are integers"
        )));
    }
    Some(Ok(parsed))
}

/// Why refinery does not run `file_name`, when it does not (`find_migration_files` skips names
/// that do not match its pattern, with a warning).
pub(crate) fn refinery_ignores(file_name: &str) -> Option<String> {
    (file_name.ends_with(".sql") && parse_refinery(file_name).is_none()).then(|| {
        "not a refinery migration name (^[UV]<integer>__<word characters>.sql); refinery skips it".to_string()
    })
}

/// Reads a Flyway folder (`refinery == false`) or a refinery one, sub-folders included (both
/// tools walk them; hidden folders are skipped).
pub(crate) fn scan(root: &Path, refinery: bool) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, true).map_err(|e| e.0)?;
    let mut problems = Vec::new();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut undo: Vec<(String, PathBuf)> = Vec::new();
    for path in &listing.files {
        let file_name = files::name(path);
        let parsed = if refinery {
            if file_name.ends_with(".rs")
                && parse_refinery(&file_name.replace(".rs", ".sql")).is_some()
            {
                problems.push(files::not_sql(path, "refinery Rust migrations"));
                continue;
            }
            match parse_refinery(file_name) {
                None => continue,
                Some(Err(message)) => {
                    problems.push(problem(ProblemKind::Format, path, 0, message, None));
                    continue;
                }
                Some(Ok(p)) => p,
            }
        } else {
            match parse(file_name) {
                Some(p) if flyway_ignores(file_name).is_none() => p,
                _ => continue,
            }
        };
        let p = parsed;
        if p.prefix == 'U' && !refinery {
            undo.push((p.version.to_string(), path.clone()));
            continue;
        }
        match entry(path, &p, refinery) {
            Ok(e) => {
                let key = if e.repeatable {
                    format!("R {}", e.name.replace('_', " "))
                } else {
                    e.id.clone()
                };
                if let Some(first) = entries.get(&key) {
                    let other = first.path().map(Path::to_path_buf).unwrap_or_default();
                    problems.push(problem(
                        ProblemKind::DuplicateId,
                        path,
                        0,
                        format!("same name as {}", other.display()),
                        None,
                    ));
                } else {
                    entries.insert(key, e);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    let mut entries: Vec<Entry> = entries.into_values().collect();
    for (version, path) in undo {
        let key = VersionKey::dotted(&version);
        let target = entries.iter_mut().find(|e| !e.repeatable && e.key == key);
        match (target, files::read(&path)) {
            (Some(e), Ok(text)) => {
                if let Some(v) = e.variants.first_mut() {
                    v.down = Some(Section::whole(&path, &text));
                }
            }
            (None, _) => problems.push(problem(
                ProblemKind::MissingSql,
                &path,
                0,
                format!("undo script for version `{version}`, but no V{version}__ migration"),
                None,
            )),
            (_, Err(e)) => problems.push(e),
        }
    }
    files::all_or_problems(entries, problems)
}

fn entry(path: &Path, p: &Parsed<'_>, refinery: bool) -> Result<Entry, Problem> {
    let text = files::read(path)?;
    let mut notes = Vec::new();
    let mut transaction = true;
    let conf = path.with_file_name(format!("{}.conf", files::name(path)));
    if !refinery && conf.is_file() {
        transaction = script_config(&conf, &mut notes)?;
    }
    if !refinery && text.contains("${") {
        notes.push(format!(
            "{}: Flyway would replace `${{...}}` placeholders; Cairn runs the SQL as written",
            path.display()
        ));
    }
    Ok(Entry {
        id: p.stem.to_string(),
        version: p.version.to_string(),
        key: VersionKey::dotted(p.version),
        name: p.name.to_string(),
        repeatable: p.prefix == 'R',
        variants: vec![Variant {
            dialect: None,
            up: Section::whole(path, &text),
            down: None,
            transaction,
        }],
        notes,
    })
}

/// `executeInTransaction` from a Flyway script configuration file; other keys are noted.
fn script_config(path: &Path, notes: &mut Vec<String>) -> Result<bool, Problem> {
    let text = files::read(path)?;
    let mut transaction = true;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("executeInTransaction", v)) => transaction = !v.eq_ignore_ascii_case("false"),
            Some((key, _)) => notes.push(format!(
                "{}: setting `{key}` has no Cairn equivalent and was not carried over",
                path.display()
            )),
            None => {
                return Err(problem(
                    ProblemKind::Syntax,
                    path,
                    u32::try_from(n + 1).unwrap_or(0),
                    "expected `key=value`".to_string(),
                    Some(&text),
                ));
            }
        }
    }
    Ok(transaction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_by_prefix() {
        let v = parse("V1_10__add_users.sql").unwrap();
        assert_eq!((v.prefix, v.version, v.name), ('V', "1_10", "add_users"));
        assert_eq!(parse("V2.0.3__x.sql").unwrap().version, "2.0.3");
        assert_eq!(parse("R__views.sql").unwrap().name, "views");
        assert_eq!(parse("U1__undo.sql").unwrap().prefix, 'U');
        assert!(parse("V__x.sql").is_none());
        assert!(parse("R1__x.sql").is_none());
        assert!(parse("V1_x.sql").is_none());
        assert!(parse("V1..2__x.sql").is_none());
        assert!(parse("beforeMigrate.sql").is_none());
    }
}
