//! The effective settings of one invocation: flags over the environment over `cairn.toml` over
//! defaults, each value with where it came from (for `cairn config` and for messages).

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use cairn::config::{Config, Setting};
use cairn::{ConnectOptions, Dialect, HISTORY_TABLE};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;

use crate::cli::Global;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// A command-line flag.
    Flag {
        /// The flag, e.g. `--database-url`.
        flag: String,
    },
    /// An environment variable.
    Env {
        /// Its name.
        var: String,
    },
    /// A line of `cairn.toml`.
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
    },
    /// Cairn's default.
    Default,
    /// `database_url_env` of `cairn.toml` names a variable that is not set: an error only for
    /// commands that need the database.
    Unset {
        /// The variable.
        var: String,
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u32,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Flag { flag } => write!(f, "flag {flag}"),
            Origin::Env { var } => write!(f, "environment {var}"),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Default => f.write_str("default"),
            Origin::Unset { var, path, line } => {
                write!(f, "{}:{line}: {var} is not set", path.display())
            }
        }
    }
}

/// A value and its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

/// Everything configurable, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `cairn.toml` in effect, if any.
    pub config: Option<Config>,
    /// The database URL.
    pub database_url: Sourced<String>,
    /// The history table's name.
    pub history_table: Sourced<String>,
    /// Where `drift` replays migrations (its `--scratch-url` wins).
    pub scratch_url: Option<Sourced<String>>,
    /// Built-in modules.
    pub builtin: Sourced<Vec<String>>,
    /// Seconds to wait for the migration lock.
    pub lock_timeout: Sourced<u64>,
    /// Migration folders (`--dir`, or `[[migrations]]`, or `migrations/`), with their layouts
    /// (`None`: detect).
    pub dirs: Vec<Sourced<cairn::config::Source>>,
    /// `[init_sql]` of every dialect; the URL's is run on connecting.
    pub init_sql: Vec<(Dialect, Sourced<String>)>,
    /// cairn.toml's `backup_dir` (a command's `--backup-dir` wins).
    pub backup_dir: Option<Sourced<PathBuf>>,
}

fn file<T>(config: Option<&Config>, s: Option<Setting<T>>) -> Option<Sourced<T>> {
    Some(from_file(config?, s?))
}

fn from_file<T>(config: &Config, s: Setting<T>) -> Sourced<T> {
    Sourced {
        value: s.value,
        origin: Origin::File {
            path: config.path.clone(),
            line: s.line,
        },
    }
}

impl Settings {
    /// Resolves `global` (as parsed from `matches`) against `config`.
    pub fn resolve(global: &Global, matches: &ArgMatches, config: Option<Config>) -> Result<Self> {
        let source = |id: &str| matches.value_source(id);
        let flag = |name: &str| Origin::Flag {
            flag: format!("--{name}"),
        };
        let given = |id: &str| source(id) == Some(ValueSource::CommandLine);
        let cfg = config.clone().unwrap_or_default();

        let database_url = match source("database_url") {
            Some(ValueSource::CommandLine) => Sourced {
                value: global.database_url.clone(),
                origin: flag("database-url"),
            },
            Some(ValueSource::EnvVariable) => Sourced {
                value: global.database_url.clone(),
                origin: Origin::Env {
                    var: "DATABASE_URL".into(),
                },
            },
            _ => match (
                &cfg.database_url_env,
                file(config.as_ref(), cfg.database_url.clone()),
            ) {
                (Some(var), _) => match std::env::var(&var.value) {
                    Ok(url) if !url.is_empty() => Sourced {
                        value: url,
                        origin: Origin::Env {
                            var: var.value.clone(),
                        },
                    },
                    _ => Sourced {
                        value: String::new(),
                        origin: Origin::Unset {
                            var: var.value.clone(),
                            path: cfg.path.clone(),
                            line: var.line,
                        },
                    },
                },
                (None, Some(url)) => url,
                (None, None) => Sourced {
                    value: global.database_url.clone(),
                    origin: Origin::Default,
                },
            },
        };

        let history_table = match (
            &global.history_table,
            file(config.as_ref(), cfg.history_table.clone()),
        ) {
            (Some(t), _) => {
                let options = ConnectOptions {
                    history_table: t.clone(),
                    ..ConnectOptions::default()
                };
                if let Err(e) = options.validate() {
                    bail!("--history-table: {e}");
                }
                Sourced {
                    value: t.clone(),
                    origin: flag("history-table"),
                }
            }
            (None, Some(t)) => t,
            (None, None) => Sourced {
                value: HISTORY_TABLE.to_string(),
                origin: Origin::Default,
            },
        };

        let builtin = if given("builtin") {
            Sourced {
                value: global.builtin.clone(),
                origin: flag("builtin"),
            }
        } else {
            file(config.as_ref(), cfg.builtin.clone()).unwrap_or(Sourced {
                value: Vec::new(),
                origin: Origin::Default,
            })
        };

        let lock_timeout = if given("lock_timeout") {
            Sourced {
                value: global.lock_timeout,
                origin: flag("lock-timeout"),
            }
        } else {
            file(config.as_ref(), cfg.lock_timeout.clone()).unwrap_or(Sourced {
                value: global.lock_timeout,
                origin: Origin::Default,
            })
        };

        let mut dirs = if given("dir") || cfg.migrations.is_empty() {
            vec![Sourced {
                value: cairn::config::Source {
                    dir: global.dir.clone(),
                    layout: None,
                },
                origin: if given("dir") {
                    flag("dir")
                } else {
                    Origin::Default
                },
            }]
        } else {
            cfg.migrations
                .iter()
                .cloned()
                .filter_map(|s| file(config.as_ref(), Some(s)))
                .collect()
        };

        // `--layout` on the command line applies to every folder.
        if given("layout") {
            let layout = match global.layout {
                crate::cli::LayoutChoice::Auto => None,
                crate::cli::LayoutChoice::Fixed(l) => Some(l),
            };
            for d in &mut dirs {
                d.value.layout = layout;
            }
        }

        let init_sql = cfg
            .init_sql
            .iter()
            .cloned()
            .filter_map(|(d, s)| file(config.as_ref(), Some(s)).map(|s| (d, s)))
            .collect();

        Ok(Settings {
            scratch_url: file(config.as_ref(), cfg.scratch_url.clone()),
            backup_dir: file(config.as_ref(), cfg.backup_dir.clone()),
            database_url,
            history_table,
            builtin,
            lock_timeout,
            dirs,
            init_sql,
            config,
        })
    }

    /// The options every connection of this invocation opens with.
    pub fn connect_options(&self, dialect: Dialect) -> ConnectOptions {
        ConnectOptions {
            init_sql: self
                .init_sql
                .iter()
                .find(|(d, _)| *d == dialect)
                .map(|(_, s)| s.value.clone())
                .unwrap_or_default(),
            history_table: self.history_table.value.clone(),
            create: true,
        }
    }

    /// The database URL, or why there is none (`database_url_env` names an unset variable).
    pub fn database_url(&self) -> Result<&str> {
        match &self.database_url.origin {
            Origin::Unset { var, path, line } => bail!(
                "{}:{line}: database_url_env names `{var}`, which is not set; set it or pass --database-url",
                path.display()
            ),
            _ => Ok(&self.database_url.value),
        }
    }

    /// The `cairn.toml` path, if one is in effect.
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_ref().map(|c| c.path.as_path())
    }
}

/// One line of `cairn config`.
#[derive(Debug, Serialize)]
struct Entry {
    key: String,
    value: serde_json::Value,
    origin: Origin,
}

fn entries(s: &Settings) -> Vec<Entry> {
    let entry = |key: &str, value: serde_json::Value, origin: &Origin| Entry {
        key: key.to_string(),
        value,
        origin: origin.clone(),
    };
    let mut out = vec![
        entry(
            "database_url",
            cairn::redact_url(&s.database_url.value).into(),
            &s.database_url.origin,
        ),
        entry(
            "history_table",
            s.history_table.value.clone().into(),
            &s.history_table.origin,
        ),
        entry("builtin", s.builtin.value.clone().into(), &s.builtin.origin),
        entry(
            "lock_timeout",
            s.lock_timeout.value.into(),
            &s.lock_timeout.origin,
        ),
    ];
    match &s.scratch_url {
        Some(u) => out.push(entry(
            "scratch_url",
            cairn::redact_url(&u.value).into(),
            &u.origin,
        )),
        None => out.push(entry(
            "scratch_url",
            serde_json::Value::Null,
            &Origin::Default,
        )),
    }
    match &s.backup_dir {
        Some(d) => out.push(entry(
            "backup_dir",
            d.value.display().to_string().into(),
            &d.origin,
        )),
        None => out.push(entry(
            "backup_dir",
            serde_json::Value::Null,
            &Origin::Default,
        )),
    }
    for d in &s.dirs {
        let layout = d.value.layout.map_or("auto", |l| l.name());
        out.push(entry(
            "migrations",
            serde_json::json!({"dir": d.value.dir, "layout": layout}),
            &d.origin,
        ));
    }
    for (dialect, sql) in &s.init_sql {
        out.push(entry(
            &format!("init_sql.{}", dialect.name()),
            sql.value.clone().into(),
            &sql.origin,
        ));
    }
    out
}

/// `cairn config`: the effective settings with their origins.
pub fn print(ctx: &crate::Context, out: crate::cli::Out) -> Result<crate::Outcome> {
    let s = &ctx.settings;
    let list = entries(s);
    if out.format == crate::cli::Format::Json {
        let doc = serde_json::json!({
            "config_file": s.config_path(),
            "settings": list,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(crate::Outcome::Clean);
    }
    match s.config_path() {
        Some(p) => println!("config file: {}", p.display()),
        None => println!("config file: none (no cairn.toml in this directory or its parents)"),
    }
    let width = list.iter().map(|e| e.key.len()).max().unwrap_or(0);
    for e in &list {
        let value = match &e.value {
            serde_json::Value::String(v) => v.clone(),
            serde_json::Value::Null => "(none)".to_string(),
            serde_json::Value::Object(m) => format!(
                "{} (layout {})",
                m.get("dir").and_then(|v| v.as_str()).unwrap_or_default(),
                m.get("layout").and_then(|v| v.as_str()).unwrap_or("auto")
            ),
            other => other.to_string(),
        };
        println!("{:width$}  {value}  [{}]", e.key, e.origin);
    }
    Ok(crate::Outcome::Clean)
}
