//! Planning: which migrations `up` applies and `down` reverts, and in what order.
//!
//! Pure functions of the dependency graph and the applied set, so they are tested without a
//! database. A migration a merged branch added "in the past" is simply pending: it is applied
//! when its dependencies are, with no out-of-order error.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, HashSet};

use crate::graph::Graph;
use crate::plan_error::PlanError;

/// What `up` should reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpTarget {
    /// Every pending migration.
    All,
    /// This migration and only its ancestors.
    To(String),
}

/// What `down` should revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownTarget {
    /// Every applied migration that depends on this one, directly or not; it stays applied.
    To(String),
    /// This migration and every applied migration that depends on it.
    Including(String),
    /// The last `n` applied, newest first.
    Steps(usize),
    /// Everything applied.
    All,
}

/// One migration to revert, with its place in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevertStep {
    /// Migration id.
    pub id: String,
    /// Its rank in the history.
    pub rank: i64,
}

/// Repeatable migrations (Flyway `R__`) applied with another checksum than their file has now:
/// these are pending again, to be re-run and their history row replaced. `get` looks a migration
/// up by id (`MigrationSet::get`).
pub fn changed_repeatables<'a>(
    get: impl Fn(&str) -> Option<&'a crate::model::Migration>,
    history: &[crate::history::AppliedMigration],
) -> HashSet<String> {
    history
        .iter()
        .filter(|h| h.status == crate::history::HistoryStatus::Applied)
        .filter(|h| get(&h.id).is_some_and(|m| m.repeatable && !m.checksum.is_hex(&h.checksum)))
        .map(|h| h.id.clone())
        .collect()
}

/// Ids `up` applies, in order: the pending ones `target` needs, topologically, ties by id.
pub fn plan_up(
    graph: &Graph,
    applied: &HashSet<String>,
    target: &UpTarget,
) -> Result<Vec<String>, PlanError> {
    let wanted: Option<BTreeSet<&str>> = match target {
        UpTarget::All => None,
        UpTarget::To(id) => {
            if !graph.contains(id) {
                return Err(PlanError::Unknown(id.clone()));
            }
            let mut set = graph.ancestors(id);
            set.insert(id.as_str());
            Some(set)
        }
    };
    Ok(graph
        .order()
        .filter(|id| !applied.contains(*id))
        .filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id)))
        .map(str::to_string)
        .collect())
}

/// Migrations `down` reverts, in order: dependents before what they depend on, newest first.
///
/// `applied` maps applied ids to their rank. `graph` must contain every applied id (the engine
/// adds migrations whose files are gone from their history rows).
pub fn plan_down(
    graph: &Graph,
    applied: &HashMap<String, i64>,
    target: &DownTarget,
) -> Result<Vec<RevertStep>, PlanError> {
    let chosen: BTreeSet<&str> = match target {
        DownTarget::All => applied.keys().map(String::as_str).collect(),
        DownTarget::To(id) | DownTarget::Including(id) => {
            if !graph.contains(id) {
                return Err(PlanError::Unknown(id.clone()));
            }
            if !applied.contains_key(id) {
                return Err(PlanError::NotApplied(id.clone()));
            }
            let mut set = graph.descendants(id);
            if matches!(target, DownTarget::Including(_)) {
                set.insert(id.as_str());
            }
            set.retain(|d| applied.contains_key(*d));
            set
        }
        DownTarget::Steps(n) => {
            let mut by_rank: Vec<(&String, &i64)> = applied.iter().collect();
            by_rank.sort_by_key(|(id, rank)| (Reverse(**rank), Reverse(graph.rank(id))));
            let set: BTreeSet<&str> = by_rank.iter().take(*n).map(|(id, _)| id.as_str()).collect();
            for id in &set {
                if let Some(dep) = graph
                    .descendants(id)
                    .into_iter()
                    .find(|d| applied.contains_key(*d) && !set.contains(d))
                {
                    return Err(PlanError::Entangled {
                        steps: *n,
                        id: id.to_string(),
                        dependent: dep.to_string(),
                    });
                }
            }
            set
        }
    };
    Ok(reverse_order(graph, applied, &chosen))
}

/// Orders `chosen` so nothing is reverted while a chosen dependent is still applied; among
/// those ready, the newest (highest rank) goes first.
fn reverse_order(
    graph: &Graph,
    applied: &HashMap<String, i64>,
    chosen: &BTreeSet<&str>,
) -> Vec<RevertStep> {
    let rank = |id: &str| applied.get(id).copied().unwrap_or(0);
    let mut blockers: HashMap<&str, usize> = chosen
        .iter()
        .map(|id| {
            (
                *id,
                graph
                    .dependents(id)
                    .iter()
                    .filter(|d| chosen.contains(*d))
                    .count(),
            )
        })
        .collect();
    let key = |id: &str| (rank(id), graph.rank(id));
    let mut ready: BinaryHeap<(i64, Option<usize>, &str)> = blockers
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| {
            let (r, g) = key(id);
            (r, g, *id)
        })
        .collect();
    let mut out = Vec::with_capacity(chosen.len());
    while let Some((r, _, id)) = ready.pop() {
        out.push(RevertStep {
            id: id.to_string(),
            rank: r,
        });
        for dep in graph.dependencies(id) {
            if let Some(n) = blockers.get_mut(dep) {
                *n -= 1;
                if *n == 0 {
                    let (r, g) = key(dep);
                    ready.push((r, g, dep));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
