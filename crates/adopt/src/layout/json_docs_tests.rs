//! JSON migration documents: fields, the graph of `dependencies`, checksums, and every error
//! naming its file and line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;

use super::*;
use crate::layout::{Layout, detect, import, load};

fn folder(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        fs::write(dir.path().join(rel), text).unwrap();
    }
    dir
}

/// A document as the module writes it (indented, one key per line), with a correct checksum.
fn doc(id: &str, sql: &str, rollback: Option<&str>, deps: &[&str]) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "id": id,
        "name": format!("{id}_name"),
        "description": format!("does {id}"),
        "sql": sql,
        "rollback_sql": rollback,
        "dependencies": deps,
        "created_at": "2024-01-01T00:00:00",
        "applied_at": null,
        "status": "pending",
        "checksum": sha256_hex(sql),
    }))
    .unwrap()
}

#[test]
fn checksums_are_sha256_hex_of_the_sql() {
    // `printf 'SELECT 1;' | sha256sum`
    assert_eq!(
        sha256_hex("SELECT 1;"),
        "17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a"
    );
    assert_eq!(
        sha256_hex(""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn dependencies_form_a_graph_and_order_puts_the_smallest_ready_id_first() {
    let dir = folder(&[
        (
            "a.json",
            doc(
                "base",
                "CREATE TABLE t (a int);",
                Some("DROP TABLE t;"),
                &[],
            ),
        ),
        ("b.json", doc("zeta", "SELECT 1;", None, &["base"])),
        ("c.json", doc("alpha", "SELECT 2;", Some(""), &["base"])),
        ("d.json", doc("both", "SELECT 3;", None, &["zeta", "alpha"])),
    ]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::JsonDocs);
    let set = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap();
    let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["base", "alpha", "zeta", "both"]);
    let both = set.get("both").unwrap();
    assert_eq!(
        both.depends_on,
        ["zeta", "alpha"],
        "as written, not a chain"
    );
    assert_eq!(set.get("zeta").unwrap().depends_on, ["base"]);
    assert_eq!(both.description, "does both");
    assert!(
        set.get("alpha").unwrap().down.is_none(),
        "an empty rollback_sql is no down"
    );
    let base = set.get("base").unwrap();
    assert_eq!(base.down.as_ref().unwrap().sql, "DROP TABLE t;");
    let text = fs::read_to_string(dir.path().join("a.json")).unwrap();
    let sql_line = text.lines().position(|l| l.contains("\"sql\":")).unwrap() + 1;
    assert_eq!(
        base.up.first_line,
        u32::try_from(sql_line).unwrap(),
        "the line of `sql`"
    );
    assert!(!base.up.lines_match);
    let origin = base.origin.as_ref().unwrap();
    assert_eq!(
        (origin.version.as_str(), origin.name.as_str()),
        ("base", "base_name")
    );
    // `migrate import` keeps the order as a chain.
    let files = import(dir.path(), Layout::JsonDocs).unwrap();
    let order: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(order, ["base", "alpha", "zeta", "both"]);
}

#[test]
fn a_changed_sql_is_refused_at_the_checksum_line() {
    let text = doc("one", "SELECT 1;", None, &[]).replace("SELECT 1;", "SELECT 2;");
    let dir = folder(&[("one.json", text.clone())]);
    let e = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert_eq!(e.0[0].file, dir.path().join("one.json"));
    let line = text
        .lines()
        .position(|l| l.contains("\"checksum\""))
        .unwrap()
        + 1;
    assert_eq!(e.0[0].line, u32::try_from(line).unwrap());
    assert!(e.0[0].message.contains("not the SHA-256 of `sql`"), "{e}");
    // A null checksum has nothing to verify.
    let unchecked = text
        .replace(&sha256_hex("SELECT 1;"), "x")
        .replace("\"x\"", "null");
    let dir = folder(&[("one.json", unchecked)]);
    assert!(load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).is_ok());
}

#[test]
fn unknown_dependencies_and_cycles_name_every_file_and_line() {
    let dir = folder(&[
        ("a.json", doc("a", "SELECT 1;", None, &["ghost"])),
        ("b.json", doc("b", "SELECT 1;", None, &[])),
    ]);
    let e = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert_eq!(e.0[0].file, dir.path().join("a.json"));
    assert!(e.0[0].message.contains("`ghost`"), "{e}");
    assert_eq!(
        e.0[0].source_line.as_deref().map(str::trim),
        Some("\"ghost\"")
    );

    let dir = folder(&[
        ("a.json", doc("a", "SELECT 1;", None, &[])),
        ("b.json", doc("b", "SELECT 1;", None, &["a", "d"])),
        ("c.json", doc("c", "SELECT 1;", None, &["b"])),
        ("d.json", doc("d", "SELECT 1;", None, &["c"])),
    ]);
    let e = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    let files: Vec<String> =
        e.0.iter()
            .map(|p| files::name(&p.file).to_string())
            .collect();
    assert_eq!(files, ["b.json", "c.json", "d.json"], "{e}");
    assert!(
        e.0.iter().all(|p| p.message.contains("dependency cycle")),
        "{e}"
    );
    assert!(e.0[0].message.contains("b -> d -> c -> b"), "{e}");
    assert_eq!(e.0[0].source_line.as_deref().map(str::trim), Some("\"d\""));
}

#[test]
fn malformed_documents_are_located() {
    let dir = folder(&[(
        "x.json",
        "{\n  \"id\": \"x\",\n  \"sql\": 5,\n  \"rollback_sql\": null\n}".to_string(),
    )]);
    let e = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    assert_eq!(
        (e.0[0].line, e.0[0].message.as_str()),
        (3, "`sql` must be a string or null")
    );
    let dir = folder(&[(
        "x.json",
        "{\n  \"id\": \"x\",\n  \"sql\": \"SELECT 1;\"\n".to_string(),
    )]);
    let e = load(dir.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    assert_eq!(e.0[0].kind, ProblemKind::Syntax);
    let dup = folder(&[
        ("1.json", doc("same", "SELECT 1;", None, &[])),
        ("2.json", doc("same", "SELECT 2;", None, &[])),
    ]);
    let e = load(dup.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap_err();
    assert!(e.0[0].message.contains("used twice"), "{e}");
    // Numeric ids and dependencies are read as text.
    let numeric = folder(&[
        (
            "1.json",
            "{\"id\": 1, \"sql\": \"SELECT 1;\", \"rollback_sql\": null}".to_string(),
        ),
        (
            "2.json",
            "{\"id\": 2, \"sql\": \"SELECT 2;\", \"rollback_sql\": null,\n \"dependencies\": [1]}"
                .to_string(),
        ),
    ]);
    let set = load(numeric.path(), Layout::JsonDocs, crate::Dialect::Sqlite).unwrap();
    assert_eq!(set.get("2").unwrap().depends_on, ["1"]);
}

#[test]
fn cairn_json_files_are_not_taken_for_documents() {
    let dir = folder(&[("0001_a.json", "{\"up\": \"SELECT 1;\"}".to_string())]);
    assert_eq!(detect(dir.path()).unwrap(), Layout::Cairn);
}
