//! `bench`: applies generated migrations to a fresh SQLite file through the engine and, in the
//! same run, executes the same SQL with rusqlite directly (one transaction per migration),
//! and reports the ratio.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::{Options, UpTarget};

use crate::Outcome;
use crate::cli::BenchArgs;

/// Runs the benchmark (re-running itself in release mode when built for debugging).
pub fn run(args: &BenchArgs) -> Result<Outcome> {
    if cfg!(debug_assertions) {
        eprintln!("bench: rebuilding in release mode for meaningful figures");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
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
                "--migrations",
                &args.migrations.to_string(),
                "--runs",
                &args.runs.to_string(),
            ])
            .status()
            .context("cannot run cargo")?;
        anyhow::ensure!(status.success(), "release benchmark failed ({status})");
        return Ok(Outcome::Clean);
    }
    let work = tempfile::tempdir()?;
    let dir = work.path().join("migrations");
    let scripts = generate(&dir, args.migrations)?;
    let (mut raw, mut apply, mut total) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..args.runs.max(1) {
        raw.push(baseline(
            &work.path().join(format!("raw{run}.db")),
            &scripts,
        )?);
        let (a, t) = engine(&work.path().join(format!("engine{run}.db")), &dir)?;
        apply.push(a);
        total.push(t);
    }
    let (raw, apply, total) = (median(raw), median(apply), median(total));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "SQLite, {} migrations (3 statements each), median of {} runs",
        args.migrations,
        args.runs.max(1)
    );
    println!(
        "  rusqlite, one transaction per migration: {:>9.1} ms",
        ms(raw)
    );
    println!(
        "  cairn apply (plan + run + history):      {:>9.1} ms  ratio {:.2}x",
        ms(apply),
        ms(apply) / ms(raw)
    );
    println!(
        "  cairn end to end (load files + apply):   {:>9.1} ms  ratio {:.2}x",
        ms(total),
        ms(total) / ms(raw)
    );
    Ok(Outcome::Clean)
}

fn generate(dir: &Path, n: usize) -> Result<Vec<String>> {
    fs::create_dir_all(dir)?;
    let mut scripts = Vec::with_capacity(n);
    for i in 0..n {
        let sql = format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, score REAL DEFAULT 0, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);\nCREATE INDEX t{i}_name ON t{i} (name);\nINSERT INTO t{i} (name, score) VALUES ('alpha', 1.5), ('beta', 2.5);\n"
        );
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

fn baseline(path: &Path, scripts: &[String]) -> Result<Duration> {
    let start = Instant::now();
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    for sql in scripts {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute_batch(sql)?;
        conn.execute_batch("COMMIT")?;
    }
    Ok(start.elapsed())
}

fn engine(path: &Path, dir: &Path) -> Result<(Duration, Duration)> {
    let start = Instant::now();
    let registry = crate::registry();
    let url = format!("sqlite:{}", path.display());
    let set = cairn::load_dir(dir, registry.dialect(&url)?)?;
    let applying = Instant::now();
    let mut db = registry.connect(&url)?;
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
    v[v.len() / 2]
}
