//! `test`: runs the workspace tests (skeleton: server start-up being implemented).

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::Outcome;
use crate::cli::TestArgs;

/// Runs `cargo test --workspace` with the given extra arguments.
pub fn run(args: &TestArgs) -> Result<Outcome> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .args(["test", "--workspace"])
        .args(&args.cargo_args)
        .status()
        .context("cannot run cargo test")?;
    anyhow::ensure!(status.success(), "tests failed ({status})");
    Ok(Outcome::Clean)
}
