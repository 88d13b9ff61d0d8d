//! Ctrl-C (SIGINT, also SIGTERM and SIGHUP) during `cargo xtask test`. The handler only
//! records the interrupt; the harness then sends SIGINT to the `cargo test` it waits for, and
//! returns an error, so the servers are stopped and their directories removed on the way out.
//!
//! `cargo test` runs in a process group of its own, so the signal reaches cargo, rustc and the
//! test binaries alike, whether it came from the terminal or was sent to the harness alone.

use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

/// Set by the handler once the user interrupted the run.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long the tests may take to exit after SIGINT before their process group is killed.
const GRACE: Duration = Duration::from_secs(10);

/// Installs the handler (once per process: a second call fails).
pub fn install() -> Result<()> {
    ctrlc::set_handler(|| {
        if !INTERRUPTED.swap(true, Ordering::SeqCst) {
            eprintln!("\ntest: interrupted; stopping the tests and the servers");
        }
    })
    .context("cannot install the Ctrl-C handler")
}

/// Whether the user interrupted the run.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Fails once the user interrupted the run.
pub fn check() -> Result<()> {
    if requested() {
        bail!("interrupted");
    }
    Ok(())
}

/// Runs `cmd` (without input) in a process group of its own and waits for it. On an interrupt
/// the group gets SIGINT, and SIGKILL if it still runs [`GRACE`] later.
pub fn run_in_own_group(cmd: &mut Command, what: &str) -> Result<ExitStatus> {
    let mut child = cmd
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run {what}"))?;
    let group = child.id();
    let mut interrupted_at: Option<Instant> = None;
    loop {
        if let Some(status) = child
            .try_wait()
            .with_context(|| format!("cannot wait for {what}"))?
        {
            return Ok(status);
        }
        match interrupted_at {
            None if requested() => {
                signal_group(group, "INT");
                interrupted_at = Some(Instant::now());
            }
            Some(at) if at.elapsed() > GRACE => {
                eprintln!(
                    "test: {what} still runs {} s after SIGINT; killing it",
                    GRACE.as_secs()
                );
                signal_group(group, "KILL");
                return child
                    .wait()
                    .with_context(|| format!("cannot wait for {what}"));
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (a name such as `INT`) to every process in process group `group`, with the
/// shell's `kill` (this crate has no unsafe code to call kill(2) itself).
pub(super) fn signal_group(group: u32, signal: &str) {
    let script = r#"kill -s "$0" -- "-$1""#;
    let _ = Command::new("sh")
        .args(["-c", script, signal, &group.to_string()])
        .stdin(Stdio::null())
        .status();
}
