//! JSON migration documents of a Python database-management module: one `.json` file per
//! migration, `{"id", "name", "description", "sql", "rollback_sql", "dependencies",
//! "created_at", "applied_at", "status", "checksum"}`, where `checksum` is the SHA-256 hex of
//! `sql`. `dependencies` (ids) form a graph, not a chain: the migrations keep them as their
//! `depends_on`. Among migrations whose dependencies are met the smallest id goes first, which
//! is the order Cairn's own graph gives.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::Layout;
use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::version::VersionKey;
use crate::Dialect;
use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::model::Migration;
use crate::source::locate::{find_json_string, line_col};

/// One document, read.
struct Doc {
    path: PathBuf,
    text: Arc<str>,
    id: String,
    name: String,
    description: String,
    sql: String,
    rollback_sql: Option<String>,
    dependencies: Vec<String>,
}

/// Whether a JSON text is one of these documents (an object with `sql` and `rollback_sql`),
/// for `--layout auto`.
pub(crate) fn is_doc(text: &str) -> bool {
    serde_json::from_str::<Map<String, Value>>(text)
        .is_ok_and(|m| m.contains_key("sql") && m.contains_key("rollback_sql"))
}

/// Reads the folder's documents as entries in dependency order (for `migrate import`, which
/// chains them; [`migrations`] keeps the graph).
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let docs = read_all(root)?;
    Ok(ordered(&docs)?
        .into_iter()
        .map(|(doc, key)| entry(doc, key))
        .collect())
}

/// The folder's migrations for `dialect`, each depending on its document's `dependencies`.
pub(crate) fn migrations(root: &Path, dialect: Dialect) -> Result<Vec<Migration>, LoadErrors> {
    let docs = read_all(root).map_err(sorted)?;
    let order = ordered(&docs).map_err(sorted)?;
    let entries: Vec<Entry> = order.iter().map(|(doc, key)| entry(doc, *key)).collect();
    let mut out = super::entry::migrations(entries, Layout::JsonDocs, dialect).map_err(|e| {
        // The SQL sits in a JSON string: a splitting error is on the line of its key.
        LoadErrors(
            e.0.into_iter()
                .map(|mut p| {
                    if let Some(doc) = docs.iter().find(|d| d.path == p.file) {
                        p.line = key_line(&doc.text, "sql").unwrap_or(p.line);
                    }
                    p
                })
                .collect(),
        )
    })?;
    for (m, (doc, _)) in out.iter_mut().zip(&order) {
        m.depends_on.clone_from(&doc.dependencies);
        if !doc.description.is_empty() {
            m.description.clone_from(&doc.description);
        }
        // JSON strings hold their SQL on the key's line, whatever newlines they escape.
        m.up.lines_match = false;
        if let Some(down) = &mut m.down {
            down.lines_match = false;
        }
    }
    Ok(out)
}

fn sorted(mut problems: Vec<Problem>) -> LoadErrors {
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    LoadErrors(problems)
}

fn entry(doc: &Doc, key: usize) -> Entry {
    let section = |sql: &str, field: &str| Section {
        path: doc.path.clone(),
        source: Arc::clone(&doc.text),
        sql: sql.to_string(),
        first_line: key_line(&doc.text, field).unwrap_or(1),
        blocks: Vec::new(),
        unread: false,
    };
    let mut notes = Vec::new();
    if !doc.dependencies.is_empty() {
        notes.push(format!(
            "{}: `dependencies` ({}) become a chain in dependency order; `--layout json-docs` keeps them as a graph",
            doc.path.display(),
            doc.dependencies.join(", ")
        ));
    }
    Entry {
        id: doc.id.clone(),
        version: doc.id.clone(),
        key: VersionKey::number(&key.to_string()),
        name: doc.name.clone(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            up: section(&doc.sql, "sql"),
            down: doc
                .rollback_sql
                .as_deref()
                .map(|sql| section(sql, "rollback_sql")),
            transaction: true,
        }],
        notes,
    }
}

/// Every `.json` document of the folder, each checked on its own.
fn read_all(root: &Path) -> Result<Vec<Doc>, Vec<Problem>> {
    let listing = files::list(root, false).map_err(|e| e.0)?;
    let mut docs = Vec::new();
    let mut problems = Vec::new();
    for path in listing
        .files
        .iter()
        .filter(|p| files::name(p).ends_with(".json"))
    {
        match files::read(path).and_then(|text| parse(path, text)) {
            Ok(doc) => docs.push(doc),
            Err(p) => problems.push(p),
        }
    }
    let mut by_id: BTreeMap<&str, &Path> = BTreeMap::new();
    for doc in &docs {
        if let Some(first) = by_id.insert(&doc.id, &doc.path) {
            problems.push(problem(
                ProblemKind::DuplicateId,
                &doc.path,
                key_line(&doc.text, "id").unwrap_or(0),
                format!("id `{}` is used twice: also by {}", doc.id, first.display()),
                Some(&doc.text),
            ));
        }
    }
    files::all_or_problems(docs, problems)
}

/// One document: its fields, and its `checksum` against its `sql`.
fn parse(path: &Path, text: Arc<str>) -> Result<Doc, Problem> {
    let fail =
        |line: u32, message: String| problem(ProblemKind::Format, path, line, message, Some(&text));
    let doc: Map<String, Value> = serde_json::from_str(&text).map_err(|e| {
        problem(
            ProblemKind::Syntax,
            path,
            u32::try_from(e.line()).unwrap_or(0),
            format!("not a JSON migration document: {e}"),
            Some(&text),
        )
    })?;
    let line = |key: &str| key_line(&text, key).unwrap_or(0);
    let id = match doc.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(fail(
                line("id"),
                "`id` must be a non-empty string or a number".into(),
            ));
        }
    };
    let text_field = |key: &str| -> Result<Option<String>, Problem> {
        match doc.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(fail(line(key), format!("`{key}` must be a string or null"))),
        }
    };
    let Some(sql) = text_field("sql")? else {
        return Err(fail(
            line("sql"),
            "`sql` is missing: the document has no SQL to apply".into(),
        ));
    };
    let rollback_sql = text_field("rollback_sql")?.filter(|s| !s.trim().is_empty());
    let dependencies = match doc.get("dependencies") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(fail(
                    line("dependencies"),
                    "`dependencies` must list ids (strings or numbers)".into(),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(fail(
                line("dependencies"),
                "`dependencies` must be a list of ids".into(),
            ));
        }
    };
    if let Some(stored) = text_field("checksum")? {
        let computed = sha256_hex(&sql);
        if !stored.trim().eq_ignore_ascii_case(&computed) {
            return Err(problem(
                ProblemKind::Format,
                path,
                line("checksum"),
                format!(
                    "`checksum` {stored} is not the SHA-256 of `sql` ({computed}): the SQL was changed after the document was written; restore it, or store its new checksum"
                ),
                Some(&text),
            ));
        }
    }
    Ok(Doc {
        path: path.to_path_buf(),
        name: text_field("name")?.unwrap_or_else(|| id.clone()),
        description: text_field("description")?.unwrap_or_default(),
        id,
        sql,
        rollback_sql,
        dependencies,
        text,
    })
}

/// Lower-case hex SHA-256 of the text's UTF-8 bytes, as Python's
/// `hashlib.sha256(sql.encode()).hexdigest()`.
pub(crate) fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The documents in dependency order, smallest id first among those whose dependencies are
/// met, each with its position; unknown dependencies and cycles are problems naming the file
/// and the line of the dependency.
fn ordered(docs: &[Doc]) -> Result<Vec<(&Doc, usize)>, Vec<Problem>> {
    let index: BTreeMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    for doc in docs {
        for dep in doc
            .dependencies
            .iter()
            .filter(|d| !index.contains_key(d.as_str()))
        {
            problems.push(problem(
                ProblemKind::UnknownDependency,
                &doc.path,
                dependency_line(&doc.text, dep),
                format!("depends on `{dep}`, which no document of this folder has as its id"),
                Some(&doc.text),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut missing: Vec<usize> = docs.iter().map(|d| d.dependencies.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); docs.len()];
    for (i, doc) in docs.iter().enumerate() {
        for dep in &doc.dependencies {
            if let Some(&j) = index.get(dep.as_str()) {
                dependents[j].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(&str, usize)>> = docs
        .iter()
        .enumerate()
        .filter(|(i, _)| missing[*i] == 0)
        .map(|(i, d)| Reverse((d.id.as_str(), i)))
        .collect();
    let mut out = Vec::with_capacity(docs.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        out.push((&docs[i], out.len()));
        for &j in &dependents[i] {
            missing[j] -= 1;
            if missing[j] == 0 {
                ready.push(Reverse((docs[j].id.as_str(), j)));
            }
        }
    }
    if out.len() == docs.len() {
        return Ok(out);
    }
    let placed: BTreeSet<&str> = out.iter().map(|(d, _)| d.id.as_str()).collect();
    Err(cycle_problems(docs, &index, &placed))
}

/// One problem per document on a dependency cycle, at its dependency on the next one.
fn cycle_problems(
    docs: &[Doc],
    index: &BTreeMap<&str, usize>,
    placed: &BTreeSet<&str>,
) -> Vec<Problem> {
    // Every unplaced document waits on another unplaced one; walking those edges from any of
    // them must come back to a document already seen: that loop is a cycle.
    let next = |i: usize| {
        docs[i]
            .dependencies
            .iter()
            .filter(|d| !placed.contains(d.as_str()))
            .find_map(|d| index.get(d.as_str()).copied())
    };
    let Some(start) = docs.iter().position(|d| !placed.contains(d.id.as_str())) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut at = start;
    let cycle = loop {
        let Some(n) = next(at) else { break Vec::new() };
        if let Some(pos) = path.iter().position(|&p| p == n) {
            break path.split_off(pos);
        }
        path.push(n);
        at = n;
    };
    let ring: Vec<&str> = cycle
        .iter()
        .chain(cycle.first())
        .map(|&i| docs[i].id.as_str())
        .collect();
    let ring = ring.join(" -> ");
    cycle
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let dep = &docs[cycle[(k + 1) % cycle.len()]].id;
            problem(
                ProblemKind::Cycle,
                &docs[i].path,
                dependency_line(&docs[i].text, dep),
                format!("dependency cycle: {ring}"),
                Some(&docs[i].text),
            )
        })
        .collect()
}

/// The line of `"key":` in a JSON text (a string equal to the key but not followed by `:` is a
/// value, and skipped).
fn key_line(text: &str, key: &str) -> Option<u32> {
    let mut from = 0;
    while let Some(at) = find_json_string(text, key, from) {
        let after = at + key.len() + 2;
        if text[after..].trim_start().starts_with(':') {
            return Some(line_col(text, at).0);
        }
        from = after;
    }
    None
}

/// The line of `dep` in the document's `dependencies` list, else of the key.
fn dependency_line(text: &str, dep: &str) -> u32 {
    let Some(key) = key_line(text, "dependencies") else {
        return 0;
    };
    let start = text
        .split_inclusive('\n')
        .take(usize::try_from(key - 1).unwrap_or(0))
        .map(str::len)
        .sum();
    let list_end = text[start..].find(']').map_or(text.len(), |i| start + i);
    let found = find_json_string(text, dep, start)
        .filter(|&at| at < list_end)
        .or_else(|| {
            // A numeric id is written without quotes.
            text[start..list_end]
                .match_indices(dep)
                .map(|(i, _)| start + i)
                .find(|&at| {
                    let before = text[..at].chars().next_back();
                    let after = text[at + dep.len()..].chars().next();
                    !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '"')
                        && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '"')
                })
        });
    found.map_or(key, |at| line_col(text, at).0)
}

#[cfg(test)]
#[path = "json_docs_tests.rs"]
mod tests;
