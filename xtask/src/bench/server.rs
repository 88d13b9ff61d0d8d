//! PostgreSQL and MariaDB over loopback: the engine against the native client (`psql`,
//! `mariadb`) running the same SQL from a file, one transaction per migration.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context as _, Result};

use super::Sample;

/// A server dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PostgreSQL, baseline `psql`.
    Postgres,
    /// MariaDB/MySQL, baseline `mariadb` (or `mysql`).
    Mysql,
}

impl Kind {
    /// The name in a report's header.
    pub fn title(self) -> &'static str {
        match self {
            Kind::Postgres => "PostgreSQL (loopback)",
            Kind::Mysql => "MariaDB (loopback)",
        }
    }

    /// The baseline in a report's header.
    pub fn baseline(self) -> &'static str {
        match self {
            Kind::Postgres => "psql -f, BEGIN/COMMIT around each migration",
            Kind::Mysql => "mariadb client, START TRANSACTION/COMMIT around each migration",
        }
    }
}

/// Starts throwaway servers when `backend` names one, calls `each` with PostgreSQL's and then
/// MariaDB's admin URL (those `backend` selects), and stops the servers on every path.
pub fn on_servers(
    backend: crate::args::BenchBackend,
    mut each: impl FnMut(Kind, &str) -> Result<()>,
) -> Result<()> {
    use crate::args::BenchBackend;
    if backend == BenchBackend::Sqlite {
        return Ok(());
    }
    let mut servers = crate::testenv::start_servers(false)?;
    let result = (|| -> Result<()> {
        if backend != BenchBackend::Mysql {
            each(Kind::Postgres, &servers.postgres_url)?;
        }
        if backend != BenchBackend::Postgres {
            each(Kind::Mysql, &servers.mysql_url)?;
        }
        Ok(())
    })();
    servers.stop();
    result
}

/// `runs` samples, each on two fresh databases created and dropped through the client.
pub fn samples(
    kind: Kind,
    admin_url: &str,
    dir: &Path,
    scripts: &[String],
    runs: usize,
    work: &Path,
) -> Result<Vec<Sample>> {
    let client = Client::new(kind, admin_url)?;
    let file = work.join(format!("baseline-{kind:?}.sql"));
    let (begin, commit) = match kind {
        Kind::Postgres => ("BEGIN;\n", "COMMIT;\n"),
        Kind::Mysql => ("START TRANSACTION;\n", "COMMIT;\n"),
    };
    fs::write(
        &file,
        scripts
            .iter()
            .map(|s| format!("{begin}{s}{commit}"))
            .collect::<String>(),
    )?;
    let mut out = Vec::with_capacity(runs);
    for run in 0..runs {
        let (raw_db, engine_db) = (
            format!("cairn_bench_raw{run}"),
            format!("cairn_bench_engine{run}"),
        );
        for db in [&raw_db, &engine_db] {
            client.admin(&format!("DROP DATABASE IF EXISTS {db}"))?;
            client.admin(&format!("CREATE DATABASE {db}"))?;
        }
        let start = Instant::now();
        client.run_file(&raw_db, &file)?;
        let baseline = start.elapsed();
        let (apply, total) = super::engine(&with_database(admin_url, &engine_db), dir)?;
        for db in [&raw_db, &engine_db] {
            client.admin(&format!("DROP DATABASE {db}"))?;
        }
        out.push(Sample {
            baseline,
            apply,
            total,
        });
    }
    Ok(out)
}

/// Creates (or recreates) database `name` on the PostgreSQL server and returns its URL.
pub fn fresh_database(admin_url: &str, name: &str) -> Result<String> {
    let client = Client::new(Kind::Postgres, admin_url)?;
    client.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    client.admin(&format!("CREATE DATABASE {name}"))?;
    Ok(with_database(admin_url, name))
}

/// The native command-line client, with the connection taken from the admin URL.
struct Client {
    kind: Kind,
    program: PathBuf,
    url: String,
}

impl Client {
    fn new(kind: Kind, url: &str) -> Result<Client> {
        let program = match kind {
            Kind::Postgres => crate::testenv::find_psql(),
            Kind::Mysql => crate::testenv::find_mariadb_client(),
        }
        .with_context(|| {
            format!(
                "no {} client found",
                if kind == Kind::Postgres {
                    "psql"
                } else {
                    "mariadb/mysql"
                }
            )
        })?;
        Ok(Client {
            kind,
            program,
            url: url.to_string(),
        })
    }

    fn command(&self, database: &str) -> Result<Command> {
        let mut cmd = Command::new(&self.program);
        match self.kind {
            Kind::Postgres => {
                cmd.args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    &with_database(&self.url, database),
                ]);
            }
            Kind::Mysql => {
                let u = cairn_mysql::parse_url(&self.url).map_err(|e| anyhow::anyhow!("{e}"))?;
                cmd.arg(format!("--host={}", u.host))
                    .arg(format!("--port={}", u.port))
                    .arg(format!("--user={}", u.user));
                if let Some(p) = &u.password {
                    cmd.env("MYSQL_PWD", p);
                }
                cmd.arg(database);
            }
        }
        Ok(cmd)
    }

    fn admin(&self, sql: &str) -> Result<()> {
        let admin_db = match self.kind {
            Kind::Postgres => "postgres",
            Kind::Mysql => "mysql",
        };
        let flag = if self.kind == Kind::Postgres {
            "-c"
        } else {
            "-e"
        };
        let out = self
            .command(admin_db)?
            .args([flag, sql])
            .output()
            .context("cannot run the database client")?;
        anyhow::ensure!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(())
    }

    fn run_file(&self, database: &str, file: &Path) -> Result<()> {
        let mut cmd = self.command(database)?;
        let out = match self.kind {
            Kind::Postgres => cmd.arg("-f").arg(file).output(),
            Kind::Mysql => cmd.stdin(Stdio::from(fs::File::open(file)?)).output(),
        }
        .context("cannot run the database client")?;
        anyhow::ensure!(
            out.status.success(),
            "baseline failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        Ok(())
    }
}

/// `url` with its database (the path) replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..root]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_only_the_database() {
        assert_eq!(
            super::with_database("postgres://u@h:1/postgres?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("mysql://u:p@h:2", "y"),
            "mysql://u:p@h:2/y"
        );
    }
}
