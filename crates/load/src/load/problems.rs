//! Graph problems (unknown dependencies, cycles) located in the files, with "did you mean"
//! suggestions.

use std::collections::HashMap;

use super::raw::RawMigration;
use super::resolve::position;
use crate::error::{Problem, ProblemKind};
use crate::graph::GraphProblem;
use crate::source::{SourceFile, locate, problem};

pub(super) fn graph_problem(
    gp: &GraphProblem,
    positions: &HashMap<String, (&SourceFile, &RawMigration)>,
) -> Problem {
    match gp {
        GraphProblem::UnknownDependency { id, dependency } => {
            let (file, raw) = positions[id];
            let (line, col) = raw
                .depends_on
                .iter()
                .find(|d| &d.value == dependency)
                .map_or((1, 1), |d| {
                    let key_at = locate::find_json_string(&file.text, "depends_on", 0).unwrap_or(0);
                    if d.referenced.line() > 0 {
                        position(file, d, &[], 0)
                    } else {
                        locate::find_json_string(&file.text, dependency, key_at)
                            .map_or((1, 1), |a| locate::line_col(&file.text, a))
                    }
                });
            let mut names: Vec<&String> = positions.keys().collect();
            names.sort();
            let hint = closest(dependency, &names)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            let msg = format!("migration `{id}` depends on unknown migration `{dependency}`{hint}");
            problem(
                ProblemKind::UnknownDependency,
                &file.path,
                line,
                col,
                msg,
                Some(file),
            )
        }
        GraphProblem::Cycle(ids) => {
            let (file, raw) = positions[&ids[0]];
            let (line, col) = raw
                .depends_on
                .first()
                .map_or((1, 1), |d| position(file, d, &["depends_on"], 0));
            let mut path = ids.clone();
            path.push(ids[0].clone());
            let files: Vec<String> = ids
                .iter()
                .map(|i| positions[i].0.path.display().to_string())
                .collect();
            let msg = format!(
                "dependency cycle: {} (each depends on the next; files: {})",
                path.join(" -> "),
                files.join(", ")
            );
            problem(ProblemKind::Cycle, &file.path, line, col, msg, Some(file))
        }
    }
}

/// The known id most like `name`, when one is close enough to be a typo.
fn closest<'a>(name: &str, known: &[&'a String]) -> Option<&'a String> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
