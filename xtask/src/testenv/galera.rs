//! A throwaway 3-node MariaDB Galera cluster on loopback: three `mariadbd` processes, each with
//! its own client port, group-communication (gcomm) port, IST and SST ports, data directory
//! and `my.cnf`; the first bootstraps the cluster (`--wsrep-new-cluster`) and the two others
//! join it by state snapshot transfer (rsync). Killed and removed on drop.
//!
//! Sized for a test machine: `innodb_buffer_pool_size=32M`, `gcache.size=16M`,
//! `performance_schema=OFF` (about 110 MB resident per node). Pitfalls this avoids: the
//! default IST port is the gcomm port + 1, which on loopback is another node's port, so every
//! port is set per node; the SST script reads the node's settings through the
//! `--defaults-file` the server was started with, so each node has its own file rather than
//! command-line options. `wsrep_sync_wait` is left at the server's default (0): Cairn must
//! work on a cluster as configured in production, and tests that read right after a write on
//! another node set it on their own session.

use std::fmt::Write as _;
use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use tempfile::TempDir;

use super::mariadb::{Programs, SETUP_SQL, version};
use super::process::{self, Apt};
use super::{interrupt, tls};

/// Nodes in the cluster: the smallest that keeps a quorum when one node is lost.
pub const NODES: usize = 3;

/// How long one node may take to reach `Synced` (a joiner includes its state transfer).
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Where distributions put the Galera 4 provider.
const PROVIDERS: &[&str] = &[
    "/usr/lib/galera/libgalera_smm.so",
    "/usr/lib/libgalera_smm.so",
    "/usr/lib64/galera-4/libgalera_smm.so",
    "/usr/lib64/galera/libgalera_smm.so",
];

/// What a cluster needs besides the MariaDB programs.
fn provider() -> Option<PathBuf> {
    let rsync = process::find_program(&["rsync"], &["/usr/bin"]);
    rsync.and_then(|_| PROVIDERS.iter().map(PathBuf::from).find(|p| p.exists()))
}

/// One node's ports and files.
#[derive(Debug)]
struct Node {
    /// Client port.
    port: u16,
    /// The node's directory (data, socket, `my.cnf`, log).
    dir: PathBuf,
    child: Option<Child>,
}

impl Node {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A running cluster; killed and deleted when dropped.
#[derive(Debug)]
pub struct Galera {
    /// Server version, e.g. `10.11.19`.
    pub version: String,
    /// How long start-up took, from the first `mariadb-install-db` to the last node `Synced`.
    pub started_in: Duration,
    nodes: Vec<Node>,
    // Declared last so it is removed after the nodes stopped.
    dir: TempDir,
}

/// The programs a cluster needs, found (or apt-installed) before anything starts, so the
/// start itself can run on another thread without sharing the installer.
#[derive(Debug)]
pub struct Ready {
    programs: Programs,
    provider: PathBuf,
}

impl Ready {
    /// Finds MariaDB, the Galera provider and rsync, installing what is missing.
    pub fn find(apt: &mut Apt) -> Result<Ready> {
        if Programs::find().is_none() || provider().is_none() {
            println!("test: Galera not found, installing it");
            apt.install(&["mariadb-server", "galera-4", "rsync"])?;
        }
        let programs = Programs::find().context("MariaDB not found after installing it")?;
        let provider = provider().context(
            "the Galera provider (libgalera_smm.so) or rsync not found after installing galera-4 and rsync",
        )?;
        Ok(Ready { programs, provider })
    }
}

impl Galera {
    /// Initialises the nodes' directories, bootstraps the first node, creates the test user
    /// on it and lets the two others join; returns once all three are `Synced`.
    pub fn start(ready: &Ready) -> Result<Galera> {
        let started = Instant::now();
        let programs = &ready.programs;
        let version = version(&programs.server)?;
        let user = process::server_user("mysql")?;
        let dir = process::data_dir("cairn-galera-")?;
        let mut nodes = Vec::with_capacity(NODES);
        let mut gcomm = Vec::with_capacity(NODES);
        let mut ports = Vec::with_capacity(NODES);
        // Client, gcomm, IST and SST ports per node, all picked by the OS at once (so no two
        // are the same, and none is another's + 1 by convention).
        let mut free = distinct_ports(4 * NODES)?.into_iter();
        for i in 0..NODES {
            let mut next = || free.next().context("too few free ports");
            let (port, group, ist, sst) = (next()?, next()?, next()?, next()?);
            gcomm.push(format!("127.0.0.1:{group}"));
            ports.push((group, ist, sst));
            let node_dir = dir.path().join(format!("node{}", i + 1));
            std::fs::create_dir_all(node_dir.join("data"))
                .with_context(|| format!("cannot create {}", node_dir.display()))?;
            nodes.push(Node {
                port,
                dir: node_dir,
                child: None,
            });
        }
        println!(
            "test: starting a {NODES}-node MariaDB {version} Galera cluster on 127.0.0.1:{} (data {})",
            nodes
                .iter()
                .map(|n| n.port.to_string())
                .collect::<Vec<_>>()
                .join(","),
            dir.path().display()
        );
        let user_arg = user.as_deref().map(|u| format!("--user={u}"));
        // Only the bootstrap node is initialised: the joiners receive its data by SST.
        process::run_checked(
            Command::new(&programs.install_db)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", nodes[0].path("data").display()))
                .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
                .arg("--skip-name-resolve")
                .args(&user_arg)
                .current_dir(dir.path()),
            "mariadb-install-db (Galera node 1)",
        )?;
        for (i, node) in nodes.iter().enumerate() {
            let tls = tls::install(&node.dir, user.as_deref())?;
            // `user` goes last, in the second `[mysqld]` group.
            let cnf = my_cnf(i, node, &tls, &ready.provider, &gcomm.join(","), ports[i])
                + &user
                    .as_deref()
                    .map(|u| format!("user={u}\n"))
                    .unwrap_or_default();
            let path = node.path("my.cnf");
            std::fs::write(&path, cnf)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if let Some(user) = &user {
            process::chown(dir.path(), user)?;
        }
        let mut cluster = Galera {
            version,
            started_in: Duration::ZERO,
            nodes,
            dir,
        };
        cluster.spawn(0, &programs.server, true)?;
        cluster.wait_synced(0, &programs.client)?;
        let socket = cluster.nodes[0].path("mysqld.sock");
        process::run_checked(
            &mut client(&programs.client, &socket, SETUP_SQL),
            "creating the cairn user on Galera node 1",
        )
        .map_err(|e| process::with_log(e, &cluster.nodes[0].path("server.log")))?;
        // Both joiners at once: the donor serves one SST after the other, but their group
        // membership settles in one round instead of two.
        for i in 1..NODES {
            cluster.spawn(i, &programs.server, false)?;
        }
        for i in 1..NODES {
            cluster.wait_synced(i, &programs.client)?;
        }
        cluster.started_in = started.elapsed();
        println!(
            "test: Galera cluster ready on 127.0.0.1:{} after {:.1} s ({})",
            cluster.ports().join(","),
            cluster.started_in.as_secs_f64(),
            cluster.memory()
        );
        Ok(cluster)
    }

    /// Starts node `i` in a process group of its own, so stopping it also stops any SST
    /// helper (rsync) it started.
    fn spawn(&mut self, i: usize, server: &Path, bootstrap: bool) -> Result<()> {
        let node = &mut self.nodes[i];
        let log = File::create(node.path("server.log"))
            .context("cannot create a Galera node's log file")?;
        let log_err = log.try_clone().context("cannot duplicate a log handle")?;
        let mut cmd = Command::new(server);
        cmd.arg(format!("--defaults-file={}", node.path("my.cnf").display()));
        if bootstrap {
            cmd.arg("--wsrep-new-cluster");
        }
        let child = cmd
            .current_dir(&node.dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!("cannot start {} (Galera node {})", server.display(), i + 1)
            })?;
        node.child = Some(child);
        Ok(())
    }

    /// Waits until node `i` reports `wsrep_local_state_comment` = `Synced`.
    fn wait_synced(&mut self, i: usize, client_program: &Path) -> Result<()> {
        let node = &mut self.nodes[i];
        let socket = node.path("mysqld.sock");
        let log = node.path("server.log");
        let what = format!("Galera node {}", i + 1);
        let child = node.child.as_mut().context("Galera node is not running")?;
        let sql = "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'";
        process::wait_ready(child, START_TIMEOUT, &what, || {
            client(client_program, &socket, sql)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Synced"))
        })
        .map_err(|e| process::with_log(e, &log))
    }

    /// The URLs the tests connect with, one per node, comma-separated.
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("mysql://cairn:cairn-secret@127.0.0.1:{}/mysql", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The nodes' client ports.
    pub fn ports(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.port.to_string()).collect()
    }

    /// Resident memory per node, e.g. `112 MB, 110 MB, 111 MB resident`.
    pub fn memory(&self) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let rss = node.child.as_ref().and_then(|c| resident_mb(c.id()));
            let sep = if out.is_empty() { "" } else { ", " };
            let _ = match rss {
                Some(mb) => write!(out, "{sep}{mb} MB"),
                None => write!(out, "{sep}? MB"),
            };
        }
        format!("{out} resident")
    }

    /// Kills every node (and its helpers) and waits for them. Idempotent.
    pub fn stop(&mut self) {
        let mut stopped = false;
        for node in &mut self.nodes {
            let Some(mut child) = node.child.take() else {
                continue;
            };
            interrupt::signal_group(child.id(), "KILL");
            let _ = child.kill();
            process::wait_or_kill(&mut child, Duration::from_secs(10));
            stopped = true;
        }
        if stopped {
            println!(
                "test: stopped the Galera cluster on 127.0.0.1:{} ({})",
                self.ports().join(","),
                self.dir.path().display()
            );
        }
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The `mariadb` client as root over `socket`, running `sql`.
fn client(program: &Path, socket: &Path, sql: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(["--no-defaults", "--user=root", "--batch"])
        .arg(format!("--socket={}", socket.display()))
        .arg("--execute")
        .arg(sql);
    cmd
}

/// `n` different free loopback ports: all bound at once, then released.
fn distinct_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<std::io::Result<Vec<_>>>()
        .context("cannot bind 127.0.0.1:0 to find free ports")?;
    listeners
        .iter()
        .map(|l| Ok(l.local_addr()?.port()))
        .collect::<std::io::Result<Vec<u16>>>()
        .context("cannot read the address of a bound socket")
}

/// `VmRSS` of process `pid`, in MB.
fn resident_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// Node `i`'s `my.cnf`. Everything is in the file, because the SST script the server runs
/// reads the node's settings from it (`--defaults-file`), not from the server's arguments.
fn my_cnf(
    i: usize,
    node: &Node,
    tls: &tls::Files,
    provider: &Path,
    cluster_address: &str,
    (gcomm, ist, sst): (u16, u16, u16),
) -> String {
    let p = |name: &str| node.path(name).display().to_string();
    format!(
        "[mysqld]
datadir={data}
port={port}
bind-address=127.0.0.1
socket={socket}
pid-file={pid}
skip-name-resolve
max-connections=300
character-set-server=utf8mb4
innodb_flush_log_at_trx_commit=0
innodb_buffer_pool_size=32M
performance_schema=OFF
ssl-cert={cert}
ssl-key={key}
ssl-ca={ca}
# Galera replicates row events of InnoDB tables; interleaved auto-increment locks are required.
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider={provider}
wsrep_cluster_name=cairn-test
wsrep_cluster_address=gcomm://{cluster_address}
wsrep_node_name=node{n}
wsrep_node_address=127.0.0.1:{gcomm}
wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:{gcomm};ist.recv_addr=127.0.0.1:{ist};gcache.size=16M\"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:{sst}
# The rsync SST would encrypt with stunnel because the server has TLS files; on loopback,
# between throwaway nodes, plain is fine.
[sst]
ssl-mode=DISABLED
[mysqld]
",
        data = p("data"),
        port = node.port,
        socket = p("mysqld.sock"),
        pid = p("mysqld.pid"),
        cert = tls.cert.display(),
        key = tls.key.display(),
        ca = tls.ca.display(),
        provider = provider.display(),
        n = i + 1,
    )
}
