//! `cairn ...`: Cairn's commands as an installable binary (`cargo install --path cli`).

fn main() -> std::process::ExitCode {
    cairn_cli::main()
}
