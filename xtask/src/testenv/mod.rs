//! `test`: runs `cargo test --workspace` (or the packages `-p` picks) against throwaway
//! PostgreSQL and MariaDB servers.
//!
//! Each server is started on a free loopback port in a temporary directory (installed with
//! apt-get first if absent), unless `CAIRN_TEST_POSTGRES_URL` / `CAIRN_TEST_MYSQL_URL` already
//! point at one. The tests get both URLs in their environment. The servers are stopped and
//! their directories deleted afterwards, also when the tests fail or start-up errors.

mod mariadb;
mod postgres;
mod process;

use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::Outcome;
use crate::cli::TestArgs;

use mariadb::Mariadb;
use postgres::Postgres;
use process::Apt;

/// Environment variable with the PostgreSQL URL the tests use.
pub const POSTGRES_ENV: &str = "CAIRN_TEST_POSTGRES_URL";
/// Environment variable with the MySQL/MariaDB URL the tests use.
pub const MYSQL_ENV: &str = "CAIRN_TEST_MYSQL_URL";

/// The servers this run started; dropping it stops them (each server stops on drop), so an
/// error or panic anywhere after start-up still cleans up.
#[derive(Debug, Default)]
struct Servers {
    postgres: Option<Postgres>,
    mariadb: Option<Mariadb>,
}

impl Servers {
    /// One line saying which servers run where.
    fn summary(&self, pg_url: &str, my_url: &str) -> String {
        let pg = match &self.postgres {
            Some(s) => format!("PostgreSQL {} started on 127.0.0.1:{}", s.version, s.port),
            None => format!("PostgreSQL from {POSTGRES_ENV} ({})", redact(pg_url)),
        };
        let my = match &self.mariadb {
            Some(s) => format!("MariaDB {} started on 127.0.0.1:{}", s.version, s.port),
            None => format!("MySQL from {MYSQL_ENV} ({})", redact(my_url)),
        };
        format!("{pg}; {my}")
    }

    /// Stops every server now (also done on drop).
    fn stop(&mut self) {
        if let Some(mut s) = self.mariadb.take() {
            s.stop();
        }
        if let Some(mut s) = self.postgres.take() {
            s.stop();
        }
    }
}

/// Starts the servers, runs `cargo test --workspace ARGS` with their URLs, stops them.
pub fn run(args: &TestArgs) -> Result<Outcome> {
    let started = Instant::now();
    let mut apt = Apt::default();
    let mut servers = Servers::default();

    let pg_url = match preset(POSTGRES_ENV) {
        Some(url) => {
            println!("test: PostgreSQL: using {POSTGRES_ENV} ({})", redact(&url));
            url
        }
        None => {
            let server = Postgres::start(&mut apt).context("cannot start PostgreSQL")?;
            let url = server.url();
            servers.postgres = Some(server);
            url
        }
    };
    let my_url = match preset(MYSQL_ENV) {
        Some(url) => {
            println!("test: MySQL: using {MYSQL_ENV} ({})", redact(&url));
            url
        }
        None => {
            let server = Mariadb::start(&mut apt).context("cannot start MariaDB")?;
            let url = server.url();
            servers.mariadb = Some(server);
            url
        }
    };
    let summary = servers.summary(&pg_url, &my_url);
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
    let status = Command::new(cargo)
        .args(&cargo_args)
        .env(POSTGRES_ENV, &pg_url)
        .env(MYSQL_ENV, &my_url)
        .status()
        .context("cannot run cargo test");
    servers.stop();
    let status = status?;
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

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{redact, selects_packages};

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
    fn redacts_passwords() {
        assert_eq!(
            redact("mysql://cairn:secret@127.0.0.1:3306/mysql"),
            "mysql://cairn:***@127.0.0.1:3306/mysql"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
