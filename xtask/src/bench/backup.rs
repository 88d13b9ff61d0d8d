//! `bench --backup`: on a database filled with generated rows, times `cairn::ops::backup`
//! (uncompressed and gzip) against the raw copy it wraps, run directly in the same run (SQLite:
//! rusqlite's online backup API; PostgreSQL: `pg_dump -Fc`; MariaDB: `mariadb-dump
//! --single-transaction`, with the flags the backend passes), and times `cairn::ops::verify` and
//! `cairn::ops::health` on the same database.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::ops::{self, Compression};
use cairn::{Dialect, Driver, Options, UpTarget};

use super::{median, server};
use crate::args::{BenchArgs, BenchBackend};

/// Tables the rows are spread over.
const TABLES: usize = 4;
/// Name of the database created on each server.
const DATABASE: &str = "cairn_bench_backup";

/// Runs the backup benchmark on the backends `args` names.
pub fn run(args: &BenchArgs) -> Result<()> {
    let work = tempfile::tempdir()?;
    let fill = work.path().join("fill");
    fill_migrations(&fill, args.rows)?;
    let runs = args.runs.max(1);
    let header = |name: &str, baseline: &str| {
        println!(
            "{name}, {} rows in {TABLES} tables, median of {runs} runs; baseline: {baseline}",
            args.rows
        );
    };
    if matches!(args.backend, BenchBackend::Sqlite | BenchBackend::All) {
        header("SQLite (file, WAL)", "rusqlite online backup, step(-1)");
        let file = work.path().join("bench.db");
        let url = format!("sqlite:{}", file.display());
        measure(&url, &fill, runs, work.path(), &|to| sqlite_copy(&file, to))?;
    }
    server::on_servers(args.backend, |kind, admin_url| match kind {
        server::Kind::Postgres => {
            header("PostgreSQL (loopback)", "pg_dump -Fc");
            let url = server::fresh_database(admin_url, DATABASE)?;
            measure(&url, &fill, runs, work.path(), &|to| pg_dump(&url, to))?;
            drop_database(admin_url, "WITH (FORCE)");
            Ok(())
        }
        server::Kind::Mysql => {
            header("MariaDB (loopback)", "mariadb-dump --single-transaction");
            let url = mysql_database(admin_url)?;
            measure(&url, &fill, runs, work.path(), &|to| mariadb_dump(&url, to))?;
            drop_database(admin_url, "");
            Ok(())
        }
    })
}

/// Medians of one backend's runs.
#[derive(Default)]
struct Times {
    raw: Vec<Duration>,
    /// The raw copy, then `gzip -6` of it (empty without `gzip` on PATH).
    raw_gzip: Vec<Duration>,
    plain: Vec<Duration>,
    gzip: Vec<Duration>,
    verify_plain: Vec<Duration>,
    verify_gzip: Vec<Duration>,
    health: Vec<Duration>,
}

/// Fills the database at `url` from `fill`, then times each operation `runs` times and prints
/// the table.
fn measure(
    url: &str,
    fill: &Path,
    runs: usize,
    work: &Path,
    baseline: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    let registry = cairn_cli::registry();
    let set = cairn::load_dir(fill, registry.dialect(url)?)?;
    let mut db = registry.connect(url)?;
    let filled = Instant::now();
    cairn::up(
        db.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    println!("  (filled in {:.1} s)", filled.elapsed().as_secs_f64());
    let mut t = Times::default();
    let mut sizes = (0, 0, 0);
    let mut queries = None;
    let mut rows = 0;
    for _ in 0..runs {
        let dir = tempfile::tempdir_in(work)?;
        let raw = dir.path().join("raw.copy");
        let start = Instant::now();
        baseline(&raw)?;
        t.raw.push(start.elapsed());
        sizes.0 = fs::metadata(&raw)?.len();
        if let Ok(tool) = ops::find_tool(&["gzip"], "gzip") {
            let mut cmd = Command::new(tool);
            cmd.args(["-6", "-k"]).arg(&raw);
            let start = Instant::now();
            run_dump(cmd)?;
            t.raw_gzip
                .push(*t.raw.last().unwrap_or(&Duration::ZERO) + start.elapsed());
        }

        let start = Instant::now();
        let plain = ops::backup(db.as_mut(), &dir.path().join("plain"), Compression::None)?;
        t.plain.push(start.elapsed());
        let start = Instant::now();
        let gzip = ops::backup(db.as_mut(), &dir.path().join("gzip"), Compression::Gzip)?;
        t.gzip.push(start.elapsed());
        sizes.1 = plain.manifest.size;
        sizes.2 = gzip.manifest.size;
        rows = plain
            .manifest
            .tables
            .iter()
            .filter(|t| t.table != db.history_table())
            .map(|t| t.rows)
            .sum();

        for (file, times) in [
            (&plain.path, &mut t.verify_plain),
            (&gzip.path, &mut t.verify_gzip),
        ] {
            let start = Instant::now();
            let v = ops::verify(file, &registry)?;
            times.push(start.elapsed());
            anyhow::ensure!(v.ok(), "{}: {}", file.display(), v.problems());
        }

        let before = questions(db.as_mut());
        let start = Instant::now();
        let health = ops::health(db.as_mut(), Some(&set));
        t.health.push(start.elapsed());
        // The second `SHOW SESSION STATUS` counts itself.
        queries = before
            .zip(questions(db.as_mut()))
            .map(|(b, a)| a.saturating_sub(b + 1));
        if !health.healthy {
            eprintln!("bench: warning: health reports the database unhealthy");
        }
    }
    println!("  (the manifest counts {rows} rows)");
    print_table(&t, sizes, queries);
    Ok(())
}

fn print_table(t: &Times, sizes: (u64, u64, u64), queries: Option<u64>) {
    let ms = |v: &Vec<Duration>| median(v.clone()).as_secs_f64() * 1000.0;
    let mb = |b: u64| b as f64 / 1_048_576.0;
    let raw = ms(&t.raw);
    println!(
        "  {:<34} {:>12} {:>10} {:>7}",
        "operation", "baseline ms", "cairn ms", "ratio"
    );
    println!(
        "  {:<34} {:>12.1} {:>10} {:>7}",
        format!("raw copy ({:.1} MB)", mb(sizes.0)),
        raw,
        "-",
        "-"
    );
    for (name, v) in [
        (
            format!("backup, uncompressed ({:.1} MB)", mb(sizes.1)),
            &t.plain,
        ),
        (format!("backup, gzip ({:.1} MB)", mb(sizes.2)), &t.gzip),
    ] {
        println!(
            "  {name:<34} {raw:>12.1} {:>10.1} {:>6.2}x",
            ms(v),
            ms(v) / raw
        );
    }
    if !t.raw_gzip.is_empty() {
        let base = ms(&t.raw_gzip);
        println!(
            "  {:<34} {base:>12.1} {:>10.1} {:>6.2}x",
            "backup, gzip vs copy + gzip -6",
            ms(&t.gzip),
            ms(&t.gzip) / base
        );
    }
    let health = match queries {
        Some(n) => format!("health ({n} queries)"),
        None => "health".to_string(),
    };
    for (name, v) in [
        ("verify, uncompressed".to_string(), &t.verify_plain),
        ("verify, gzip".to_string(), &t.verify_gzip),
        (health, &t.health),
    ] {
        println!("  {name:<34} {:>12} {:>10.1} {:>7}", "-", ms(v), "-");
    }
}

/// Statements this session sent so far (MariaDB/MySQL `Questions`); `None` elsewhere.
fn questions(db: &mut dyn Driver) -> Option<u64> {
    if db.dialect() != Dialect::Mysql {
        return None;
    }
    let rows = db.query("SHOW SESSION STATUS LIKE 'Questions'").ok()?;
    rows.first()?.get(1)?.as_ref()?.parse().ok()
}

/// Migrations creating [`TABLES`] tables (primary key, an index, a text payload) holding
/// `rows` rows in all, generated by one `INSERT ... SELECT` over a cross join of digits each.
fn fill_migrations(dir: &Path, rows: usize) -> Result<()> {
    fs::create_dir_all(dir)?;
    let digit = (0..10)
        .map(|n| format!("SELECT {n} AS n"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    for k in 0..TABLES {
        let n = rows / TABLES + usize::from(k < rows % TABLES);
        let width = n.saturating_sub(1).to_string().len();
        let from = (0..width)
            .map(|j| format!("({digit}) d{j}"))
            .collect::<Vec<_>>()
            .join(" CROSS JOIN ");
        let expr = (0..width)
            .map(|j| format!("d{j}.n * {}", 10usize.pow((width - 1 - j) as u32)))
            .collect::<Vec<_>>()
            .join(" + ");
        let mut sql = format!(
            "CREATE TABLE b{k} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, score INTEGER NOT NULL, note VARCHAR(200) NOT NULL);\nCREATE INDEX b{k}_name ON b{k} (name);\n"
        );
        if n > 0 {
            sql.push_str(&format!(
                "INSERT INTO b{k} (id, name, score, note) SELECT {expr} + 1, CONCAT('name-', {expr}), ({expr}) % 1000, 'the quick brown fox jumps over the lazy dog, again and again' FROM {from} WHERE {expr} < {n};\n"
            ));
        }
        let deps = if k == 0 {
            "[]".to_string()
        } else {
            format!("[b{:05}]", k - 1)
        };
        let body = sql.lines().map(|l| format!("  {l}\n")).collect::<String>();
        fs::write(
            dir.join(format!("b{k:05}.yaml")),
            format!("depends_on: {deps}\nup: |\n{body}down: DROP TABLE b{k};\n"),
        )?;
    }
    Ok(())
}

/// The baseline on SQLite: the online backup API copying every page in one step.
fn sqlite_copy(source: &Path, to: &Path) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let from = rusqlite::Connection::open(source)?;
    let mut dest = rusqlite::Connection::open(to)?;
    let backup = Backup::new(&from, &mut dest)?;
    let start = Instant::now();
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            _ if start.elapsed() > Duration::from_secs(30) => {
                anyhow::bail!("the online backup stayed busy for 30 s")
            }
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// The baseline on PostgreSQL: `pg_dump` in the custom format, as the backend runs it.
fn pg_dump(url: &str, to: &Path) -> Result<()> {
    let tool = ops::find_tool(&["pg_dump"], "postgresql-client")?;
    let mut cmd = Command::new(tool);
    cmd.args(["--format=custom", "--no-password", "--file"])
        .arg(to)
        .arg("--dbname")
        .arg(url);
    run_dump(cmd)
}

/// The baseline on MariaDB: `mariadb-dump --single-transaction` with the backend's other flags.
fn mariadb_dump(url: &str, to: &Path) -> Result<()> {
    let u = cairn_mysql::parse_url(url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let tool = ops::find_tool(&["mariadb-dump", "mysqldump"], "mariadb-client")?;
    let mut cmd = Command::new(tool);
    cmd.arg(format!(
        "--host={}",
        u.host.trim_start_matches('[').trim_end_matches(']')
    ))
    .arg(format!("--port={}", u.port))
    .arg(format!("--user={}", u.user))
    .arg("--protocol=TCP")
    .args([
        "--single-transaction",
        "--routines",
        "--triggers",
        "--hex-blob",
        "--default-character-set=utf8mb4",
    ])
    .arg(format!("--result-file={}", to.display()))
    .arg(&u.database);
    if let Some(p) = &u.password {
        cmd.env("MYSQL_PWD", p);
    }
    run_dump(cmd)
}

fn run_dump(mut cmd: Command) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd.get_program(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// Creates (or recreates) [`DATABASE`] on the MariaDB server and returns its URL.
fn mysql_database(admin_url: &str) -> Result<String> {
    let mut admin = cairn_cli::registry().connect(admin_url)?;
    admin.query(&format!("DROP DATABASE IF EXISTS {DATABASE}"))?;
    admin.query(&format!("CREATE DATABASE {DATABASE}"))?;
    Ok(with_database(admin_url, DATABASE))
}

/// Drops [`DATABASE`] through the admin URL, best effort (the servers may be thrown away).
fn drop_database(admin_url: &str, suffix: &str) {
    if let Ok(mut admin) = cairn_cli::registry().connect(admin_url) {
        let _ = admin.query(&format!("DROP DATABASE IF EXISTS {DATABASE} {suffix}"));
    }
}

/// `url` with its database (the path) replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..root]);
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn fills_the_requested_rows() {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path().join("fill");
        super::fill_migrations(&dir, 1_003).unwrap();
        let url = format!("sqlite:{}", work.path().join("t.db").display());
        let registry = cairn_cli::registry();
        let set = cairn::load_dir(&dir, registry.dialect(&url).unwrap()).unwrap();
        let mut db = registry.connect(&url).unwrap();
        cairn::up(
            db.as_mut(),
            &set,
            &cairn::UpTarget::All,
            &cairn::Options::default(),
            &mut |_| {},
        )
        .unwrap();
        let rows = db
            .query("SELECT (SELECT COUNT(*) FROM b0) + (SELECT COUNT(*) FROM b1) + (SELECT COUNT(*) FROM b2) + (SELECT COUNT(*) FROM b3)")
            .unwrap();
        assert_eq!(rows[0][0].as_deref(), Some("1003"));
    }
}
