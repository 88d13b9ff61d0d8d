//! A throwaway database on the Galera cluster named by `CAIRN_TEST_GALERA_URLS` (one URL per
//! node, comma-separated; `cargo xtask test` starts a 3-node cluster and sets it).

use cairn::Driver;
use cairn_mysql::Mysql;
use mysql::prelude::Queryable;

use crate::common::{in_ci, random_hex, with_database};

/// The variable naming the nodes.
pub const ENV: &str = "CAIRN_TEST_GALERA_URLS";

/// The nodes' admin URLs; `None` (with a note) when unset outside CI, a panic under CI: a
/// suite that silently skips its cluster tests proves nothing.
pub fn urls() -> Option<Vec<String>> {
    match std::env::var(ENV) {
        Ok(v) if !v.trim().is_empty() => {
            let urls: Vec<String> = v.split(',').map(|u| u.trim().to_string()).collect();
            assert!(
                urls.len() >= 2,
                "{ENV} names {} node(s); the cluster tests need at least two",
                urls.len()
            );
            Some(urls)
        }
        _ if in_ci() => panic!(
            "{ENV} is not set, and this is CI: the Galera tests need a cluster (run them with `cargo xtask test`, which starts one)"
        ),
        _ => {
            eprintln!("note: {ENV} is not set; skipping the Galera tests");
            None
        }
    }
}

/// A database created on the cluster for one test, visible on every node, dropped at the end.
pub struct ClusterDb {
    /// Its name.
    pub name: String,
    /// Its URL on each node.
    pub urls: Vec<String>,
    admin: Vec<String>,
}

impl ClusterDb {
    /// Creates a database (on node 1; DDL replicates in total order) and waits until every
    /// node has it.
    pub fn create() -> Option<ClusterDb> {
        let admin = urls()?;
        let name = format!("cairn_g_{}", random_hex());
        let mut first = Mysql::open(&admin[0]).expect("admin connection to node 1");
        first
            .conn()
            .query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .unwrap();
        let db = ClusterDb {
            urls: admin.iter().map(|u| with_database(u, &name)).collect(),
            name,
            admin,
        };
        for (i, url) in db.admin.iter().enumerate() {
            let mut conn = Mysql::open(url).unwrap();
            causal(&mut conn);
            let seen: Option<String> = conn
                .conn()
                .exec_first(
                    "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
                    (&db.name,),
                )
                .unwrap();
            assert!(seen.is_some(), "node {} does not have {}", i + 1, db.name);
        }
        Some(db)
    }

    /// A new session on this database on node `i` (0-based, wrapping round the nodes).
    pub fn open(&self, i: usize) -> Mysql {
        Mysql::open(&self.urls[i % self.urls.len()]).unwrap()
    }

    /// This database's URL on node `i` with the query option `option` (`key=value`) added.
    pub fn url_with(&self, i: usize, option: &str) -> String {
        let url = &self.urls[i % self.urls.len()];
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}{option}")
    }

    /// A session on node `i` that sees everything committed anywhere in the cluster before
    /// each read (`wsrep_sync_wait=1`).
    pub fn causal(&self, i: usize) -> Mysql {
        let mut db = self.open(i);
        causal(&mut db);
        db
    }

    /// One integer from `sql`, read causally on node `i`.
    pub fn scalar(&self, i: usize, sql: &str) -> i64 {
        let mut db = self.causal(i);
        let rows = db.query(sql).unwrap();
        rows[0][0].as_deref().unwrap().parse().unwrap()
    }

    /// Rows of `sql` as text, read causally on node `i`.
    pub fn rows(&self, i: usize, sql: &str) -> Vec<Vec<String>> {
        let mut db = self.causal(i);
        db.query(sql)
            .unwrap()
            .into_iter()
            .map(|r| r.into_iter().map(Option::unwrap_or_default).collect())
            .collect()
    }

    /// The number of nodes.
    pub fn nodes(&self) -> usize {
        self.urls.len()
    }
}

impl Drop for ClusterDb {
    fn drop(&mut self) {
        match Mysql::open(&self.admin[0]) {
            Ok(mut admin) => {
                let drop = format!("DROP DATABASE IF EXISTS `{}`", self.name);
                if let Err(e) = admin.conn().query_drop(drop) {
                    eprintln!("could not drop {}: {e}", self.name);
                }
            }
            Err(e) => eprintln!("could not drop {}: {e}", self.name),
        }
    }
}

/// Makes `db`'s reads wait until the node has applied everything committed before them.
fn causal(db: &mut Mysql) {
    db.conn()
        .query_drop("SET SESSION wsrep_sync_wait = 1")
        .unwrap();
}
