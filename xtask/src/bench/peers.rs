//! `bench --peers`: the same generated migrations applied by the tools a user would pick
//! instead of Cairn (dbmate, sqlx-cli, refinery), by Cairn's release binary and by the
//! database's own client, in one run, on each backend. Every tool is a whole process timed
//! from spawn to exit; each gets a fresh database per measurement, and every `up` is checked
//! to have created all the tables. A peer that is not installed is skipped with a note; one
//! that fails reports its error in its cell and the bench goes on.
//!
//! Peers are looked for under `$CAIRN_BENCH_PEERS` (default `$HOME/.cache/cairn-peers`: `bin/`
//! of `cargo install --root`, `node_modules/` of `npm install --prefix`), then on PATH.

mod layouts;
mod table;
mod target;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, Result};

use super::server;
use crate::args::{BenchArgs, BenchBackend};
use layouts::Folders;
use table::{Cell, Table};
use target::Target;
use tools::{Context, Measure, Tool};

/// The environment variable naming the peers directory.
const PEERS_ENV: &str = "CAIRN_BENCH_PEERS";

/// A backend measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// PostgreSQL on loopback.
    Postgres,
    /// MariaDB on loopback.
    Mysql,
}

impl Backend {
    /// A short name for file and database names.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite (file)",
            Backend::Postgres => "PostgreSQL (loopback)",
            Backend::Mysql => "MariaDB (loopback)",
        }
    }

    fn raw_client(self, program: Option<&Path>) -> &'static str {
        match (self, program) {
            (Backend::Sqlite, Some(_)) => "sqlite3 CLI reading the script, WAL",
            (Backend::Sqlite, None) => "rusqlite in this process (no sqlite3 CLI), WAL",
            (Backend::Postgres, _) => "psql -f (-1 for one transaction)",
            (Backend::Mysql, _) => "mariadb client reading the script",
        }
    }
}

/// A tool in a column: its program (`None` for a raw client found per backend).
struct Column {
    tool: Tool,
    program: Option<PathBuf>,
}

/// Runs the comparison on the backends `args` selects.
pub fn run(args: &BenchArgs) -> Result<()> {
    let runs = args.runs.max(1);
    let n = args.migrations;
    println!(
        "bench --peers: {n} migrations (CREATE TABLE, CREATE INDEX, INSERT each), median of {runs} runs, whole processes"
    );
    println!("load at start: {}", loadavg());
    let peers_dir = peers_dir();
    let cairn = cairn_binary()?;
    println!("Cairn: {} ({})", cairn.display(), version(&cairn));
    let mut columns = vec![
        Column {
            tool: Tool::Raw,
            program: None,
        },
        Column {
            tool: Tool::Cairn,
            program: Some(cairn),
        },
    ];
    for peer in Tool::PEERS {
        match peer.find(&peers_dir) {
            Some(program) => {
                println!(
                    "{}: {} ({})",
                    peer.title(),
                    program.display(),
                    version(&program)
                );
                columns.push(Column {
                    tool: peer,
                    program: Some(program),
                });
            }
            None => println!(
                "{}: not installed ({})",
                peer.title(),
                peer.install_hint(&peers_dir)
            ),
        }
    }
    let work = tempfile::tempdir()?;
    let scripts: Vec<String> = (0..n).map(super::script).collect();
    let folders = Folders::write(work.path(), &scripts)?;
    let cwd = work.path().join("cwd");
    std::fs::create_dir_all(&cwd)?;
    let bench = Bench {
        columns: &columns,
        folders: &folders,
        scripts: &scripts,
        runs,
        work: work.path(),
        cwd: &cwd,
    };
    if matches!(args.backend, BenchBackend::Sqlite | BenchBackend::All) {
        bench.backend(Backend::Sqlite, None)?;
    }
    server::on_servers(args.backend, |kind, admin_url| {
        let backend = match kind {
            server::Kind::Postgres => Backend::Postgres,
            server::Kind::Mysql => Backend::Mysql,
        };
        bench.backend(backend, Some(admin_url))
    })?;
    println!("load at end: {}", loadavg());
    Ok(())
}

/// What every backend's measurement shares.
struct Bench<'a> {
    columns: &'a [Column],
    folders: &'a Folders,
    scripts: &'a [String],
    runs: usize,
    work: &'a Path,
    cwd: &'a Path,
}

impl Bench<'_> {
    /// Measures every tool on `backend` and prints the table. Runs are interleaved (run 1 of
    /// every tool, then run 2, ...), so a change of load touches every column alike.
    fn backend(&self, backend: Backend, admin_url: Option<&str>) -> Result<()> {
        let on = On {
            backend,
            target: Target::new(backend, admin_url, self.work)?,
            raw: layouts::write_raw(self.work, backend, self.scripts)?,
            rows: Measure::rows(backend),
        };
        let raw_program = tools::raw_program(backend);
        let mut cells = vec![vec![Cell::NotApplicable; self.columns.len()]; on.rows.len()];
        for run in 0..self.runs {
            for (c, column) in self.columns.iter().enumerate() {
                let program = match column.tool {
                    Tool::Raw => raw_program.as_deref(),
                    _ => column.program.as_deref(),
                };
                // `up`, then the no-op `up` and `status` on what it left; then a second fresh
                // database for the single transaction.
                let groups: [&[Measure]; 2] = [
                    &[Measure::Up, Measure::Noop, Measure::Status],
                    &[Measure::UpOne],
                ];
                for group in groups {
                    // A tool whose `up` failed once is not tried again: the error stands.
                    let first = on.rows.iter().position(|m| Some(m) == group.first());
                    if first.is_some_and(|r| cells[r][c].failed()) {
                        continue;
                    }
                    for (measure, outcome) in
                        self.sequence(&on, column.tool, program, group, run)?
                    {
                        if let Some(r) = on.rows.iter().position(|m| *m == measure) {
                            cells[r][c].push(outcome);
                        }
                    }
                }
            }
        }
        let table = Table {
            columns: self
                .columns
                .iter()
                .map(|c| c.tool.title().to_string())
                .collect(),
            rows: on
                .rows
                .iter()
                .map(|m| m.title().to_string())
                .zip(cells)
                .collect(),
        };
        println!(
            "\n{}, {} migrations, median of {} runs; raw client: {}; load now {}",
            backend.title(),
            self.scripts.len(),
            self.runs,
            backend.raw_client(raw_program.as_deref()),
            loadavg()
        );
        print!("{}", table.render());
        Ok(())
    }

    /// Runs `group` (those of its measures `on` has rows for) in order on one fresh
    /// database. An `up` that fails or creates too few tables ends the group: what follows
    /// would measure nothing.
    fn sequence(
        &self,
        on: &On,
        tool: Tool,
        program: Option<&Path>,
        group: &[Measure],
        run: usize,
    ) -> Result<Vec<(Measure, Result<Duration, String>)>> {
        let wanted: Vec<Measure> = group
            .iter()
            .copied()
            .filter(|m| on.rows.contains(m))
            .collect();
        let Some(first) = wanted.first() else {
            return Ok(Vec::new());
        };
        let name = format!(
            "cairn_peers_{}_{}_{run}",
            // Lower case: PostgreSQL folds the unquoted name in CREATE DATABASE, but not the
            // one in the URL.
            tool.title().to_lowercase().replace(['-', ' '], "_"),
            if *first == Measure::UpOne {
                "one"
            } else {
                "each"
            }
        );
        let db = on.target.fresh(&name)?;
        let cx = Context {
            backend: on.backend,
            url: &db.url,
            sqlite_file: db.file.as_deref(),
            folders: self.folders,
            raw: &on.raw,
            cwd: self.cwd,
        };
        let mut outcomes = Vec::new();
        let mut broken: Option<String> = None;
        for measure in wanted {
            if let Some(why) = &broken {
                outcomes.push((measure, Err(why.clone())));
                continue;
            }
            let Some(invocation) = tools::invocation(tool, program, measure, &cx) else {
                continue;
            };
            if measure == Measure::Noop {
                on.target.settle(&db)?;
            }
            let mut outcome = tools::time(invocation);
            if outcome.is_ok() && matches!(measure, Measure::Up | Measure::UpOne) {
                let made = on.target.count_tables(&db)?;
                if made != self.scripts.len() {
                    outcome = Err(format!(
                        "exited 0 but created {made} of {} tables",
                        self.scripts.len()
                    ));
                }
            }
            if let Err(e) = &outcome {
                broken = Some(format!("not run: {} failed", measure.title()));
                eprintln!(
                    "{} on {}: {} failed: {}",
                    tool.title(),
                    on.backend.name(),
                    measure.title(),
                    table::first_line(e)
                );
            }
            outcomes.push((measure, outcome));
        }
        on.target.drop(db)?;
        Ok(outcomes)
    }
}

/// One backend being measured.
struct On {
    backend: Backend,
    target: Target,
    /// The raw client's scripts: (one transaction per migration, one for all).
    raw: (PathBuf, PathBuf),
    /// The measures this backend has.
    rows: Vec<Measure>,
}

/// `$CAIRN_BENCH_PEERS`, else `$HOME/.cache/cairn-peers`.
fn peers_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(PEERS_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/cairn-peers")
}

/// The release `cairn` binary: `$CAIRN_BENCH_CAIRN`, else built now (a no-op when fresh)
/// into the target directory this release xtask runs from, so it is this checkout's code.
pub(super) fn cairn_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CAIRN_BENCH_CAIRN").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().context("cannot find the running xtask")?;
    let dir = exe.parent().context("the xtask binary has no folder")?;
    if let Ok(cargo) = std::env::var("CARGO") {
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "cairn-cli",
                "--bin",
                "cairn",
            ])
            .status()
            .context("cannot run cargo")?;
        anyhow::ensure!(
            status.success(),
            "cannot build the release cairn binary ({status})"
        );
    }
    let cairn = dir.join("cairn");
    anyhow::ensure!(
        cairn.is_file(),
        "no release cairn binary at {} (cargo build --release -p cairn-cli, or set CAIRN_BENCH_CAIRN)",
        cairn.display()
    );
    Ok(cairn)
}

/// The first line of `program --version`, for the record.
fn version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .and_then(|v| v.lines().next().map(str::to_string))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "version unknown".to_string())
}

/// The 1, 5 and 15 minute load averages, since another build on a 2-core machine moves
/// every figure.
pub(super) fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}
