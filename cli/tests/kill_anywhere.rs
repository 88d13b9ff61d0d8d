//! A `cairn migrate up` killed with SIGKILL at any instant is recovered by a plain second
//! `migrate up`: no manual SQL, nothing applied twice, nothing lost. Each backend applies a
//! generated set (`cairn_tests::kill`) once cleanly, then in a few trials kills a run at delays
//! spread evenly over the clean run's duration (so early, middle and late are always covered)
//! and checks that the next `up` exits 0 and leaves exactly the clean run's objects, rows and
//! history. `cargo xtask bench --kill` runs many more trials at random instants.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn_tests::Kind;
use cairn_tests::kill::{self, Outcome, Set, Trial};

const TRIALS: u32 = 8;

/// One seed per backend, fixed so a failure can be reproduced with the same files; chosen for
/// sets of 25 to 29 migrations, which keep a backend's trials within about a minute.
fn seed(kind: Kind) -> u64 {
    match kind {
        Kind::Sqlite => 0x5eed_0001,
        Kind::Postgres => 0x5eed_0004,
        Kind::Mysql => 0x5eed_0016,
    }
}

fn killed_anywhere_then_plain_up_recovers(kind: Kind) {
    let bin = assert_cmd::cargo::cargo_bin("cairn");
    let Some(set) = Set::prepare(&bin, seed(kind), kind) else {
        return;
    };
    eprintln!(
        "{kind}: seed {:#x}, {} migrations, clean run {:?}",
        set.seed,
        set.ids.len(),
        set.clean
    );
    let trials: Vec<Trial> = (0..TRIALS)
        .filter_map(|i| {
            // The middle of each of TRIALS equal slices of the clean run.
            let delay = set.clean.mul_f64((f64::from(i) + 0.5) / f64::from(TRIALS));
            kill::trial(&bin, &set, delay)
        })
        .collect();
    let count = |o: Outcome| trials.iter().filter(|t| t.outcome == o).count();
    eprintln!(
        "{kind}: {} trials: {} recovered, {} needed a manual step, {} wrong data, {} killed after finish",
        trials.len(),
        count(Outcome::Recovered),
        count(Outcome::NeededManualStep),
        count(Outcome::WrongData),
        count(Outcome::KilledAfterFinish)
    );
    let failures: Vec<String> = trials
        .iter()
        .filter(|t| t.outcome.is_failure())
        .map(|t| {
            format!(
                "- killed at {:?} of {:?}: {:?}\n    {}",
                t.delay,
                set.clean,
                t.outcome,
                t.messages.join("\n    ")
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{kind}, seed {:#x}: {} of {} killed runs were not recovered by a plain `migrate up`:\n{}",
        set.seed,
        failures.len(),
        trials.len(),
        failures.join("\n")
    );
    // Every trial finishing before its kill would prove nothing.
    assert!(
        count(Outcome::Recovered) > 0,
        "{kind}: no run was killed before it finished (clean run {:?})",
        set.clean
    );
}

#[test]
fn sqlite() {
    killed_anywhere_then_plain_up_recovers(Kind::Sqlite);
}

#[test]
fn postgres() {
    killed_anywhere_then_plain_up_recovers(Kind::Postgres);
}

#[test]
fn mysql() {
    killed_anywhere_then_plain_up_recovers(Kind::Mysql);
}

/// The generator is deterministic: the same seed gives the same files.
#[test]
fn generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for kind in Kind::ALL {
        let (da, db) = (a.path().join(kind.name()), b.path().join(kind.name()));
        let ids = kill::generate(42, kind, &da);
        assert_eq!(ids, kill::generate(42, kind, &db));
        assert!((24..=40).contains(&ids.len()), "{}", ids.len());
        for id in &ids {
            let file = format!("{id}.yaml");
            let read = |d: &std::path::Path| std::fs::read_to_string(d.join(&file)).unwrap();
            assert_eq!(read(&da), read(&db), "{kind} {file}");
        }
    }
}
