//! Declared schemas: YAML/JSON files under `schemas/`, each `tables: [...]` or in the model
//! form (see `form`). Errors point to
//! file, line and column like migration errors, and all of them are reported in one run.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{LoadErrors, Problem, ProblemKind};
use crate::schema_model::{Schema, Table};
use crate::source::{SourceFile, locate, problem};

/// Loads every `.yaml`/`.yml`/`.json` file under `path` (or the one file `path` names).
pub fn load_schema(path: &Path) -> Result<Schema, LoadErrors> {
    let mut paths = Vec::new();
    if path.is_dir() {
        collect(path, &mut paths).map_err(|e| io_problem(path, &e))?;
        paths.sort();
    } else {
        paths.push(path.to_path_buf());
    }
    let mut files = Vec::new();
    for p in paths {
        let text = fs::read_to_string(&p).map_err(|e| io_problem(&p, &e))?;
        files.push(SourceFile {
            default_id: String::new(),
            path: p,
            text,
        });
    }
    schema_from_files(&files)
}

/// Whether `path` (a file, or the first `.yaml`/`.yml`/`.json` file of a folder) is a declared
/// schema rather than migrations: its top level is `tables:`, a table in the model form
/// (`name` and `columns`), or a list.
pub fn is_schema_path(path: &Path) -> bool {
    let first = if path.is_dir() {
        let mut paths = Vec::new();
        // An unreadable folder is not decided here: loading it names the problem.
        let _ = collect(path, &mut paths);
        paths.sort();
        paths.into_iter().next()
    } else {
        Some(path.to_path_buf())
    };
    first.is_some_and(|p| {
        fs::read_to_string(&p).is_ok_and(|text| {
            super::form::is_schema(&SourceFile {
                default_id: String::new(),
                path: p.clone(),
                text,
            })
        })
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

fn io_problem(path: &Path, e: &std::io::Error) -> LoadErrors {
    LoadErrors(vec![problem(
        ProblemKind::Io,
        path,
        0,
        0,
        format!("cannot read: {e}"),
        None,
    )])
}

/// Parses and checks already-read schema files.
pub fn schema_from_files(files: &[SourceFile]) -> Result<Schema, LoadErrors> {
    let mut problems = Vec::new();
    let mut tables: Vec<(&SourceFile, Table)> = Vec::new();
    for f in files {
        let parsed = super::form::tables(f);
        match parsed {
            Ok(declared) => tables.extend(declared.into_iter().map(|t| (f, t))),
            Err(p) => problems.push(p),
        }
    }
    let mut seen: HashMap<String, &SourceFile> = HashMap::new();
    for (f, t) in &tables {
        if let Some(first) = seen.insert(t.name.clone(), f) {
            problems.push(at(
                f,
                &t.name,
                format!(
                    "table `{}` is declared twice (also in {})",
                    t.name,
                    first.path.display()
                ),
            ));
        }
    }
    let by_name: HashMap<&str, &Table> = tables.iter().map(|(_, t)| (t.name.as_str(), t)).collect();
    for (f, t) in &tables {
        check_table(f, t, &by_name, &mut problems);
    }
    if problems.is_empty() {
        Ok(Schema {
            tables: tables.into_iter().map(|(_, t)| t).collect(),
        })
    } else {
        Err(LoadErrors(problems))
    }
}

fn check_table(
    f: &SourceFile,
    t: &Table,
    tables: &HashMap<&str, &Table>,
    problems: &mut Vec<Problem>,
) {
    let mut uses: Vec<(String, &str)> = t
        .primary_key
        .iter()
        .map(|c| ("primary_key".to_string(), c.as_str()))
        .collect();
    uses.extend(t.unique.iter().flat_map(|u| {
        u.columns
            .iter()
            .map(|c| ("a unique constraint".to_string(), c.as_str()))
    }));
    uses.extend(t.indexes.iter().flat_map(|i| {
        i.columns
            .iter()
            .map(move |c| (format!("index `{}`", i.name), c.name()))
    }));
    uses.extend(t.foreign_keys.iter().flat_map(|k| {
        k.columns
            .iter()
            .map(|c| ("a foreign key".to_string(), c.as_str()))
    }));
    for (what, col) in uses.into_iter().filter(|(_, c)| t.column(c).is_none()) {
        problems.push(at(
            f,
            &t.name,
            format!(
                "table `{}`: {what} names column `{col}`, which the table does not have",
                t.name
            ),
        ));
    }
    for fk in &t.foreign_keys {
        match tables.get(fk.references.table.as_str()) {
            None => problems.push(at(
                f,
                &t.name,
                format!(
                    "table `{}`: foreign key references unknown table `{}`",
                    t.name, fk.references.table
                ),
            )),
            Some(target) => {
                for c in fk
                    .references
                    .columns
                    .iter()
                    .filter(|c| target.column(c).is_none())
                {
                    problems.push(at(
                        f,
                        &t.name,
                        format!(
                            "table `{}`: foreign key references `{}.{c}`, which does not exist",
                            t.name, target.name
                        ),
                    ));
                }
                if fk.columns.len() != fk.references.columns.len() {
                    problems.push(at(
                        f,
                        &t.name,
                        format!(
                            "table `{}`: foreign key has {} columns but references {}",
                            t.name,
                            fk.columns.len(),
                            fk.references.columns.len()
                        ),
                    ));
                }
            }
        }
    }
    let identities = t.columns.iter().filter(|c| c.identity).count();
    if identities > 1 {
        problems.push(at(
            f,
            &t.name,
            format!(
                "table `{}` has {identities} identity columns; at most one is allowed",
                t.name
            ),
        ));
    }
}

/// A problem located at the table's declaration (`name: users` / `"name": "users"`).
fn at(f: &SourceFile, table: &str, message: String) -> Problem {
    let pos = f
        .text
        .match_indices(table)
        .map(|(i, _)| i)
        .find(|&i| {
            f.text[..i]
                .trim_end_matches(['"', '\'', ' '])
                .ends_with(':')
        })
        .map_or((0, 0), |i| locate::line_col(&f.text, i));
    problem(ProblemKind::Format, &f.path, pos.0, pos.1, message, Some(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            default_id: String::new(),
            text: text.into(),
        }
    }

    const USERS: &str = "tables:\n  - name: users\n    columns:\n      - {name: id, type: bigint, identity: true, nullable: false}\n      - {name: email, type: varchar(255), nullable: false}\n      - {name: created_at, type: timestamp, nullable: false, default: now()}\n    primary_key: [id]\n    unique:\n      - {name: uq_users_email, columns: [email]}\n";

    #[test]
    fn yaml_and_json_declare_the_same_schema() {
        let yaml = schema_from_files(&[file("s.yaml", USERS)]).unwrap();
        // Written by hand as a user would, not serialized from the YAML result.
        let json_text = r#"{"tables": [{
            "name": "users",
            "columns": [
                {"name": "id", "type": "bigint", "identity": true, "nullable": false},
                {"name": "email", "type": "varchar(255)", "nullable": false},
                {"name": "created_at", "type": "timestamp", "nullable": false, "default": "now()"}
            ],
            "primary_key": ["id"],
            "unique": [{"name": "uq_users_email", "columns": ["email"]}]
        }]}"#;
        let json = schema_from_files(&[file("s.json", json_text)]).unwrap();
        assert_eq!(yaml, json);
        assert_eq!(
            yaml.tables[0].columns[2].default,
            Some(crate::schema::DefaultValue::Now)
        );
    }

    #[test]
    fn bad_types_unknown_fields_and_dangling_references_point_at_the_file() {
        let bad_type = "tables:\n  - name: t\n    columns:\n      - {name: a, type: varchr(10)}\n";
        let unknown = "tables:\n  - name: u\n    colums: []\n";
        let dangling = "tables:\n  - name: s\n    columns:\n      - {name: user_id, type: bigint}\n    foreign_keys:\n      - {columns: [user_id], references: {table: users, columns: [uid]}}\n    indexes:\n      - {name: i, columns: [nope]}\n";
        let err = schema_from_files(&[
            file("a.yaml", bad_type),
            file("b.yaml", unknown),
            file("c.yaml", dangling),
            file("d.yaml", USERS),
        ])
        .unwrap_err();
        let msgs: Vec<String> = err.0.iter().map(|p| p.to_string()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("a.yaml:4:") && m.contains("unknown type `varchr(10)`")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("b.yaml:3:") && m.contains("colums")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("c.yaml:2:") && m.contains("references `users.uid`")),
            "{msgs:#?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("index `i` names column `nope`")),
            "{msgs:#?}"
        );
    }
}
