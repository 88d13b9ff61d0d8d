//! A throwaway database per test on the server named by `CAIRN_TEST_MYSQL_URL`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Once;

use cairn::{MigrationSet, SourceFile};
use cairn_mysql::Mysql;
use mysql::prelude::Queryable;

/// The variable naming an admin URL, e.g. `mysql://root:pw@127.0.0.1:3306/mysql`.
pub const ENV: &str = "CAIRN_TEST_MYSQL_URL";

/// The admin URL; `None` (with a note) when unset outside CI. In CI a missing server is a
/// failure: a suite that silently skips its database tests proves nothing.
pub fn admin_url() -> Option<String> {
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if in_ci() => {
            panic!(
                "{ENV} is not set, and this is CI: the MySQL backend tests need a server (e.g. {ENV}=mysql://root:pw@127.0.0.1:3306/mysql)"
            )
        }
        _ => {
            // Written past the test harness's capture, once, so a skipped suite is visible.
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: {ENV} is not set; skipping the MySQL tests that need a server"
                );
            });
            None
        }
    }
}

/// A database created for one test and dropped when the test ends (even when it fails).
pub struct TestDb {
    /// Its name, `cairn_t_<hex>`.
    pub name: String,
    /// The admin URL with the database replaced by this one.
    pub url: String,
    admin: Mysql,
}

impl TestDb {
    /// Creates a fresh database; `None` when no server is configured (see [`admin_url`]).
    pub fn create() -> Option<TestDb> {
        let admin_url = admin_url()?;
        let mut admin = Mysql::open(&admin_url).expect("admin connection");
        let name = format!("cairn_t_{}", random_hex());
        admin
            .conn()
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .unwrap();
        let url = with_database(&admin_url, &name);
        Some(TestDb { name, url, admin })
    }

    /// A new backend session on this database.
    pub fn open(&self) -> Mysql {
        Mysql::open(&self.url).unwrap()
    }

    /// The admin session (on another database), for checks from outside.
    pub fn admin(&mut self) -> &mut mysql::Conn {
        self.admin.conn()
    }

    /// Names of the tables in this database, sorted, without Cairn's audit log (which every
    /// command appends to).
    pub fn tables(&mut self) -> Vec<String> {
        let name = self.name.clone();
        self.admin()
            .exec(
                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> 'cairn_migrations_log' ORDER BY TABLE_NAME",
                (name,),
            )
            .unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        if let Err(e) = self.admin.conn().query_drop(drop) {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// `url` with its database replaced by `db` (options kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (main, query) = match rest.split_once('?') {
        Some((m, q)) => (m, format!("?{q}")),
        None => (rest, String::new()),
    };
    let authority = main.split_once('/').map_or(main, |(a, _)| a);
    format!("{scheme}://{authority}/{db}{query}")
}

/// `url` with its password replaced by `password`.
pub fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.rsplit_once('@').unwrap();
    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
    format!("{scheme}://{user}:{password}@{host}")
}

/// 64 random bits as hex, for database names.
pub fn random_hex() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// A migration set for MySQL from `(path, text)` pairs, as if read from a directory.
pub fn migrations(files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from(path),
            default_id: path.rsplit_once('.').map_or(*path, |(p, _)| p).to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn::Dialect::Mysql).unwrap()
}

/// `url` with the query option `option` (`key=value`) added.
pub fn with_option(url: &str, option: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{option}")
}

/// Whether the TLS and password checks must run in full: under CI, and whenever the server was
/// started by `cargo xtask test` (which sets `CAIRN_TEST_MYSQL_CA`), the server offers TLS and checks
/// passwords, so a check that finds otherwise is a failure rather than a note.
pub fn must_run_fully() -> bool {
    in_ci() || std::env::var_os("CAIRN_TEST_MYSQL_CA").is_some()
}

/// Whether this runs under CI: any non-empty `CI` but `false`/`0` (CI systems spell it `true`,
/// `1`, `yes` or their own name), so no spelling lets a missing server skip silently.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
    })
}
