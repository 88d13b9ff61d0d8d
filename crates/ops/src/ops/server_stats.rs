//! The server's own counters for [`crate::ops::health()`]: connections, cache hit ratio and
//! slow queries (and a Galera node's view of its cluster), read with the generic
//! [`Driver::query`] and per-dialect SQL kept here as data. PostgreSQL: one query over
//! `pg_stat_activity`, `pg_stat_database`, `pg_extension` and the replication state, and a second over
//! `pg_stat_statements` only when that extension is installed; MySQL/MariaDB: one
//! `SHOW GLOBAL STATUS`, which also answers the `wsrep_` counters; SQLite has no server, so
//! nothing is read.

use serde::Serialize;

use crate::Dialect;
use crate::driver::Driver;
use crate::driver::cells::{number_cell, text_cell};
use crate::schema::ident;

use super::replication::{self, Replication};

/// What the server says about its load. Every value is `None` where the server does not tell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServerStats {
    /// What the counters cover: `database` (PostgreSQL: this database's sessions and blocks)
    /// or `server` (MySQL/MariaDB: the whole server since it started).
    pub scope: String,
    /// Client connections now.
    pub connections: Option<Connections>,
    /// Share of page reads served from memory, in 0..=1 (PostgreSQL: `blks_hit / (blks_hit +
    /// blks_read)`; MySQL: `1 - Innodb_buffer_pool_reads / Innodb_buffer_pool_read_requests`);
    /// `None` before the first read.
    pub cache_hit_ratio: Option<f64>,
    /// Slow queries (PostgreSQL: calls of statements in `pg_stat_statements` whose mean time is
    /// at least [`SLOW_QUERY_MS`]; MySQL: `Slow_queries`, longer than `long_query_time`).
    pub slow_queries: Option<u64>,
    /// The Galera cluster as this node sees it; `None` on a server that is not a Galera node.
    pub cluster: Option<ClusterStats>,
    /// PostgreSQL: primary or read-only replica, and the replication around it.
    pub replication: Option<Replication>,
    /// What could not be read and why, e.g. `pg_stat_statements not installed`.
    pub notes: Vec<String>,
    /// Why the counters could not be read at all.
    pub error: Option<String>,
}

/// Client connections by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connections {
    /// Running a statement now.
    pub active: u64,
    /// Waiting for the client (PostgreSQL: `idle`; MySQL: connected but not running).
    pub idle: u64,
    /// Every client connection (PostgreSQL: also `idle in transaction` and the rest).
    pub total: u64,
}

/// A Galera node's view of its cluster (MariaDB Galera Cluster, Percona XtraDB Cluster).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterStats {
    /// Nodes in the cluster (`wsrep_cluster_size`).
    pub size: u64,
    /// Whether this node's component is the primary one (`wsrep_cluster_status`: `Primary`,
    /// else `Non-Primary` or `Disconnected`, and then it refuses queries).
    pub status: Option<String>,
    /// This node's state (`wsrep_local_state_comment`): `Synced` when it serves reads and
    /// writes; `Joining`, `Donor/Desynced`, `Joined` while it transfers state.
    pub state: Option<String>,
    /// Share of the time since the counters were last reset that replication was paused by
    /// flow control (`wsrep_flow_control_paused`, 0..=1): a node that cannot apply fast enough
    /// (a long total-order DDL, a slow disk) pauses writes on every node.
    pub flow_control_paused: Option<f64>,
}

impl ClusterStats {
    /// Whether this node takes part normally: primary component and synced.
    pub fn is_synced(&self) -> bool {
        self.status.as_deref() == Some("Primary") && self.state.as_deref() == Some("Synced")
    }
}

/// A PostgreSQL statement is slow when its mean execution time is at least this, in ms.
pub const SLOW_QUERY_MS: u64 = 1000;

/// Client sessions of this database by state, its block counters, and the schema
/// `pg_stat_statements` is installed in (NULL when it is not), then the server's place in
/// replication ([`replication::POSTGRES_COLUMNS`]): one query.
const POSTGRES_STATS: &str = "SELECT
    count(*) FILTER (WHERE a.state = 'active'),
    count(*) FILTER (WHERE a.state = 'idle'),
    count(*),
    (SELECT blks_hit FROM pg_stat_database WHERE datname = current_database()),
    (SELECT blks_read FROM pg_stat_database WHERE datname = current_database()),
    (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pg_stat_statements'),
    {replication}
  FROM pg_stat_activity a
  WHERE a.datname = current_database() AND a.backend_type = 'client backend'";

/// Calls of this database's statements whose mean time is at least `{ms}`, from the view in
/// schema `{schema}`.
const POSTGRES_SLOW: &str = "SELECT COALESCE(sum(calls), 0) FROM {schema}.pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND mean_exec_time >= {ms}";

/// The five counters and the Galera ones (absent, or a cluster size of 0, where the server is
/// no Galera node), one row each (`Variable_name`, `Value`).
const MYSQL_STATUS: &str = "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', \
     'Threads_running', 'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads', \
     'Slow_queries', 'wsrep_cluster_size', 'wsrep_cluster_status', \
     'wsrep_local_state_comment', 'wsrep_flow_control_paused')";

/// The server's counters, or `None` for SQLite (no server). Never fails: what cannot be read
/// is in `error` or `notes`. PostgreSQL: 1 query, 2 with `pg_stat_statements` installed;
/// MySQL: 1; SQLite: 0.
pub fn server_stats(db: &mut dyn Driver) -> Option<ServerStats> {
    match db.dialect() {
        Dialect::Sqlite => None,
        Dialect::Postgres => Some(postgres(db)),
        Dialect::Mysql => Some(mysql(db)),
    }
}

fn empty(scope: &str) -> ServerStats {
    ServerStats {
        scope: scope.to_string(),
        connections: None,
        cache_hit_ratio: None,
        slow_queries: None,
        cluster: None,
        replication: None,
        notes: Vec::new(),
        error: None,
    }
}

/// `hits / total`, within 0..=1; `None` when nothing was read.
fn ratio(hits: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| (hits as f64 / total as f64).clamp(0.0, 1.0))
}

fn postgres(db: &mut dyn Driver) -> ServerStats {
    let mut stats = empty("database");
    let sql = POSTGRES_STATS.replace("{replication}", replication::POSTGRES_COLUMNS);
    let rows = match db.query(&sql) {
        Ok(rows) => rows,
        Err(e) => {
            stats.error = Some(e.to_string());
            return stats;
        }
    };
    let Some(row) = rows.first() else {
        return stats;
    };
    let n = |i: usize| number_cell::<u64>(row, i);
    if let (Some(active), Some(idle), Some(total)) = (n(0), n(1), n(2)) {
        stats.connections = Some(Connections {
            active,
            idle,
            total,
        });
    }
    if let (Some(hit), Some(read)) = (n(3), n(4)) {
        stats.cache_hit_ratio = ratio(hit, hit.saturating_add(read));
    }
    stats.replication = replication::from_row(row, 6);
    let schema = text_cell(row, 5).to_string();
    if schema.is_empty() {
        stats
            .notes
            .push("pg_stat_statements not installed: no slow-query count".to_string());
        return stats;
    }
    let sql = POSTGRES_SLOW
        .replace("{schema}", &ident(&schema, Dialect::Postgres))
        .replace("{ms}", &SLOW_QUERY_MS.to_string());
    match db.query(&sql) {
        Ok(rows) => stats.slow_queries = rows.first().and_then(|r| number_cell(r, 0)),
        Err(e) => stats
            .notes
            .push(format!("pg_stat_statements installed but unreadable: {e}")),
    }
    stats
}

fn mysql(db: &mut dyn Driver) -> ServerStats {
    let mut stats = empty("server");
    let rows = match db.query(MYSQL_STATUS) {
        Ok(rows) => rows,
        Err(e) => {
            stats.error = Some(e.to_string());
            return stats;
        }
    };
    let text = |name: &str| {
        rows.iter()
            .find(|r| text_cell(r, 0).eq_ignore_ascii_case(name))
            .map(|r| text_cell(r, 1).to_string())
    };
    let value = |name: &str| text(name).and_then(|v| v.trim().parse::<u64>().ok());
    if let (Some(connected), Some(running)) = (value("Threads_connected"), value("Threads_running"))
    {
        stats.connections = Some(Connections {
            active: running,
            idle: connected.saturating_sub(running),
            total: connected,
        });
    }
    if let (Some(requests), Some(reads)) = (
        value("Innodb_buffer_pool_read_requests"),
        value("Innodb_buffer_pool_reads"),
    ) {
        stats.cache_hit_ratio = ratio(requests.saturating_sub(reads), requests);
    }
    stats.slow_queries = value("Slow_queries");
    stats.cluster = value("wsrep_cluster_size")
        .filter(|size| *size > 0)
        .map(|size| ClusterStats {
            size,
            status: text("wsrep_cluster_status"),
            state: text("wsrep_local_state_comment"),
            flow_control_paused: text("wsrep_flow_control_paused")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .map(|p| p.clamp(0.0, 1.0)),
        });
    if stats.slow_queries.is_none() {
        stats.notes.push("Slow_queries not reported".to_string());
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::ratio;

    #[test]
    fn the_ratio_is_a_share_and_undefined_before_any_read() {
        assert_eq!(ratio(0, 0), None);
        assert_eq!(ratio(3, 4), Some(0.75));
        assert_eq!(ratio(5, 4), Some(1.0));
    }
}
