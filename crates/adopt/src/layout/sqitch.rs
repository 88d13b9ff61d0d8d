//! Sqitch: `sqitch.plan` names the changes in order; each has `deploy/<name>.sql` (up),
//! `revert/<name>.sql` (down) and `verify/<name>.sql`. A change planned again after a tag (a
//! rework) keeps its earlier scripts as `<name>@<tag>.sql` (sqitchers/sqitch
//! `Plan/Change.pm`, `_path_segments`: the first rework tag whose deploy script exists).
//!
//! Sqitch's dependencies form a graph, but Cairn chains the changes in plan order, which the
//! plan's own check (`requires` only earlier changes) makes a valid order. Ids are the change
//! names; a reworked change's later versions are `<name>~2`, `<name>~3` (stable as the plan
//! grows). Verify scripts are not run: each one is named in a note.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::entry::{Entry, Section, Variant, problem};
use super::files;
use super::sqitch_plan::{PlanChange, parse};
use super::version::VersionKey;
use crate::error::{Problem, ProblemKind};

/// The plan file's name in the folder.
pub(crate) const PLAN: &str = "sqitch.plan";

/// Reads a Sqitch project folder: its changes in plan order.
pub(crate) fn scan(root: &Path) -> Result<Vec<Entry>, Vec<Problem>> {
    let plan_path = root.join(PLAN);
    if !plan_path.is_file() {
        return Err(vec![problem(
            ProblemKind::Io,
            &plan_path,
            0,
            "no sqitch.plan in the folder".to_string(),
            None,
        )]);
    }
    let text = files::read(&plan_path).map_err(|p| vec![p])?;
    if let Some(p) = custom_layout(root) {
        return Err(vec![p]);
    }
    let plan = parse(&plan_path, &text).map_err(|p| vec![p])?;
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    let mut versions: HashMap<&str, usize> = HashMap::new();
    for (position, change) in plan.changes.iter().enumerate() {
        let k = versions.entry(change.name.as_str()).or_insert(0);
        *k += 1;
        let id = if *k == 1 {
            change.name.clone()
        } else {
            format!("{}~{k}", change.name)
        };
        match change_entry(
            root,
            &plan_path,
            &text,
            (&plan.project, change),
            id,
            position,
        ) {
            Ok(e) => entries.push(e),
            Err(p) => problems.push(p),
        }
    }
    files::all_or_problems(entries, problems)
}

/// A `sqitch.conf` that moves the scripts or the plan (`top_dir`, `plan_file`, `*_dir`,
/// `extension`): Cairn reads the default layout only.
fn custom_layout(root: &Path) -> Option<Problem> {
    let path = root.join("sqitch.conf");
    let text = std::fs::read_to_string(&path).ok()?;
    let (n, line) = text.lines().enumerate().find(|(_, l)| {
        let key = l.split('=').next().unwrap_or("").trim();
        [
            "top_dir",
            "plan_file",
            "deploy_dir",
            "revert_dir",
            "verify_dir",
            "extension",
        ]
        .contains(&key)
    })?;
    Some(problem(
        ProblemKind::Format,
        &path,
        u32::try_from(n + 1).unwrap_or(u32::MAX),
        format!(
            "`{}` changes where Sqitch finds the plan or scripts; Cairn reads the default layout only (point it at the top directory)",
            line.trim()
        ),
        Some(&text),
    ))
}

/// The script of `change` in `dir` (`deploy`, `revert`, `verify`): `<name>.sql`, or for a
/// reworked version `<name>@<tag>.sql` with the first rework tag that has a deploy script.
fn script(root: &Path, dir: &str, change: &PlanChange) -> PathBuf {
    let base = root.join(dir);
    match change.rework_tags.as_slice() {
        [] => base.join(format!("{}.sql", change.name)),
        tags => {
            let named = |tag: &String| format!("{}@{tag}.sql", change.name);
            let file = tags
                .iter()
                .find(|t| root.join("deploy").join(named(t)).is_file())
                .unwrap_or(&tags[0]);
            base.join(named(file))
        }
    }
}

fn change_entry(
    root: &Path,
    plan_path: &Path,
    plan_text: &str,
    (project, change): (&str, &PlanChange),
    id: String,
    position: usize,
) -> Result<Entry, Problem> {
    let deploy = script(root, "deploy", change);
    if !deploy.is_file() {
        return Err(problem(
            ProblemKind::Format,
            plan_path,
            change.line,
            format!(
                "change \"{}\" has no deploy script: {} is missing",
                change.name,
                deploy.display()
            ),
            Some(plan_text),
        ));
    }
    let up_text = files::read(&deploy)?;
    let revert = script(root, "revert", change);
    let down = if revert.is_file() {
        let text = files::read(&revert)?;
        Some(Section::whole(&revert, &text))
    } else {
        None
    };
    let mut notes = Vec::new();
    let verify = script(root, "verify", change);
    if verify.is_file() {
        notes.push(format!(
            "{}: Sqitch's verify script is not run by Cairn (run it yourself, or `sqitch verify`)",
            verify.display()
        ));
    }
    let external: Vec<&str> = change
        .requires
        .iter()
        .filter(|d| d.split_once(':').is_some_and(|(p, _)| p != project))
        .map(String::as_str)
        .collect();
    if !external.is_empty() {
        notes.push(format!(
            "{}:{}: dependencies on other projects [{}] are not checked",
            plan_path.display(),
            change.line,
            external.join(" ")
        ));
    }
    if !change.conflicts.is_empty() {
        notes.push(format!(
            "{}:{}: conflicts [{}] are not checked",
            plan_path.display(),
            change.line,
            change.conflicts.join(" ")
        ));
    }
    Ok(Entry {
        version: id.clone(),
        id,
        key: VersionKey::number(&position.to_string()),
        name: change.name.clone(),
        repeatable: false,
        variants: vec![Variant {
            dialect: None,
            up: Section::whole(&deploy, &up_text),
            down,
            // Sqitch scripts usually hold their own BEGIN/COMMIT; then Cairn adds none.
            transaction: true,
        }],
        notes,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use crate::Dialect;
    use crate::layout::{Layout, detect, load};

    use crate::layout::tests::folder;

    const PLAN: &str = "%syntax-version=1.0.0\n%project=p\n\na 2024-01-01T00:00:00Z Ann <a@x>\n@v1 2024-01-02T00:00:00Z Ann <a@x>\nb [a] 2024-01-03T00:00:00Z Ann <a@x>\na [a@v1] 2024-01-04T00:00:00Z Ann <a@x> # reworked\n";

    #[test]
    fn reworked_changes_read_their_tagged_scripts() {
        let dir = folder(&[
            ("sqitch.plan", PLAN),
            ("deploy/a@v1.sql", "CREATE TABLE a (x int);\n"),
            ("revert/a@v1.sql", "DROP TABLE a;\n"),
            (
                "deploy/a.sql",
                "BEGIN;\nALTER TABLE a ADD COLUMN y int;\nCOMMIT;\n",
            ),
            ("revert/a.sql", "ALTER TABLE a DROP COLUMN y;\n"),
            ("deploy/b.sql", "CREATE TABLE b (x int);\n"),
            ("verify/b.sql", "SELECT x FROM b WHERE 0;\n"),
        ]);
        assert_eq!(detect(dir.path()).unwrap(), Layout::Sqitch);
        let set = load(dir.path(), Layout::Sqitch, Dialect::Sqlite).unwrap();
        let ids: Vec<&str> = set.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "a~2"]);
        let first = set.get("a").unwrap();
        assert!(first.file.ends_with("deploy/a@v1.sql"));
        assert_eq!(first.down.as_ref().unwrap().sql, "DROP TABLE a;\n");
        assert!(set.get("b").unwrap().down.is_none());
        let again = set.get("a~2").unwrap();
        assert!(again.file.ends_with("deploy/a.sql"));
        assert!(!again.transaction, "BEGIN/COMMIT in the script");
        assert_eq!(again.depends_on, ["b"]);
    }

    #[test]
    fn a_missing_deploy_script_names_the_plan_line() {
        let dir = folder(&[("sqitch.plan", PLAN), ("deploy/a@v1.sql", "SELECT 1;\n")]);
        let e = load(dir.path(), Layout::Sqitch, Dialect::Sqlite).unwrap_err();
        let got: Vec<(u32, bool)> =
            e.0.iter()
                .map(|p| (p.line, p.file.ends_with("sqitch.plan")))
                .collect();
        assert_eq!(got, [(6, true), (7, true)]);
        assert!(e.0[0].message.contains("deploy/b.sql is missing"), "{e}");
    }

    #[test]
    fn a_custom_top_dir_is_refused() {
        let dir = folder(&[
            ("sqitch.plan", PLAN),
            ("sqitch.conf", "[core]\n\tengine = pg\n\ttop_dir = db\n"),
        ]);
        let e = load(dir.path(), Layout::Sqitch, Dialect::Sqlite).unwrap_err();
        assert_eq!(e.0[0].line, 3);
    }
}
