//! Cairn's command line, shared by `cargo xtask` and the `cairn` binary. Every command is a
//! call on the engine's public API; this crate only parses flags and prints.

mod bench;
mod cli;
mod db;
mod graph;
mod lint;
mod migrate;
mod render;
mod schema;
mod testenv;

use std::process::ExitCode;

use anyhow::Result;
use cairn::lint::Linter;
use cairn::{Backend, Dialect, MigrationSet, Options, Registry};
use clap::Parser;

use cli::{Cli, Command, Global};
use render::Style;

/// What a successful command found: 0 when clean, 1 when it found something to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// Drift, failed validation, changed migrations: exit 1.
    Finding,
}

/// Shared state of one invocation.
pub struct Context {
    global: Global,
    registry: Registry,
    style: Style,
    linter: Linter,
}

impl Context {
    fn load(&self) -> Result<MigrationSet> {
        self.load_for(self.registry.dialect(&self.global.database_url)?)
    }

    fn load_for(&self, dialect: Dialect) -> Result<MigrationSet> {
        let mut files = cairn::builtin_files(&self.global.builtin)?;
        // With built-ins, a project without its own migrations folder is fine.
        if self.global.builtin.is_empty() || self.global.dir.exists() {
            files.extend(cairn::read_dir(&self.global.dir).map_err(cairn::Error::Load)?);
        }
        Ok(cairn::load_files(files, dialect).map_err(cairn::Error::Load)?)
    }

    fn connect(&self) -> Result<Box<dyn Backend>> {
        Ok(self.registry.connect(&self.global.database_url)?)
    }

    fn options(&self, dry_run: bool) -> Options {
        Options {
            lock_timeout: migrate::seconds(self.global.lock_timeout),
            dry_run,
            ..Options::default()
        }
    }

    fn style_err(&self, text: &str) -> String {
        if self.style.color_err {
            format!("\x1b[33m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// The backends compiled into this build.
pub fn registry() -> Registry {
    #[allow(unused_mut)]
    let mut registry = Registry::new();
    #[cfg(feature = "sqlite")]
    cairn_sqlite::register(&mut registry);
    #[cfg(feature = "postgres")]
    cairn_postgres::register(&mut registry);
    #[cfg(feature = "mysql")]
    cairn_mysql::register(&mut registry);
    registry
}

/// Parses arguments, runs the command, maps the result to exit codes 0 / 1 / 2.
pub fn main() -> ExitCode {
    main_with(Linter::new())
}

/// [`main`] with a team's own lint rules: a project's xtask can call
/// `xtask::main_with(Linter::new().with_rule(Box::new(MyRule)))`, and `migrate lint`,
/// `validate` and the check before `up` run its rules too.
pub fn main_with(linter: Linter) -> ExitCode {
    let cli = Cli::parse();
    let json = cli.command.json();
    let style = Style::new(cli.global.color);
    let ctx = Context {
        global: cli.global,
        registry: registry(),
        style,
        linter,
    };
    match dispatch(&ctx, &cli.command) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Finding) => ExitCode::from(1),
        Err(e) => {
            render::error(&e, json, &ctx.style);
            ExitCode::from(2)
        }
    }
}

fn dispatch(ctx: &Context, command: &Command) -> Result<Outcome> {
    match command {
        Command::Migrate(m) => migrate::run(ctx, m),
        Command::Graph { format } => graph::run(ctx, *format),
        Command::Schema(cmd) => schema::run(ctx, cmd),
        Command::Drift(args) => schema::drift(ctx, args),
        Command::Db(cmd) => db::run(ctx, cmd),
        Command::Bench(args) => bench::run(args),
        Command::Test(args) => testenv::run(args),
    }
}
