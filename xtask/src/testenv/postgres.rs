//! A throwaway PostgreSQL server: `initdb` into a temporary directory, `postgres` on a free
//! loopback port with TLS on and durability off, `pg_ctl stop -m immediate` and removal on drop.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tempfile::TempDir;

use super::process::{self, Apt};
use super::tls;

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Client authentication: the superuser `postgres` (the admin URL) is trusted, also for
/// streaming replication (the replica's `pg_basebackup` and WAL receiver, `replica.rs`); every
/// other role must give its password, over TLS or not, so a wrong one is really refused.
const PG_HBA: &str = "\
# TYPE  DATABASE    USER     ADDRESS      METHOD
local   all         postgres              trust
host    all         postgres 127.0.0.1/32 trust
host    replication postgres 127.0.0.1/32 trust
local   all      all                   scram-sha-256
hostssl all      all      127.0.0.1/32 scram-sha-256
host    all      all      127.0.0.1/32 scram-sha-256
";

/// A running PostgreSQL server; stopped and deleted when dropped.
#[derive(Debug)]
pub struct Postgres {
    /// Server version, e.g. `15.14`.
    pub version: String,
    /// Loopback TCP port.
    pub port: u16,
    /// Absolute path of the CA certificate that signed the server's.
    pub ca: PathBuf,
    bindir: PathBuf,
    data: PathBuf,
    user: Option<String>,
    child: Option<Child>,
    // Declared last so it is removed after the server stopped.
    dir: TempDir,
}

impl Postgres {
    /// Finds (or apt-installs) PostgreSQL, initialises a cluster and starts it.
    pub fn start(apt: &mut Apt) -> Result<Postgres> {
        let bindir = match find_bindir() {
            Some(dir) => dir,
            None => {
                println!("test: PostgreSQL not found, installing it");
                apt.install(&["postgresql"])?;
                find_bindir().context("PostgreSQL still not found after installing postgresql")?
            }
        };
        let version = version(&bindir)?;
        let user = process::server_user("postgres")?;
        let dir = process::data_dir("cairn-pg-")?;
        if let Some(user) = &user {
            process::chown(dir.path(), user)?;
        }
        let data = dir.path().join("data");
        let port = process::free_port()?;
        println!(
            "test: starting PostgreSQL {version} on 127.0.0.1:{port} (binaries {}, data {}{})",
            bindir.display(),
            data.display(),
            user.as_deref()
                .map(|u| format!(", as user {u}"))
                .unwrap_or_default()
        );
        let started = Instant::now();
        let initdb = strings(&[
            "-D",
            &data.to_string_lossy(),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        process::run_checked(
            process::command_as(user.as_deref(), &bindir.join("initdb"), &initdb)
                .current_dir(dir.path()),
            "initdb",
        )?;
        let tls = tls::install(&data, user.as_deref())?;
        // initdb wrote this file for the server user; rewriting it keeps owner and mode.
        std::fs::write(data.join("pg_hba.conf"), PG_HBA).context("cannot write pg_hba.conf")?;

        let child = spawn(&Launch {
            bindir: &bindir,
            user: user.as_deref(),
            dir: dir.path(),
            data: &data,
            port,
            cert: &tls.cert,
            key: &tls.key,
        })?;
        let mut server = Postgres {
            version,
            port,
            ca: tls.fixture_ca,
            bindir,
            data,
            user,
            child: Some(child),
            dir,
        };
        let log = server.dir.path().join(LOG);
        server
            .wait_ready()
            .map_err(|e| process::with_log(e, &log))?;
        println!(
            "test: PostgreSQL {} ready on 127.0.0.1:{port} after {:.1} s",
            server.version,
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// What a replica of this server needs to start (`replica.rs`), to send to another thread.
    pub fn source(&self) -> Source {
        Source {
            version: self.version.clone(),
            port: self.port,
            ca: self.ca.clone(),
            bindir: self.bindir.clone(),
            user: self.user.clone(),
        }
    }

    /// A server already started in `dir` (data in `data`), stopped and deleted when dropped.
    pub(super) fn adopt(
        source: Source,
        port: u16,
        data: PathBuf,
        child: Child,
        dir: TempDir,
    ) -> Postgres {
        Postgres {
            version: source.version,
            port,
            ca: source.ca,
            bindir: source.bindir,
            data,
            user: source.user,
            child: Some(child),
            dir,
        }
    }

    /// Waits until the server accepts connections, with its log in the error.
    pub(super) fn wait_started(&mut self) -> Result<()> {
        let log = self.dir.path().join(LOG);
        self.wait_ready().map_err(|e| process::with_log(e, &log))
    }

    /// The URL the tests connect with.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let port = self.port;
        let isready = Some(self.bindir.join("pg_isready"))
            .filter(|p| p.is_file())
            .or_else(|| process::find_program(&["pg_isready"], &[]));
        let child = self.child.as_mut().context("PostgreSQL is not running")?;
        process::wait_ready(child, START_TIMEOUT, "PostgreSQL", || {
            process::tcp_accepts(port)
                && isready.as_ref().is_none_or(|p| {
                    process::succeeds(
                        Command::new(p)
                            .args(["-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres"])
                            .arg("-p")
                            .arg(port.to_string()),
                    )
                })
        })
    }

    /// Stops the server (`pg_ctl stop -m immediate`, then signals if needed). Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let args = strings(&[
            "stop",
            "-D",
            &self.data.to_string_lossy(),
            "-m",
            "immediate",
            "-w",
            "-t",
            "15",
        ]);
        let user = self.user.as_deref();
        process::succeeds(
            process::command_as(user, &self.bindir.join("pg_ctl"), &args)
                .current_dir(self.dir.path()),
        );
        process::wait_or_kill(&mut child, Duration::from_secs(10));
        // If only the runuser wrapper died, the postmaster may still be there.
        if let Some(pid) = postmaster_pid(&self.data) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "postgres" {
                let args = strings(&["kill", "KILL", &pid.to_string()]);
                process::succeeds(
                    process::command_as(user, &self.bindir.join("pg_ctl"), &args)
                        .current_dir(self.dir.path()),
                );
                let start = Instant::now();
                while process::alive(pid) && start.elapsed() < Duration::from_secs(5) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        println!("test: stopped PostgreSQL on 127.0.0.1:{}", self.port);
    }
}

/// A primary server's facts a replica starts from: its binaries, user, port and CA.
#[derive(Debug, Clone)]
pub struct Source {
    /// Server version.
    pub version: String,
    /// The primary's port.
    pub port: u16,
    /// The CA that signed the (shared) server certificate.
    pub ca: PathBuf,
    /// Directory of `postgres`, `pg_ctl`, `pg_basebackup`.
    pub bindir: PathBuf,
    /// The user the server runs as, when started as root.
    pub user: Option<String>,
}

/// The server's log file, in its directory.
const LOG: &str = "server.log";

/// How to run one `postgres` process.
pub(super) struct Launch<'a> {
    pub bindir: &'a Path,
    pub user: Option<&'a str>,
    /// The server's directory (socket, log); `data` is its data directory.
    pub dir: &'a Path,
    pub data: &'a Path,
    pub port: u16,
    pub cert: &'a Path,
    pub key: &'a Path,
}

/// Starts `postgres` on loopback with TLS on and durability off, its output in `DIR/server.log`.
pub(super) fn spawn(launch: &Launch<'_>) -> Result<Child> {
    let log_file =
        File::create(launch.dir.join(LOG)).context("cannot create the PostgreSQL log file")?;
    let log_err = log_file
        .try_clone()
        .context("cannot duplicate the log file handle")?;
    let mut args = strings(&[
        "-D",
        &launch.data.to_string_lossy(),
        "-h",
        "127.0.0.1",
        "-p",
        &launch.port.to_string(),
        "-k",
        &launch.dir.to_string_lossy(),
    ]);
    let cert = format!("ssl_cert_file={}", launch.cert.display());
    let key = format!("ssl_key_file={}", launch.key.display());
    // pg_stat_statements loaded where the server has it, so a test may install it in its
    // own database (`db health` reads slow queries from it); no database has it otherwise.
    let statements = launch
        .bindir
        .parent()
        .is_some_and(|p| p.join("lib/pg_stat_statements.so").is_file())
        .then_some("shared_preload_libraries=pg_stat_statements");
    for setting in [
        "fsync=off",
        "full_page_writes=off",
        "synchronous_commit=off",
        "max_connections=200",
        "ssl=on",
        &cert,
        &key,
    ]
    .into_iter()
    .chain(statements)
    {
        args.push("-c".to_string());
        args.push(setting.to_string());
    }
    process::command_as(launch.user, &launch.bindir.join("postgres"), &args)
        .current_dir(launch.dir)
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_err)
        .spawn()
        .context("cannot start postgres")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The PID in `DATA/postmaster.pid`, if the file exists.
fn postmaster_pid(data: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

pub(super) fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// The directory holding `initdb`, `postgres` and `pg_ctl`: the highest version under
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `pg_config --bindir`, else the
/// directory `initdb` on PATH resolves to.
pub fn find_bindir() -> Option<PathBuf> {
    let complete = |dir: &Path| {
        ["initdb", "postgres", "pg_ctl"]
            .iter()
            .all(|p| dir.join(p).is_file())
    };
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key: Vec<u32> = name
                .split('.')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            let bin = entry.path().join("bin");
            complete(&bin).then_some((key, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(bin) = from_pg_config.filter(|b| complete(b)) {
        return Some(bin);
    }
    let initdb = process::find_program(&["initdb"], &[])?;
    let bin = std::fs::canonicalize(initdb).ok()?.parent()?.to_path_buf();
    complete(&bin).then_some(bin)
}

/// `15.14` from `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`.
fn version(bindir: &Path) -> Result<String> {
    let out = process::run_checked(
        Command::new(bindir.join("postgres")).arg("--version"),
        "postgres --version",
    )?;
    Ok(parse_version(&out).unwrap_or_else(|| out.trim().to_string()))
}

fn parse_version(out: &str) -> Option<String> {
    let rest = out.split("(PostgreSQL)").nth(1)?;
    rest.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn parses_version() {
        assert_eq!(
            parse_version("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n").as_deref(),
            Some("15.14")
        );
        assert_eq!(parse_version("nonsense"), None);
    }
}
