//! `migrate test` on SQLite: N generated migrations (one table and one index each, with downs)
//! proved on an in-memory scratch database, beside a plain `migrate up` of the same set in the
//! same run (into memory, the scratch database's conditions, and into a file).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use cairn::{MigrationSet, Options, UpTarget};

/// Writes the migrations under `dir`.
fn generate(dir: &Path, n: usize) -> Result<()> {
    fs::create_dir_all(dir)?;
    for i in 0..n {
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[r{:05}]", i - 1)
        };
        fs::write(
            dir.join(format!("r{i:05}.yaml")),
            format!(
                "depends_on: {deps}\nup: |\n  CREATE TABLE r{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, score INTEGER DEFAULT 0);\n  CREATE INDEX r{i}_name ON r{i} (name);\ndown: |\n  DROP INDEX r{i}_name;\n  DROP TABLE r{i};\n"
            ),
        )?;
    }
    Ok(())
}

fn up(url: &str, set: &MigrationSet) -> Result<Duration> {
    let start = Instant::now();
    let mut db = cairn_cli::registry().connect(url)?;
    let report = cairn::up(
        db.as_mut(),
        set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    anyhow::ensure!(report.migrations.len() == set.len(), "up applied too few");
    Ok(start.elapsed())
}

fn prove(set: &MigrationSet) -> Result<Duration> {
    let start = Instant::now();
    let mut scratch = cairn_cli::registry().connect("sqlite::memory:")?;
    let report = cairn::prove_rollbacks(scratch.as_mut(), set, &Options::default(), &mut |_| {})?;
    anyhow::ensure!(
        report.passed() && report.count("restored") == set.len(),
        "the generated rollbacks did not all pass"
    );
    Ok(start.elapsed())
}

/// Times `migrate up` (memory and file) and `migrate test` on `n` migrations, median of `runs`.
pub fn run(n: usize, runs: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let dir = work.path().join("migrations");
    generate(&dir, n)?;
    let set = cairn::load_dir(&dir, cairn::Dialect::Sqlite)?;
    let (mut memory, mut file, mut test) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..runs.max(1) {
        memory.push(up("sqlite::memory:", &set)?);
        let path = work.path().join(format!("up{r}.db"));
        file.push(up(&format!("sqlite:{}", path.display()), &set)?);
        test.push(prove(&set)?);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (memory, file, test) = (
        super::median(memory),
        super::median(file),
        super::median(test),
    );
    println!(
        "SQLite migrate test, {n} migrations (a table and an index each, with downs), median of {} runs:",
        runs.max(1)
    );
    println!(
        "  migrate up, in memory:                  {:>9.1} ms",
        ms(memory)
    );
    println!(
        "  migrate up, into a file:                {:>9.1} ms",
        ms(file)
    );
    println!(
        "  migrate test (up, down, up, 2 schema readings each):{:>9.1} ms  ratio {:.1}x up in memory, {:.1}x up into a file",
        ms(test),
        ms(test) / ms(memory),
        ms(test) / ms(file)
    );
    Ok(())
}
