//! `cargo xtask ...`: Cairn's command line.

fn main() -> std::process::ExitCode {
    xtask::main()
}
