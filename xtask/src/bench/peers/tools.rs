//! The tools `bench --peers` runs, where they are found, and the command line of each measure.
//! Every tool is a whole process timed from spawn to exit, as a user running it would wait;
//! the database URL goes through `DATABASE_URL`, which all of them read, so no password is on
//! a command line.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Backend;
use super::layouts::Folders;

/// A tool that applies the generated set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The database's own client running the SQL from a file: the floor.
    Raw,
    /// The release `cairn` binary.
    Cairn,
    /// dbmate (Go), from npm.
    Dbmate,
    /// sqlx-cli (Rust, async).
    Sqlx,
    /// refinery_cli (Rust, sync).
    Refinery,
}

impl Tool {
    /// The other migration tools, in column order.
    pub const PEERS: [Tool; 3] = [Tool::Dbmate, Tool::Sqlx, Tool::Refinery];

    /// The column title.
    pub fn title(self) -> &'static str {
        match self {
            Tool::Raw => "raw client",
            Tool::Cairn => "Cairn",
            Tool::Dbmate => "dbmate",
            Tool::Sqlx => "sqlx-cli",
            Tool::Refinery => "refinery",
        }
    }

    /// How to install a missing peer into `dir` (the peers directory).
    pub fn install_hint(self, dir: &Path) -> String {
        let dir = dir.display();
        match self {
            Tool::Dbmate => format!("npm install --prefix {dir} dbmate"),
            Tool::Sqlx => format!(
                "cargo install sqlx-cli --locked --no-default-features --features sqlite,postgres,mysql,rustls --root {dir}"
            ),
            Tool::Refinery => format!(
                "cargo install refinery_cli --locked --no-default-features --features mysql,postgresql,sqlite-bundled --root {dir}"
            ),
            Tool::Raw | Tool::Cairn => String::new(),
        }
    }

    /// The peer's program under the peers directory `dir`, else on PATH. dbmate's npm
    /// package puts a Node.js wrapper in `node_modules/.bin`; the native binary beside it
    /// (`@dbmate/<platform>/bin/dbmate`) is taken first, so Node's start-up is not timed.
    pub fn find(self, dir: &Path) -> Option<PathBuf> {
        let name = match self {
            Tool::Dbmate => "dbmate",
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::Raw | Tool::Cairn => return None,
        };
        let mut candidates = vec![dir.join("bin").join(name)];
        if self == Tool::Dbmate
            && let Ok(platforms) = std::fs::read_dir(dir.join("node_modules/@dbmate"))
        {
            let mut native: Vec<PathBuf> = platforms
                .filter_map(|e| e.ok())
                .map(|e| e.path().join("bin/dbmate"))
                .collect();
            native.sort();
            candidates.extend(native);
        }
        candidates.push(dir.join("node_modules/.bin").join(name));
        candidates
            .into_iter()
            .find(|p| executable(p))
            .or_else(|| on_path(name))
    }
}

/// What is measured, in row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Every migration from an empty database, one transaction each (each tool's default).
    Up,
    /// Every migration from an empty database in one transaction, where the tool offers it.
    UpOne,
    /// `up` again on the up-to-date database: reading files and history, applying nothing.
    Noop,
    /// The status listing on the up-to-date database.
    Status,
}

impl Measure {
    /// The row title.
    pub fn title(self) -> &'static str {
        match self {
            Measure::Up => "up from empty",
            Measure::UpOne => "up from empty, one transaction",
            Measure::Noop => "no-op up",
            Measure::Status => "status",
        }
    }

    /// The rows measured on `backend`. MariaDB commits DDL at once, so a single transaction
    /// means nothing there (Cairn refuses it).
    pub fn rows(backend: Backend) -> Vec<Measure> {
        let mut rows = vec![Measure::Up];
        if backend != Backend::Mysql {
            rows.push(Measure::UpOne);
        }
        rows.extend([Measure::Noop, Measure::Status]);
        rows
    }
}

/// The raw client's program for `backend`: `None` on SQLite without the `sqlite3` CLI, which
/// then runs the same script through rusqlite in this process.
pub fn raw_program(backend: Backend) -> Option<PathBuf> {
    match backend {
        Backend::Sqlite => on_path("sqlite3"),
        Backend::Postgres => crate::testenv::find_psql(),
        Backend::Mysql => crate::testenv::find_mariadb_client(),
    }
}

/// One measurement to run: a process, or the rusqlite fallback of the SQLite raw client.
pub enum Invocation {
    /// A process, its standard input from a file when set.
    Process(Command, Option<PathBuf>),
    /// `script` executed by rusqlite on the database file `db`.
    Rusqlite { db: PathBuf, script: PathBuf },
}

/// Everything a command line needs.
pub struct Context<'a> {
    /// The backend measured.
    pub backend: Backend,
    /// The database URL (`sqlite:/path`, `postgres://...`, `mysql://...`).
    pub url: &'a str,
    /// The SQLite file behind `url`.
    pub sqlite_file: Option<&'a Path>,
    /// The tools' folders.
    pub folders: &'a Folders,
    /// The raw client's scripts: (one transaction per migration, one for all).
    pub raw: &'a (PathBuf, PathBuf),
    /// An empty working directory, so no tool picks up a `.env`, `cairn.toml` or `sqlx.toml`.
    pub cwd: &'a Path,
}

/// How `tool` (found at `program`) does `measure`, or `None` when it has no such command.
pub fn invocation(
    tool: Tool,
    program: Option<&Path>,
    measure: Measure,
    cx: &Context<'_>,
) -> Option<Invocation> {
    let command = |program: &Path, args: &[&str]| {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(cx.cwd)
            .env("DATABASE_URL", cx.url)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        cmd
    };
    let dir = |p: &Path| p.to_string_lossy().into_owned();
    let invocation = match (tool, measure) {
        (Tool::Raw, Measure::Up | Measure::UpOne) => {
            let script = if measure == Measure::Up {
                &cx.raw.0
            } else {
                &cx.raw.1
            };
            let Some(program) = program else {
                return cx.sqlite_file.map(|db| Invocation::Rusqlite {
                    db: db.to_path_buf(),
                    script: script.clone(),
                });
            };
            raw_command(cx, program, script, measure == Measure::UpOne)
        }
        (Tool::Raw, _) => return None,
        (Tool::Cairn, _) => {
            let sqlx = dir(&cx.folders.sqlx);
            let mut args = vec!["--dir", &sqlx, "--layout", "sqlx", "migrate"];
            args.extend(match measure {
                Measure::Up | Measure::Noop => &["up"][..],
                Measure::UpOne => &["up", "--single-transaction"][..],
                Measure::Status => &["status"][..],
            });
            Invocation::Process(command(program?, &args), None)
        }
        // `migrate`, not `up`: `up` first creates the database when missing, an extra
        // connection the others do not make; every tool here is given an existing database.
        (Tool::Dbmate, Measure::UpOne) => return None,
        (Tool::Dbmate, _) => {
            let d = dir(&cx.folders.dbmate);
            let verb = if measure == Measure::Status {
                "status"
            } else {
                "migrate"
            };
            let args = ["--migrations-dir", &d, "--no-dump-schema", verb];
            Invocation::Process(command(program?, &args), None)
        }
        (Tool::Sqlx, Measure::UpOne) => return None,
        (Tool::Sqlx, _) => {
            let d = dir(&cx.folders.sqlx);
            let verb = if measure == Measure::Status {
                "info"
            } else {
                "run"
            };
            let args = ["migrate", verb, "--source", &d];
            Invocation::Process(command(program?, &args), None)
        }
        (Tool::Refinery, Measure::Status) => return None,
        (Tool::Refinery, _) => {
            let d = dir(&cx.folders.refinery);
            let mut args = vec!["migrate", "-e", "DATABASE_URL", "-p", &d];
            if measure == Measure::UpOne {
                args.push("-g");
            }
            Invocation::Process(command(program?, &args), None)
        }
    };
    Some(invocation)
}

/// `psql -f` (with `-1` for one transaction), `mariadb` or `sqlite3` reading the script.
fn raw_command(cx: &Context<'_>, program: &Path, script: &Path, one: bool) -> Invocation {
    let mut cmd = Command::new(program);
    cmd.current_dir(cx.cwd).stdin(Stdio::null());
    match cx.backend {
        Backend::Postgres => {
            cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", cx.url]);
            if one {
                cmd.arg("-1");
            }
            cmd.arg("-f").arg(script);
            Invocation::Process(cmd, None)
        }
        Backend::Mysql => {
            match cairn_mysql::parse_url(cx.url) {
                Ok(u) => {
                    cmd.arg(format!("--host={}", u.host))
                        .arg(format!("--port={}", u.port))
                        .arg(format!("--user={}", u.user))
                        .arg(u.database);
                    if let Some(p) = &u.password {
                        cmd.env("MYSQL_PWD", p);
                    }
                }
                // Left without connection flags, the client fails and its message fills
                // the cell, like any other tool's failure.
                Err(e) => {
                    cmd.arg(format!("--bad-url={e}"));
                }
            }
            Invocation::Process(cmd, Some(script.to_path_buf()))
        }
        Backend::Sqlite => {
            if let Some(db) = cx.sqlite_file {
                cmd.arg(db);
            }
            Invocation::Process(cmd, Some(script.to_path_buf()))
        }
    }
}

/// Runs `invocation` and returns its wall-clock time, or the failure as text.
pub fn time(invocation: Invocation) -> Result<Duration, String> {
    match invocation {
        Invocation::Process(mut cmd, stdin) => {
            if let Some(file) = stdin {
                let input = std::fs::File::open(&file)
                    .map_err(|e| format!("cannot open {}: {e}", file.display()))?;
                cmd.stdin(input);
            }
            let start = Instant::now();
            let out = cmd.output().map_err(|e| format!("cannot run: {e}"))?;
            let took = start.elapsed();
            if out.status.success() {
                Ok(took)
            } else {
                let stderr = String::from_utf8_lossy(&out.stderr);
                let stdout = String::from_utf8_lossy(&out.stdout);
                let said = if stderr.trim().is_empty() {
                    stdout
                } else {
                    stderr
                };
                Err(format!("{} ({})", said.trim(), out.status))
            }
        }
        Invocation::Rusqlite { db, script } => {
            let start = Instant::now();
            let sql = std::fs::read_to_string(&script).map_err(|e| e.to_string())?;
            // The script's dot-commands are the sqlite3 shell's, not SQL.
            let sql: String = sql
                .lines()
                .filter(|l| !l.starts_with('.'))
                .map(|l| format!("{l}\n"))
                .collect();
            let conn = rusqlite::Connection::open(&db).map_err(|e| e.to_string())?;
            conn.execute_batch(&sql).map_err(|e| e.to_string())?;
            Ok(start.elapsed())
        }
    }
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| executable(p))
}
