//! `--layout auto`: which tool a folder was written for, from its file names and markers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::Layout;
use super::entry::problem;
use super::files;
use super::version::split_version;
use crate::error::{LoadErrors, ProblemKind};

/// What [`detect_explained`] found: the layout and the files that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// The layout.
    pub layout: Layout,
    /// Why, in a few words (`"3 folders <version>_<name>/up.sql"`), for the message `auto`
    /// prints.
    pub evidence: String,
}

/// The layout of the folder at `root`. An empty folder is Cairn's. Errors list what was seen
/// when no layout matches or when files of two layouts are mixed.
pub fn detect(root: &Path) -> Result<Layout, LoadErrors> {
    detect_explained(root).map(|d| d.layout)
}

/// Like [`detect`], with the evidence.
pub fn detect_explained(root: &Path) -> Result<Detection, LoadErrors> {
    let listing = files::list(root, true)?;
    let mut seen: BTreeMap<Layout, Vec<PathBuf>> = BTreeMap::new();
    let mut note = |layout: Layout, path: &Path| {
        seen.entry(layout).or_default().push(path.to_path_buf());
    };
    // diesel takes any folder holding an up.sql (its version is the name up to the first `_`).
    for dir in &listing.dirs {
        if !files::name(dir).starts_with('.') && dir.join("up.sql").is_file() {
            note(Layout::Diesel, dir);
        }
        if dir.join("migration.sql").is_file() {
            note(Layout::Prisma, dir);
        }
    }
    let mut unknown = Vec::new();
    for path in &listing.files {
        let top = path.parent() == Some(root);
        match classify(path, top) {
            Some(layout) => note(layout, path),
            None if top && !files::name(path).starts_with('.') => unknown.push(path.clone()),
            None => {}
        }
    }
    // Files in up/down pairs read the same way for golang-migrate, sqlx and pop: they only
    // count as golang-migrate when nothing points to one of the others.
    if (seen.contains_key(&Layout::Sqlx) || seen.contains_key(&Layout::Pop))
        && let Some(pairs) = seen.remove(&Layout::GolangMigrate)
    {
        let other = if seen.contains_key(&Layout::Sqlx) {
            Layout::Sqlx
        } else {
            Layout::Pop
        };
        seen.entry(other).or_default().extend(pairs);
    }
    // Plain `<version>_<name>.sql` files (sqlx's up-only form) are Atlas's beside `atlas.sum`,
    // and tern's beside files with tern's separator.
    for owner in [Layout::Atlas, Layout::Tern] {
        if seen.contains_key(&owner)
            && let Some(plain) = seen.remove(&Layout::Sqlx)
        {
            seen.entry(owner).or_default().extend(plain);
        }
    }
    // `V<integer>__` files alone read the same for Flyway and refinery and count as refinery;
    // Flyway's own names (`U`, `R__`, dotted versions) make them Flyway's, unless refinery's
    // Rust migrations are there too.
    let rust = listing
        .files
        .iter()
        .any(|p| files::name(p).ends_with(".rs"));
    if seen.contains_key(&Layout::Flyway) && seen.contains_key(&Layout::Refinery) {
        let (from, into) = if rust {
            (Layout::Flyway, Layout::Refinery)
        } else {
            (Layout::Refinery, Layout::Flyway)
        };
        if let Some(v) = seen.remove(&from) {
            seen.entry(into).or_default().extend(v);
        }
    }
    match seen.len() {
        0 if unknown.is_empty() => Ok(Detection {
            layout: Layout::Cairn,
            evidence: "no migration files yet".to_string(),
        }),
        0 => Err(error(
            root,
            format!(
                "cannot tell which tool this folder is for: none of its files ({}) matches a known layout; pass --layout",
                sample(&unknown)
            ),
        )),
        1 => {
            let (layout, paths) = seen
                .into_iter()
                .next()
                .unwrap_or((Layout::Cairn, Vec::new()));
            Ok(Detection {
                layout,
                evidence: evidence(layout, &paths),
            })
        }
        _ => {
            let kinds: Vec<String> = seen
                .iter()
                .map(|(l, paths)| format!("{l} ({})", sample(paths)))
                .collect();
            Err(error(
                root,
                format!(
                    "files of more than one layout: {}; pass --layout, or move them apart",
                    kinds.join("; ")
                ),
            ))
        }
    }
}

/// The layout one file points to, if any.
fn classify(path: &Path, top: bool) -> Option<Layout> {
    let name = files::name(path);
    if name.ends_with(".json") {
        let text = files::read(path).unwrap_or_else(|_| Arc::from(""));
        if super::json_docs::is_doc(&text) {
            return Some(Layout::JsonDocs);
        }
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") {
        return Some(Layout::Cairn);
    }
    match (top, name) {
        (true, super::prisma::LOCK_FILE) => return Some(Layout::Prisma),
        (true, "atlas.sum") => return Some(Layout::Atlas),
        _ => {}
    }
    if name.ends_with(".rs") && name.starts_with('V') && name.contains("__") {
        return Some(Layout::Refinery);
    }
    if name == super::sqitch::PLAN && top {
        return Some(Layout::Sqitch);
    }
    if name.ends_with(".fizz") {
        return Some(Layout::Pop);
    }
    let stem = name.strip_suffix(".sql")?;
    // Liquibase reads changelogs in sub-folders too (`includeAll`), whatever their names.
    let text = files::read(path).unwrap_or_else(|_| Arc::from(""));
    if super::liquibase_parse::is_formatted(&text) {
        return Some(Layout::Liquibase);
    }
    if let Some((prefix, version)) = stem
        .split_once("__")
        .and_then(|(head, _)| Some((head.get(..1)?, head.get(1..)?)))
    {
        let integer = !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit());
        let dotted = !version.is_empty()
            && version
                .split(['.', '_'])
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        match (prefix, integer, dotted) {
            ("V", true, _) => return Some(Layout::Refinery),
            ("V" | "U", _, true) => return Some(Layout::Flyway),
            ("R", _, _) if version.is_empty() => return Some(Layout::Flyway),
            _ => {}
        }
    }
    // Other tools keep their files at the top of the folder (diesel's are in its folders).
    if !top {
        return None;
    }
    let pair = stem
        .strip_suffix(".up")
        .or_else(|| stem.strip_suffix(".down"));
    // `<v>_<name>.up.sql` / `.down.sql` names decide by themselves (pop, sqlx, golang-migrate):
    // a pop file ported from sql-migrate may still hold `-- +migrate Up`.
    if let Some(layout) = pair.and_then(|base| by_pair_name(base, &text)) {
        return Some(layout);
    }
    let has_line = |pred: &dyn Fn(&str) -> bool| text.lines().any(|l| pred(l.trim()));
    // goose's own test for an annotation (`--+goose Up` is one too).
    if has_line(&|l| l.starts_with("--") && l.contains("+goose")) {
        return Some(Layout::Goose);
    }
    // sql-migrate matches its annotation at the very start of a line, unlike goose's.
    if text.lines().any(|l| l.starts_with("-- +migrate ")) {
        return Some(Layout::SqlMigrate);
    }
    if has_line(&|l| {
        l.strip_prefix("--")
            .is_some_and(|r| r.trim_start().starts_with("migrate:up"))
    }) {
        return Some(Layout::Dbmate);
    }
    if text.contains(super::tern::SEPARATOR) || text.lines().any(|l| l == super::tern::DISABLE_TX) {
        return Some(Layout::Tern);
    }
    match pair {
        Some(_) => None,
        None => split_version(stem).map(|_| Layout::Sqlx),
    }
}

/// The layout of an up/down file by its name: pop when it names a pop dialect or
/// `.autocommit`, else sqlx (`-- no-transaction`) or golang-migrate.
fn by_pair_name(base: &str, text: &str) -> Option<Layout> {
    let (base, autocommit) = match base.strip_suffix(".autocommit") {
        Some(b) => (b, true),
        None => (base, false),
    };
    let (version_name, dialect) = match base.split_once('.') {
        Some((v, d)) => (v, Some(d)),
        None => (base, None),
    };
    split_version(version_name)?;
    // Only a dialect pop knows makes a pop file: golang-migrate names may hold dots
    // (`0002_1.7.0_schema.up.sql`).
    let pop_dialect = dialect.is_some_and(|d| {
        matches!(
            d,
            "postgres"
                | "postgresql"
                | "pg"
                | "pgx"
                | "mysql"
                | "mariadb"
                | "sqlite"
                | "sqlite3"
                | "cockroach"
                | "cockroachdb"
                | "crdb"
                | "mssql"
                | "sqlserver"
        )
    });
    if autocommit || pop_dialect {
        Some(Layout::Pop)
    } else if text.starts_with("-- no-transaction") {
        Some(Layout::Sqlx)
    } else {
        Some(Layout::GolangMigrate)
    }
}

fn evidence(layout: Layout, paths: &[PathBuf]) -> String {
    let n = paths.len();
    let what = match layout {
        Layout::Cairn => "YAML/JSON migration files",
        Layout::Diesel => "folders <version>_<name>/up.sql",
        Layout::Sqlx => "files <version>_<name>.sql / .up.sql / .down.sql",
        Layout::Flyway => "files V<version>__<name>.sql",
        Layout::Refinery => {
            "files V<integer>__<name>.sql (Flyway reads the same names: --layout flyway)"
        }
        Layout::GolangMigrate => {
            "files <version>_<name>.up.sql / .down.sql (sqlx and pop read the same names)"
        }
        Layout::Goose => "files with `-- +goose` annotations",
        Layout::Dbmate => "files with `-- migrate:up` markers",
        Layout::Pop => "files <version>_<name>[.<dialect>][.autocommit].(up|down).sql",
        Layout::Prisma => "folders <timestamp>_<name>/migration.sql / migration_lock.toml",
        Layout::Atlas => "files <version>_<name>.sql with atlas.sum",
        Layout::Tern => "files <n>_<name>.sql with `---- create above / drop below ----`",
        Layout::JsonDocs => "JSON documents with `sql` and `rollback_sql`",
        Layout::SqlMigrate => "files with `-- +migrate Up` annotations",
        Layout::Liquibase => "files starting with `--liquibase formatted sql`",
        Layout::Sqitch => "files sqitch.plan (a Sqitch project)",
    };
    let what = if n == 1 {
        what.replacen("files", "file", 1)
            .replacen("folders", "folder", 1)
            .replacen("migrations", "migration", 1)
    } else {
        what.to_string()
    };
    format!("{n} {what}, e.g. {}", sample(&paths[..n.min(1)]))
}

/// Up to three file names, for messages.
fn sample(paths: &[PathBuf]) -> String {
    let mut names: Vec<&str> = paths.iter().take(3).map(|p| files::name(p)).collect();
    if paths.len() > 3 {
        names.push("...");
    }
    names.join(", ")
}

fn error(root: &Path, message: String) -> LoadErrors {
    LoadErrors(vec![problem(ProblemKind::Format, root, 0, message, None)])
}
