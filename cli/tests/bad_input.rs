//! Bad input found by kill-and-recover trials, as a user meets it through the CLI: each gets one
//! message naming the place, and nothing is applied.

mod common;

use common::Project;

#[test]
fn a_huge_failing_statement_is_shown_by_its_ends_and_size() {
    let project = Project::new();
    let rows: Vec<String> = (0..120_000)
        .map(|i| format!("({i}, 'a row of text number {i}')"))
        .collect();
    // The last row has three values for two columns: the statement fails.
    let sql = format!(
        "INSERT INTO t (id, name) VALUES\n{},\n(0, 'x', 'extra');",
        rows.join(",\n")
    );
    assert!(sql.len() > 4 << 20, "{}", sql.len());
    project.write(
        "001_t.yaml",
        "up: CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    let yaml = format!("up: |\n  {}\n", sql.replace('\n', "\n  "));
    project.write("002_big.yaml", &yaml);
    let (code, _, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{}", &err[..err.len().min(2000)]);
    assert!(err.len() < 2000, "{} bytes on stderr", err.len());
    assert!(
        err.contains("migration 002_big (up) failed at statement 1 of 1")
            && err.contains(
                "statement: INSERT INTO t (id, name) VALUES … (0, 'x', 'extra') (120002 lines, "
            )
            && err.contains(" MB)"),
        "{err}"
    );
    assert_eq!(project.tables(), ["t"]);
}

#[test]
fn sql_that_cannot_be_split_is_named_before_anything_runs_and_status_still_reads() {
    let project = Project::new();
    project.write("001_t.yaml", "up: CREATE TABLE t (id INTEGER);\n");
    project.write(
        "002_bad.yaml",
        "up: |\n  CREATE TABLE u (id INTEGER);\n  INSERT INTO u VALUES ('unterminated);\n",
    );
    project.empty_db();
    // `status` needs checksums, not statements: the broken file is simply pending.
    let (code, out, err) = project.run(&["migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("pending  002_bad"), "{out}");
    // `up` splits every pending script before running any: nothing is applied, not even 001.
    let (code, out, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("002_bad.yaml:3") && err.contains("cannot split `up` SQL for sqlite"),
        "{err}"
    );
    assert!(project.tables().is_empty(), "{:?}", project.tables());
    // So do `validate` (a finding) and `migrate lint`, without a database.
    let (code, _, err) = project.run(&["migrate", "validate"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("002_bad.yaml:3"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_line_and_column() {
    let project = Project::new();
    let path = project.path().join("migrations/001_latin1.yaml");
    std::fs::write(&path, b"up: |\n  CREATE TABLE caf\xE9 (id INT);\n").unwrap();
    // `validate` reports problems as findings (exit 1).
    let (code, _, err) = project.run(&["migrate", "validate"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("001_latin1.yaml:2:19") && err.contains("not UTF-8") && err.contains("0xE9"),
        "{err}"
    );
}

#[test]
fn a_json_migration_saved_with_a_byte_order_mark_applies() {
    let project = Project::new();
    project.write(
        "001_bom.json",
        "\u{feff}{\"up\": \"CREATE TABLE bom (id INTEGER);\"}",
    );
    let (code, out, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(project.tables(), ["bom"]);
}

#[test]
fn a_symbolic_link_loop_in_the_folder_is_named() {
    let project = Project::new();
    project.write("sub/001_a.yaml", "up: CREATE TABLE a (id INTEGER);\n");
    std::os::unix::fs::symlink(
        project.path().join("migrations"),
        project.path().join("migrations/sub/back"),
    )
    .unwrap();
    let (code, _, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("sub/back") && err.contains("symbolic link loop"),
        "{err}"
    );
    assert!(project.tables().is_empty());
}
