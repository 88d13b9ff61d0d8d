//! `sqitch.plan` rules and errors.
#![allow(clippy::unwrap_used)]

use super::*;

fn read(body: &str) -> Result<Plan, Problem> {
    parse(
        Path::new("sqitch.plan"),
        &format!("%syntax-version=1.0.0\n%project=zoo\n\n{body}"),
    )
}

const AT: &str = "2024-01-01T00:00:00Z Ann Lee <ann@example.com>";

#[test]
fn changes_tags_notes_and_dependencies() {
    let plan = read(&format!(
        "# a comment\nusers {AT} # Creates users.\nwidgets [users !gadgets other:thing] {AT}\n@v1.0 {AT} # Tag.\n+flips [users@v1.0 @v1.0] {AT}\n"
    ))
    .unwrap();
    assert_eq!(plan.project, "zoo");
    let names: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["users", "widgets", "flips"]);
    let [users, widgets, flips] = &plan.changes[..] else {
        panic!()
    };
    assert_eq!((users.line, users.note.as_str()), (5, "Creates users."));
    assert_eq!(widgets.requires, ["users", "other:thing"]);
    assert_eq!(widgets.conflicts, ["gadgets"]);
    assert_eq!(widgets.tags, ["v1.0"]);
    assert_eq!(flips.requires, ["users@v1.0", "@v1.0"]);
}

#[test]
fn reworks_collect_the_tags_since_the_earlier_version() {
    let plan = read(&format!(
        "a {AT}\n@v1 {AT}\nb {AT}\n@v2 {AT}\na [a@v1] {AT}\n@v3 {AT}\na [a@v3] {AT}\n"
    ))
    .unwrap();
    let tags: Vec<&[String]> = plan
        .changes
        .iter()
        .map(|c| c.rework_tags.as_slice())
        .collect();
    assert_eq!(tags[0], ["v2", "v1"]);
    assert_eq!(tags[2], ["v3"]);
    assert!(tags[3].is_empty());
}

#[test]
fn errors_name_the_plan_line() {
    let line = |body: &str| read(body).unwrap_err();
    let e = line(&format!("a {AT}\nb [c] {AT}\n"));
    assert_eq!(e.line, 5);
    assert!(
        e.message
            .contains("unknown change \"c\" required by change \"b\""),
        "{}",
        e.message
    );
    let e = line(&format!("b [a] {AT}\na {AT}\n"));
    assert_eq!(e.line, 4, "a required change must come first");
    assert_eq!(line(&format!("a [a] {AT}\n")).line, 4);
    let e = line(&format!("a {AT}\na {AT}\n"));
    assert!(
        e.message
            .contains("duplicates earlier declaration on line 4"),
        "{}",
        e.message
    );
    assert!(line("a Ann <a@x>\n").message.contains("missing timestamp"));
    assert!(
        line("a 2024-01-01T00:00:00Z\n")
            .message
            .contains("missing planner")
    );
    assert!(
        line(&format!("@v1 {AT}\n"))
            .message
            .contains("without a preceding change")
    );
    assert!(
        line(&format!("-a {AT}\n"))
            .message
            .contains("not supported")
    );
    assert!(
        line(&format!("bad: {AT}\n"))
            .message
            .contains("invalid name")
    );
    // `a@v2` needs `a` planned before tag `v2`.
    let e = line(&format!("a {AT}\n@v1 {AT}\nb [a@v2] {AT}\n"));
    assert_eq!(e.line, 6);
    let e = parse(
        Path::new("sqitch.plan"),
        "%syntax-version=1.0.0\n\na 2024-01-01T00:00:00Z A <a@x>\n",
    )
    .unwrap_err();
    assert!(e.message.contains("%project"), "{}", e.message);
    let e = parse(
        Path::new("sqitch.plan"),
        "%project=p\na 2024-01-01T00:00:00Z A <a@x>\n",
    )
    .unwrap_err();
    assert_eq!(e.line, 2, "no blank line after the pragmas");
}

#[test]
fn names_follow_sqitch_rules() {
    for ok in [
        "users",
        "add_users",
        "a-b",
        "v1.0",
        "x_",
        "_x",
        "a/b",
        "ab~c",
    ] {
        assert!(valid_name(ok), "{ok}");
    }
    for bad in [
        "", "-a", "a-", "a:b", "a@b", "a b", "a#b", "a~1", "a^2", "foo/3",
    ] {
        assert!(!valid_name(bad), "{bad}");
    }
}
