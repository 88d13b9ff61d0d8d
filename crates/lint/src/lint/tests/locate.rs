//! Findings point at the file: YAML blocks, one-line scalars, JSON strings and `changes`.

use super::*;

fn first(name: &str, text: &str, rule: &str, d: Dialect) -> LintFinding {
    let report = lint(&set_of(name, text, d), &Policy::default(), &Linter::new());
    report
        .findings
        .into_iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

#[test]
fn a_literal_block_maps_lines_and_columns_through_the_indentation() {
    let text = "description: x\nup: |\n    CREATE TABLE a (id INT);\n    DELETE FROM users;\ndown: |\n    DROP TABLE a;\n";
    let f = first("0001_m.yaml", text, "delete_without_where", Dialect::Sqlite);
    assert_eq!((f.line, f.column, f.width), (4, 5, 18), "{f:?}");
    assert_eq!(f.source_line.as_deref(), Some("    DELETE FROM users;"));
    assert_eq!((f.statement, f.direction), (Some(2), Direction::Up));
    assert_eq!(f.file, PathBuf::from("migrations/0001_m.yaml"));

    // Where the parser stopped, on a later line of a multi-line statement.
    let text =
        "up: |\n  CREATE TABLE a (\n    id INT,\n    x INT NOT NUL\n  );\ndown: DROP TABLE a;\n";
    let f = first("0001_m.yaml", text, "syntax", Dialect::Sqlite);
    assert_eq!((f.line, f.column), (4, 11), "{f:?}");
    assert_eq!(f.width, 3);
}

#[test]
fn one_line_scalars_and_json_strings_are_found_on_their_line() {
    let f = first(
        "0001_m.yaml",
        "down: SELECT 1;\nup: SELECT 1; DROP TABLE users;\n",
        "drop_table",
        Dialect::Sqlite,
    );
    assert_eq!((f.line, f.column), (2, 15), "{f:?}");
    let json = "{\n  \"up\": \"CREATE TABLE a (id INT);\\nTRUNCATE TABLE users\",\n  \"down\": \"DROP TABLE a\"\n}";
    let f = first("0001_m.json", json, "truncate", Dialect::Postgres);
    assert_eq!((f.line, f.column), (2, 36), "{f:?}");
    let f = first(
        "0001_m.yaml",
        "up: CREATE TABLE a (id INT);\n",
        "down_missing",
        Dialect::Sqlite,
    );
    assert_eq!((f.line, f.column, f.width), (1, 1, 2), "{f:?}");
}

#[test]
fn changes_point_at_the_change_they_were_rendered_from() {
    let text = "changes:\n  - create_table: {name: t, columns: [{name: id, type: integer}]}\n  - create_index: {table: users, index: {name: idx_users_phone, columns: [phone]}}\n";
    let f = first(
        "0001_m.yaml",
        text,
        "create_index_without_concurrently",
        Dialect::Postgres,
    );
    assert_eq!(f.line, 3, "{f:?}");
    assert_eq!(f.column, 5, "{f:?}");
}
