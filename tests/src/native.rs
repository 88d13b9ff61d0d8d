//! Running SQL with each database's own client, the reference Cairn's results are compared
//! with: rusqlite's `execute_batch` (SQLite's own parser) for SQLite, `psql` for PostgreSQL,
//! the `mariadb` (or `mysql`) command-line client for MySQL.
//!
//! A client that is not installed is a failure under CI (any `CI` but empty, `false`, `0`); elsewhere the comparison is
//! skipped with a note (the functions return `false`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{Kind, TestDb};

/// Whether this runs under CI: missing servers and clients are then failures, not notes.
pub fn in_ci() -> bool {
    ci_value_means_ci(std::env::var("CI").ok().as_deref())
}

/// CI systems set `CI` to `true`, `1`, `yes` or their own name: any non-empty value but
/// `false`/`0` (any case) counts, so no spelling lets a missing server skip silently.
pub fn ci_value_means_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
    })
}

/// Runs `sql` on `db` with the database's own client, as a user would pipe a file into it
/// (`label` names the script in messages). Panics when the client reports an error; returns
/// false (after a note) when the client is not installed.
pub fn apply(db: &TestDb, sql: &str, label: &str) -> bool {
    let mut cmd = match db.kind {
        Kind::Sqlite => {
            if let Err(e) = db.connect().try_execute(sql) {
                panic!("{label}: SQLite's execute_batch failed: {e}");
            }
            return true;
        }
        Kind::Postgres => {
            let Some(psql) = find_psql() else {
                return missing_client("psql");
            };
            let mut cmd = Command::new(psql);
            cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(without_query(&db.url));
            cmd
        }
        Kind::Mysql => {
            let Some(client) = find_program(&["mariadb", "mysql"], &["/usr/bin", "/usr/local/bin"])
            else {
                return missing_client("mariadb");
            };
            // The driver's URL parser decodes what the client needs.
            let url = mysql::Opts::from_url(&db.url).unwrap();
            let mut cmd = Command::new(client);
            // --comments: send comments as written, as Cairn does, so stored routine and trigger
            // bodies compare equal.
            cmd.args(["--batch", "--comments", "--default-character-set=utf8mb4"])
                .arg(format!("--host={}", url.get_ip_or_hostname()))
                .arg(format!("--port={}", url.get_tcp_port()))
                .arg(format!("--user={}", url.get_user().unwrap_or_default()))
                .arg(format!(
                    "--database={}",
                    url.get_db_name().unwrap_or_default()
                ))
                .env("MYSQL_PWD", url.get_pass().unwrap_or_default());
            if let Ok(ca) = std::env::var("CAIRN_TEST_MYSQL_CA") {
                cmd.arg(format!("--ssl-ca={ca}"));
            }
            cmd
        }
    };
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{label}: cannot run {cmd:?}: {e}"));
    // A script is small; the client reads all of it before its output could fill a pipe.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap_or_else(|e| panic!("{label}: cannot write to {cmd:?}: {e}"));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{label}: {}'s own client failed ({}):\n{}",
        db.kind,
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn missing_client(client: &str) -> bool {
    assert!(!in_ci(), "{client} is not installed");
    eprintln!("note: {client} is not installed: comparing with the native client is skipped");
    false
}

/// The URL without its query string (`psql` rejects Cairn's own parameters).
pub fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(u, _)| u)
}

/// `psql`: beside the server binaries Debian installs (newest version first), else on PATH.
pub fn find_psql() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
        .map(|(version, dir)| (version, dir.join("bin/psql")))
        .filter(|(_, psql)| psql.is_file())
        .collect();
    found.sort();
    let debian = found.pop().map(|(_, psql)| psql);
    debian.or_else(|| find_program(&["psql"], &[]))
}

/// The first of `names` on PATH or in `extra_dirs`.
pub fn find_program(names: &[&str], extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(extra_dirs.iter().map(PathBuf::from));
    names
        .iter()
        .find_map(|n| dirs.iter().map(|d| d.join(n)).find(|p| p.is_file()))
}
