//! `cargo xtask ...`: Cairn's development tooling. `test`, `bench` and `mutants` live here;
//! every other command is Cairn's CLI ([`cairn_cli`]), so `cargo xtask migrate up` in this
//! repository is `cairn migrate up`. The installed `cairn` binary carries none of these three.

mod args;
mod bench;
mod mutants;
mod testenv;

use std::process::ExitCode;

use clap::{Args as _, FromArgMatches as _};

/// What a successful command found: 0 when clean, 1 when it found something to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// Surviving mutants: exit 1.
    Finding,
}

fn command() -> clap::Command {
    cairn_cli::command()
        .name("xtask")
        .bin_name("cargo xtask")
        .about("Cairn's commands, plus this repository's development tasks: test, bench, mutants")
        .subcommand(
            args::BenchArgs::augment_args(clap::Command::new("bench")).about(
                "Benchmark Cairn against the raw clients (rusqlite, psql, mariadb) on generated migrations",
            ),
        )
        .subcommand(args::TestArgs::augment_args(clap::Command::new("test")).about(
            "Run the whole test suite, starting throwaway PostgreSQL and MariaDB servers on loopback",
        ))
        .subcommand(mutants::MutantsArgs::augment_args(clap::Command::new("mutants")).about(
            "Mutation testing of the engine's core modules (cargo-mutants), with a score per module; slow, so not part of `test`",
        ))
}

fn main() -> ExitCode {
    let matches = command().get_matches();
    let result = match matches.subcommand() {
        Some(("bench", sub)) => args::BenchArgs::from_arg_matches(sub)
            .map_err(anyhow::Error::from)
            .and_then(|a| bench::run(&a, cairn_cli::layout_flag(&matches))),
        Some(("test", sub)) => args::TestArgs::from_arg_matches(sub)
            .map_err(anyhow::Error::from)
            .and_then(|a| testenv::run(&a)),
        Some(("mutants", sub)) => mutants::MutantsArgs::from_arg_matches(sub)
            .map_err(anyhow::Error::from)
            .and_then(|a| mutants::run(&a)),
        _ => return cairn_cli::run_matches(&matches, cairn::lint::Linter::new()),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Finding) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
