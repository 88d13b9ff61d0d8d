//! `cairn completions SHELL` and `cairn man`: generated from the clap definition, before any
//! settings are read or a database is reached.

use std::io::Write;
use std::path::Path;

use clap_complete::Shell;

/// Writes the completion script for `shell` to `out`, for the command named `cairn`.
pub fn completions(shell: Shell, out: &mut dyn Write) {
    let mut command = crate::command();
    command.build();
    clap_complete::generate(shell, &mut command, "cairn", out);
}

/// Writes the man page `cairn(1)` (roff) to `out`: synopsis, options, the environment and
/// the list of subcommands.
pub fn man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(crate::command()).render(out)
}

/// Writes `cairn.1` and one page per subcommand (`cairn-migrate.1`, `cairn-migrate-up.1`,
/// ...) into `dir`, creating it; returns how many pages it wrote.
pub fn man_pages(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut command = crate::command();
    command.build();
    write_pages(&command, dir)
}

/// The page of `command` (built, so it has its display name `cairn-migrate-up`), then those
/// of its subcommands (not clap's `help`).
fn write_pages(command: &clap::Command, dir: &Path) -> std::io::Result<usize> {
    let name = command.get_display_name().unwrap_or(command.get_name());
    let mut file = std::fs::File::create(dir.join(format!("{name}.1")))?;
    clap_mangen::Man::new(command.clone()).render(&mut file)?;
    let mut written = 1;
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        written += write_pages(sub, dir)?;
    }
    Ok(written)
}
