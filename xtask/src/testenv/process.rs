//! Process helpers for the throwaway test servers: free ports, running as an unprivileged user,
//! waiting for readiness, locating programs and installing Debian packages.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::interrupt;

/// The user that owns the temporary server directories when running as root and no
/// service-specific user exists.
pub const FALLBACK_USER: &str = "cairn-test";

/// A new directory for a throwaway server's data, removed when dropped: under `/dev/shm`
/// (memory) where that is a tmpfs we can write, else the system's temporary directory.
///
/// Creating and dropping a database writes and unlinks hundreds of files; on this project's
/// machines (ext4 mounted with online `discard`) a `CREATE DATABASE` + `DROP DATABASE` pair
/// on PostgreSQL costs ~400 ms when repeated, against ~15 ms on tmpfs. CI services commonly
/// run their database on tmpfs for the same reason. `CAIRN_TEST_ON_DISK=1` keeps the data
/// on disk.
pub fn data_dir(prefix: &str) -> Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    let on_disk = std::env::var_os("CAIRN_TEST_ON_DISK").is_some_and(|v| v != "0");
    if !on_disk
        && shm.is_dir()
        && let Ok(dir) = tempfile::Builder::new().prefix(prefix).tempdir_in(shm)
    {
        return Ok(dir);
    }
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .with_context(|| format!("cannot create a temporary directory ({prefix}...)"))
}

/// A loopback TCP port nobody listens on right now (the OS picks it).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context("cannot bind 127.0.0.1:0 to find a free port")?;
    let port = listener
        .local_addr()
        .context("cannot read the address of a bound socket")?
        .port();
    Ok(port)
}

/// Whether something accepts TCP connections on `127.0.0.1:port`.
pub fn tcp_accepts(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

/// Whether this process runs as root (uid 0). `/proc/self` is owned by the effective uid.
pub fn is_root() -> bool {
    match std::fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0"),
    }
}

/// Whether a system user named `name` exists.
pub fn user_exists(name: &str) -> bool {
    succeeds(Command::new("id").arg("-u").arg(name))
}

/// The user to run a server as: `None` when not root (run as ourselves); else `preferred` if it
/// exists, else [`FALLBACK_USER`], created with `useradd` if needed.
pub fn server_user(preferred: &str) -> Result<Option<String>> {
    if !is_root() {
        return Ok(None);
    }
    if user_exists(preferred) {
        return Ok(Some(preferred.to_string()));
    }
    if !user_exists(FALLBACK_USER) {
        println!("test: creating system user {FALLBACK_USER}");
        let status = Command::new("useradd")
            .args(["--system", "--no-create-home", "--home-dir", "/nonexistent"])
            .args(["--shell", "/usr/sbin/nologin", FALLBACK_USER])
            .status()
            .context("cannot run useradd")?;
        // A concurrent run may have created it in the meantime.
        if !status.success() && !user_exists(FALLBACK_USER) {
            bail!("useradd {FALLBACK_USER} failed ({status})");
        }
    }
    Ok(Some(FALLBACK_USER.to_string()))
}

/// Gives `path` (recursively) to `user`.
pub fn chown(path: &Path, user: &str) -> Result<()> {
    let status = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .context("cannot run chown")?;
    anyhow::ensure!(
        status.success(),
        "chown -R {user}: {} failed ({status})",
        path.display()
    );
    Ok(())
}

/// A command running `program` as `user` (through `runuser`, else `su`), or directly when
/// `user` is `None`. Arguments go in `args` because `su` needs them quoted.
pub fn command_as(user: Option<&str>, program: &Path, args: &[String]) -> Command {
    let Some(user) = user else {
        let mut cmd = Command::new(program);
        cmd.args(args);
        return cmd;
    };
    if let Some(runuser) = find_program(&["runuser"], &[]) {
        let mut cmd = Command::new(runuser);
        cmd.args(["-u", user, "--"]).arg(program).args(args);
        cmd
    } else {
        let line = std::iter::once(program.to_string_lossy().into_owned())
            .chain(args.iter().cloned())
            .map(|a| shell_quote(&a))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("su");
        cmd.args([user, "-s", "/bin/sh", "-c"]).arg(line);
        cmd
    }
}

/// Quotes `s` for `/bin/sh`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs `cmd` with no input and its output discarded; whether it exited with success.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cmd` to completion, failing with its output when it fails.
pub fn run_checked(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        bail!("{what} failed ({}):\n{}", out.status, tail(&text, 30));
    }
    Ok(text)
}

/// Polls `ready` every 200 ms until it returns true, `child` exits, `timeout` passes, or the
/// user interrupts the run.
pub fn wait_ready(
    child: &mut Child,
    timeout: Duration,
    what: &str,
    mut ready: impl FnMut() -> bool,
) -> Result<()> {
    let start = Instant::now();
    loop {
        if ready() {
            return Ok(());
        }
        if let Some(status) = child
            .try_wait()
            .with_context(|| format!("cannot check on {what}"))?
        {
            bail!("{what} exited during start-up ({status})");
        }
        if start.elapsed() > timeout {
            bail!("{what} not ready after {} s", timeout.as_secs());
        }
        interrupt::check()?;
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits up to `timeout` for `child` to exit; kills it (SIGKILL) if it does not.
pub fn wait_or_kill(child: &mut Child, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Whether process `pid` still exists.
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// The last lines of the file at `path`, or a note that it cannot be read.
pub fn log_tail(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => tail(&String::from_utf8_lossy(&bytes), 40),
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// `error` followed by the last lines of the server log at `log` (unless the user interrupted).
pub fn with_log(error: anyhow::Error, log: &Path) -> anyhow::Error {
    if interrupt::requested() {
        return error;
    }
    anyhow::anyhow!(
        "{error:#}\n--- last lines of the server log ({}) ---\n{}",
        log.display(),
        log_tail(log)
    )
}

/// The first of `names` found on PATH or in one of `extra_dirs`.
pub fn find_program(names: &[&str], extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(extra_dirs.iter().map(PathBuf::from));
    names.iter().find_map(|name| {
        dirs.iter().map(|d| d.join(name)).find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
        })
    })
}

/// Installs Debian packages with apt-get, running `apt-get update` at most once per run.
#[derive(Debug, Default)]
pub struct Apt {
    updated: bool,
}

impl Apt {
    /// `apt-get install -y PACKAGES` (non-interactive); needs root.
    pub fn install(&mut self, packages: &[&str]) -> Result<()> {
        if !is_root() {
            bail!(
                "{} is not installed and installing it needs root; install it or set the \
                 matching CAIRN_TEST_*_URL",
                packages.join(" ")
            );
        }
        if !self.updated {
            println!("test: apt-get update");
            let status = apt()
                .args(["-q", "update"])
                .status()
                .context("cannot run apt-get")?;
            anyhow::ensure!(status.success(), "apt-get update failed ({status})");
            self.updated = true;
        }
        println!("test: apt-get install -y {}", packages.join(" "));
        let started = Instant::now();
        let status = apt()
            .args(["-q", "install", "-y", "--no-install-recommends"])
            .args(packages)
            .status()
            .context("cannot run apt-get")?;
        anyhow::ensure!(
            status.success(),
            "apt-get install {} failed ({status})",
            packages.join(" ")
        );
        println!(
            "test: installed {} in {:.1} s",
            packages.join(" "),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

fn apt() -> Command {
    let mut cmd = Command::new("apt-get");
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null());
    cmd
}
