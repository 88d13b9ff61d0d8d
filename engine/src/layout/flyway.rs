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

const EXPECTED: &str = "V<version>__<name>.sql, U<version>__<name>.sql or R__<name>.sql";

/// One file name, taken apart.
struct Parsed<'a> {
    prefix: char,
    version: &'a str,
    name: &'a str,
    stem: &'a str,
}

fn parse(file_name: &str) -> Option<Parsed<'_>> {
    let stem = file_name.strip_suffix(".sql")?;
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

/// Reads a Flyway folder (`refinery == false`) or a refinery one, sub-folders included.
pub(crate) fn scan(root: &Path, refinery: bool) -> Result<Vec<Entry>, Vec<Problem>> {
    let listing = files::list(root, !refinery).map_err(|e| e.0)?;
    let mut problems = Vec::new();
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    let mut undo: Vec<(String, PathBuf)> = Vec::new();
    for path in &listing.files {
        let file_name = files::name(path);
        if refinery && file_name.ends_with(".rs") {
            problems.push(files::not_sql(path, "refinery Rust migrations"));
            continue;
        }
        if !files::is_sql(path) {
            continue;
        }
        let Some(p) = parse(file_name) else {
            problems.push(files::unrecognised(path, EXPECTED));
            continue;
        };
        if p.prefix == 'R' && refinery {
            problems.push(files::unrecognised(
                path,
                "V<version>__<name>.sql (refinery)",
            ));
            continue;
        }
        if p.prefix == 'U' && !refinery {
            undo.push((p.version.to_string(), path.clone()));
            continue;
        }
        match entry(path, &p, refinery) {
            Ok(e) => {
                let key = if e.repeatable {
                    format!("R {}", e.name)
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
