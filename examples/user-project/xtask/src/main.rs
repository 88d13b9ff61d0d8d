//! `cargo xtask ...`: Cairn's commands in this project's own xtask.

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
