use super::*;

fn file(path: &str, text: &str) -> SourceFile {
    let default_id = path.rsplit_once('.').map_or(path, |(p, _)| p).to_string();
    SourceFile {
        path: PathBuf::from(path),
        default_id,
        text: text.to_string(),
    }
}

fn load(files: &[(&str, &str)]) -> Result<MigrationSet, LoadErrors> {
    load_files(
        files.iter().map(|(p, t)| file(p, t)).collect(),
        Dialect::Sqlite,
    )
}

fn problems(files: &[(&str, &str)]) -> Vec<Problem> {
    load(files).unwrap_err().0
}

#[test]
fn yaml_and_json_load_the_same_migration() {
    let yaml = "description: users\ndepends_on: [base]\nup: |\n  CREATE TABLE u (id INTEGER);\n  CREATE INDEX ui ON u(id);\ndown: DROP TABLE u;\n";
    let json = r#"{"description": "users", "depends_on": ["base"], "up": "CREATE TABLE u (id INTEGER);\nCREATE INDEX ui ON u(id);\n", "down": "DROP TABLE u;"}"#;
    let base = ("base.yaml", "up: SELECT 1;\n");
    let a = load(&[base, ("users.yaml", yaml)]).unwrap();
    let b = load(&[base, ("users.json", json)]).unwrap();
    let (ma, mb) = (a.get("users").unwrap(), b.get("users").unwrap());
    assert_eq!(ma.checksum, mb.checksum);
    assert_eq!(ma.depends_on, mb.depends_on);
    assert_eq!(ma.up.statements().unwrap().len(), 2);
    assert_eq!(ma.up.file_line(&ma.up.statements().unwrap()[1]), 5);
    assert!(ma.transaction);
    assert_eq!(
        a.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["base", "users"]
    );
}

#[test]
fn per_dialect_sql_picks_the_dialect_then_default() {
    let text = "up:\n  postgres: CREATE TABLE t (id BIGSERIAL);\n  default: |\n    CREATE TABLE t (id INTEGER);\n";
    let set = load(&[("a.yaml", text)]).unwrap();
    let m = set.get("a").unwrap();
    assert_eq!(m.up.sql.trim(), "CREATE TABLE t (id INTEGER);");
    assert_eq!(m.up.first_line, 4);
    assert!(m.down.is_none());
}

#[test]
fn unknown_field_is_an_error_with_its_line() {
    let ps = problems(&[("a.yaml", "up: SELECT 1;\ndepend_on: [x]\n")]);
    assert_eq!(ps.len(), 1);
    assert_eq!(ps[0].kind, ProblemKind::Format);
    assert!(ps[0].message.contains("depend_on"), "{}", ps[0].message);
    assert_eq!(ps[0].line, 2);

    let ps = problems(&[(
        "b.json",
        "{\n  \"up\": \"SELECT 1\",\n  \"depend_on\": []\n}",
    )]);
    assert!(ps[0].message.contains("depend_on"));
    assert_eq!(ps[0].line, 3);
}

#[test]
fn syntax_and_type_errors_point_at_the_place() {
    let ps = problems(&[
        ("a.yaml", "up: SELECT 1;\ndescription: [unclosed\n"),
        (
            "b.json",
            "{\"up\": \"SELECT 1\",\n \"transaction\": \"yes\"}",
        ),
        ("c.json", "{\"up\": \"SELECT 1\",\n\n  }"),
        ("d.yaml", "up: SELECT 1\ntransaction: maybe\n"),
        ("e.yaml", "up:\n  oracle: SELECT 1\n"),
    ]);
    assert_eq!(ps.len(), 5, "{ps:#?}");
    assert_eq!(ps[0].kind, ProblemKind::Syntax);
    // The unclosed flow sequence starts on line 2; the parser says so there.
    assert_eq!(ps[0].line, 2, "{:?}", ps[0]);
    assert!(ps[0].message.contains("expected"), "{}", ps[0].message);
    assert_eq!((ps[1].kind, ps[1].line), (ProblemKind::Format, 2));
    assert_eq!((ps[2].kind, ps[2].line), (ProblemKind::Syntax, 3));
    assert_eq!(ps[3].line, 2);
    assert!(ps[4].message.contains("oracle"), "{}", ps[4].message);
    assert_eq!(ps[4].line, 2);
}

#[test]
fn duplicates_unknown_dependencies_cycles_and_missing_dialects_are_all_reported() {
    let ps = problems(&[
        ("a.yaml", "id: same\nup: SELECT 1;\n"),
        ("b.yaml", "id: same\nup: SELECT 2;\n"),
        (
            "c.yaml",
            "depends_on:\n  - same\n  - smae2\nup: SELECT 3;\n",
        ),
        ("d.yaml", "depends_on: [e]\nup: SELECT 4;\n"),
        ("e.json", "{\"depends_on\": [\"f\"], \"up\": \"SELECT 5\"}"),
        ("f.yaml", "depends_on: [d]\nup: SELECT 6;\n"),
        ("g.yaml", "up:\n  postgres: SELECT 7;\n"),
    ]);
    let kinds: Vec<ProblemKind> = ps.iter().map(|p| p.kind).collect();
    assert!(kinds.contains(&ProblemKind::DuplicateId));
    assert!(kinds.contains(&ProblemKind::UnknownDependency));
    assert!(kinds.contains(&ProblemKind::Cycle));
    assert!(kinds.contains(&ProblemKind::MissingSql));
    let dup = ps
        .iter()
        .find(|p| p.kind == ProblemKind::DuplicateId)
        .unwrap();
    assert_eq!((dup.file.to_str(), dup.line), (Some("b.yaml"), 1));
    assert!(dup.message.contains("a.yaml:1"));
    let unknown = ps
        .iter()
        .find(|p| p.kind == ProblemKind::UnknownDependency)
        .unwrap();
    assert_eq!(unknown.line, 3);
    assert!(unknown.message.contains("smae2"));
    let cycle = ps.iter().find(|p| p.kind == ProblemKind::Cycle).unwrap();
    assert!(
        cycle.message.contains("d -> e -> f -> d"),
        "{}",
        cycle.message
    );
    let missing = ps
        .iter()
        .find(|p| p.kind == ProblemKind::MissingSql)
        .unwrap();
    assert!(missing.message.contains("no `up` SQL for sqlite"));
    assert_eq!(
        (missing.line, missing.source_line.as_deref()),
        (2, Some("  postgres: SELECT 7;"))
    );
}

#[test]
fn unsplittable_sql_points_at_the_file_line_when_split() {
    let text = "description: x\nup: |\n  SELECT 1;\n  SELECT 'unterminated\n";
    // Loading needs only the text (checksums, the graph): the split comes when asked for.
    let set = load(&[("a.yaml", text), ("b.yaml", "up: SELECT 2;\n")]).unwrap();
    assert!(set.get("a").is_some_and(
        |m| m.checksum == crate::Checksum::of_sql("SELECT 1;\nSELECT 'unterminated\n")
    ));
    assert_eq!(set.split(Some(&["b".to_string()])), Ok(()));
    let ps = set.split(None).unwrap_err().0;
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert_eq!(ps[0].kind, ProblemKind::Sql);
    assert_eq!(ps[0].line, 4);
    assert_eq!(ps[0].source_line.as_deref(), Some("  SELECT 'unterminated"));
    assert!(
        ps[0]
            .message
            .starts_with("cannot split `up` SQL for sqlite"),
        "{}",
        ps[0].message
    );
    let up = &set.get("a").unwrap().up;
    assert_eq!(up.statements().unwrap_err().0, ps);
}

#[test]
fn crlf_copy_keeps_the_checksum() {
    let text = "up: |\n  CREATE TABLE t (id INTEGER);   \n  CREATE INDEX i ON t(id);\n";
    let a = load(&[("a.yaml", text)]).unwrap();
    let b = load(&[("a.yaml", &text.replace('\n', "\r\n"))]).unwrap();
    let c = load(&[("a.yaml", &text.replace("INTEGER", "BIGINT"))]).unwrap();
    let sum = |s: &MigrationSet| s.get("a").unwrap().checksum;
    assert_eq!(sum(&a), sum(&b));
    assert_ne!(sum(&a), sum(&c));
}

#[test]
fn reading_a_directory_defaults_ids_to_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("auth")).unwrap();
    std::fs::write(dir.path().join("auth/0001_users.yaml"), "up: SELECT 1;\n").unwrap();
    std::fs::write(
        dir.path().join("auth/0002_sessions.yml"),
        "depends_on: [auth/0001_users]\nup: SELECT 2;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "not a migration").unwrap();
    let set = load_dir(dir.path(), Dialect::Sqlite).unwrap();
    let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["auth/0001_users", "auth/0002_sessions"]);

    let err = load_dir(&dir.path().join("missing"), Dialect::Sqlite).unwrap_err();
    assert_eq!(err.0[0].kind, ProblemKind::Io);
}

#[test]
fn portable_changes_render_for_the_dialect_with_a_derived_rollback() {
    let text = "changes:\n  - create_table:\n      name: t\n      columns:\n        - {name: id, type: bigint, identity: true, nullable: false}\n      primary_key: [id]\n  - add_column: {table: t, column: {name: v, type: varchar(20)}}\n";
    let set = load(&[("a.yaml", text)]).unwrap();
    let m = set.get("a").unwrap();
    assert_eq!(m.up.statements().unwrap().len(), 2);
    assert!(
        m.up.sql.contains("id INTEGER PRIMARY KEY AUTOINCREMENT"),
        "{}",
        m.up.sql
    );
    let down = &m.down.as_ref().unwrap().sql;
    assert!(
        down.starts_with("SELECT 'cairn:rebuild'"),
        "SQLite drops columns by rebuilding: {down}"
    );
    assert!(down.ends_with(";\nDROP TABLE t;\n"), "{down}");

    let ps = problems(&[
        (
            "b.yaml",
            "changes:\n  - drop_column: {table: t, column: v}\n",
        ),
        ("c.yaml", "up: SELECT 1;\nchanges:\n  - sql: SELECT 2\n"),
        ("d.yaml", "description: nothing\n"),
    ]);
    let msgs: Vec<String> = ps.iter().map(|p| p.to_string()).collect();
    assert!(
        msgs.iter().any(|m| m.starts_with("b.yaml:2:")
            && m.contains("cannot derive the rollback of `b`: drop_column t.v cannot be reversed")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("c.yaml:3:") && m.contains("both `up` and `changes`")),
        "{msgs:#?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("d.yaml") && m.contains("neither `up` nor `changes`")),
        "{msgs:#?}"
    );
}

#[test]
fn a_byte_that_is_not_utf8_is_named_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("001_ok.yaml"), "up: SELECT 1;\n").unwrap();
    fs::write(
        dir.path().join("002_latin1.yaml"),
        b"description: caf\xC3\xA9\nup: |\n  SELECT 'caf\xE9';\n",
    )
    .unwrap();
    let errors = read_dir(dir.path()).unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let p = &errors[0];
    assert!(p.file.ends_with("002_latin1.yaml"), "{p:?}");
    assert_eq!((p.line, p.column), (3, 14), "{p:?}");
    assert!(
        p.message.contains("not UTF-8") && p.message.contains("0xE9"),
        "{}",
        p.message
    );
}

#[test]
fn symbolic_link_loops_and_broken_links_are_named_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    fs::write(sub.join("001_a.yaml"), "up: SELECT 1;\n").unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("nowhere.yaml"),
        dir.path().join("gone.yaml"),
    )
    .unwrap();
    // A broken link that cannot be a migration (nor a folder) is none of Cairn's business.
    std::os::unix::fs::symlink(dir.path().join("nowhere.md"), dir.path().join("notes.md")).unwrap();
    let errors = read_dir(dir.path()).unwrap_err().0;
    let named: Vec<(String, &str)> = errors
        .iter()
        .map(|p| {
            let rel = p.file.strip_prefix(dir.path()).unwrap_or(&p.file);
            (rel.display().to_string(), p.message.as_str())
        })
        .collect();
    assert_eq!(named.len(), 2, "{named:?}");
    assert!(
        named[0].0 == "gone.yaml" && named[0].1.contains("broken symbolic link"),
        "{named:?}"
    );
    assert!(
        named[1].0 == "sub/loop" && named[1].1.contains("symbolic link loop"),
        "{named:?}"
    );
}

#[test]
fn a_json_file_may_start_with_a_byte_order_mark() {
    let set = load(&[("001_bom.json", "\u{feff}{\"up\": \"SELECT 1;\"}")]).unwrap();
    assert_eq!(
        set.get("001_bom").unwrap().up.statements().unwrap().len(),
        1
    );
}
