//! A streaming hot-standby replica of the throwaway PostgreSQL server: `pg_basebackup -R`
//! (fast checkpoint, WAL streamed alongside, no sync) from the primary into a data directory
//! of its own, then `postgres` on its own loopback port with the primary's settings (a hot
//! standby needs `max_connections` at least the primary's). `-R` writes `standby.signal` and
//! `primary_conninfo`, so the replica follows the primary and tells who it follows
//! (`pg_stat_wal_receiver`), which `up`'s refusal and `db health` show. Stopped and deleted on
//! drop, like the primary ([`Postgres`]).

use std::time::Instant;

use anyhow::Result;

use super::postgres::{self, Launch, Postgres, Source};
use super::process;

/// Clones the primary `source` describes and starts the copy as its replica; returns once it
/// accepts connections, with how long that took.
pub fn start(source: Source) -> Result<(Postgres, std::time::Duration)> {
    let started = Instant::now();
    let dir = process::data_dir("cairn-pg-replica-")?;
    let user = source.user.clone();
    if let Some(user) = &user {
        process::chown(dir.path(), user)?;
    }
    let data = dir.path().join("data");
    let port = process::free_port()?;
    println!(
        "test: starting a PostgreSQL replica of 127.0.0.1:{} on 127.0.0.1:{port} (data {})",
        source.port,
        data.display()
    );
    let args = postgres::strings(&[
        "-D",
        &data.to_string_lossy(),
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
        "--no-sync",
        "-h",
        "127.0.0.1",
        "-p",
        &source.port.to_string(),
        "-U",
        "postgres",
        "-w",
    ]);
    process::run_checked(
        process::command_as(user.as_deref(), &source.bindir.join("pg_basebackup"), &args)
            .current_dir(dir.path()),
        "pg_basebackup",
    )?;
    // The primary's certificate and key came along in the data directory.
    let (cert, key) = (data.join("server.pem"), data.join("server.key"));
    let child = postgres::spawn(&Launch {
        bindir: &source.bindir,
        user: user.as_deref(),
        dir: dir.path(),
        data: &data,
        port,
        cert: &cert,
        key: &key,
    })?;
    let mut replica = Postgres::adopt(source, port, data, child, dir);
    replica.wait_started()?;
    let took = started.elapsed();
    println!(
        "test: PostgreSQL replica ready on 127.0.0.1:{port} after {:.1} s",
        took.as_secs_f64()
    );
    Ok((replica, took))
}
