//! `migrate import`: another tool's folder converted once into Cairn YAML files, with the SQL
//! byte-for-byte as written and the order kept by `depends_on`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::entry::{Entry, Variant, manages_own_transaction};
use super::{Layout, entries};
use crate::error::{LoadErrors, ProblemKind};

/// One Cairn file `migrate import` writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFile {
    /// The migration id (also the file stem).
    pub id: String,
    /// File name to write: `<id>.yaml`.
    pub file_name: String,
    /// The original file (the up file, or the folder's `up.sql`).
    pub source: PathBuf,
    /// The file's content.
    pub yaml: String,
    /// What could not be carried over, one sentence each.
    pub notes: Vec<String>,
}

/// Converts the folder at `root`, read as `layout`, into Cairn files in apply order.
pub fn import(root: &Path, layout: Layout) -> Result<Vec<ImportedFile>, LoadErrors> {
    if layout == Layout::Cairn {
        return Err(LoadErrors(vec![super::entry::problem(
            ProblemKind::Format,
            root,
            0,
            "this folder already holds Cairn migrations: nothing to import".to_string(),
            None,
        )]));
    }
    let entries = entries(root, layout)?;
    let mut previous: Option<&str> = None;
    let mut out = Vec::with_capacity(entries.len());
    for entry in &entries {
        out.push(file(entry, layout, previous));
        previous = Some(&entry.id);
    }
    Ok(out)
}

fn file(entry: &Entry, layout: Layout, previous: Option<&str>) -> ImportedFile {
    let mut notes = entry.notes.clone();
    let generic = entry.variants.iter().find(|v| v.dialect.is_none());
    let main = generic.or_else(|| entry.variants.first());
    let source = main.map(|v| v.up.path.clone()).unwrap_or_default();
    let mut yaml = format!(
        "# Imported from {layout} {} by `cairn migrate import`.\nid: {}\ndescription: {}\n",
        source.display(),
        quoted(&entry.id),
        quoted(&entry.name.replace('_', " ")),
    );
    if let Some(p) = previous {
        yaml.push_str(&format!("depends_on: [{}]\n", quoted(p)));
    }
    if entry.repeatable {
        notes.push(format!(
            "{}: a repeatable (R__) migration; Cairn files have no repeatable kind, so it becomes a migration applied once",
            source.display()
        ));
    }
    let transaction = main.is_some_and(|v| v.transaction);
    if entry.variants.iter().any(|v| v.transaction != transaction) {
        notes.push(format!(
            "{}: its dialect variants differ in running inside a transaction; Cairn has one setting per migration and uses the generic file's",
            source.display()
        ));
    }
    let own = entry
        .variants
        .iter()
        .any(|v| manages_own_transaction(&v.up.sql));
    if own {
        notes.push(format!(
            "{}: the SQL opens or commits its own transaction, so it runs with `transaction: false`",
            source.display()
        ));
    }
    if !transaction || own {
        yaml.push_str("transaction: false\n");
    }
    if entry.variants.iter().any(|v| !v.up.blocks.is_empty()) {
        notes.push(format!(
            "{}: statements the tool keeps whole (goose or sql-migrate StatementBegin/StatementEnd, Liquibase splitStatements:false or endDelimiter) are not marked in Cairn files; Cairn's dialect-aware splitter decides where statements end",
            source.display()
        ));
    }
    if generic.is_none() && !entry.variants.is_empty() {
        notes.push(format!(
            "{}: SQL for some dialects only (pop dialect files, Liquibase dbms); on other dialects the tool skips this migration, Cairn reports that it has no SQL there",
            source.display()
        ));
    }
    yaml.push_str(&sql_field("up", &entry.variants, |v| {
        Some(v.up.sql.as_str())
    }));
    let has_down = entry.variants.iter().any(|v| v.down.is_some());
    if has_down {
        if entry.variants.iter().any(|v| v.down.is_none()) && entry.variants.len() > 1 {
            notes.push(format!(
                "{}: some dialect variants have no down file; Cairn falls back to the generic down SQL for them",
                source.display()
            ));
        }
        yaml.push_str(&sql_field("down", &entry.variants, |v| {
            v.down.as_ref().map(|d| d.sql.as_str())
        }));
    }
    ImportedFile {
        id: entry.id.clone(),
        file_name: format!("{}.yaml", entry.id),
        source,
        yaml,
        notes,
    }
}

/// `key:` with one SQL text, or a per-dialect map when there are dialect variants.
fn sql_field(key: &str, variants: &[Variant], sql: impl Fn(&Variant) -> Option<&str>) -> String {
    match variants {
        [only] if only.dialect.is_none() => {
            format!("{key}: {}", scalar(sql(only).unwrap_or_default(), 2))
        }
        _ => {
            let default = variants.iter().find(|v| v.dialect.is_none()).and_then(&sql);
            let mut out = format!("{key}:\n");
            for v in variants {
                let Some(text) = sql(v) else { continue };
                // A dialect whose file is the generic one (pop overrides per direction)
                // needs no entry of its own.
                if v.dialect.is_some() && default == Some(text) {
                    continue;
                }
                let name = v.dialect.map_or("default", |d| d.name());
                out.push_str(&format!("  {name}: {}", scalar(text, 4)));
            }
            out
        }
    }
}

/// `text` as a YAML value ending in a newline: a literal block indented by `indent` when it
/// reads back byte-for-byte, else a double-quoted string (CRs, control characters).
fn scalar(text: &str, indent: usize) -> String {
    if !text.is_empty() {
        let block = literal_block(text, indent);
        if reads_back(&block, indent, text) {
            return block;
        }
    }
    format!("{}\n", quoted(text))
}

fn literal_block(text: &str, indent: usize) -> String {
    let chomp = if !text.ends_with('\n') {
        "-"
    } else if text.ends_with("\n\n") {
        "+"
    } else {
        ""
    };
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let indicator = if first.starts_with([' ', '\t']) {
        "2"
    } else {
        ""
    };
    let pad = " ".repeat(indent);
    let mut out = format!("|{indicator}{chomp}\n");
    for line in text.split_inclusive('\n') {
        if line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    if !text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Whether `block`, as the value of a key at `indent - 2`, parses back to exactly `text`.
fn reads_back(block: &str, indent: usize, text: &str) -> bool {
    let doc = format!("{}k: {block}", " ".repeat(indent - 2));
    let doc = if indent > 2 {
        format!("m:\n{doc}")
    } else {
        doc
    };
    #[derive(serde::Deserialize)]
    struct Outer {
        m: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        k: String,
    }
    let parsed = if indent > 2 {
        serde_saphyr::from_str::<Outer>(&doc).map(|o| o.m.k)
    } else {
        serde_saphyr::from_str::<Inner>(&doc).map(|i| i.k)
    };
    parsed.is_ok_and(|k| k == text)
}

/// A double-quoted YAML string (JSON's quoting, which YAML reads the same way).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_read_back_byte_for_byte() {
        for text in [
            "CREATE TABLE t (a int);\n",
            "SELECT 1;",
            "SELECT 1;\n\n\n",
            "  indented first;\n\nx\n",
            "\n\nleading blank lines;\n",
            "tabs\tinside\n\tand leading\n",
            "crlf;\r\nline\r\n",
            "trailing spaces   \n   \n",
            "",
        ] {
            for indent in [2, 4] {
                let doc = if indent == 2 {
                    format!("k: {}", scalar(text, 2))
                } else {
                    format!("m:\n  k: {}", scalar(text, 4))
                };
                let value: serde_json::Value = serde_saphyr::from_str(&doc).unwrap();
                let got = if indent == 2 {
                    &value["k"]
                } else {
                    &value["m"]["k"]
                };
                assert_eq!(got.as_str(), Some(text), "{doc}");
            }
        }
    }
}
