//! Where the list of targets comes from: a `targets.toml` file, a query on a control
//! database, or the schemas (PostgreSQL) or databases (MySQL) whose names match a pattern.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use cairn_core::{Dialect, Driver};
use serde::Deserialize;

use crate::error::FleetError;
use crate::target::{Target, expand};

/// `targets.toml`: a URL template shared by the targets, and the targets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    /// `{name}` and `{tag}` placeholders; a target's own `url` wins.
    url: Option<String>,
    #[serde(default, rename = "target")]
    targets: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    url: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Reads a targets file:
///
/// ```toml
/// url = "postgres://app@db.internal/tenant_{name}"   # template: {name}, {any tag}
///
/// [[target]]
/// name = "acme"
/// tags = { region = "eu", plan = "pro" }
///
/// [[target]]
/// name = "globex"
/// url = "postgres://app@db2.internal/globex"         # its own URL
/// ```
pub fn from_file(path: &Path) -> Result<Vec<Target>, FleetError> {
    let text = std::fs::read_to_string(path).map_err(|source| FleetError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// [`from_file`] on text already read; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Target>, FleetError> {
    let file: File = toml::from_str(text).map_err(|e| FleetError::Parse {
        path: path.to_path_buf(),
        line: error_line(text, e.span().map_or(0, |s| s.start), e.message()),
        message: e.message().to_string(),
    })?;
    let origin = path.display().to_string();
    let targets = file
        .targets
        .into_iter()
        .map(|entry| {
            let url = match (entry.url, &file.url) {
                (Some(own), _) => own,
                (None, Some(template)) => expand(template, &entry.name, &entry.tags)
                    .map_err(|message| target_error(&origin, &entry.name, message))?,
                (None, None) => {
                    return Err(target_error(
                        &origin,
                        &entry.name,
                        "no `url`, and the file has no URL template (`url = \"...{name}...\"` at the top)",
                    ));
                }
            };
            Ok(Target {
                name: entry.name,
                url,
                tags: entry.tags,
                init_sql: String::new(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    unique(targets, &origin)
}

/// Runs `sql` on the control database `db`. Each row is a target: its name, then its URL (or
/// NULL, or no second column, when `url_template` builds it), then optionally its tags as
/// `key=value` pairs separated by commas.
pub fn from_query(
    db: &mut dyn Driver,
    sql: &str,
    url_template: Option<&str>,
) -> Result<Vec<Target>, FleetError> {
    let origin = format!("query `{}`", sql.trim());
    let rows = db.query(sql).map_err(|e| FleetError::List {
        origin: origin.clone(),
        source: Box::new(e.into()),
    })?;
    let targets = rows
        .into_iter()
        .filter_map(|row| {
            let mut cells = row.into_iter();
            let name = cells.next().flatten()?;
            Some((name, cells.next().flatten(), cells.next().flatten()))
        })
        .map(|(name, url, tags)| {
            let tags = tags.as_deref().map(parse_tags).unwrap_or_default();
            let url = match (url, url_template) {
                (Some(url), _) => url,
                (None, Some(t)) => {
                    expand(t, &name, &tags).map_err(|m| target_error(&origin, &name, m))?
                }
                (None, None) => {
                    return Err(target_error(
                        &origin,
                        &name,
                        "the query gave no URL (second column) and there is no URL template",
                    ));
                }
            };
            Ok(Target {
                name,
                url,
                tags,
                init_sql: String::new(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    unique(targets, &origin)
}

/// The schemas (PostgreSQL) or databases (MySQL/MariaDB) on `db` whose names match the SQL
/// `LIKE` pattern (`tenant_%`), as targets: a PostgreSQL schema is reached at `url` with
/// `search_path` set to it (its history table and lock are its own), a MySQL database at
/// `url` naming it.
pub fn matching(db: &mut dyn Driver, url: &str, pattern: &str) -> Result<Vec<Target>, FleetError> {
    let origin = format!("schemas matching `{pattern}`");
    let literal = pattern.replace('\'', "''");
    let sql = match db.dialect() {
        Dialect::Postgres => format!(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE '{literal}' ORDER BY 1"
        ),
        Dialect::Mysql => format!(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{literal}' ORDER BY 1"
        ),
        Dialect::Sqlite => {
            return Err(FleetError::Options(
                "SQLite has no schemas: list the database files in a targets file (url = \"sqlite:tenants/{name}.db\")".into(),
            ));
        }
    };
    let rows = db.query(&sql).map_err(|e| FleetError::List {
        origin: origin.clone(),
        source: Box::new(e.into()),
    })?;
    rows.into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .map(|name| {
            let (url, init_sql) = match db.dialect() {
                Dialect::Postgres => (
                    url.to_string(),
                    format!("SET search_path TO \"{}\"", name.replace('"', "\"\"")),
                ),
                _ => {
                    let url = cairn_core::with_database(url, &name).ok_or_else(|| {
                        target_error(&origin, &name, "the URL has no scheme://host/database form")
                    })?;
                    (url, String::new())
                }
            };
            Ok(Target {
                name,
                url,
                tags: BTreeMap::new(),
                init_sql,
            })
        })
        .collect()
}

/// The 1-based line of a TOML error at byte `start`. An unknown field is reported at its
/// table; the line that sets the field is more use.
fn error_line(text: &str, start: usize, message: &str) -> usize {
    let start = start.min(text.len());
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let field = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    if let Some(field) = field {
        let mut at = start;
        for line in text[start..].split_inclusive('\n') {
            let key = line.trim_start();
            if key
                .strip_prefix(field)
                .is_some_and(|r| r.trim_start().starts_with('='))
            {
                return line_of(at);
            }
            at += line.len();
        }
    }
    line_of(start)
}

fn parse_tags(text: &str) -> BTreeMap<String, String> {
    text.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

fn unique(targets: Vec<Target>, origin: &str) -> Result<Vec<Target>, FleetError> {
    let mut seen = HashSet::new();
    for t in &targets {
        if !seen.insert(t.name.as_str()) {
            return Err(target_error(origin, &t.name, "listed twice"));
        }
    }
    Ok(targets)
}

fn target_error(origin: &str, name: &str, message: impl Into<String>) -> FleetError {
    FleetError::Target {
        origin: origin.to_string(),
        target: name.to_string(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parsed(text: &str) -> Result<Vec<Target>, FleetError> {
        parse(text, Path::new("targets.toml"))
    }

    #[test]
    fn a_file_lists_targets_with_a_template_or_their_own_url() {
        let targets = parsed(
            "url = \"sqlite:tenants/{name}.db\"\n\n[[target]]\nname = \"acme\"\ntags = { region = \"eu\" }\n\n[[target]]\nname = \"globex\"\nurl = \"sqlite:other.db\"\n",
        )
        .unwrap();
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0].url, "sqlite:tenants/acme.db");
        assert_eq!(targets[0].tags["region"], "eu");
        assert_eq!(targets[1].url, "sqlite:other.db");
    }

    #[test]
    fn file_errors_name_the_line_and_the_target() {
        let err =
            parsed("[[target]]\nname = \"a\"\nurl = \"sqlite:a.db\"\nport = 5\n").unwrap_err();
        assert!(matches!(err, FleetError::Parse { line: 4, .. }), "{err}");
        assert!(err.to_string().starts_with("targets.toml:4: "), "{err}");
        let err = parsed("[[target]]\nname = \"a\"\n").unwrap_err();
        assert!(err.to_string().contains("target `a`: no `url`"), "{err}");
        let err =
            parsed("url = \"sqlite:{name}\"\n[[target]]\nname = \"a\"\n[[target]]\nname = \"a\"\n")
                .unwrap_err();
        assert!(
            err.to_string().contains("target `a`: listed twice"),
            "{err}"
        );
    }

    #[test]
    fn query_tags_are_comma_separated_pairs() {
        let tags = parse_tags("region=eu, plan = pro,broken");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags["plan"], "pro");
    }
}
