//! `cargo xtask mutants`: mutation testing of the engine's core modules with cargo-mutants,
//! and a mutation score per module. Not part of `cargo xtask test`: every mutant is a rebuild
//! and a test run, hours on two cores for all modules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};

use crate::Outcome;

/// `mutants` options.
#[derive(Debug, Args)]
pub struct MutantsArgs {
    /// Modules to mutate (repeatable); all of them when none is given.
    #[arg(long = "module", value_enum)]
    pub modules: Vec<Module>,
    /// List the mutants without building or testing them.
    #[arg(long)]
    pub list: bool,
    /// Cases per property test while testing mutants (fewer keep each run short; the default
    /// test command runs each property's full count).
    #[arg(long, default_value_t = 64)]
    pub proptest_cases: u32,
    /// Where cargo-mutants writes its results (`mutants.out/` inside it).
    #[arg(long, default_value = "target/mutants")]
    pub output: PathBuf,
    /// Only summarize the results of an earlier run in --output, per module.
    #[arg(long)]
    pub summary_only: bool,
    /// Mutants built and tested at once, each in its own copy of the tree.
    #[arg(long, short = 'j', default_value_t = 1)]
    pub jobs: usize,
    /// Test again only the mutants an earlier run in --output missed (after adding tests);
    /// the summary still counts every mutant of that run.
    #[arg(long)]
    pub iterate: bool,
    /// Start PostgreSQL and MariaDB (as `cargo xtask test` does) for the run, so the
    /// cross-backend tests also run there: the protocol's server-only paths (placeholders,
    /// MySQL's literal inserts, PostgreSQL casts) are measured too, at about twice the time.
    #[arg(long)]
    pub servers: bool,
    /// Only the mutants whose name matches one of these regexes (cargo-mutants `--re`), e.g.
    /// the survivors of an earlier run after the code around them moved.
    #[arg(long = "re", value_name = "REGEX")]
    pub re: Vec<String>,
    /// Skip the unmutated baseline run (when the suite is known to pass on this checkout).
    #[arg(long)]
    pub skip_baseline: bool,
}

/// The cross-backend test targets (package cairn-tests) that run migrations end to end.
const RUN_TESTS: [&str; 9] = [
    "adopt_batch",
    "before_run",
    "history_marks",
    "failed_rollback",
    "driver_only",
    "scenarios",
    "changes",
    "repeatable",
    "lint_live",
];

/// The core modules measured by mutation testing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Module {
    /// Up and down plans (crates/core/src/plan*).
    Plan,
    /// The dependency graph (crates/core/src/graph.rs).
    Graph,
    /// Checksums (crates/core/src/checksum.rs).
    Checksum,
    /// Statement splitting (crates/core/src/split/).
    Split,
    /// Credential redaction (crates/core/src/redact.rs).
    Redact,
    /// Validation of migration files (crates/run/src/validate.rs).
    Validate,
    /// Migration status (crates/run/src/status.rs).
    Status,
    /// The run and history protocol (crates/run/src/run*, step.rs, protocol.rs; crates/core/src/history/).
    Run,
}

impl Module {
    const ALL: [Module; 8] = [
        Module::Plan,
        Module::Graph,
        Module::Checksum,
        Module::Split,
        Module::Redact,
        Module::Validate,
        Module::Status,
        Module::Run,
    ];

    /// cargo-mutants `--file` globs of this module.
    fn globs(self) -> &'static [&'static str] {
        match self {
            Module::Plan => &["crates/core/src/plan.rs", "crates/core/src/plan/*.rs"],
            Module::Graph => &["crates/core/src/graph.rs"],
            Module::Checksum => &["crates/core/src/checksum.rs"],
            Module::Split => &["crates/core/src/split/*.rs"],
            Module::Redact => &["crates/core/src/redact.rs"],
            Module::Validate => &["crates/run/src/validate.rs"],
            Module::Status => &["crates/run/src/status.rs"],
            Module::Run => &[
                "crates/run/src/run.rs",
                "crates/run/src/run/*.rs",
                "crates/run/src/step.rs",
                "crates/run/src/protocol.rs",
                "crates/core/src/history/*.rs",
            ],
        }
    }

    /// The module a mutated file belongs to.
    fn of_file(path: &str) -> Option<Module> {
        Module::ALL.into_iter().find(|m| {
            m.globs().iter().any(|g| match g.strip_suffix("*.rs") {
                Some(dir) => path.starts_with(dir) && !path[dir.len()..].contains('/'),
                None => path == *g,
            })
        })
    }

    /// The crates that hold this module (cargo-mutants mutates only the packages it is given).
    fn packages(self) -> &'static [&'static str] {
        match self {
            Module::Plan | Module::Graph | Module::Checksum | Module::Split | Module::Redact => {
                &["cairn-core"]
            }
            Module::Validate | Module::Status => &["cairn-run"],
            // The history table is core's; the steps and runs over it are cairn-run's.
            Module::Run => &["cairn-run", "cairn-core"],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Module::Plan => "plan",
            Module::Graph => "graph",
            Module::Checksum => "checksum",
            Module::Split => "split",
            Module::Redact => "redact",
            Module::Validate => "validate",
            Module::Status => "status",
            Module::Run => "run/history",
        }
    }
}

/// Mutants of one module by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// A test failed: the suite noticed the change.
    pub caught: usize,
    /// Every test passed with the code changed.
    pub missed: usize,
    /// The tests ran past cargo-mutants' time limit (counted as caught: a hang is noticed).
    pub timeout: usize,
    /// The change did not compile (not a measure of the tests).
    pub unviable: usize,
}

impl Counts {
    /// Caught (and timed-out) mutants over every viable one, in percent.
    pub fn score(&self) -> Option<f64> {
        let viable = self.caught + self.missed + self.timeout;
        (viable > 0).then(|| 100.0 * (self.caught + self.timeout) as f64 / viable as f64)
    }
}

/// Per-module counts from cargo-mutants' outcome lists (`caught.txt` etc.), whose lines start
/// with the mutated file's path (`crates/core/src/plan.rs:102:22: replace ...`).
pub fn tally(lists: &[(&str, &str)]) -> BTreeMap<Module, Counts> {
    let mut out = BTreeMap::new();
    for (outcome, text) in lists {
        for line in text.lines() {
            let Some(module) = line.split(':').next().and_then(Module::of_file) else {
                continue;
            };
            let c: &mut Counts = out.entry(module).or_default();
            match *outcome {
                "caught" => c.caught += 1,
                "missed" => c.missed += 1,
                "timeout" => c.timeout += 1,
                "unviable" => c.unviable += 1,
                _ => {}
            }
        }
    }
    out
}

/// Runs cargo-mutants on the chosen modules (installing it first if absent), then prints the
/// score of each. Surviving mutants are a finding (exit 1), listed in `missed.txt`.
pub fn run(args: &MutantsArgs) -> Result<Outcome> {
    let modules: Vec<Module> = if args.modules.is_empty() {
        Module::ALL.to_vec()
    } else {
        args.modules.clone()
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    if !args.summary_only {
        ensure_installed(&cargo)?;
        let mut cmd = Command::new(&cargo);
        cmd.args(["mutants", "--no-shuffle"]);
        let mut packages: Vec<&str> = modules.iter().flat_map(|m| m.packages()).copied().collect();
        packages.sort_unstable();
        packages.dedup();
        for p in packages {
            cmd.args(["--package", p]);
        }
        for m in &modules {
            for g in m.globs() {
                cmd.args(["--file", g]);
            }
        }
        // Unit tests beside the code; doc tests would add a compile per example per mutant.
        cmd.args(["--cargo-test-arg", "--lib"]);
        if modules
            .iter()
            .any(|m| matches!(m, Module::Validate | Module::Status | Module::Run))
        {
            // validate and status over another tool's folder (repeatable migrations) are tested
            // where those folders are read.
            cmd.args(["--cargo-test-arg", "--package=cairn-adopt"]);
            cmd.args(["--cargo-test-arg", "--test=flyway_history"]);
        }
        if modules.contains(&Module::Run) {
            // The run protocol is exercised end to end by the cross-backend tests; without
            // server URLs and outside CI they run on SQLite only. cargo-mutants 27 tests only
            // the mutated package (it ignores `--test-package` and `--test-workspace` with
            // `--file`), so the test package is named to cargo directly.
            cmd.args(["--cargo-test-arg", "--package=cairn-tests"]);
            for t in RUN_TESTS {
                cmd.args(["--cargo-test-arg", &format!("--test={t}")]);
            }
            cmd.env_remove("CI");
        }
        if args.iterate {
            cmd.arg("--iterate");
        }
        for re in &args.re {
            cmd.args(["--re", re]);
        }
        if args.skip_baseline {
            cmd.arg("--baseline=skip");
        }
        if args.list {
            cmd.arg("--list");
        } else {
            cmd.arg("--output").arg(&args.output);
        }
        cmd.env("PROPTEST_CASES", args.proptest_cases.to_string());
        let mut servers = if args.servers && !args.list {
            let running = crate::testenv::start_servers(true)?;
            println!("mutants: {}", running.summary());
            cmd.envs(running.test_env());
            Some(running)
        } else {
            None
        };
        // Without debug info each mutant's rebuild and link is much shorter; a failing test's
        // message is all a mutant run needs.
        cmd.env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("CARGO_PROFILE_TEST_DEBUG", "0");
        cmd.args(["--jobs", &args.jobs.to_string()]);
        println!("mutants: running cargo {}", describe(&cmd));
        let status = cmd.status().context("cannot run cargo mutants");
        if let Some(running) = servers.as_mut() {
            running.stop();
        }
        let status = status?;
        if args.list {
            return Ok(Outcome::Clean);
        }
        // 2: mutants missed, 3: timeouts; anything else but 0 is a failed run.
        if !matches!(status.code(), Some(0 | 2 | 3)) {
            bail!("cargo mutants failed ({status})");
        }
    }
    let dir = args.output.join("mutants.out");
    let lists = read_lists(&dir)?;
    let borrowed: Vec<(&str, &str)> = lists.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let counts = tally(&borrowed);
    println!("module       caught  missed  timeout  unviable  score");
    let mut missed = 0;
    for m in &modules {
        let c = counts.get(m).copied().unwrap_or_default();
        missed += c.missed;
        let score = c
            .score()
            .map_or_else(|| "-".to_string(), |s| format!("{s:.1}%"));
        println!(
            "{:<12} {:>6}  {:>6}  {:>7}  {:>8}  {score:>5}",
            m.name(),
            c.caught,
            c.missed,
            c.timeout,
            c.unviable
        );
    }
    println!(
        "mutants: surviving mutants are listed in {}",
        dir.join("missed.txt").display()
    );
    Ok(if missed > 0 {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

fn read_lists(dir: &Path) -> Result<Vec<(&'static str, String)>> {
    if !dir.is_dir() {
        bail!(
            "no cargo-mutants results in {} (run without --summary-only first)",
            dir.display()
        );
    }
    ["caught", "missed", "timeout", "unviable"]
        .into_iter()
        .map(|name| {
            let path = dir.join(format!("{name}.txt"));
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok((name, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((name, String::new())),
                Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
            }
        })
        .collect()
}

fn ensure_installed(cargo: &str) -> Result<()> {
    let found = Command::new(cargo)
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Ok(());
    }
    println!(
        "mutants: installing cargo-mutants from crates.io (cargo install --locked cargo-mutants)"
    );
    let status = Command::new(cargo)
        .args(["install", "--locked", "cargo-mutants"])
        .status()
        .context("cannot run cargo install")?;
    if !status.success() {
        bail!("cargo install --locked cargo-mutants failed ({status})");
    }
    Ok(())
}

fn describe(cmd: &Command) -> String {
    cmd.get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_per_module_by_file() {
        let caught = "crates/core/src/plan.rs:102:22: replace < with > in plan_up\n\
                      crates/core/src/plan/extra.rs:3:1: replace f -> bool with true\n\
                      crates/core/src/split/mysql.rs:10:5: delete !\n";
        let missed = "crates/core/src/plan.rs:90:5: replace plan_up -> Vec with vec![]\n\
                      crates/lint/src/lint/rules.rs:1:1: not a measured module\n";
        let timeout = "crates/run/src/run/report.rs:5:5: replace loop\n";
        let unviable =
            "crates/core/src/graph.rs:1:1: replace new -> Self with Default::default()\n";
        let counts = tally(&[
            ("caught", caught),
            ("missed", missed),
            ("timeout", timeout),
            ("unviable", unviable),
        ]);
        let plan = counts[&Module::Plan];
        assert_eq!((plan.caught, plan.missed), (2, 1));
        assert_eq!(counts[&Module::Split].caught, 1);
        assert_eq!(counts[&Module::Run].timeout, 1);
        assert_eq!(counts[&Module::Graph].unviable, 1);
        assert_eq!(counts[&Module::Graph].score(), None);
        assert_eq!(counts.len(), 4, "{counts:?}");
        let score = plan.score().unwrap_or_default();
        assert!((score - 200.0 / 3.0).abs() < 1e-9, "{score}");
    }

    #[test]
    fn nested_folders_are_not_taken_for_a_module() {
        assert_eq!(
            Module::of_file("crates/core/src/split/tokens.rs"),
            Some(Module::Split)
        );
        assert_eq!(Module::of_file("crates/core/src/split/deep/x.rs"), None);
        assert_eq!(
            Module::of_file("crates/core/src/history/table.rs"),
            Some(Module::Run)
        );
        assert_eq!(Module::of_file("crates/run/src/step.rs"), Some(Module::Run));
        assert_eq!(Module::of_file("crates/core/src/history/x/y.rs"), None);
        assert_eq!(Module::of_file("crates/core/src/planner.rs"), None);
    }
}
