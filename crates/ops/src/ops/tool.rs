//! Finding and running the external dump tools the server backends back up with.

use std::io::{self, Read};
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

/// Runs `command` (stdin fed from `input` when given, on a thread so a tool that writes a lot
/// while reading cannot deadlock), failing with the tool's exit status and standard error,
/// passed through `scrub` so that no secret reaches a message.
pub fn run_tool(
    mut command: Command,
    input: Option<Box<dyn Read + Send>>,
    scrub: &dyn Fn(&str) -> String,
) -> Result<(), BackendError> {
    let tool = PathBuf::from(command.get_program())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    command
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .map_err(|e| BackendError::Other(format!("cannot run {tool}: {e}")))?;
    let feeder = match (input, child.stdin.take()) {
        (Some(mut reader), Some(mut stdin)) => Some(std::thread::spawn(move || {
            // Dropping `stdin` at the end closes it, which is the tool's end of input.
            match io::copy(&mut reader, &mut stdin) {
                // The tool stopped reading: its exit status and stderr say why.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map(|_| ()),
            }
        })),
        _ => None,
    };
    let output = child
        .wait_with_output()
        .map_err(|e| BackendError::Other(format!("cannot run {tool}: {e}")))?;
    let fed = feeder.map(|f| f.join());
    if output.status.success() {
        return match fed {
            Some(Ok(Err(e))) => Err(BackendError::Other(format!(
                "cannot feed the input to {tool}: {e}"
            ))),
            Some(Err(_)) => Err(BackendError::Other(format!(
                "feeding the input to {tool} panicked"
            ))),
            _ => Ok(()),
        };
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(BackendError::Other(scrub(&format!(
        "{tool} failed ({}): {}",
        output.status,
        stderr.trim()
    ))))
}
