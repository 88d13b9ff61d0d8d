//! A throwaway MariaDB server: `mariadb-install-db` into a temporary directory, `mariadbd` on a
//! free loopback port with TLS on and durability off, a TCP user `cairn`/`cairn-secret`; killed
//! and removed on drop.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tempfile::TempDir;

use super::process::{self, Apt};
use super::tls;

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Where Debian puts server binaries besides PATH.
const SBIN: &[&str] = &["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"];

/// SQL run as root over the unix socket once the server is up.
pub(super) const SETUP_SQL: &str = "DROP USER IF EXISTS ''@'localhost'; \
     CREATE USER 'cairn'@'%' IDENTIFIED BY 'cairn-secret'; \
     GRANT ALL ON *.* TO 'cairn'@'%' WITH GRANT OPTION;";

/// The programs a MariaDB server needs.
#[derive(Debug)]
pub(super) struct Programs {
    pub server: PathBuf,
    pub install_db: PathBuf,
    pub client: PathBuf,
}

impl Programs {
    pub fn find() -> Option<Programs> {
        Some(Programs {
            server: process::find_program(&["mariadbd", "mysqld"], SBIN)?,
            install_db: process::find_program(&["mariadb-install-db", "mysql_install_db"], SBIN)?,
            client: process::find_program(&["mariadb", "mysql"], SBIN)?,
        })
    }
}

/// A running MariaDB server; killed and deleted when dropped.
#[derive(Debug)]
pub struct Mariadb {
    /// Server version, e.g. `10.11.19`.
    pub version: String,
    /// Loopback TCP port.
    pub port: u16,
    /// Absolute path of the CA certificate that signed the server's.
    pub ca: PathBuf,
    child: Option<Child>,
    // Declared last so it is removed after the server stopped.
    dir: TempDir,
}

impl Mariadb {
    /// Finds (or apt-installs) MariaDB, initialises a data directory and starts the server.
    pub fn start(apt: &mut Apt) -> Result<Mariadb> {
        let programs = match Programs::find() {
            Some(p) => p,
            None => {
                println!("test: MariaDB not found, installing it");
                apt.install(&["mariadb-server"])?;
                Programs::find()
                    .context("MariaDB still not found after installing mariadb-server")?
            }
        };
        let version = version(&programs.server)?;
        let user = process::server_user("mysql")?;
        let dir = process::data_dir("cairn-mariadb-")?;
        let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
        let (data, socket, pid_file, log) = (
            path("data"),
            path("mysqld.sock"),
            path("mysqld.pid"),
            path("server.log"),
        );
        let user_arg = user.as_deref().map(|u| format!("--user={u}"));
        if let Some(user) = &user {
            process::chown(dir.path(), user)?;
        }
        let port = process::free_port()?;
        println!(
            "test: starting MariaDB {version} on 127.0.0.1:{port} (server {}, data {data}{})",
            programs.server.display(),
            user.as_deref()
                .map(|u| format!(", as user {u}"))
                .unwrap_or_default()
        );
        let started = Instant::now();
        process::run_checked(
            Command::new(&programs.install_db)
                .arg("--no-defaults")
                .arg(format!("--datadir={data}"))
                .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
                .arg("--skip-name-resolve")
                .args(&user_arg)
                .current_dir(dir.path()),
            "mariadb-install-db",
        )?;
        let tls = tls::install(dir.path(), user.as_deref())?;
        if let Some(user) = &user {
            process::chown(dir.path(), user)?;
        }

        let log_file = File::create(&log).context("cannot create the MariaDB log file")?;
        let log_err = log_file
            .try_clone()
            .context("cannot duplicate the log file handle")?;
        let child = Command::new(&programs.server)
            .arg("--no-defaults")
            .arg(format!("--datadir={data}"))
            .arg(format!("--port={port}"))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={socket}"))
            .arg(format!("--pid-file={pid_file}"))
            .args(["--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0"])
            .args(["--max-connections=300", "--character-set-server=utf8mb4"])
            .arg(format!("--ssl-cert={}", tls.cert.display()))
            .arg(format!("--ssl-key={}", tls.key.display()))
            .arg(format!("--ssl-ca={}", tls.ca.display()))
            .args(&user_arg)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .with_context(|| format!("cannot start {}", programs.server.display()))?;
        let mut server = Mariadb {
            version,
            port,
            ca: tls.fixture_ca,
            child: Some(child),
            dir,
        };
        let client = |sql: &str| {
            let mut cmd = Command::new(&programs.client);
            cmd.args(["--no-defaults", "--user=root", "--batch"])
                .arg(format!("--socket={socket}"))
                .arg("--execute")
                .arg(sql)
                .current_dir(server.dir.path());
            cmd
        };
        let child = server.child.as_mut().context("MariaDB is not running")?;
        process::wait_ready(child, START_TIMEOUT, "MariaDB", || {
            process::tcp_accepts(port) && process::succeeds(&mut client("SELECT 1"))
        })
        .and_then(|()| process::run_checked(&mut client(SETUP_SQL), "creating the cairn user"))
        .map_err(|e| process::with_log(e, Path::new(&log)))?;
        println!(
            "test: MariaDB {} ready on 127.0.0.1:{port} after {:.1} s",
            server.version,
            started.elapsed().as_secs_f64()
        );
        Ok(server)
    }

    /// The URL the tests connect with.
    pub fn url(&self) -> String {
        format!("mysql://cairn:cairn-secret@127.0.0.1:{}/mysql", self.port)
    }

    /// Kills the server and waits for it. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = child.kill();
        process::wait_or_kill(&mut child, Duration::from_secs(10));
        println!("test: stopped MariaDB on 127.0.0.1:{}", self.port);
    }
}

impl Drop for Mariadb {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `10.11.19` from `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64`.
pub(super) fn version(server: &Path) -> Result<String> {
    let out = process::run_checked(Command::new(server).arg("--version"), "mariadbd --version")?;
    Ok(parse_version(&out).unwrap_or_else(|| out.trim().to_string()))
}

fn parse_version(out: &str) -> Option<String> {
    let mut words = out.split_whitespace();
    words.find(|w| *w == "Ver")?;
    let full = words.next()?;
    Some(full.split('-').next().unwrap_or(full).to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_version;

    #[test]
    fn parses_version() {
        assert_eq!(
            parse_version(
                "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64"
            )
            .as_deref(),
            Some("10.11.19")
        );
        assert_eq!(parse_version("nonsense"), None);
    }
}
