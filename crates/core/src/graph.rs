//! The dependency graph over migration ids (petgraph), with a deterministic order.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

/// A problem that makes a set of migrations unusable as a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphProblem {
    /// `id` depends on `dependency`, which no migration has.
    UnknownDependency {
        /// The migration with the bad `depends_on` entry.
        id: String,
        /// The id it names.
        dependency: String,
    },
    /// These ids depend on each other in a cycle, in order: each depends on the next, and
    /// the last on the first.
    Cycle(Vec<String>),
}

/// Migrations as a DAG: an edge goes from a dependency to its dependent.
#[derive(Debug, Clone)]
pub struct Graph {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
    order: Vec<usize>,
}

impl Graph {
    /// Builds the graph from `(id, depends_on)` pairs with unique ids. Unknown dependencies and
    /// cycles are all reported, not only the first.
    pub fn build<I, S>(nodes: I) -> Result<Graph, Vec<GraphProblem>>
    where
        I: IntoIterator<Item = (S, Vec<S>)>,
        S: Into<String>,
    {
        // Owned ids move in without a copy.
        let mut pairs: Vec<(String, Vec<String>)> = nodes
            .into_iter()
            .map(|(id, deps)| (id.into(), deps.into_iter().map(Into::into).collect()))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let ids: Vec<String> = pairs.iter().map(|(id, _)| id.clone()).collect();
        let index: HashMap<String, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();

        let mut problems = Vec::new();
        let mut deps = vec![Vec::new(); ids.len()];
        let mut dependents = vec![Vec::new(); ids.len()];
        for (i, (id, names)) in pairs.iter().enumerate() {
            for name in names {
                match index.get(name) {
                    Some(&d) if !deps[i].contains(&d) => {
                        deps[i].push(d);
                        dependents[d].push(i);
                    }
                    Some(_) => {}
                    None => problems.push(GraphProblem::UnknownDependency {
                        id: id.clone(),
                        dependency: name.clone(),
                    }),
                }
            }
        }
        problems.extend(
            cycles(&deps)
                .into_iter()
                .map(|c| GraphProblem::Cycle(c.into_iter().map(|i| ids[i].clone()).collect())),
        );
        if !problems.is_empty() {
            return Err(problems);
        }
        let order = kahn_order(&deps, &dependents);
        Ok(Graph {
            ids,
            index,
            deps,
            dependents,
            order,
        })
    }

    /// Number of migrations.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no migrations.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether `id` is in the graph.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Ids in topological order, ties broken by id: the order `up` applies them in.
    pub fn order(&self) -> impl Iterator<Item = &str> + '_ {
        self.order.iter().map(|&i| self.ids[i].as_str())
    }

    /// Position of `id` in [`Graph::order`].
    pub fn rank(&self, id: &str) -> Option<usize> {
        let i = *self.index.get(id)?;
        self.order.iter().position(|&o| o == i)
    }

    /// Direct dependencies of `id`, sorted.
    pub fn dependencies(&self, id: &str) -> Vec<&str> {
        self.neighbours(id, &self.deps)
    }

    /// Direct dependents of `id`, sorted.
    pub fn dependents(&self, id: &str) -> Vec<&str> {
        self.neighbours(id, &self.dependents)
    }

    /// Every id `id` depends on, directly or not (not `id` itself).
    pub fn ancestors(&self, id: &str) -> BTreeSet<&str> {
        self.reach(id, &self.deps)
    }

    /// Every id that depends on `id`, directly or not (not `id` itself).
    pub fn descendants(&self, id: &str) -> BTreeSet<&str> {
        self.reach(id, &self.dependents)
    }

    /// Ids nothing depends on, sorted: what a new migration should depend on.
    pub fn heads(&self) -> Vec<&str> {
        (0..self.ids.len())
            .filter(|&i| self.dependents[i].is_empty())
            .map(|i| self.ids[i].as_str())
            .collect()
    }

    fn neighbours<'a>(&'a self, id: &str, edges: &'a [Vec<usize>]) -> Vec<&'a str> {
        let Some(&i) = self.index.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<&str> = edges[i].iter().map(|&j| self.ids[j].as_str()).collect();
        out.sort_unstable();
        out
    }

    fn reach<'a>(&'a self, id: &str, edges: &'a [Vec<usize>]) -> BTreeSet<&'a str> {
        let mut seen = vec![false; self.ids.len()];
        let mut queue: VecDeque<usize> = self.index.get(id).copied().into_iter().collect();
        let mut out = BTreeSet::new();
        while let Some(i) = queue.pop_front() {
            for &j in &edges[i] {
                if !seen[j] {
                    seen[j] = true;
                    out.insert(self.ids[j].as_str());
                    queue.push_back(j);
                }
            }
        }
        out
    }
}

/// Kahn's algorithm with a min-heap, so among ready nodes the smallest id goes first.
fn kahn_order(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Vec<usize> {
    let mut missing: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..deps.len())
        .filter(|&i| missing[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &j in &dependents[i] {
            missing[j] -= 1;
            if missing[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    order
}

/// Every cycle, as the ids along it. petgraph's toposort names one node of a cycle; Tarjan's
/// strongly connected components give all of them.
fn cycles(deps: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..deps.len()).map(|i| g.add_node(i)).collect();
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            g.add_edge(nodes[i], nodes[d], ());
        }
    }
    let mut out: Vec<Vec<usize>> = tarjan_scc(&g)
        .into_iter()
        .filter(|scc| scc.len() > 1 || deps[scc[0].index()].contains(&scc[0].index()))
        .map(|scc| {
            let members: BTreeSet<usize> = scc.iter().map(|n| n.index()).collect();
            cycle_through(deps, &members)
        })
        .collect();
    out.sort();
    out
}

/// A shortest cycle through the smallest member of a strongly connected component, followed by
/// any members that cycle does not pass through, so every id involved is named.
fn cycle_through(deps: &[Vec<usize>], members: &BTreeSet<usize>) -> Vec<usize> {
    let Some(&start) = members.first() else {
        return Vec::new();
    };
    let mut parent: HashMap<usize, usize> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    let mut end = None;
    'bfs: while let Some(i) = queue.pop_front() {
        for &d in &deps[i] {
            if d == start {
                end = Some(i);
                break 'bfs;
            }
            if members.contains(&d) && !parent.contains_key(&d) {
                parent.insert(d, i);
                queue.push_back(d);
            }
        }
    }
    let mut path = Vec::new();
    let mut at = end;
    while let Some(i) = at {
        path.push(i);
        at = if i == start {
            None
        } else {
            parent.get(&i).copied()
        };
    }
    path.reverse();
    for m in members {
        if !path.contains(m) {
            path.push(*m);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(nodes: &[(&str, &[&str])]) -> Result<Graph, Vec<GraphProblem>> {
        Graph::build(nodes.iter().map(|(id, d)| (*id, d.to_vec())))
    }

    #[test]
    fn order_is_topological_with_ties_by_id() {
        let graph = g(&[("c", &[]), ("b", &["c"]), ("a", &[]), ("d", &["a"])]).unwrap();
        assert_eq!(graph.order().collect::<Vec<_>>(), ["a", "c", "b", "d"]);
        assert_eq!(graph.rank("a"), Some(0));
        assert_eq!(graph.rank("b"), Some(2));
        assert_eq!(graph.rank("nope"), None);
        assert_eq!(graph.heads(), ["b", "d"]);
        assert_eq!(graph.ancestors("b").into_iter().collect::<Vec<_>>(), ["c"]);
        assert_eq!(
            graph.descendants("a").into_iter().collect::<Vec<_>>(),
            ["d"]
        );
    }

    #[test]
    fn reports_every_unknown_dependency_and_every_cycle() {
        let err = g(&[
            ("a", &["b"]),
            ("b", &["c"]),
            ("c", &["a"]),
            ("d", &["d"]),
            ("e", &["nope", "gone"]),
        ])
        .unwrap_err();
        assert!(err.contains(&GraphProblem::UnknownDependency {
            id: "e".into(),
            dependency: "nope".into()
        }));
        assert!(err.contains(&GraphProblem::UnknownDependency {
            id: "e".into(),
            dependency: "gone".into()
        }));
        assert!(err.contains(&GraphProblem::Cycle(vec![
            "a".into(),
            "b".into(),
            "c".into()
        ])));
        assert!(err.contains(&GraphProblem::Cycle(vec!["d".into()])));
        assert_eq!(err.len(), 4);
    }

    #[test]
    fn a_cycle_is_named_by_its_shortest_loop_then_the_rest_of_its_component() {
        // a -> c -> a is the shortest loop through a; b is caught in the same component.
        let err = g(&[("a", &["c", "b"]), ("b", &["c"]), ("c", &["a"])]).unwrap_err();
        assert_eq!(
            err,
            [GraphProblem::Cycle(vec![
                "a".into(),
                "c".into(),
                "b".into()
            ])]
        );
        // The loop found goes through the longer way only when no shorter one exists.
        let err = g(&[("a", &["b"]), ("b", &["d"]), ("d", &["c"]), ("c", &["a"])]).unwrap_err();
        assert_eq!(
            err,
            [GraphProblem::Cycle(vec![
                "a".into(),
                "b".into(),
                "d".into(),
                "c".into()
            ])]
        );
    }

    #[test]
    fn a_dependency_named_twice_is_one_edge() {
        // `depends_on: [a, a]` is one edge: `graph` prints it once and down plans count it once.
        let graph = g(&[("a", &[]), ("b", &["a", "a"])]).unwrap();
        assert_eq!(graph.dependencies("b"), ["a"]);
        assert_eq!(graph.dependents("a"), ["b"]);
        assert_eq!(graph.order().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn counts_its_migrations() {
        let empty = g(&[]).unwrap();
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
        let three = g(&[("a", &[]), ("b", &["a"]), ("c", &[])]).unwrap();
        assert_eq!((three.len(), three.is_empty()), (3, false));
    }
}
