//! The Galera cluster `cargo xtask test` starts: `CAIRN_TEST_GALERA_URLS`, one admin URL per
//! node, comma-separated, with the user and TLS conventions of `CAIRN_TEST_MYSQL_URL`.

use crate::{Conn, with_database};

/// The variable naming the nodes.
pub const GALERA_ENV: &str = "CAIRN_TEST_GALERA_URLS";

/// The nodes' admin URLs; `None` (with a note) when unset, a panic when unset under CI: a
/// suite that silently skips its cluster tests proves nothing.
pub fn galera_urls() -> Option<Vec<String>> {
    match std::env::var(GALERA_ENV) {
        Ok(v) if !v.trim().is_empty() => Some(v.split(',').map(|u| u.trim().to_string()).collect()),
        _ if crate::native::in_ci() => {
            panic!(
                "{GALERA_ENV} is not set: run the tests with `cargo xtask test`, which starts a Galera cluster"
            )
        }
        _ => {
            eprintln!(
                "note: {GALERA_ENV} is not set, skipping the Galera tests (run them with `cargo xtask test`)"
            );
            None
        }
    }
}

/// A database on the cluster (created on node 1, replicated in total order), with its URL on
/// each node; dropped when dropped.
pub struct GaleraDb {
    /// Its name.
    pub name: String,
    /// Its URL on each node.
    pub urls: Vec<String>,
    admin: String,
}

impl GaleraDb {
    /// Creates the database and waits until every node has it; `None` without a cluster
    /// (see [`galera_urls`]).
    pub fn new(name: &str) -> Option<GaleraDb> {
        let admin = galera_urls()?;
        let name = format!("{name}_{}", std::process::id());
        let mut first = Conn::mysql(&admin[0]);
        first.execute(&format!("DROP DATABASE IF EXISTS `{name}`"));
        first.execute(&format!("CREATE DATABASE `{name}`"));
        for url in &admin {
            let mut node = Conn::mysql(url);
            node.execute("SET SESSION wsrep_sync_wait = 1");
            let seen = node.scalar_i64(&format!(
                "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '{name}'"
            ));
            assert_eq!(seen, 1, "{url} does not have {name}");
        }
        Some(GaleraDb {
            urls: admin.iter().map(|u| with_database(u, &name)).collect(),
            admin: admin[0].clone(),
            name,
        })
    }
}

impl Drop for GaleraDb {
    fn drop(&mut self) {
        let mut admin = Conn::mysql(&self.admin);
        let _ = admin.try_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
    }
}
