//! `bench --test-databases`: 100 tests, each getting a database with the built-ins (`auth`,
//! `audit`, `scan`) applied, through `cairn::testing` (migrate once into a template, clone it
//! per test, drop it after) against migrating each test's empty database from scratch; per
//! backend, one test after another.

use std::time::{Duration, Instant};

use anyhow::Result;
use cairn::testing::TestDatabases;
use cairn::{Dialect, MigrationSet, Options, UpTarget};

use crate::args::BenchBackend;

/// Tests per sample.
const TESTS: usize = 100;

/// Times both ways on the backends `backend` selects, median of `runs`.
pub fn run(backend: BenchBackend, runs: usize) -> Result<()> {
    let runs = runs.max(1);
    println!(
        "A database per test: {TESTS} tests, each on a database with the built-ins auth, audit, scan; median of {runs} runs"
    );
    if matches!(backend, BenchBackend::Sqlite | BenchBackend::All) {
        let work = tempfile::tempdir()?;
        let set = builtins(Dialect::Sqlite)?;
        let mut n = 0;
        let empty = || {
            n += 1;
            let path = work.path().join(format!("t{n}.db"));
            Ok((format!("sqlite:{}", path.display()), move || {
                let _ = std::fs::remove_file(&path);
            }))
        };
        measure("SQLite (files)", "sqlite::memory:", &set, runs, empty)?;
    }
    super::server::on_servers(backend, |kind, admin_url| {
        let set = builtins(match kind {
            super::server::Kind::Postgres => Dialect::Postgres,
            super::server::Kind::Mysql => Dialect::Mysql,
        })?;
        let registry = cairn_cli::registry();
        let admin = std::cell::RefCell::new(registry.connect(admin_url)?);
        let mut n = 0;
        let empty = || {
            n += 1;
            let name = format!("cairn_bench_empty_{n}");
            admin
                .borrow_mut()
                .execute(&format!("CREATE DATABASE {name}"))?;
            let admin = &admin;
            Ok((cairn_tests::with_database(admin_url, &name), move || {
                let _ = admin
                    .borrow_mut()
                    .execute(&format!("DROP DATABASE IF EXISTS {name}"));
            }))
        };
        measure(kind.title(), admin_url, &set, runs, empty)
    })
}

fn builtins(dialect: Dialect) -> Result<MigrationSet> {
    let modules = ["auth", "audit", "scan"].map(String::from);
    Ok(cairn::load_sources(
        cairn::builtin_files(&modules)?,
        Vec::new(),
        dialect,
    )?)
}

/// Runs both sides `runs` times and prints the medians. `empty` makes an empty database and
/// returns its URL and what drops it.
fn measure<F: FnOnce()>(
    title: &str,
    url: &str,
    set: &MigrationSet,
    runs: usize,
    mut empty: impl FnMut() -> Result<(String, F)>,
) -> Result<()> {
    let registry = cairn_cli::registry();
    let (mut cloned, mut migrated, mut builds) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        // With a template: built once (timed, after removing the last run's), then a clone
        // per test, dropped after it.
        TestDatabases::new(&registry, url, set)?.drop_template()?;
        let start = Instant::now();
        let dbs = TestDatabases::new(&registry, url, set)?;
        builds.push(start.elapsed());
        for _ in 0..TESTS {
            let mut db = dbs.fresh()?;
            db.driver().query("SELECT COUNT(*) FROM users")?;
        }
        cloned.push(start.elapsed());
        dbs.drop_template()?;
        // From empty: every test migrates its own database.
        let start = Instant::now();
        for _ in 0..TESTS {
            let (db_url, drop_it) = empty()?;
            let mut db = registry.connect(&db_url)?;
            cairn::up(
                db.as_mut(),
                set,
                &UpTarget::All,
                &Options::default(),
                &mut |_| {},
            )?;
            db.query("SELECT COUNT(*) FROM users")?;
            drop(db);
            drop_it();
        }
        migrated.push(start.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (cloned, migrated, build) = (
        super::median(cloned),
        super::median(migrated),
        super::median(builds),
    );
    println!("{title}, {} migrations:", set.len());
    println!(
        "  migrating each test's database from empty: {:>9.1} ms  ({:.1} ms a test)",
        ms(migrated),
        ms(migrated) / TESTS as f64
    );
    println!(
        "  template once + a clone per test:          {:>9.1} ms  ({:.1} ms a test; template {:.1} ms)  {:.1}x faster",
        ms(cloned),
        (ms(cloned) - ms(build)) / TESTS as f64,
        ms(build),
        ms(migrated) / ms(cloned)
    );
    Ok(())
}
