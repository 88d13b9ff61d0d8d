//! Cairn's command line as a library: the installable `cairn` binary, this repository's
//! `cargo xtask`, and a project's own xtask or CLI are all this crate. Every command is a call
//! on the engine's public API; this crate only parses flags and prints.
//!
//! A project's own `xtask` crate runs Cairn's commands with one line:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     cairn_cli::main()
//! }
//! ```
//!
//! or embeds them beside its own: [`command`] is the clap command to add as a subcommand, and
//! [`run_matches`] runs what the user typed.

mod adopt;
mod cli;
mod completions;
mod current;
mod db;
mod fleet;
mod graph;
mod import;
mod lint;
mod lint_galera;
mod migrate;
mod migrate_diff;
mod migrate_test;
mod progress;
mod render;
mod report;
mod schema;
mod settings;

use std::process::ExitCode;

use anyhow::Result;
use cairn::lint::Linter;
use cairn::{Dialect, Driver, MigrationSet, Options, Registry};

use cairn::layout::Layout;
pub use cli::LayoutChoice;
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
    settings: settings::Settings,
    registry: Registry,
    style: Style,
    linter: Linter,
    /// The layouts `--layout auto` detected, per folder, so each is detected and announced
    /// once per run.
    detected: std::cell::RefCell<std::collections::BTreeMap<std::path::PathBuf, Layout>>,
    /// History tables of other tools that the loaded migrations change, created on connect
    /// as the tool creates them (see `cairn::layout::tool_history_table`).
    tool_tables: std::cell::RefCell<std::collections::BTreeSet<(Layout, &'static str)>>,
    /// The note on another tool's history table was printed.
    tool_note_shown: std::cell::Cell<bool>,
    /// The note on SQLite foreign keys was printed.
    fk_note_shown: std::cell::Cell<bool>,
    /// The other tools' layouts loaded in this run (their SQLite foreign-key mode applies).
    layouts: std::cell::RefCell<std::collections::BTreeSet<Layout>>,
    /// Folders whose files their tool skips were already named (once per run).
    ignored_shown: std::cell::RefCell<std::collections::BTreeSet<std::path::PathBuf>>,
    /// Whether this command may create the database (it writes: `migrate up`, `stamp`,
    /// `restore`, ...); the others refuse a database that does not exist.
    creates: bool,
}

impl Context {
    /// The migrations for the database's dialect, every script split into statements, so a
    /// script that cannot be split fails here, before anything connects.
    fn load(&self) -> Result<MigrationSet> {
        self.load_for(self.registry.dialect(self.settings.database_url()?)?)
    }

    /// The migrations for the database's dialect, split into statements only when used: for
    /// commands that need checksums (`status`, `health`) or split what they run themselves
    /// (`up` and `down` split the planned scripts before running any).
    fn load_unsplit(&self) -> Result<MigrationSet> {
        self.load_unsplit_for(self.registry.dialect(self.settings.database_url()?)?, false)
    }

    /// [`Context::load_unsplit`] without the down SQL another tool keeps in files of its own
    /// (`cairn::layout::read_up`): for `status` and `db health`, which look at the up side.
    fn load_up_side(&self) -> Result<MigrationSet> {
        self.load_unsplit_for(self.registry.dialect(self.settings.database_url()?)?, true)
    }

    /// [`Context::load`] for `dialect`.
    fn load_for(&self, dialect: Dialect) -> Result<MigrationSet> {
        let set = self.load_unsplit_for(dialect, false)?;
        set.split(None).map_err(cairn::Error::Load)?;
        Ok(set)
    }

    /// [`Context::load_unsplit`] for `dialect`; `up_only` reads as [`Context::load_up_side`].
    fn load_unsplit_for(&self, dialect: Dialect, up_only: bool) -> Result<MigrationSet> {
        let mut files = cairn::builtin_files(&self.global.builtin)?;
        let mut imported = Vec::new();
        for source in &self.settings.dirs {
            let dir = &source.value.dir;
            if !dir.exists() {
                // A folder someone named must exist, or a typo would go unnoticed; with
                // built-ins, a project without the default `migrations/` is fine.
                if source.origin != settings::Origin::Default {
                    anyhow::bail!(
                        "migrations folder {} does not exist (named by {})",
                        dir.display(),
                        source.origin
                    );
                }
                if !self.global.builtin.is_empty() {
                    continue;
                }
            }
            let choice = source
                .value
                .layout
                .map_or(LayoutChoice::Auto, LayoutChoice::Fixed);
            // Detecting, reading and naming skipped files share one listing of the folder.
            cairn::layout::listed_once(dir, || -> Result<()> {
                match self.layout_of(dir, choice)? {
                    Layout::Cairn => {
                        files.extend(cairn::read_dir(dir).map_err(cairn::Error::Load)?);
                    }
                    layout => {
                        let read = if up_only {
                            cairn::layout::read_up(dir, layout, dialect)
                        } else {
                            cairn::layout::read(dir, layout, dialect)
                        }
                        .map_err(cairn::Error::Load)?;
                        if let Some(ddl) = cairn::layout::tool_history_table(layout, dialect, &read)
                        {
                            self.tool_tables.borrow_mut().insert((layout, ddl));
                        }
                        imported.extend(read);
                        self.show_ignored(dir, layout);
                        self.layouts.borrow_mut().insert(layout);
                    }
                }
                Ok(())
            })?;
        }
        Ok(cairn::load_sources(files, imported, dialect).map_err(cairn::Error::Load)?)
    }

    /// Names, once per run, the files of `dir` that `layout`'s tool skips (so Cairn does too).
    fn show_ignored(&self, dir: &std::path::Path, layout: Layout) {
        if !self.ignored_shown.borrow_mut().insert(dir.to_path_buf()) {
            return;
        }
        for skipped in cairn::layout::ignored(dir, layout) {
            eprintln!(
                "cairn: skipping {}: {}",
                skipped.path.display(),
                skipped.reason
            );
        }
    }

    /// The layout of `dir`: as chosen, or detected; a detected foreign layout is announced on
    /// stderr once per run (commands load the folder more than once).
    fn layout_of(&self, dir: &std::path::Path, choice: LayoutChoice) -> Result<Layout> {
        if let LayoutChoice::Fixed(layout) = choice {
            return Ok(layout);
        }
        if let Some(layout) = self.detected.borrow().get(dir) {
            return Ok(*layout);
        }
        let found = cairn::layout::detect_explained(dir).map_err(cairn::Error::Load)?;
        if found.layout != Layout::Cairn {
            eprintln!(
                "cairn: {} holds {} migrations ({}); pass --layout to choose another",
                dir.display(),
                found.layout,
                found.evidence
            );
        }
        self.detected
            .borrow_mut()
            .insert(dir.to_path_buf(), found.layout);
        Ok(found.layout)
    }

    fn connect(&self) -> Result<Box<dyn Driver>> {
        self.open(self.settings.database_url()?, self.creates)
    }

    /// Opens `url` with this project's connection options (init_sql, history table), creating
    /// a database that does not exist yet (scratch databases).
    fn connect_url(&self, url: &str) -> Result<Box<dyn Driver>> {
        self.open(url, true)
    }

    /// Opens `url` with this project's connection options; a database that does not exist is
    /// created only when `create` is set.
    fn open(&self, url: &str, create: bool) -> Result<Box<dyn Driver>> {
        let dialect = self.registry.dialect(url)?;
        let mut options = self.settings.connect_options(dialect);
        options.create = create;
        self.foreign_keys_as_the_tool(dialect, &mut options);
        for (layout, ddl) in self.tool_tables.borrow().iter() {
            // Idempotent (IF NOT EXISTS), as the tool runs it on every start.
            options.append_init_sql(ddl);
            if !self.tool_note_shown.replace(true) {
                eprintln!(
                    "cairn: creating {layout}'s history table as {layout} does, since a migration changes it"
                );
            }
        }
        self.registry.connect_with(url, &options).map_err(|e| {
            // Point at the setting a failing init_sql statement came from.
            match self.settings.init_sql.iter().find(|(d, _)| *d == dialect) {
                Some((_, sql))
                    if matches!(
                        e,
                        cairn::Error::Backend(cairn::BackendError::InitSql { .. })
                    ) =>
                {
                    anyhow::anyhow!("{e} (init_sql.{} from {})", dialect.name(), sql.origin)
                }
                _ => e.into(),
            }
        })
    }

    /// On SQLite, runs another tool's migrations with foreign keys as that tool's driver does
    /// (`Layout::sqlite_foreign_keys`): with them on, a table rebuild written for a tool that
    /// runs with them off cascades its DROP into child tables. An `init_sql` that sets
    /// `foreign_keys` itself decides instead.
    fn foreign_keys_as_the_tool(&self, dialect: Dialect, options: &mut cairn::ConnectOptions) {
        let off = self
            .layouts
            .borrow()
            .iter()
            .find(|l| !l.sqlite_foreign_keys())
            .copied();
        let Some(layout) = off else { return };
        if dialect != Dialect::Sqlite || options.init_sql.to_lowercase().contains("foreign_keys") {
            return;
        }
        if options.init_sql.trim().is_empty() {
            options.init_sql = "PRAGMA foreign_keys = OFF".to_string();
        } else {
            options.init_sql = format!(
                "{};\nPRAGMA foreign_keys = OFF",
                options.init_sql.trim_end().trim_end_matches(';')
            );
        }
        if !self.fk_note_shown.replace(true) {
            eprintln!(
                "cairn: SQLite foreign keys are off for this run, as {layout} runs its migrations (set `init_sql.sqlite` to choose)"
            );
        }
    }

    /// `--scratch-url` when given, else `scratch_url` of cairn.toml.
    fn scratch_url<'a>(&'a self, flag: Option<&'a str>) -> Option<&'a str> {
        flag.or(self.settings.scratch_url.as_ref().map(|s| s.value.as_str()))
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

/// Cairn's commands and flags as a clap command, to run as is or to embed as a subcommand of
/// a project's own CLI; pass what it matched to [`run_matches`].
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The value of the global `--layout` flag in `matches` (of [`command`]): `auto` unless given.
pub fn layout_flag(matches: &clap::ArgMatches) -> LayoutChoice {
    matches
        .try_get_one::<LayoutChoice>("layout")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(LayoutChoice::Auto)
}

/// [`main`] with a team's own lint rules: a project's xtask can call
/// `cairn_cli::main_with(Linter::new().with_rule(Box::new(MyRule)))`, and `migrate lint`,
/// `validate` and the check before `up` run its rules too.
pub fn main_with(linter: Linter) -> ExitCode {
    run_matches(&command().get_matches(), linter)
}

/// Runs the command `matches` holds (matched by [`command`], or by a project's CLI that
/// embeds it) with `linter`'s rules; returns exit code 0 (done, nothing found), 1 (a finding:
/// drift, failed validation, changed migrations) or 2 (an error, already printed).
pub fn run_matches(matches: &clap::ArgMatches, linter: Linter) -> ExitCode {
    quiet_on_closed_pipe();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Some(code) = without_database(&cli.command) {
        return code;
    }
    let json = cli.command.json();
    let creates = cli.command.creates_database();
    let style = Style::new(cli.global.color);
    let settings = match resolve_settings(&cli.global, matches) {
        Ok(s) => s,
        Err(e) => {
            render::error(&e, json, &style);
            return ExitCode::from(2);
        }
    };
    let mut global = cli.global;
    apply(&settings, &mut global);
    let ctx = Context {
        global,
        settings,
        registry: registry(),
        style,
        linter,
        detected: std::cell::RefCell::default(),
        ignored_shown: std::cell::RefCell::default(),
        layouts: std::cell::RefCell::default(),
        fk_note_shown: std::cell::Cell::default(),
        tool_tables: std::cell::RefCell::default(),
        tool_note_shown: std::cell::Cell::default(),
        creates,
    };
    match dispatch(&ctx, &cli.command) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Finding) => ExitCode::from(1),
        // A buffered report whose reader went away (`| head`): as `quiet_on_closed_pipe`.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::from(141)
        }
        Err(e) => {
            render::error(&e, json, &ctx.style);
            ExitCode::from(2)
        }
    }
}

/// `cairn migrate status | head -3`: when the reader goes away, stop as Unix tools do (exit
/// 141, as if killed by SIGPIPE) instead of printing a panic. Rust ignores SIGPIPE, so every
/// `println!` after the reader left would panic; restoring the signal needs `unsafe`, which
/// this workspace forbids. Open database work is rolled back by the server when the process
/// ends, as on any interruption.
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// The nearest cairn.toml (or --config), resolved under the flags.
fn resolve_settings(global: &Global, matches: &clap::ArgMatches) -> Result<settings::Settings> {
    let config = match &global.config {
        Some(path) => Some(cairn::config::Config::load(path)?),
        None => cairn::config::Config::discover(&std::env::current_dir()?)?,
    };
    settings::Settings::resolve(global, matches, config)
}

/// Writes the resolved settings back into the flags every command reads.
fn apply(settings: &settings::Settings, global: &mut Global) {
    global.database_url.clone_from(&settings.database_url.value);
    global.builtin.clone_from(&settings.builtin.value);
    global.lock_timeout = settings.lock_timeout.value;
    if let Some(first) = settings.dirs.first() {
        global.dir.clone_from(&first.value.dir);
    }
}

/// Runs the commands that need no settings and no database (`completions`, `man`); `None` for
/// the others.
fn without_database(command: &Command) -> Option<ExitCode> {
    let written = match command {
        Command::Completions { shell } => {
            completions::completions(*shell, &mut std::io::stdout().lock());
            Ok(())
        }
        Command::Man { out_dir: None } => completions::man(&mut std::io::stdout().lock()),
        Command::Man { out_dir: Some(dir) } => completions::man_pages(dir).map(|pages| {
            println!("wrote {pages} man pages to {}", dir.display());
        }),
        _ => return None,
    };
    Some(match written {
        Ok(()) => ExitCode::SUCCESS,
        // `cairn man | head`: the reader had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    })
}

fn dispatch(ctx: &Context, command: &Command) -> Result<Outcome> {
    match command {
        Command::Migrate(m) => migrate::run(ctx, m),
        Command::Graph { format } => graph::run(ctx, *format),
        Command::Schema(cmd) => schema::run(ctx, cmd),
        Command::Drift(args) => schema::drift(ctx, args),
        Command::Config(out) => settings::print(ctx, *out),
        Command::Db(cmd) => db::run(ctx, cmd),
        Command::Fleet(cmd) => fleet::run(ctx, cmd),
        Command::Completions { .. } | Command::Man { .. } => Ok(Outcome::Clean),
    }
}
