use super::*;
use proptest::prelude::*;

fn graph(nodes: &[(&str, &[&str])]) -> Graph {
    Graph::build(nodes.iter().map(|(id, d)| (*id, d.to_vec()))).unwrap()
}

fn ids(v: &[RevertStep]) -> Vec<&str> {
    v.iter().map(|s| s.id.as_str()).collect()
}

/// auth1 <- auth2 <- auth3; audit1 and scan1 depend on auth1; cache depends on nothing.
fn sample() -> Graph {
    graph(&[
        ("auth1", &[]),
        ("auth2", &["auth1"]),
        ("auth3", &["auth2"]),
        ("audit1", &["auth1"]),
        ("scan1", &["auth1"]),
        ("cache", &[]),
    ])
}

fn applied(list: &[&str]) -> HashMap<String, i64> {
    list.iter()
        .enumerate()
        .map(|(i, id)| (id.to_string(), i as i64 + 1))
        .collect()
}

#[test]
fn up_applies_everything_pending_in_order() {
    let g = sample();
    let plan = plan_up(&g, &HashSet::new(), &UpTarget::All).unwrap();
    assert_eq!(
        plan,
        ["auth1", "audit1", "auth2", "auth3", "cache", "scan1"]
    );
}

#[test]
fn up_to_takes_only_ancestors() {
    let g = sample();
    let plan = plan_up(&g, &HashSet::new(), &UpTarget::To("scan1".into())).unwrap();
    assert_eq!(plan, ["auth1", "scan1"]);
    let done: HashSet<String> = ["auth1".to_string()].into();
    assert_eq!(
        plan_up(&g, &done, &UpTarget::To("auth3".into())).unwrap(),
        ["auth2", "auth3"]
    );
    assert_eq!(
        plan_up(&g, &HashSet::new(), &UpTarget::To("nope".into())),
        Err(PlanError::Unknown("nope".into()))
    );
}

#[test]
fn a_migration_merged_in_the_past_is_applied_without_complaint() {
    let g = sample();
    let done: HashSet<String> = ["auth1", "auth2", "auth3", "scan1", "cache"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(plan_up(&g, &done, &UpTarget::All).unwrap(), ["audit1"]);
}

#[test]
fn down_to_reverts_dependents_newest_first() {
    let g = sample();
    let a = applied(&["auth1", "scan1", "auth2", "audit1", "auth3", "cache"]);
    assert_eq!(
        ids(&plan_down(&g, &a, &DownTarget::To("auth1".into())).unwrap()),
        ["auth3", "audit1", "auth2", "scan1"]
    );
    assert_eq!(
        ids(&plan_down(&g, &a, &DownTarget::Including("auth1".into())).unwrap()),
        ["auth3", "audit1", "auth2", "scan1", "auth1"]
    );
    assert_eq!(
        ids(&plan_down(&g, &a, &DownTarget::Steps(2)).unwrap()),
        ["cache", "auth3"]
    );
    assert_eq!(plan_down(&g, &a, &DownTarget::All).unwrap().len(), 6);
    let partial = applied(&["auth1"]);
    assert_eq!(
        plan_down(&g, &partial, &DownTarget::To("auth2".into())),
        Err(PlanError::NotApplied("auth2".into()))
    );
}

#[test]
fn steps_refuse_to_strand_a_dependent() {
    let g = sample();
    // Stamped out of order: auth1 has the highest rank while audit1 depends on it.
    let a: HashMap<String, i64> = [("audit1".to_string(), 1), ("auth1".to_string(), 2)].into();
    assert!(matches!(
        plan_down(&g, &a, &DownTarget::Steps(1)),
        Err(PlanError::Entangled { .. })
    ));
    assert_eq!(
        ids(&plan_down(&g, &a, &DownTarget::Steps(2)).unwrap()),
        ["audit1", "auth1"]
    );
}

#[test]
fn equal_history_ranks_revert_in_reverse_apply_order() {
    // Rows recorded in one batch (adoption, stamp) can share a rank: the later in the order
    // `up` applies them in is reverted first. Here that order (b, c, a) is not the id order.
    let g = graph(&[("a", &["c"]), ("b", &[]), ("c", &[])]);
    assert_eq!(g.order().collect::<Vec<_>>(), ["b", "c", "a"]);
    let tied: HashMap<String, i64> = ["a", "b", "c"]
        .iter()
        .map(|id| (id.to_string(), 7))
        .collect();
    assert_eq!(
        ids(&plan_down(&g, &tied, &DownTarget::All).unwrap()),
        ["a", "c", "b"]
    );
    assert_eq!(
        ids(&plan_down(&g, &tied, &DownTarget::Steps(2)).unwrap()),
        ["a", "c"]
    );
}

#[test]
fn only_applied_repeatables_whose_text_changed_are_pending_again() {
    use crate::history::{AppliedMigration, HistoryStatus};
    use crate::model::{Migration, Script};
    // What the Flyway reader makes of `V1__a.sql` and three `R__` files.
    let migration = |id: &str, sql: &str| Migration {
        id: id.to_string(),
        description: String::new(),
        depends_on: Vec::new(),
        up: Script::new(sql.to_string(), Vec::new(), 1, true),
        down: None,
        transaction: true,
        checksum: crate::Checksum::of_sql(sql),
        file: format!("{id}.sql").into(),
        down_file: None,
        source: sql.into(),
        lint: Default::default(),
        up_origins: Vec::new(),
        down_derived: false,
        repeatable: id.starts_with("R__"),
        origin: None,
    };
    let migrations = [
        migration("V1__a", "SELECT 1;\n"),
        migration("R__v", "SELECT 'now';\n"),
        migration("R__w", "SELECT 'same';\n"),
        migration("R__x", "SELECT 'failed';\n"),
    ];
    struct Set<'a>(&'a [Migration]);
    impl Set<'_> {
        fn get(&self, id: &str) -> Option<&Migration> {
            self.0.iter().find(|m| m.id == id)
        }
    }
    let set = Set(&migrations);
    let row = AppliedMigration::for_test;
    let now = |id: &str| set.get(id).unwrap().checksum.to_hex();
    let history = vec![
        // A versioned migration whose file changed is a validation error, never re-run.
        row("V1__a", "0".repeat(64), HistoryStatus::Applied),
        row("R__v", "1".repeat(64), HistoryStatus::Applied),
        row("R__w", now("R__w"), HistoryStatus::Applied),
        // A failed row is for repair/--resume, not a re-run.
        row("R__x", "2".repeat(64), HistoryStatus::Failed),
    ];
    let rerun = changed_repeatables(|id| set.get(id), &history);
    assert_eq!(rerun, HashSet::from(["R__v".to_string()]));
}

/// A random DAG: node `i` may depend on any node `j < i`; names are shuffled so id order and
/// dependency order disagree.
fn dag() -> impl Strategy<Value = Vec<(String, Vec<String>)>> {
    (1usize..24).prop_flat_map(|n| {
        let edges =
            proptest::collection::vec(proptest::collection::vec(prop::bool::weighted(0.25), n), n);
        let names = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        (edges, names).prop_map(move |(edges, names)| {
            (0..n)
                .map(|i| {
                    let deps = (0..i)
                        .filter(|&j| edges[i][j])
                        .map(|j| format!("m{:02}", names[j]))
                        .collect();
                    (format!("m{:02}", names[i]), deps)
                })
                .collect()
        })
    })
}

fn check_respects(g: &Graph, done: &HashSet<String>, plan: &[String]) -> Result<(), TestCaseError> {
    let mut have = done.clone();
    for id in plan {
        for d in g.dependencies(id) {
            prop_assert!(have.contains(d), "{id} planned before its dependency {d}");
        }
        prop_assert!(
            have.insert(id.clone()),
            "{id} planned twice or already applied"
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_up_plan_respects_dependencies(nodes in dag(), pick in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let g = Graph::build(nodes.clone()).unwrap();
        let order: Vec<String> = g.order().map(str::to_string).collect();
        // A dependency-closed applied set: a prefix of the order.
        let done: HashSet<String> = order[..cut.index(order.len() + 1)].iter().cloned().collect();
        let all = plan_up(&g, &done, &UpTarget::All).unwrap();
        check_respects(&g, &done, &all)?;
        prop_assert_eq!(all.len() + done.len(), order.len());

        let target = order[pick.index(order.len())].clone();
        let to = plan_up(&g, &done, &UpTarget::To(target.clone())).unwrap();
        check_respects(&g, &done, &to)?;
        let mut need: BTreeSet<&str> = g.ancestors(&target);
        need.insert(&target);
        let expect: BTreeSet<&str> = need.into_iter().filter(|i| !done.contains(*i)).collect();
        prop_assert_eq!(to.iter().map(String::as_str).collect::<BTreeSet<_>>(), expect);
    }

    #[test]
    fn up_plans_fill_applied_sets_that_are_not_a_prefix(nodes in dag(), picks in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        // A migration merged "in the past": the applied set is closed under dependencies but
        // leaves holes in the order (picked nodes and their ancestors only).
        let g = Graph::build(nodes).unwrap();
        let order: Vec<String> = g.order().map(str::to_string).collect();
        let mut done: HashSet<String> = HashSet::new();
        for p in &picks {
            let id = &order[p.index(order.len())];
            done.insert(id.clone());
            done.extend(g.ancestors(id).into_iter().map(str::to_string));
        }
        let all = plan_up(&g, &done, &UpTarget::All).unwrap();
        check_respects(&g, &done, &all)?;
        let planned: HashSet<&String> = all.iter().collect();
        for id in &order {
            prop_assert!(done.contains(id) != planned.contains(id), "{id}: applied xor planned");
        }
    }

    #[test]
    fn invalid_graphs_are_refused_naming_what_is_wrong(nodes in dag(), pick in any::<prop::sample::Index>()) {
        // An unknown dependency is named with the migration that names it.
        let mut unknown = nodes.clone();
        let i = pick.index(unknown.len());
        unknown[i].1.push("missing".to_string());
        let problems = Graph::build(unknown.clone()).unwrap_err();
        prop_assert!(problems.contains(&crate::graph::GraphProblem::UnknownDependency {
            id: unknown[i].0.clone(),
            dependency: "missing".to_string(),
        }), "{problems:?}");
        // Closing any dependency edge backwards makes a cycle holding both ends.
        let edge = nodes.iter().find_map(|(id, deps)| deps.first().map(|d| (id.clone(), d.clone())));
        if let Some((dependent, dependency)) = edge {
            let mut cyclic = nodes.clone();
            if let Some(node) = cyclic.iter_mut().find(|(id, _)| *id == dependency) {
                node.1.push(dependent.clone());
            }
            let problems = Graph::build(cyclic).unwrap_err();
            let named = problems.iter().any(|p| matches!(p,
                crate::graph::GraphProblem::Cycle(ids) if ids.contains(&dependent) && ids.contains(&dependency)));
            prop_assert!(named, "{problems:?}");
        }
    }

    #[test]
    fn up_then_down_of_the_same_set_is_the_identity(nodes in dag(), cut in any::<prop::sample::Index>()) {
        let g = Graph::build(nodes).unwrap();
        let order: Vec<String> = g.order().map(str::to_string).collect();
        let before: HashMap<String, i64> = order[..cut.index(order.len() + 1)]
            .iter().enumerate().map(|(i, id)| (id.clone(), i as i64 + 1)).collect();
        let done: HashSet<String> = before.keys().cloned().collect();
        let plan = plan_up(&g, &done, &UpTarget::All).unwrap();
        let mut after = before.clone();
        for (i, id) in plan.iter().enumerate() {
            after.insert(id.clone(), (before.len() + i) as i64 + 1);
        }
        let back = plan_down(&g, &after, &DownTarget::Steps(plan.len())).unwrap();
        // Revert step by step: nothing may go while a dependent is still applied.
        let mut state = after.clone();
        for step in &back {
            state.remove(&step.id);
            for d in g.descendants(&step.id) {
                prop_assert!(!state.contains_key(d), "{} reverted before its dependent {d}", step.id);
            }
        }
        prop_assert_eq!(state, before);
    }

    #[test]
    fn down_to_keeps_the_target_and_everything_unrelated(nodes in dag(), pick in any::<prop::sample::Index>()) {
        let g = Graph::build(nodes).unwrap();
        let order: Vec<String> = g.order().map(str::to_string).collect();
        let all: HashMap<String, i64> = order.iter().enumerate().map(|(i, id)| (id.clone(), i as i64 + 1)).collect();
        let target = order[pick.index(order.len())].clone();
        let back = plan_down(&g, &all, &DownTarget::To(target.clone())).unwrap();
        let reverted: BTreeSet<&str> = back.iter().map(|s| s.id.as_str()).collect();
        prop_assert_eq!(reverted, g.descendants(&target));
        let mut seen = HashSet::new();
        for step in &back {
            for d in g.descendants(&step.id) {
                prop_assert!(seen.contains(d), "{} before its dependent {d}", step.id);
            }
            seen.insert(step.id.as_str());
        }
    }
}

/// A history as a real project gets one: a dependency-closed applied set (picked nodes and
/// their ancestors, with holes in the order) whose ranks follow the order the migrations were
/// really applied in, a random topological order, so a migration merged "in the past" may
/// carry a higher rank than ones that sort after it.
fn history(g: &Graph, picks: &[prop::sample::Index], priority: &[u32]) -> HashMap<String, i64> {
    let order: Vec<&str> = g.order().collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for p in picks {
        let id = order[p.index(order.len())];
        done.insert(id);
        done.extend(g.ancestors(id));
    }
    let prio = |id: &str| priority[g.rank(id).unwrap_or(0) % priority.len()];
    let mut ranks = HashMap::new();
    while ranks.len() < done.len() {
        let next = done
            .iter()
            .filter(|id| !ranks.contains_key(**id))
            .filter(|id| g.dependencies(id).iter().all(|d| ranks.contains_key(*d)))
            .min_by_key(|id| (prio(id), **id))
            .copied();
        let Some(next) = next else { break };
        let rank = ranks.len() as i64 + 1;
        ranks.insert(next.to_string(), rank);
    }
    ranks
}

/// `back` reverts each migration only after its applied dependents, never one twice.
fn check_reverse(
    g: &Graph,
    applied: &HashMap<String, i64>,
    back: &[RevertStep],
) -> Result<(), TestCaseError> {
    let mut state = applied.clone();
    for step in back {
        prop_assert_eq!(
            state.remove(&step.id),
            Some(step.rank),
            "{} reverted twice or never applied",
            step.id
        );
        for d in g.descendants(&step.id) {
            prop_assert!(
                !state.contains_key(d),
                "{} reverted before its dependent {d}",
                step.id
            );
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_down_mode_reverts_exactly_what_it_names_in_a_safe_order(
        nodes in dag(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..6),
        priority in prop::collection::vec(any::<u32>(), 24),
        pick in any::<prop::sample::Index>(),
        n in 0usize..30,
    ) {
        let g = Graph::build(nodes).unwrap();
        let applied = history(&g, &picks, &priority);
        let applied_ids: BTreeSet<&str> = applied.keys().map(String::as_str).collect();

        let all = plan_down(&g, &applied, &DownTarget::All).unwrap();
        check_reverse(&g, &applied, &all)?;
        prop_assert_eq!(all.len(), applied.len());
        // Unconstrained by dependencies, the newest goes first: the first step is the
        // highest-ranked migration that no applied migration depends on.
        let newest_free = applied.iter()
            .filter(|(id, _)| g.descendants(id).iter().all(|d| !applied.contains_key(*d)))
            .map(|(_, r)| *r).max();
        prop_assert_eq!(all.first().map(|s| s.rank), newest_free);

        let target = applied_ids.iter().nth(pick.index(applied_ids.len())).copied().unwrap_or_default();
        let above: BTreeSet<&str> = g.descendants(target).into_iter().filter(|d| applied_ids.contains(d)).collect();
        let to = plan_down(&g, &applied, &DownTarget::To(target.to_string())).unwrap();
        check_reverse(&g, &applied, &to)?;
        prop_assert_eq!(to.iter().map(|s| s.id.as_str()).collect::<BTreeSet<_>>(), above.clone());
        let including = plan_down(&g, &applied, &DownTarget::Including(target.to_string())).unwrap();
        check_reverse(&g, &applied, &including)?;
        let mut with_target = above;
        with_target.insert(target);
        prop_assert_eq!(including.iter().map(|s| s.id.as_str()).collect::<BTreeSet<_>>(), with_target);

        // Steps(n): the n newest by rank, or a refusal naming one of them and an applied
        // dependent outside them.
        let mut by_rank: Vec<(&str, i64)> = applied.iter().map(|(id, r)| (id.as_str(), *r)).collect();
        by_rank.sort_by_key(|(_, r)| std::cmp::Reverse(*r));
        let newest: BTreeSet<&str> = by_rank.iter().take(n).map(|(id, _)| *id).collect();
        match plan_down(&g, &applied, &DownTarget::Steps(n)) {
            Ok(steps) => {
                check_reverse(&g, &applied, &steps)?;
                prop_assert_eq!(steps.iter().map(|s| s.id.as_str()).collect::<BTreeSet<_>>(), newest);
            }
            Err(PlanError::Entangled { steps, id, dependent }) => {
                prop_assert_eq!(steps, n);
                prop_assert!(newest.contains(id.as_str()), "{id} is not among the {n} newest");
                prop_assert!(applied.contains_key(&dependent) && !newest.contains(dependent.as_str()));
                prop_assert!(g.descendants(&id).contains(dependent.as_str()));
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }

        // Naming a migration that is not applied, or unknown, is refused by name.
        if let Some(pending) = g.order().find(|id| !applied.contains_key(*id)) {
            prop_assert_eq!(plan_down(&g, &applied, &DownTarget::To(pending.to_string())),
                Err(PlanError::NotApplied(pending.to_string())));
        }
        prop_assert_eq!(plan_down(&g, &applied, &DownTarget::Including("zz".into())),
            Err(PlanError::Unknown("zz".into())));
    }
}
