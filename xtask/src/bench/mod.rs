//! `bench`: applies generated migrations through the engine and, in the same run, the same SQL
//! through a baseline (rusqlite for SQLite, `psql` for PostgreSQL, the `mariadb` client for
//! MariaDB/MySQL), one transaction per migration, and reports the ratio.
//!
//! With `--backup`, times backups, verification and health instead (`backup`); with the global
//! `--layout LAYOUT`, writes the generated migrations in that tool's folder convention and
//! loads them from there (`layout`). With `--rollbacks`, times `migrate test` beside `migrate up`
//! (`rollbacks`). With `--test-databases`, times a database per test cloned from a template
//! against migrated from empty (`test_databases`). With `--kill`, kills `migrate up` at random
//! instants and checks that a plain `migrate up` recovers (`kill`). With `--peers`, times the
//! same set through dbmate, sqlx-cli, refinery, Cairn's binary and the raw client (`peers`).

mod backup;
mod drift;
mod fleet;
mod history;
mod kill;
mod layout;
mod lint;
mod peers;
mod rollbacks;
mod server;
mod sqlite;
mod test_databases;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::{Options, UpTarget};

use crate::Outcome;
use crate::args::{BenchArgs, BenchBackend};

/// Times of one side of a comparison.
pub(crate) struct Sample {
    /// Baseline: the same SQL through the reference client.
    pub baseline: Duration,
    /// Engine, from connect to the last migration (files already loaded).
    pub apply: Duration,
    /// Engine, including loading and checking the files.
    pub total: Duration,
}

/// Runs the benchmark (re-running itself in release mode when built for debugging).
pub fn run(args: &BenchArgs, layout_flag: cairn_cli::LayoutChoice) -> Result<Outcome> {
    let foreign = layout::requested(layout_flag);
    if cfg!(debug_assertions) {
        eprintln!("bench: rebuilding in release mode for meaningful figures");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let backend = format!("{:?}", args.backend).to_lowercase();
        let status = Command::new(cargo)
            .args([
                "run",
                "--release",
                "--quiet",
                "-p",
                "xtask",
                "--bin",
                "xtask",
                "--",
                "bench",
            ])
            .args([
                "--backend",
                &backend,
                "--migrations",
                &args.migrations.to_string(),
                "--runs",
                &args.runs.to_string(),
                "--drift-tables",
                &args.drift_tables.to_string(),
            ])
            .args(
                args.lint_statements
                    .map(|n| vec!["--lint-statements".to_string(), n.to_string()])
                    .unwrap_or_default(),
            )
            .args(if args.rollbacks {
                vec!["--rollbacks".to_string()]
            } else {
                Vec::new()
            })
            .args(if args.test_databases {
                vec!["--test-databases".to_string()]
            } else {
                Vec::new()
            })
            .args(if args.fleet {
                vec!["--fleet".to_string()]
            } else {
                Vec::new()
            })
            .args(if args.peers {
                vec!["--peers".to_string()]
            } else {
                Vec::new()
            })
            .args(if args.history {
                vec!["--history".to_string()]
            } else {
                Vec::new()
            })
            .args(if args.kill {
                let mut kill = vec![
                    "--kill".to_string(),
                    "--trials".to_string(),
                    args.trials.to_string(),
                ];
                if let Some(seed) = args.seed {
                    kill.extend(["--seed".to_string(), seed.to_string()]);
                }
                kill
            } else {
                Vec::new()
            })
            .args(if args.backup {
                vec![
                    "--backup".to_string(),
                    "--rows".to_string(),
                    args.rows.to_string(),
                ]
            } else {
                Vec::new()
            })
            .args(
                foreign
                    .map(|l| vec!["--layout".to_string(), l.name().to_string()])
                    .unwrap_or_default(),
            )
            .status()
            .context("cannot run cargo")?;
        if args.kill && status.code() == Some(1) {
            // Trials that were not recovered: a finding, not a failure of the bench itself.
            return Ok(Outcome::Finding);
        }
        anyhow::ensure!(status.success(), "release benchmark failed ({status})");
        return Ok(Outcome::Clean);
    }
    if let Some(n) = args.lint_statements {
        lint::run(n, args.runs)?;
        return Ok(Outcome::Clean);
    }
    if args.kill {
        return kill::run(args);
    }
    if args.test_databases {
        test_databases::run(args.backend, args.runs)?;
        return Ok(Outcome::Clean);
    }
    if args.history {
        history::run(args.runs)?;
        return Ok(Outcome::Clean);
    }
    if args.fleet {
        fleet::run(args.backend, args.runs)?;
        return Ok(Outcome::Clean);
    }
    if args.peers {
        peers::run(args)?;
        return Ok(Outcome::Clean);
    }
    if args.rollbacks {
        rollbacks::run(args.migrations, args.runs)?;
        return Ok(Outcome::Clean);
    }
    if args.backup {
        backup::run(args)?;
        return Ok(Outcome::Clean);
    }
    if let Some(l) = foreign {
        layout::run(args, l)?;
        return Ok(Outcome::Clean);
    }
    let work = tempfile::tempdir()?;
    let dir = work.path().join("migrations");
    let scripts = generate(&dir, args.migrations)?;
    let runs = args.runs.max(1);
    let header = |name: &str, baseline: &str| {
        println!(
            "{name}, {} migrations (3 statements each), median of {runs} runs; baseline: {baseline}",
            args.migrations
        );
    };
    if matches!(args.backend, BenchBackend::Sqlite | BenchBackend::All) {
        header("SQLite", "rusqlite, one transaction per migration");
        let samples = (0..runs)
            .map(|r| sqlite::sample(&work.path().join(format!("run{r}")), &dir, &scripts))
            .collect::<Result<Vec<_>>>()?;
        report(&samples);
    }
    server::on_servers(args.backend, |kind, admin_url| {
        header(kind.title(), kind.baseline());
        report(&server::samples(
            kind,
            admin_url,
            &dir,
            &scripts,
            runs,
            work.path(),
        )?);
        if args.drift_tables > 0 && kind == server::Kind::Postgres {
            let dir = work.path().join("drift");
            drift::generate(&dir, args.drift_tables)?;
            let url = server::fresh_database(admin_url, "cairn_bench_drift")?;
            let (introspect, whole, found) = drift::measure(&url, &dir)?;
            println!(
                "PostgreSQL drift, {} tables (10 columns, 2 indexes, 1 foreign key each):",
                args.drift_tables
            );
            println!(
                "  introspection:                          {:>9.1} ms",
                introspect.as_secs_f64() * 1000.0
            );
            println!(
                "  whole drift check (replay + compare):   {:>9.1} ms  ({found} differences)",
                whole.as_secs_f64() * 1000.0
            );
        }
        Ok(())
    })?;
    Ok(Outcome::Clean)
}

fn report(samples: &[Sample]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let baseline = median(samples.iter().map(|s| s.baseline).collect());
    let apply = median(samples.iter().map(|s| s.apply).collect());
    let total = median(samples.iter().map(|s| s.total).collect());
    println!(
        "  baseline:                              {:>9.1} ms",
        ms(baseline)
    );
    println!(
        "  cairn apply (plan + run + history):    {:>9.1} ms  ratio {:.2}x",
        ms(apply),
        ms(apply) / ms(baseline)
    );
    println!(
        "  cairn end to end (load files + apply): {:>9.1} ms  ratio {:.2}x",
        ms(total),
        ms(total) / ms(baseline)
    );
}

/// The SQL of migration `i`, the same on every dialect.
pub(crate) fn script(i: usize) -> String {
    format!(
        "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, score INTEGER DEFAULT 0);\nCREATE INDEX t{i}_name ON t{i} (name);\nINSERT INTO t{i} (id, name, score) VALUES (1, 'alpha', 1), (2, 'beta', 2);\n"
    )
}

fn generate(dir: &Path, n: usize) -> Result<Vec<String>> {
    fs::create_dir_all(dir)?;
    let mut scripts = Vec::with_capacity(n);
    for i in 0..n {
        let sql = script(i);
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[m{:05}]", i - 1)
        };
        let body = sql.lines().map(|l| format!("  {l}\n")).collect::<String>();
        fs::write(
            dir.join(format!("m{i:05}.yaml")),
            format!("depends_on: {deps}\nup: |\n{body}down: DROP TABLE t{i};\n"),
        )?;
        scripts.push(sql);
    }
    Ok(scripts)
}

/// The folder convention [`engine`] reads migration folders as: set once by the `--layout`
/// benchmark; Cairn's own files otherwise.
static ENGINE_LAYOUT: OnceLock<cairn::layout::Layout> = OnceLock::new();

/// Loads `dir` (as [`ENGINE_LAYOUT`]) and applies it to `url` through the engine: (apply time,
/// total time).
pub(crate) fn engine(url: &str, dir: &Path) -> Result<(Duration, Duration)> {
    let start = Instant::now();
    let registry = cairn_cli::registry();
    let layout = ENGINE_LAYOUT
        .get()
        .copied()
        .unwrap_or(cairn::layout::Layout::Cairn);
    let set = cairn::layout::load(dir, layout, registry.dialect(url)?)?;
    let applying = Instant::now();
    let mut db = registry.connect(url)?;
    let report = cairn::up(
        db.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    anyhow::ensure!(
        report.migrations.len() == set.len(),
        "applied {} of {}",
        report.migrations.len(),
        set.len()
    );
    Ok((applying.elapsed(), start.elapsed()))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}
