//! `bench --fleet`: the built-ins (`auth`, `audit`, `scan`) over many tenants with `fleet up`,
//! from empty and then as a no-op, against a shell loop calling `migrate up` once per tenant
//! (what a user without fleets writes). SQLite: 500 tenant files; PostgreSQL: 200 schemas in
//! one database. The same binary runs both sides.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};

use crate::args::BenchBackend;

const SQLITE_TENANTS: usize = 500;
const POSTGRES_SCHEMAS: usize = 200;

/// Times both sides on the backends `backend` selects, median of `runs`.
pub fn run(backend: BenchBackend, runs: usize) -> Result<()> {
    let runs = runs.max(1);
    let parallel = cairn::fleet::default_parallel();
    println!(
        "Fleet: built-ins auth, audit, scan on every tenant; `fleet up --parallel {parallel}` against a loop of `migrate up` per tenant; median of {runs} runs"
    );
    if matches!(backend, BenchBackend::Sqlite | BenchBackend::All) {
        let mut samples = Vec::new();
        for _ in 0..runs {
            let work = tempfile::tempdir()?;
            std::fs::create_dir(work.path().join("migrations"))?;
            let mut file = format!("url = \"sqlite:{}/{{name}}.db\"\n", work.path().display());
            for i in 0..SQLITE_TENANTS {
                file += &format!("\n[[target]]\nname = \"t{i}\"\n");
            }
            std::fs::write(work.path().join("targets.toml"), file)?;
            let fleet = ["fleet", "up", "--targets", "targets.toml"];
            let urls: Vec<String> = (0..SQLITE_TENANTS)
                .map(|i| format!("sqlite:{}/loop{i}.db", work.path().display()))
                .collect();
            samples.push(sample(work.path(), "sqlite::memory:", &fleet, &urls)?);
        }
        report(&format!("SQLite, {SQLITE_TENANTS} tenant files"), samples);
    }
    super::server::on_servers(backend, |kind, admin_url| {
        if kind != super::server::Kind::Postgres {
            return Ok(());
        }
        let mut samples = Vec::new();
        let registry = cairn_cli::registry();
        for run in 0..runs {
            let mut admin = registry.connect(admin_url)?;
            let db = format!("cairn_bench_fleet_{run}");
            admin.execute(&format!("DROP DATABASE IF EXISTS {db}"))?;
            admin.execute(&format!("CREATE DATABASE {db}"))?;
            let url = cairn::with_database(admin_url, &db).context("admin URL")?;
            let mut conn = registry.connect(&url)?;
            for i in 0..POSTGRES_SCHEMAS {
                conn.execute(&format!("CREATE SCHEMA t{i}; CREATE SCHEMA loop{i}"))?;
            }
            drop(conn);
            let work = tempfile::tempdir()?;
            std::fs::create_dir(work.path().join("migrations"))?;
            let fleet = ["fleet", "up", "--schemas", "t%"];
            let sep = if url.contains('?') { '&' } else { '?' };
            let urls: Vec<String> = (0..POSTGRES_SCHEMAS)
                .map(|i| format!("{url}{sep}options=-c%20search_path%3Dloop{i}"))
                .collect();
            samples.push(sample(work.path(), &url, &fleet, &urls)?);
            admin.execute(&format!("DROP DATABASE {db} WITH (FORCE)"))?;
        }
        report(&format!("PostgreSQL, {POSTGRES_SCHEMAS} schemas"), samples);
        Ok(())
    })
}

/// (fleet from empty, fleet no-op, loop from empty, loop no-op).
type Sample = [Duration; 4];

fn sample(dir: &Path, url: &str, fleet: &[&str], loop_urls: &[String]) -> Result<Sample> {
    let cairn = |args: &[&str], url: &str| -> Result<()> {
        let status = Command::new(std::env::current_exe()?)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .args(["--database-url", url, "--builtin", "auth,audit,scan"])
            .args(args)
            .stdout(Stdio::null())
            .status()?;
        ensure!(
            status.success(),
            "cairn {} failed ({status})",
            args.join(" ")
        );
        Ok(())
    };
    let timed = |f: &dyn Fn() -> Result<()>| -> Result<Duration> {
        let start = Instant::now();
        f()?;
        Ok(start.elapsed())
    };
    let shell_loop = || -> Result<()> {
        for u in loop_urls {
            cairn(&["migrate", "up"], u)?;
        }
        Ok(())
    };
    Ok([
        timed(&|| cairn(fleet, url))?,
        timed(&|| cairn(fleet, url))?,
        timed(&shell_loop)?,
        timed(&shell_loop)?,
    ])
}

fn report(title: &str, samples: Vec<Sample>) {
    let median = |i: usize| super::median(samples.iter().map(|s| s[i]).collect());
    let s = |d: Duration| d.as_secs_f64();
    println!("{title}:");
    for (what, fleet, each) in [
        ("from empty", median(0), median(2)),
        ("no-op", median(1), median(3)),
    ] {
        println!(
            "  {what:<10}  fleet up {:>7.2} s   loop of migrate up {:>7.2} s   {:.1}x faster",
            s(fleet),
            s(each),
            s(each) / s(fleet)
        );
    }
}
