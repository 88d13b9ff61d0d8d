//! `test`: runs `cargo test --workspace` (or the packages `-p` picks) against throwaway
//! PostgreSQL and MariaDB servers.
//!
//! Each server is started on a free loopback port in a temporary directory (installed with
//! apt-get first if absent), with TLS on (test-only certificates), unless
//! `CAIRN_TEST_POSTGRES_URL` / `CAIRN_TEST_MYSQL_URL` already point at one; beside them, on a
//! thread of its own, a 3-node MariaDB Galera cluster (`galera.rs`) unless
//! `CAIRN_TEST_GALERA_URLS` names one, and, once PostgreSQL is up and also on a thread, a
//! streaming replica of it (`replica.rs`, `CAIRN_TEST_POSTGRES_REPLICA_URL`; none beside a
//! preset PostgreSQL unless that variable names one). The tests get the URLs in their environment, and for each server started here the CA that signed its
//! certificate. The servers are stopped and their directories deleted afterwards, also when
//! the tests fail, start-up errors or the user presses Ctrl-C.

mod galera;
mod interrupt;
mod mariadb;
mod postgres;
mod process;
mod replica;
mod tls;

use std::ffi::OsString;
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::redact_url;

use crate::Outcome;
use crate::args::TestArgs;

use galera::Galera;
use mariadb::Mariadb;
use postgres::Postgres;
use process::Apt;

/// Environment variable with the PostgreSQL URL the tests use.
pub const POSTGRES_ENV: &str = "CAIRN_TEST_POSTGRES_URL";
/// Environment variable with the URL of a streaming replica of the PostgreSQL server.
pub const POSTGRES_REPLICA_ENV: &str = "CAIRN_TEST_POSTGRES_REPLICA_URL";
/// Environment variable with the MySQL/MariaDB URL the tests use.
pub const MYSQL_ENV: &str = "CAIRN_TEST_MYSQL_URL";
/// Environment variable with the URLs of the Galera cluster's nodes, comma-separated.
pub const GALERA_ENV: &str = "CAIRN_TEST_GALERA_URLS";
/// Environment variable with the CA certificate of a PostgreSQL server started here.
pub const POSTGRES_CA_ENV: &str = "CAIRN_TEST_POSTGRES_CA";
/// Environment variable with the CA certificate of a MariaDB server started here.
pub const MYSQL_CA_ENV: &str = "CAIRN_TEST_MYSQL_CA";

/// The servers this run started; dropping it stops them (each server stops on drop), so an
/// error or panic anywhere after start-up still cleans up.
#[derive(Debug, Default)]
struct Servers {
    postgres: Option<Postgres>,
    /// The replica and how long it took to start.
    replica: Option<(Postgres, Duration)>,
    mariadb: Option<Mariadb>,
    galera: Option<Galera>,
}

impl Servers {
    /// One line saying which servers run where.
    fn summary(&self, pg_url: &str, replica_url: &str, my_url: &str, galera_urls: &str) -> String {
        let pg = match &self.postgres {
            Some(s) => format!("PostgreSQL {} on 127.0.0.1:{} (TLS)", s.version, s.port),
            None => format!("PostgreSQL from {POSTGRES_ENV} ({})", redact_url(pg_url)),
        };
        let replica = match &self.replica {
            Some((s, took)) => format!(
                "its replica on 127.0.0.1:{} (started in {:.1} s)",
                s.port,
                took.as_secs_f64()
            ),
            None if replica_url.is_empty() => "no replica".to_string(),
            None => format!(
                "its replica from {POSTGRES_REPLICA_ENV} ({})",
                redact_url(replica_url)
            ),
        };
        let my = match &self.mariadb {
            Some(s) => format!("MariaDB {} on 127.0.0.1:{} (TLS)", s.version, s.port),
            None => format!("MySQL from {MYSQL_ENV} ({})", redact_url(my_url)),
        };
        let galera = match &self.galera {
            Some(g) => format!(
                "Galera {} on 127.0.0.1:{} (TLS; started in {:.1} s, {})",
                g.version,
                g.ports().join(","),
                g.started_in.as_secs_f64(),
                g.memory()
            ),
            None if galera_urls.is_empty() => "no Galera cluster".to_string(),
            None => format!(
                "Galera from {GALERA_ENV} ({})",
                galera_urls
                    .split(',')
                    .map(redact_url)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        format!("{pg}, {replica}; {my}; {galera}")
    }

    /// Stops every server now (also done on drop).
    fn stop(&mut self) {
        if let Some(mut s) = self.galera.take() {
            s.stop();
        }
        if let Some(mut s) = self.mariadb.take() {
            s.stop();
        }
        // The replica before its primary, so it does not log the primary's disappearance.
        if let Some((mut s, _)) = self.replica.take() {
            s.stop();
        }
        if let Some(mut s) = self.postgres.take() {
            s.stop();
        }
    }
}

/// Running servers (started here or preset by the environment) and their URLs. Dropping it
/// stops what was started.
pub(crate) struct Running {
    servers: Servers,
    /// Admin URL of the PostgreSQL server.
    pub postgres_url: String,
    /// Admin URL of its streaming replica; empty when there is none.
    pub postgres_replica_url: String,
    /// Admin URL of the MySQL/MariaDB server.
    pub mysql_url: String,
    /// Admin URLs of the Galera cluster's nodes, comma-separated.
    pub galera_urls: String,
}

impl Running {
    /// One line saying which servers run where.
    pub fn summary(&self) -> String {
        self.servers.summary(
            &self.postgres_url,
            &self.postgres_replica_url,
            &self.mysql_url,
            &self.galera_urls,
        )
    }

    /// Stops the servers this run started.
    pub fn stop(&mut self) {
        self.servers.stop();
    }

    /// The variables the tests get: both URLs, and the CA of each server started here (a
    /// preset server's CA, if any, is the caller's to set).
    pub(crate) fn test_env(&self) -> Vec<(&'static str, OsString)> {
        let mut env = vec![
            (POSTGRES_ENV, OsString::from(&self.postgres_url)),
            (MYSQL_ENV, OsString::from(&self.mysql_url)),
        ];
        if !self.postgres_replica_url.is_empty() {
            env.push((
                POSTGRES_REPLICA_ENV,
                OsString::from(&self.postgres_replica_url),
            ));
        }
        if !self.galera_urls.is_empty() {
            env.push((GALERA_ENV, OsString::from(&self.galera_urls)));
        }
        if let Some(s) = &self.servers.postgres {
            env.push((POSTGRES_CA_ENV, s.ca.clone().into_os_string()));
        }
        if let Some(s) = &self.servers.mariadb {
            env.push((MYSQL_CA_ENV, s.ca.clone().into_os_string()));
        }
        env
    }
}

/// A server (the Galera cluster, the PostgreSQL replica) starting on a thread of its own;
/// dropping it waits for the thread and stops what it started, so no error path leaves a
/// server running.
struct Starting<T>(Option<JoinHandle<Result<T>>>);

impl<T> Starting<T> {
    /// Runs `start` on a thread named `name`.
    fn spawn(name: &str, start: impl FnOnce() -> Result<T> + Send + 'static) -> Result<Self>
    where
        T: Send + 'static,
    {
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(start)
            .with_context(|| format!("cannot start a thread for {name}"))?;
        Ok(Starting(Some(handle)))
    }

    fn join(mut self) -> Result<T> {
        let handle = self.0.take().context("the start was already joined")?;
        handle
            .join()
            .map_err(|_| anyhow::anyhow!("the thread starting a server panicked"))?
    }
}

impl<T> Drop for Starting<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            // The server (if it started) is dropped here, which stops it.
            let _ = handle.join();
        }
    }
}

/// Starts a throwaway PostgreSQL (with a streaming replica), MariaDB and Galera cluster
/// unless the environment names servers to use; the cluster and the replica only when
/// `with_replicas` (the benchmarks use neither, and idle servers would only take memory). The
/// cluster starts on a thread while the single servers start here: it spends most of its
/// time waiting for state transfers; the replica on another once PostgreSQL is up.
pub(crate) fn start_servers(with_replicas: bool) -> Result<Running> {
    let mut apt = Apt::default();
    let mut servers = Servers::default();
    let (galera_preset, starting) = match preset(GALERA_ENV) {
        _ if !with_replicas => (Some(String::new()), None),
        Some(urls) => {
            let shown: Vec<String> = urls.split(',').map(redact_url).collect();
            println!("test: Galera: using {GALERA_ENV} ({})", shown.join(","));
            (Some(urls), None)
        }
        None => {
            let ready = galera::Ready::find(&mut apt).context("cannot find Galera")?;
            let starting = Starting::spawn("galera", move || Galera::start(&ready))?;
            (None, Some(starting))
        }
    };
    let (postgres_url, replica) = match preset(POSTGRES_ENV) {
        Some(url) => {
            println!(
                "test: PostgreSQL: using {POSTGRES_ENV} ({})",
                redact_url(&url)
            );
            (url, None)
        }
        None => {
            let server = Postgres::start(&mut apt).context("cannot start PostgreSQL")?;
            let url = server.url();
            let source = server.source();
            servers.postgres = Some(server);
            // The replica copies the primary and then replays; MariaDB starts meanwhile.
            let starting = match preset(POSTGRES_REPLICA_ENV) {
                _ if !with_replicas => None,
                Some(_) => None,
                None => Some(Starting::spawn("pg-replica", move || {
                    replica::start(source)
                })?),
            };
            (url, starting)
        }
    };
    let mysql_url = match preset(MYSQL_ENV) {
        Some(url) => {
            println!("test: MySQL: using {MYSQL_ENV} ({})", redact_url(&url));
            url
        }
        None => {
            let server = Mariadb::start(&mut apt).context("cannot start MariaDB")?;
            let url = server.url();
            servers.mariadb = Some(server);
            url
        }
    };
    let postgres_replica_url = match (replica, preset(POSTGRES_REPLICA_ENV)) {
        (Some(starting), _) => {
            let (server, took) = starting
                .join()
                .context("cannot start the PostgreSQL replica")?;
            let url = server.url();
            servers.replica = Some((server, took));
            url
        }
        (None, Some(url)) if with_replicas => {
            println!(
                "test: PostgreSQL replica: using {POSTGRES_REPLICA_ENV} ({})",
                redact_url(&url)
            );
            url
        }
        (None, _) => String::new(),
    };
    let galera_urls = match (galera_preset, starting) {
        (Some(urls), _) => urls,
        (None, Some(starting)) => {
            let cluster = starting.join().context("cannot start the Galera cluster")?;
            let urls = cluster.urls();
            servers.galera = Some(cluster);
            urls
        }
        (None, None) => anyhow::bail!("no Galera cluster was started or named"),
    };
    Ok(Running {
        servers,
        postgres_url,
        postgres_replica_url,
        mysql_url,
        galera_urls,
    })
}

/// The `psql` client: beside the server binaries Debian installs, else on PATH.
pub(crate) fn find_psql() -> Option<std::path::PathBuf> {
    postgres::find_bindir()
        .map(|d| d.join("psql"))
        .filter(|p| p.exists())
        .or_else(|| process::find_program(&["psql"], &[]))
}

/// The `mariadb` (or `mysql`) command-line client.
pub(crate) fn find_mariadb_client() -> Option<std::path::PathBuf> {
    process::find_program(&["mariadb", "mysql"], &["/usr/bin", "/usr/local/bin"])
}

/// Starts the servers, runs `cargo test --workspace ARGS` with their URLs, stops them.
pub fn run(args: &TestArgs) -> Result<Outcome> {
    let started = Instant::now();
    interrupt::install()?;
    let mut running = start_servers(true)?;
    interrupt::check()?;
    let summary = running.summary();
    println!("test: {summary}");
    // Every failing test binary is reported in one run, not only the first.
    let mut cargo_args = vec!["test".to_string(), "--no-fail-fast".to_string()];
    if !selects_packages(&args.cargo_args) {
        cargo_args.push("--workspace".to_string());
    }
    cargo_args.extend(args.cargo_args.iter().cloned());
    println!(
        "test: servers ready after {:.1} s; running cargo {}",
        started.elapsed().as_secs_f64(),
        cargo_args.join(" ")
    );

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.args(&cargo_args).envs(running.test_env());
    // A clean clone never reuses incremental caches, and they were gigabytes of CI's disk.
    if preset("CI").is_some() && preset("CARGO_INCREMENTAL").is_none() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    let status = interrupt::run_in_own_group(&mut cmd, "cargo test");
    running.stop();
    let status = status?;
    if interrupt::requested() {
        println!("test: interrupted; {summary}; servers stopped");
        anyhow::bail!("interrupted");
    }
    // The opt-in `lint-ast` API (and the example that uses it) and the facade without its
    // optional crates are compiled by no test above: checked here, so a change that breaks
    // either fails the suite.
    let mut status = status;
    if status.success() && !selects_packages(&args.cargo_args) {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        for check in [
            &[
                "-p",
                "cairn-engine",
                "--features",
                "lint-ast",
                "--all-targets",
            ][..],
            &["-p", "cairn-engine", "--no-default-features"][..],
        ] {
            println!("test: cargo check {}", check.join(" "));
            status = Command::new(&cargo).arg("check").args(check).status()?;
            if !status.success() {
                break;
            }
        }
    }
    let verdict = if status.success() {
        "tests passed"
    } else {
        "TESTS FAILED"
    };
    println!(
        "test: {verdict} in {:.1} s; {summary}; servers stopped",
        started.elapsed().as_secs_f64()
    );
    anyhow::ensure!(status.success(), "cargo test failed ({status})");
    Ok(Outcome::Clean)
}

/// Whether cargo arguments pick packages (`-p`/`--package`): then `--workspace` is left out,
/// since cargo would otherwise ignore the selection and test everything.
fn selects_packages(args: &[String]) -> bool {
    args.iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "--package" || a.starts_with("--package=") || a.starts_with("-p"))
}

/// The variable's value when set and not empty.
fn preset(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::{Running, Servers, selects_packages};

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn package_selection_drops_workspace() {
        assert!(selects_packages(&strings(&["-p", "cairn-tests"])));
        assert!(selects_packages(&strings(&["-pcairn-tests"])));
        assert!(selects_packages(&strings(&["--package=cairn-tests"])));
        assert!(!selects_packages(&strings(&["--release"])));
        assert!(!selects_packages(&strings(&["--", "-p"])));
        assert!(!selects_packages(&[]));
    }

    #[test]
    fn preset_servers_get_no_ca_variables() {
        let running = Running {
            servers: Servers::default(),
            postgres_url: "postgres://u@h/db".to_string(),
            postgres_replica_url: "postgres://u@h2/db".to_string(),
            mysql_url: "mysql://u@h/db".to_string(),
            galera_urls: "mysql://u@h1/db,mysql://u@h2/db".to_string(),
        };
        let names: Vec<&str> = running.test_env().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "CAIRN_TEST_POSTGRES_URL",
                "CAIRN_TEST_MYSQL_URL",
                "CAIRN_TEST_POSTGRES_REPLICA_URL",
                "CAIRN_TEST_GALERA_URLS"
            ]
        );
    }
}
