//! Loading migration files: a directory tree of `.yaml`/`.yml`/`.json` files, one migration
//! each. Loading never touches a database and reports every problem it finds in one run.

pub(crate) mod locate;
mod raw;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_saphyr::Spanned;

use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::graph::{Graph, GraphProblem};
use crate::model::{Migration, Script};
use crate::split::split;
use crate::{Checksum, Dialect};
use raw::{RawMigration, RawSql};

/// One migration file's text and where it came from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in messages.
    pub path: PathBuf,
    /// The id used when the file sets none (path relative to its root, without extension).
    pub default_id: String,
    /// The file's content.
    pub text: String,
}

/// A loaded, checked set of migrations for one dialect, with its dependency graph.
#[derive(Debug, Clone)]
pub struct MigrationSet {
    dialect: Dialect,
    migrations: Vec<Migration>,
    index: HashMap<String, usize>,
    graph: Graph,
}

impl MigrationSet {
    /// The dialect the SQL was resolved for.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The migration with `id`.
    pub fn get(&self, id: &str) -> Option<&Migration> {
        self.index.get(id).map(|&i| &self.migrations[i])
    }

    /// Migrations in apply order (topological, ties by id).
    pub fn iter(&self) -> impl Iterator<Item = &Migration> + '_ {
        self.migrations.iter()
    }

    /// The dependency graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Number of migrations.
    pub fn len(&self) -> usize {
        self.migrations.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty()
    }
}

/// Reads every migration file under `root` (recursively, in path order) and loads them for
/// `dialect`.
pub fn load_dir(root: &Path, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
    let files = read_dir(root)?;
    load_files(files, dialect)
}

/// Reads the migration files under `root` without parsing them.
pub fn read_dir(root: &Path) -> Result<Vec<SourceFile>, LoadErrors> {
    let mut paths = Vec::new();
    walk(root, &mut paths).map_err(|e| {
        LoadErrors(vec![problem(
            ProblemKind::Io,
            root,
            0,
            0,
            format!("cannot read migrations directory: {e}"),
            None,
        )])
    })?;
    paths.sort();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let default_id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile {
                path,
                default_id,
                text,
            }),
            Err(e) => problems.push(problem(
                ProblemKind::Io,
                &path,
                0,
                0,
                format!("cannot read file: {e}"),
                None,
            )),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(LoadErrors(problems))
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads migrations from already-read files: parses each, resolves its SQL for `dialect`,
/// and checks ids, dependencies and cycles across all of them.
pub fn load_files(files: Vec<SourceFile>, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        match parse(file) {
            Ok(raw) => parsed.push((file, raw)),
            Err(p) => problems.push(p),
        }
    }

    let mut migrations = Vec::new();
    let mut declared: HashMap<String, (&SourceFile, u32, u32)> = HashMap::new();
    let mut positions: HashMap<String, (&SourceFile, &RawMigration)> = HashMap::new();
    for (file, raw) in &parsed {
        let id = raw
            .id
            .as_ref()
            .map_or_else(|| file.default_id.clone(), |s| s.value.clone());
        let (line, col) = raw
            .id
            .as_ref()
            .map_or((1, 1), |s| position(file, s, &["id"], 0));
        if let Some((first, l, c)) = declared.get(&id) {
            let msg = format!(
                "duplicate migration id `{id}`: also declared in {}:{l}:{c}",
                first.path.display()
            );
            problems.push(problem(
                ProblemKind::DuplicateId,
                &file.path,
                line,
                col,
                msg,
                Some(file),
            ));
            continue;
        }
        declared.insert(id.clone(), (file, line, col));
        positions.insert(id.clone(), (file, raw));
        match resolve(file, raw, id, dialect) {
            Ok(m) => migrations.push(m),
            Err(mut ps) => problems.append(&mut ps),
        }
    }

    let nodes = parsed.iter().map(|(file, raw)| {
        let id = raw
            .id
            .as_ref()
            .map_or_else(|| file.default_id.clone(), |s| s.value.clone());
        (
            id,
            raw.depends_on
                .iter()
                .map(|d| d.value.clone())
                .collect::<Vec<_>>(),
        )
    });
    let mut seen = std::collections::HashSet::new();
    let nodes: Vec<_> = nodes.filter(|(id, _)| seen.insert(id.clone())).collect();
    let graph = match Graph::build(nodes) {
        Ok(g) => Some(g),
        Err(gps) => {
            for gp in gps {
                problems.push(graph_problem(&gp, &positions));
            }
            None
        }
    };

    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    match graph {
        Some(graph) if problems.is_empty() => {
            let mut by_id: HashMap<String, Migration> =
                migrations.into_iter().map(|m| (m.id.clone(), m)).collect();
            let migrations: Vec<Migration> =
                graph.order().filter_map(|id| by_id.remove(id)).collect();
            let index = migrations
                .iter()
                .enumerate()
                .map(|(i, m)| (m.id.clone(), i))
                .collect();
            Ok(MigrationSet {
                dialect,
                migrations,
                index,
                graph,
            })
        }
        _ => Err(LoadErrors(problems)),
    }
}

fn parse(file: &SourceFile) -> Result<RawMigration, Problem> {
    let is_json = file.path.extension().and_then(|e| e.to_str()) == Some("json");
    if is_json {
        return serde_json::from_str::<RawMigration>(&file.text).map_err(|e| {
            let kind = if e.is_syntax() || e.is_eof() {
                ProblemKind::Syntax
            } else {
                ProblemKind::Format
            };
            let msg = strip_position(&e.to_string());
            let line = u32::try_from(e.line()).unwrap_or(0);
            let column = u32::try_from(e.column()).unwrap_or(0);
            problem(kind, &file.path, line, column, msg, Some(file))
        });
    }
    serde_saphyr::from_str::<RawMigration>(&file.text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| {
            (
                u32::try_from(l.line()).unwrap_or(0),
                u32::try_from(l.column()).unwrap_or(0),
            )
        });
        let text = e.to_string();
        let kind = if is_format_message(&text) {
            ProblemKind::Format
        } else {
            ProblemKind::Syntax
        };
        problem(
            kind,
            &file.path,
            line,
            column,
            strip_position(&text),
            Some(file),
        )
    })
}

fn is_format_message(msg: &str) -> bool {
    [
        "unknown field",
        "missing field",
        "invalid type",
        "duplicate",
        "invalid value",
    ]
    .iter()
    .any(|k| msg.contains(k))
}

/// Drops a parser's own position ("error: line 2 column 1: ..." from serde-saphyr, "... at line
/// 2 column 1" from serde_json): the problem carries its position.
fn strip_position(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((pos, rest))
            if pos
                .split(' ')
                .all(|w| w == "column" || w.chars().all(|c| c.is_ascii_digit())) =>
        {
            rest
        }
        _ => first,
    };
    let cut = first.find(" at line ").unwrap_or(first.len());
    first[..cut].trim_end_matches(['.', ':', ' ']).to_string()
}

fn resolve(
    file: &SourceFile,
    raw: &RawMigration,
    id: String,
    dialect: Dialect,
) -> Result<Migration, Vec<Problem>> {
    let mut problems = Vec::new();
    let up = match (&raw.up, &raw.changes) {
        (Some(_), Some(c)) => {
            let (line, col) = position(file, c, &["changes"], 0);
            problems.push(problem(
                ProblemKind::Format,
                &file.path,
                line,
                col,
                format!("migration `{id}` has both `up` and `changes`: give one of them"),
                Some(file),
            ));
            None
        }
        (None, None) => {
            problems.push(problem(
                ProblemKind::Format,
                &file.path,
                1,
                1,
                format!("migration `{id}` has neither `up` nor `changes`"),
                Some(file),
            ));
            None
        }
        (None, Some(changes)) => changes_script(file, changes, &changes.value, dialect)
            .map_err(|p| problems.push(p))
            .ok(),
        (Some(up), None) => match script(file, up, "up", dialect) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                let (line, col) = position(file, up, &["up"], 0);
                let msg = format!(
                    "migration `{id}` has no `up` SQL for {dialect} (it has: {}); add a `{dialect}:` or `default:` entry",
                    up.value.keys().join(", ")
                );
                problems.push(problem(
                    ProblemKind::MissingSql,
                    &file.path,
                    line,
                    col,
                    msg,
                    Some(file),
                ));
                None
            }
            Err(p) => {
                problems.push(p);
                None
            }
        },
    };
    let down = match (&raw.down, &raw.changes) {
        (Some(d), _) => script(file, d, "down", dialect).unwrap_or_else(|p| {
            problems.push(p);
            None
        }),
        (None, Some(changes)) => match crate::changes::reverse(&changes.value, dialect) {
            Ok(back) => changes_script(file, changes, &back, dialect)
                .map_err(|p| problems.push(p))
                .ok(),
            Err(why) => {
                let (line, col) = position(file, changes, &["changes"], 0);
                problems.push(problem(
                    ProblemKind::Format,
                    &file.path,
                    line,
                    col,
                    format!("cannot derive the rollback of `{id}`: {why}"),
                    Some(file),
                ));
                None
            }
        },
        (None, None) => None,
    };
    match up {
        Some(up) if problems.is_empty() => Ok(Migration {
            checksum: Checksum::of_sql(&up.sql),
            id,
            description: raw.description.clone().unwrap_or_default(),
            depends_on: raw.depends_on.iter().map(|d| d.value.clone()).collect(),
            up,
            down,
            transaction: raw.transaction,
            file: file.path.clone(),
        }),
        _ => Err(problems),
    }
}

/// The SQL `changes` render to on `dialect`, located at the `changes` key.
fn changes_script(
    file: &SourceFile,
    at: &Spanned<Vec<crate::changes::Change>>,
    changes: &[crate::changes::Change],
    dialect: Dialect,
) -> Result<Script, Problem> {
    let (line, col) = position(file, at, &["changes"], 0);
    let sql = crate::changes::render(changes, dialect).map_err(|e| {
        problem(
            ProblemKind::MissingSql,
            &file.path,
            line,
            col,
            e,
            Some(file),
        )
    })?;
    let statements = split(&sql, dialect).map_err(|e| {
        problem(
            ProblemKind::Sql,
            &file.path,
            line,
            col,
            e.to_string(),
            Some(file),
        )
    })?;
    Ok(Script {
        sql,
        statements,
        first_line: line,
        lines_match: false,
    })
}

fn script(
    file: &SourceFile,
    sql: &Spanned<RawSql>,
    key: &str,
    dialect: Dialect,
) -> Result<Option<Script>, Problem> {
    let Some(choice) = sql.value.for_dialect(dialect) else {
        return Ok(None);
    };
    // Position of the text itself: the per-dialect entry when there is one, else the field.
    let (node_line, node_col, at) = match choice.span {
        Some(s) => {
            let (l, c) = position(file, s, &[key, dialect.name()], 0);
            (l, c, s.referenced.span().byte_offset())
        }
        None => {
            let (l, c) = position(file, sql, &[key], 0);
            (l, c, sql.referenced.span().byte_offset())
        }
    };
    let style = at
        .and_then(|b| usize::try_from(b).ok())
        .and_then(|b| block_style(&file.text, b));
    let (first_line, lines_match) = match style {
        Some('|') => (node_line, true),
        Some(_) => (node_line + 1, false),
        None => (node_line, false),
    };
    let statements = split(choice.text, dialect).map_err(|e| {
        let line = if lines_match {
            first_line + e.line.saturating_sub(1)
        } else {
            first_line
        };
        let msg = format!("cannot split `{key}` SQL for {dialect}: {e}");
        problem(
            ProblemKind::Sql,
            &file.path,
            line,
            if lines_match { 0 } else { node_col },
            msg,
            Some(file),
        )
    })?;
    Ok(Some(Script {
        sql: choice.text.to_string(),
        statements,
        first_line,
        lines_match,
    }))
}

/// `|` or `>` when the scalar starting at byte `at` is a YAML block scalar: its content starts
/// a line and the line before ends with the block indicator (`|`, `|-`, `>+`, ...).
fn block_style(text: &str, at: usize) -> Option<char> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n')?;
    if !before[line_start + 1..].trim().is_empty() {
        return None;
    }
    let prev = &before[..line_start];
    let prev_line = &prev[prev.rfind('\n').map_or(0, |i| i + 1)..];
    let prev_line = prev_line.split(" #").next().unwrap_or(prev_line).trim_end();
    let indicator = prev_line.rsplit([' ', '\t']).next()?;
    let c = indicator.chars().next()?;
    let rest_ok = indicator[1..]
        .chars()
        .all(|r| matches!(r, '-' | '+' | '1'..='9'));
    ((c == '|' || c == '>') && rest_ok).then_some(c)
}

/// Line and column of a value: from the YAML parser when it kept them, else found in the JSON
/// text by following `keys` (each looked for after the previous one).
fn position<T>(file: &SourceFile, value: &Spanned<T>, keys: &[&str], from: usize) -> (u32, u32) {
    let loc = value.referenced;
    if loc.line() > 0 {
        return (
            u32::try_from(loc.line()).unwrap_or(0),
            u32::try_from(loc.column()).unwrap_or(0),
        );
    }
    let mut at = Some(from);
    for key in keys {
        at = at.and_then(|a| locate::find_json_string(&file.text, key, a));
    }
    at.map_or((1, 1), |a| locate::line_col(&file.text, a))
}

fn graph_problem(
    gp: &GraphProblem,
    positions: &HashMap<String, (&SourceFile, &RawMigration)>,
) -> Problem {
    match gp {
        GraphProblem::UnknownDependency { id, dependency } => {
            let (file, raw) = positions[id];
            let (line, col) = raw
                .depends_on
                .iter()
                .find(|d| &d.value == dependency)
                .map_or((1, 1), |d| {
                    let key_at = locate::find_json_string(&file.text, "depends_on", 0).unwrap_or(0);
                    if d.referenced.line() > 0 {
                        position(file, d, &[], 0)
                    } else {
                        locate::find_json_string(&file.text, dependency, key_at)
                            .map_or((1, 1), |a| locate::line_col(&file.text, a))
                    }
                });
            let mut names: Vec<&String> = positions.keys().collect();
            names.sort();
            let hint = closest(dependency, &names)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            let msg = format!("migration `{id}` depends on unknown migration `{dependency}`{hint}");
            problem(
                ProblemKind::UnknownDependency,
                &file.path,
                line,
                col,
                msg,
                Some(file),
            )
        }
        GraphProblem::Cycle(ids) => {
            let (file, raw) = positions[&ids[0]];
            let (line, col) = raw
                .depends_on
                .first()
                .map_or((1, 1), |d| position(file, d, &["depends_on"], 0));
            let mut path = ids.clone();
            path.push(ids[0].clone());
            let files: Vec<String> = ids
                .iter()
                .map(|i| positions[i].0.path.display().to_string())
                .collect();
            let msg = format!(
                "dependency cycle: {} (each depends on the next; files: {})",
                path.join(" -> "),
                files.join(", ")
            );
            problem(ProblemKind::Cycle, &file.path, line, col, msg, Some(file))
        }
    }
}

/// The known id most like `name`, when one is close enough to be a typo.
fn closest<'a>(name: &str, known: &[&'a String]) -> Option<&'a String> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub(crate) fn problem(
    kind: ProblemKind,
    path: &Path,
    line: u32,
    column: u32,
    message: String,
    file: Option<&SourceFile>,
) -> Problem {
    let source_line = file
        .and_then(|f| locate::line_text(&f.text, line))
        .map(str::to_string);
    Problem {
        kind,
        file: path.to_path_buf(),
        line,
        column,
        message,
        source_line,
    }
}

#[cfg(test)]
mod tests;
