//! Loading migration files: a directory tree of `.yaml`/`.yml`/`.json` files, one migration
//! each. Loading never touches a database and reports every problem it finds in one run.

mod problems;
mod raw;
mod resolve;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::Dialect;
use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::graph::Graph;
use crate::model::{Migration, Script};
use crate::source::SourceFile;
use crate::source::{problem, read_texts};
use problems::graph_problem;
use raw::RawMigration;
use resolve::{position, resolve};

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

    /// Gives migration `id`, read without its down SQL (`cairn::layout::read_up`), that SQL,
    /// read from its `down_file`. Returns `false`, changing nothing, when there is no such
    /// migration or its down SQL is already known.
    pub fn fill_down(&mut self, id: &str, down: Script) -> bool {
        match self.index.get(id).map(|&i| &mut self.migrations[i]) {
            Some(m) if m.down.is_none() && m.down_file.is_some() => {
                m.down = Some(down);
                true
            }
            _ => false,
        }
    }

    /// Splits the `up` and `down` SQL of `ids` (every migration when `None`) into statements
    /// now, so a script that cannot be split is reported, with its file and line, before
    /// anything runs. Loading leaves splitting to first use (`Script::statements`); every
    /// problem found is returned, in apply order.
    pub fn split(&self, ids: Option<&[String]>) -> Result<(), LoadErrors> {
        let chosen: Vec<&Migration> = match ids {
            None => self.migrations.iter().collect(),
            Some(ids) => ids.iter().filter_map(|id| self.get(id)).collect(),
        };
        let problems: Vec<_> = chosen
            .into_iter()
            .flat_map(|m| std::iter::once(&m.up).chain(m.down.as_ref()))
            .filter_map(|script| script.statements().err())
            .flat_map(|e| e.0)
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadErrors(problems))
        }
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
    let mut problems = Vec::new();
    let mut ancestors = Vec::new();
    walk(root, &mut ancestors, &mut paths, &mut problems);
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let texts = read_texts::<String>(&refs);
    let mut files = Vec::with_capacity(paths.len());
    for (path, text) in paths.into_iter().zip(texts) {
        let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
        let default_id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        match text {
            Ok(text) => files.push(SourceFile {
                path,
                default_id,
                text,
            }),
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        problems.sort_by(|a, b| a.file.cmp(&b.file));
        Err(LoadErrors(problems))
    }
}

/// Collects the migration files under `dir` in path order (each folder's entries sorted by
/// name, a sub-folder's files in its place: the order of sorting all paths, without comparing
/// long paths component by component); a directory that cannot be read, or a symbolic link
/// back to a directory above it (a loop), is a problem naming that path, and the rest of the
/// tree is still read. `ancestors` are the canonical paths of the directories above.
fn walk(
    dir: &Path,
    ancestors: &mut Vec<PathBuf>,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<Problem>,
) {
    let io = |path: &Path, what: String| problem(ProblemKind::Io, path, 0, 0, what, None);
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if ancestors.contains(&canonical) {
        problems.push(io(
            dir,
            format!(
                "symbolic link loop: this directory is {}, which contains it; remove the link",
                canonical.display()
            ),
        ));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            let what = if ancestors.is_empty() {
                "migrations directory"
            } else {
                "directory"
            };
            return problems.push(io(dir, format!("cannot read {what}: {e}")));
        }
    };
    let mut listed = Vec::new();
    for entry in entries {
        match entry {
            // The entry's own type costs no system call; only a link is followed.
            Ok(entry) => {
                let kind = entry.file_type().ok();
                listed.push((entry.file_name(), kind));
            }
            Err(e) => problems.push(io(dir, format!("cannot read directory: {e}"))),
        }
    }
    listed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    ancestors.push(canonical);
    for (name, kind) in listed {
        let path = dir.join(&name);
        let is_dir = match kind {
            Some(kind) if kind.is_dir() => true,
            Some(kind) if kind.is_file() => false,
            // A link (or an entry whose type is unknown): what it points to decides.
            _ => match fs::metadata(&path) {
                Ok(meta) => meta.is_dir(),
                // A link that could be a migration or a folder, whose target is gone or loops
                // (`ELOOP`): say so instead of skipping it.
                Err(e) if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) => {
                    if is_migration_file(&path) || path.extension().is_none() {
                        problems.push(io(&path, format!("broken symbolic link: {e}")));
                    }
                    continue;
                }
                Err(e) => {
                    problems.push(io(&path, format!("cannot read: {e}")));
                    continue;
                }
            },
        };
        if is_dir {
            walk(&path, ancestors, out, problems);
        } else if is_migration_file(&path) {
            out.push(path);
        }
    }
    ancestors.pop();
}

fn is_migration_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Loads migrations from already-read files: parses each, resolves its SQL for `dialect`,
/// and checks ids, dependencies and cycles across all of them.
pub fn load_files(files: Vec<SourceFile>, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
    load_sources(files, Vec::new(), dialect)
}

/// Loads Cairn files together with migrations already read from another tool's folder
/// (`cairn::layout::read`) into one set: Cairn files may depend on the imported ids, and
/// ids must be unique across both.
pub fn load_sources(
    files: Vec<SourceFile>,
    imported: Vec<Migration>,
    dialect: Dialect,
) -> Result<MigrationSet, LoadErrors> {
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
    let imported_ids: HashMap<String, std::path::PathBuf> = imported
        .iter()
        .map(|m| (m.id.clone(), m.file.clone()))
        .collect();
    for (file, raw) in &parsed {
        let id = raw
            .id
            .as_ref()
            .map_or_else(|| file.default_id.clone(), |s| s.value.clone());
        let (line, col) = raw
            .id
            .as_ref()
            .map_or((1, 1), |s| position(file, s, &["id"], 0));
        if let Some(other) = imported_ids.get(&id) {
            let msg = format!(
                "duplicate migration id `{id}`: also the id of {}",
                other.display()
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
    let imported_nodes = imported
        .iter()
        .map(|m| (m.id.clone(), m.depends_on.clone()));
    let mut seen = std::collections::HashSet::new();
    let nodes: Vec<_> = imported_nodes
        .chain(nodes)
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect();
    let graph = match Graph::build(nodes) {
        Ok(g) => Some(g),
        Err(gps) => {
            for gp in gps {
                problems.push(graph_problem(&gp, &positions));
            }
            None
        }
    };
    migrations.extend(imported);

    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    match graph {
        Some(graph) if problems.is_empty() => {
            let mut by_id: HashMap<String, Migration> =
                migrations.into_iter().map(|m| (m.id.clone(), m)).collect();
            // Sized once: grown by doubling, this vector was the largest allocation of a
            // no-op run on a long history.
            let mut ordered = Vec::with_capacity(by_id.len());
            ordered.extend(graph.order().filter_map(|id| by_id.remove(id)));
            let migrations: Vec<Migration> = ordered;
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
        // A byte-order mark is no JSON, but editors on Windows write one; YAML allows it.
        let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
        return serde_json::from_str::<RawMigration>(text).map_err(|e| {
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

#[cfg(test)]
mod tests;
