//! `cairn.toml`, per-migration settings and custom rules.

use super::*;
use crate::source::SourceFile;

#[test]
fn policy_sets_severities_and_rejects_bad_values() {
    let p = Policy::parse(
        "[project]\nname = \"x\"\n\n[lint]\ndrop_table = \"warn\"\ncreate_index_without_concurrently = \"deny\"\nsyntax = \"off\"\n",
    )
    .unwrap();
    let linter = Linter::new();
    assert_eq!(
        p.severity(linter.rule("drop_table").unwrap()),
        Severity::Warn
    );
    assert_eq!(
        p.severity(linter.rule("create_index_without_concurrently").unwrap()),
        Severity::Deny,
        "the file raises a warn rule to deny"
    );
    assert_eq!(p.severity(linter.rule("syntax").unwrap()), Severity::Off);
    // A rule the file does not name keeps its default.
    assert_eq!(p.severity(linter.rule("truncate").unwrap()), Severity::Deny);
    assert_eq!(
        p.severity(linter.rule("rename_table").unwrap()),
        Severity::Warn
    );
    assert!(linter.check_policy(&p).is_ok());

    let bad = Policy::parse("[lint]\ndrop_table = \"error\"\n").unwrap_err();
    assert!(bad.message.contains("unknown severity `error`"), "{bad}");
    let syntax = Policy::parse("[lint\n").unwrap_err();
    assert!(syntax.message.contains("line 1"), "{syntax}");
    let typo = Policy::parse("[lint]\ndrop_tabel = \"deny\"\n").unwrap();
    let err = linter.check_policy(&typo).unwrap_err();
    assert!(err.message.contains("unknown rule `drop_tabel`"), "{err}");
    assert!(Policy::parse("").unwrap().rules().next().is_none());
}

#[test]
fn policy_changes_what_blocks() {
    let set = set_of(
        "0001_m.yaml",
        "up: |\n  DROP TABLE a;\n  CREATE INDEX i ON b (x);\ndown: DROP INDEX i;\n",
        Dialect::Postgres,
    );
    let linter = Linter::new();
    let default = lint(&set, &Policy::default(), &linter);
    assert_eq!(default.blocking().count(), 1);
    let strict = Policy::default().set("create_index_without_concurrently", Severity::Deny);
    assert_eq!(lint(&set, &strict, &linter).blocking().count(), 2);
    let lax = Policy::default()
        .set("drop_table", Severity::Off)
        .set("create_index_without_concurrently", Severity::Off);
    assert!(lint(&set, &lax, &linter).findings.is_empty());
}

#[test]
fn policy_is_found_by_walking_up() {
    let root = tempfile::tempdir().unwrap();
    let deep = root.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(Policy::discover(&deep).unwrap(), Policy::default());
    std::fs::write(
        root.path().join(POLICY_FILE),
        "[lint]\ntruncate = \"warn\"\n",
    )
    .unwrap();
    let p = Policy::discover(&deep).unwrap();
    assert_eq!(
        p.rules().collect::<Vec<_>>(),
        [("truncate", Severity::Warn)]
    );
    assert_eq!(p.path(), Some(root.path().join(POLICY_FILE).as_path()));
    std::fs::write(root.path().join(POLICY_FILE), "[lint]\ntruncate = 1\n").unwrap();
    let err = Policy::discover(&deep).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&root.path().join(POLICY_FILE).display().to_string()),
        "{err}"
    );
}

#[test]
fn allow_needs_a_reason_and_lint_takes_on_or_off() {
    let load = |text: &str| {
        cairn_load::load_files(
            vec![SourceFile {
                path: "m.yaml".into(),
                default_id: "m".into(),
                text: text.into(),
            }],
            Dialect::Sqlite,
        )
    };
    let err = load("allow:\n  - rule: drop_table\nup: DROP TABLE a;\n").unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert_eq!(err.0[0].line, 2);
    assert!(
        err.0[0].message.contains("needs a `reason`"),
        "{}",
        err.0[0].message
    );
    for (text, says) in [
        (
            "allow: [{rule: drop_table, reason: \"  \"}]\nup: DROP TABLE a;\n",
            "`allow` of rule `drop_table` needs a `reason`",
        ),
        (
            "allow: [{rule: drop_table, reason: x, why: y}]\nup: SELECT 1;\n",
            "unknown field `why`, expected one of rule, reason",
        ),
        (
            "lint: sometimes\nup: SELECT 1;\n",
            "invalid value: string \"sometimes\", expected `off` or `on`",
        ),
    ] {
        let e = load(text).unwrap_err();
        assert_eq!(e.0.len(), 1, "{e}");
        assert_eq!(e.0[0].line, 1, "{e}");
        assert!(e.0[0].message.contains(says), "{}", e.0[0].message);
    }
    for on in ["on", "true"] {
        let set = load(&format!("lint: {on}\nup: SELECT 1;\n")).unwrap();
        assert!(!set.iter().next().unwrap().lint.off);
    }
    for off in ["off", "false", "\"off\""] {
        let set = load(&format!("lint: {off}\nup: SELECT 1;\n")).unwrap();
        assert!(set.iter().next().unwrap().lint.off, "{off}");
    }
    let json = cairn_load::load_files(
        vec![SourceFile {
            path: "m.json".into(),
            default_id: "m".into(),
            text: r#"{"lint": "off", "allow": [{"rule": "truncate", "reason": "r"}], "up": "SELECT 1"}"#.into(),
        }],
        Dialect::Sqlite,
    )
    .unwrap();
    let m = json.iter().next().unwrap();
    assert!(m.lint.off);
    assert_eq!(m.lint.allow[0].reason, "r");
}

/// A team's own rule, added to the engine's.
struct NoSelectStar;

impl Rule for NoSelectStar {
    fn id(&self) -> &'static str {
        "no_select_star"
    }

    fn severity(&self) -> Severity {
        Severity::Deny
    }

    fn check(&self, ctx: &RuleContext<'_>, out: &mut Vec<LintFinding>) {
        for (i, p) in ctx.up().iter().enumerate() {
            if p.statement.sql.contains("SELECT *") {
                out.push(ctx.finding(
                    self,
                    Direction::Up,
                    i,
                    "SELECT * in a migration",
                    "name the columns",
                ));
            }
        }
    }
}

#[test]
fn custom_rules_plug_in_and_the_policy_knows_them() {
    let set = set_of(
        "0001_m.yaml",
        "up: INSERT INTO a SELECT * FROM b;\ndown: SELECT 1;\n",
        Dialect::Sqlite,
    );
    let linter = Linter::new().with_rule(Box::new(NoSelectStar));
    let report = lint(&set, &Policy::default(), &linter);
    assert_eq!(
        report
            .blocking()
            .map(|f| f.rule.as_str())
            .collect::<Vec<_>>(),
        ["no_select_star"]
    );
    let policy = Policy::parse("[lint]\nno_select_star = \"warn\"\n").unwrap();
    assert!(linter.check_policy(&policy).is_ok());
    assert!(Linter::new().check_policy(&policy).is_err());
    assert!(!lint(&set, &policy, &linter).is_blocked());
    assert!(
        lint(&set, &Policy::default(), &Linter::empty())
            .findings
            .is_empty()
    );
}
