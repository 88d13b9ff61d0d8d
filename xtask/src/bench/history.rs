//! `bench --history`: the commands every deploy and CI job runs, on a long history. For each
//! size (1,000, 10,000 and 50,000 migrations of one table and one index each, in the
//! golang-migrate/sqlx file layout, an up and a down file each), the folder is applied to a
//! SQLite file once, then the release `cairn` binary is timed as a whole process for a no-op
//! `migrate up`, `migrate status` and `migrate validate`, with the peak memory of `status`
//! (from `/usr/bin/time`, when installed). Time per 1,000 migrations shows whether a command
//! grows linearly.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};

use super::median;
use super::peers::{cairn_binary, loadavg};

/// The history sizes measured, unless `CAIRN_BENCH_HISTORY_SIZES` names others
/// (`1000,10000`): applying 50,000 takes SQLite about 8 minutes.
const SIZES: [usize; 3] = [1_000, 10_000, 50_000];

fn sizes() -> Result<Vec<usize>> {
    match std::env::var("CAIRN_BENCH_HISTORY_SIZES") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|n| {
                n.trim().replace('_', "").parse::<usize>().map_err(|_| {
                    anyhow::anyhow!(
                        "CAIRN_BENCH_HISTORY_SIZES: `{n}` is not a number of migrations"
                    )
                })
            })
            .collect(),
        _ => Ok(SIZES.to_vec()),
    }
}

/// The commands timed, as `cairn` arguments after the URL and folder.
const COMMANDS: [(&str, &[&str]); 3] = [
    ("no-op up", &["migrate", "up"]),
    ("status", &["migrate", "status"]),
    ("validate", &["migrate", "validate"]),
];

/// Runs the benchmark, printing one table.
pub fn run(runs: usize) -> Result<()> {
    let runs = runs.max(1);
    let cairn = cairn_binary()?;
    println!(
        "bench --history: no-op up, status and validate over a long history (SQLite), median of {runs} runs, whole processes"
    );
    println!("load at start: {}", loadavg());
    println!(
        "| migrations | apply once (--single-transaction) | no-op up | status | validate | per 1,000: no-op up / status | peak memory (status) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in sizes()? {
        let work = tempfile::tempdir()?;
        let dir = work.path().join("migrations");
        write_folder(&dir, n)?;
        let url = format!("sqlite:{}", work.path().join("history.db").display());
        let apply = time(
            &cairn,
            &url,
            &dir,
            &["migrate", "up", "--single-transaction"],
        )?;
        let mut medians = Vec::new();
        for (_, args) in COMMANDS {
            let samples = (0..runs)
                .map(|_| time(&cairn, &url, &dir, args))
                .collect::<Result<Vec<_>>>()?;
            medians.push(median(samples));
        }
        let per_k = |d: Duration| d.as_secs_f64() * 1000.0 / (n as f64 / 1000.0);
        println!(
            "| {n} | {:.2} s | {} | {} | {} | {:.1} / {:.1} ms | {} |",
            apply.as_secs_f64(),
            ms(medians[0]),
            ms(medians[1]),
            ms(medians[2]),
            per_k(medians[0]),
            per_k(medians[1]),
            peak_memory(&cairn, &url, &dir).unwrap_or_else(|| "unknown".to_string())
        );
    }
    println!("load at end: {}", loadavg());
    Ok(())
}

/// `n` migrations as golang-migrate/sqlx files: `<version>_t<i>.up.sql` (a table and an index)
/// and `<version>_t<i>.down.sql`.
fn write_folder(dir: &Path, n: usize) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for i in 1..=n {
        let version = 20_240_101_000_000u64 + i as u64;
        std::fs::write(dir.join(format!("{version}_t{i}.up.sql")), up_sql(i))?;
        std::fs::write(
            dir.join(format!("{version}_t{i}.down.sql")),
            format!("DROP TABLE t{i};\n"),
        )?;
    }
    Ok(())
}

/// The up SQL of migration `i`.
fn up_sql(i: usize) -> String {
    format!(
        "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at TEXT);\nCREATE INDEX t{i}_name ON t{i} (name);\n"
    )
}

/// Runs `cairn --database-url URL --dir DIR ARGS` and times it; fails unless it exits 0.
fn time(cairn: &Path, url: &str, dir: &Path, args: &[&str]) -> Result<Duration> {
    let start = Instant::now();
    let out = command(cairn, url, dir, args)
        .output()
        .with_context(|| format!("cannot run {}", cairn.display()))?;
    let took = start.elapsed();
    ensure!(
        out.status.success(),
        "cairn {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(took)
}

fn command(cairn: &Path, url: &str, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cairn);
    cmd.env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", url, "--layout", "golang-migrate", "--dir"])
        .arg(dir)
        .args(args)
        .stdout(Stdio::null());
    cmd
}

/// Peak resident memory of one `migrate status`, from GNU time's `%M` (KiB); `None` when
/// `/usr/bin/time` is not installed.
fn peak_memory(cairn: &Path, url: &str, dir: &Path) -> Option<String> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = Command::new(time)
        .args(["-f", "cairn-peak-kib %M"])
        .arg(cairn)
        .env_remove("DATABASE_URL")
        .args(["--database-url", url, "--layout", "golang-migrate", "--dir"])
        .arg(dir)
        .args(["migrate", "status"])
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let kib: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("cairn-peak-kib "))?
        .trim()
        .parse()
        .ok()?;
    Some(format!("{:.0} MB", kib / 1024.0))
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_has_an_up_and_a_down_file_per_migration_in_version_order() {
        let dir = tempfile::tempdir().unwrap();
        write_folder(dir.path(), 3).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "20240101000001_t1.down.sql",
                "20240101000001_t1.up.sql",
                "20240101000002_t2.down.sql",
                "20240101000002_t2.up.sql",
                "20240101000003_t3.down.sql",
                "20240101000003_t3.up.sql",
            ]
        );
        assert!(up_sql(2).contains("CREATE INDEX t2_name ON t2 (name);"));
    }
}
