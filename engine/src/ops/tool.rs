//! Finding and running the external dump tools the server backends back up with.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::error::BackendError;

/// The first of `names` that is a file in a directory of `PATH` (tried in `PATH` order for each
/// name in turn), or an error naming the tool and `install`, what provides it (e.g.
/// `postgresql-client`).
pub fn find_tool(names: &[&str], install: &str) -> Result<PathBuf, BackendError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    names
        .iter()
        .find_map(|name| {
            dirs.iter()
                .map(|d| d.join(name))
                .find(|candidate| candidate.is_file())
        })
        .ok_or_else(|| {
            BackendError::Other(format!(
                "{} not found on PATH: install {install}, or add the directory that has it to PATH",
                names.join(" or ")
            ))
        })
}

/// Runs `command` (stdin from `input` when given), failing with the tool's exit status and
/// standard error, passed through `scrub` so that no secret reaches a message.
pub fn run_tool(
    mut command: Command,
    input: Option<std::fs::File>,
    scrub: &dyn Fn(&str) -> String,
) -> Result<(), BackendError> {
    let tool = PathBuf::from(command.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    command
        .stdin(input.map_or_else(Stdio::null, Stdio::from))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = command
        .output()
        .map_err(|e| BackendError::Other(format!("cannot run {tool}: {e}")))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(BackendError::Other(scrub(&format!(
        "{tool} failed ({}): {}",
        output.status,
        stderr.trim()
    ))))
}
