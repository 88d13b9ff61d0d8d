//! `cairn ...`: the same commands as `cargo xtask`, as an installable binary.

fn main() -> std::process::ExitCode {
    xtask::main()
}
