//! A fresh database per test on the server `CAIRN_TEST_POSTGRES_URL` names.

#![allow(dead_code)]

use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cairn::{Dialect, MigrationSet, SourceFile};
use cairn_postgres::Postgres;

const ENV: &str = "CAIRN_TEST_POSTGRES_URL";

/// The admin URL, or `None` (after a note) when no server is configured outside CI.
pub fn admin_url() -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => {
            panic!("{ENV} is not set: CI must run the PostgreSQL tests against a server")
        }
        _ => {
            eprintln!("note: {ENV} is not set; skipping this PostgreSQL test");
            None
        }
    }
}

/// A random suffix: hashers are randomly seeded per process, and the clock and a counter tell
/// apart calls within one.
pub fn random_hex() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let h = RandomState::new().hash_one((nanos, n, std::process::id()));
    format!("{h:016x}")
}

/// `url` with its database replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = main.find("://").map_or(0, |i| i + 3);
    let authority_end = main[scheme_end..]
        .find('/')
        .map_or(main.len(), |i| scheme_end + i);
    format!("{}/{db}{query}", &main[..authority_end])
}

/// A database that exists for the life of this value.
pub struct TestDb {
    admin: String,
    /// Its name, `cairn_t_<hex>`.
    pub name: String,
    /// A URL to it.
    pub url: String,
}

impl TestDb {
    /// Creates a fresh database, or returns `None` when no server is configured.
    pub fn create() -> Option<TestDb> {
        let admin = admin_url()?;
        let name = format!("cairn_t_{}", random_hex());
        let mut pg = Postgres::open(&admin).unwrap();
        pg.client()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = with_database(&admin, &name);
        Some(TestDb { admin, name, url })
    }

    /// A new connection to it.
    pub fn open(&self) -> Postgres {
        Postgres::open(&self.url).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match Postgres::open(&self.admin) {
            Ok(mut pg) => {
                if let Err(e) = pg.client().batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                )) {
                    eprintln!("cannot drop test database {}: {e}", self.name);
                }
            }
            Err(e) => eprintln!("cannot drop test database {}: {e}", self.name),
        }
    }
}

/// Migrations from `(id, yaml)` pairs.
pub fn migrations(files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(id, text)| SourceFile {
            path: PathBuf::from(format!("{id}.yaml")),
            default_id: id.to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, Dialect::Postgres).unwrap()
}

/// `url` with `option` (`key=value`) added; a later option overrides an earlier one.
pub fn with_option(url: &str, option: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{option}")
}

/// `url` with its user info replaced by `userinfo` (`user` or `user:password`).
pub fn with_userinfo(url: &str, userinfo: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host_start = rest[..authority_end].rfind('@').map_or(0, |i| i + 1);
    format!("{}{userinfo}@{}", &url[..scheme_end], &rest[host_start..])
}

/// Whether the TLS and password checks must run in full: under CI, and whenever the server was
/// started by `cargo xtask test` (which sets `CAIRN_TEST_POSTGRES_CA`), the server offers TLS and checks
/// passwords, so a check that finds otherwise is a failure rather than a note.
pub fn must_run_fully() -> bool {
    in_ci() || std::env::var_os("CAIRN_TEST_POSTGRES_CA").is_some()
}

/// Whether this runs under CI: any non-empty `CI` but `false`/`0` (CI systems spell it `true`,
/// `1`, `yes` or their own name), so no spelling lets a missing server skip silently.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
    })
}
