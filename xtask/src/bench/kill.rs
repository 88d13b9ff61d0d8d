//! `bench --kill`: many kill trials per backend (`cairn_tests::kill`). Each trial applies a
//! generated migration set with `migrate up`, kills it with SIGKILL at an instant drawn
//! uniformly over a clean run's duration, runs a plain `migrate up` again and compares the
//! database with the clean run's. A new set (new seed) every [`PER_SET`] trials. Prints, per
//! backend, how many were recovered, needed a manual step, ended with wrong data, or were
//! killed only after the run had finished.
//!
//! The CLI under test is this very binary: `xtask` hands every command it does not know to
//! Cairn's CLI, so `xtask --database-url URL --dir DIR migrate up` is `cairn migrate up`.

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result};
use cairn_tests::Kind;
use cairn_tests::kill::{self, Outcome as Trial, Rng, Set};

use crate::Outcome;
use crate::args::{BenchArgs, BenchBackend};

/// Trials per generated set: enough to spread kills over one set, few enough that a hundred
/// trials see several sets.
const PER_SET: usize = 20;

/// Failure messages printed per backend.
const SHOWN: usize = 5;

/// Runs the trials; `Finding` when any killed run was not recovered by a plain `up`.
pub fn run(args: &BenchArgs) -> Result<Outcome> {
    let seed = args.seed.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_secs())
    });
    if needs_servers(args.backend) {
        return on_started_servers(args, seed);
    }
    let bin = std::env::current_exe().context("cannot find this binary")?;
    let mut outcome = Outcome::Clean;
    for kind in kinds(args.backend) {
        let tally = backend(&bin, kind, args.trials, seed)?;
        tally.print(kind, args.trials);
        if tally.failures > 0 {
            outcome = Outcome::Finding;
        }
    }
    Ok(outcome)
}

fn kinds(backend: BenchBackend) -> Vec<Kind> {
    match backend {
        BenchBackend::Sqlite => vec![Kind::Sqlite],
        BenchBackend::Postgres => vec![Kind::Postgres],
        BenchBackend::Mysql => vec![Kind::Mysql],
        BenchBackend::All => Kind::ALL.to_vec(),
    }
}

/// Whether a selected server has no `CAIRN_TEST_*_URL`, so throwaway servers must be started.
fn needs_servers(backend: BenchBackend) -> bool {
    kinds(backend)
        .iter()
        .filter_map(|k| k.env_var())
        .any(|var| {
            std::env::var(var)
                .map(|v| v.trim().is_empty())
                .unwrap_or(true)
        })
}

/// Starts throwaway servers (those the environment does not already name) and runs the
/// trials in a child of this binary that gets their URLs: the test databases read them from
/// the environment, which this process cannot set for itself without `unsafe`.
fn on_started_servers(args: &BenchArgs, seed: u64) -> Result<Outcome> {
    let mut servers = crate::testenv::start_servers(false)?;
    println!("bench: {}", servers.summary());
    let backend = format!("{:?}", args.backend).to_lowercase();
    let status = Command::new(std::env::current_exe()?)
        .args(["bench", "--kill", "--backend", &backend])
        .args(["--trials", &args.trials.to_string()])
        .args(["--seed", &seed.to_string()])
        .envs(servers.test_env())
        .status()
        .context("cannot run the trials");
    servers.stop();
    match status?.code() {
        Some(0) => Ok(Outcome::Clean),
        Some(1) => Ok(Outcome::Finding),
        code => anyhow::bail!("the kill trials failed (exit code {code:?})"),
    }
}

/// What the trials of one backend came to.
#[derive(Debug, Default)]
struct Tally {
    trials: usize,
    recovered: usize,
    manual: usize,
    wrong: usize,
    after_finish: usize,
    failures: usize,
    seeds: Vec<u64>,
    clean: Vec<Duration>,
    /// The first [`SHOWN`] failures, each as one printable block.
    shown: Vec<String>,
}

/// `trials` trials on `kind`, a new set from `seed + i` every [`PER_SET`].
fn backend(bin: &std::path::Path, kind: Kind, trials: usize, seed: u64) -> Result<Tally> {
    let mut tally = Tally::default();
    // The instants differ per backend even with the same --seed.
    let mut rng = Rng::new(seed ^ (kind as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut done = 0;
    for i in 0.. {
        if done >= trials {
            break;
        }
        let set_seed = seed.wrapping_add(i);
        let set = Set::prepare(bin, set_seed, kind)
            .with_context(|| format!("{kind}: no server configured"))?;
        eprintln!(
            "bench: {kind}: seed {set_seed}, {} migrations, clean run {:.0} ms",
            set.ids.len(),
            set.clean.as_secs_f64() * 1000.0
        );
        tally.seeds.push(set_seed);
        tally.clean.push(set.clean);
        for _ in 0..PER_SET.min(trials - done) {
            let delay = rng.delay(set.clean);
            let trial = kill::trial(bin, &set, delay)
                .with_context(|| format!("{kind}: no server configured"))?;
            tally.add(&trial, set.clean);
            done += 1;
        }
        eprintln!(
            "bench: {kind}: {done}/{trials} trials, {} not recovered",
            tally.failures
        );
    }
    Ok(tally)
}

impl Tally {
    fn add(&mut self, trial: &kill::Trial, clean: Duration) {
        self.trials += 1;
        match trial.outcome {
            Trial::Recovered => self.recovered += 1,
            Trial::NeededManualStep => self.manual += 1,
            Trial::WrongData => self.wrong += 1,
            Trial::KilledAfterFinish => self.after_finish += 1,
        }
        if !trial.outcome.is_failure() {
            return;
        }
        self.failures += 1;
        if self.shown.len() < SHOWN {
            let what = match trial.outcome {
                Trial::WrongData => "wrong data",
                _ => "needed a manual step",
            };
            self.shown.push(format!(
                "seed {}, killed at {:.0} of {:.0} ms: {what}\n      {}",
                trial.seed,
                trial.delay.as_secs_f64() * 1000.0,
                clean.as_secs_f64() * 1000.0,
                trial
                    .messages
                    .iter()
                    .map(|m| shorten(m, 800))
                    .collect::<Vec<_>>()
                    .join("\n      ")
            ));
        }
    }

    fn print(&self, kind: Kind, asked: usize) {
        let title = match kind {
            Kind::Sqlite => "SQLite",
            Kind::Postgres => "PostgreSQL",
            Kind::Mysql => "MariaDB/MySQL",
        };
        let mut clean = self.clean.clone();
        clean.sort();
        let median = clean.get(clean.len() / 2).copied().unwrap_or_default();
        let seeds: Vec<String> = self.seeds.iter().map(u64::to_string).collect();
        println!(
            "{title}: killed at a uniform instant of a clean run (seeds {}; clean run median {:.0} ms)",
            seeds.join(", "),
            median.as_secs_f64() * 1000.0
        );
        let row = |name: &str, n: usize| println!("  {name:<34}{n:>6}");
        row("trials", self.trials);
        row("recovered by a plain `up`", self.recovered);
        row("needed a manual step", self.manual);
        row("wrong data", self.wrong);
        row("killed after finish", self.after_finish);
        debug_assert_eq!(self.trials, asked);
        if !self.shown.is_empty() {
            println!("  first failures:");
            for s in &self.shown {
                println!("    {s}");
            }
        }
    }
}

/// At most `n` characters of `text`, with an ellipsis when cut.
fn shorten(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
