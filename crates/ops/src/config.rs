//! `cairn.toml`: a project's settings, so a team does not repeat them on every command.
//!
//! ```toml
//! database_url_env = "APP_DATABASE_URL"   # or database_url = "postgres://..."
//! history_table = "schema_history"
//! scratch_url = "postgres://cairn@localhost/scratch"
//! builtin = ["auth", "audit"]
//! lock_timeout = 120
//! backup_dir = "/var/backups/app"        # default: beside a SQLite file, else ~/.local/state
//!
//! [[migrations]]
//! dir = "migrations"
//! layout = "auto"
//!
//! [init_sql]
//! mysql = "SET SESSION foreign_key_checks = 0"
//! postgres = "SET search_path TO app, public"
//!
//! [lint]
//! drop_table = "deny"
//! ```
//!
//! Relative paths (migration dirs, `sqlite:` files) are relative to the file's directory, so
//! a command run from a subdirectory means the same database and folders.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::Dialect;
use crate::lint::POLICY_FILE;
use crate::origin::Layout;

/// A parsed `cairn.toml`. Every setting is optional; [`Setting::line`] says where it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// `database_url`.
    pub database_url: Option<Setting<String>>,
    /// `database_url_env`: the environment variable holding the URL.
    pub database_url_env: Option<Setting<String>>,
    /// `history_table`.
    pub history_table: Option<Setting<String>>,
    /// `scratch_url`: where `drift` replays migrations.
    pub scratch_url: Option<Setting<String>>,
    /// `builtin`: built-in modules to include.
    pub builtin: Option<Setting<Vec<String>>>,
    /// `lock_timeout` in seconds.
    pub lock_timeout: Option<Setting<u64>>,
    /// `backup_dir`: where backups go (relative to the file's directory).
    pub backup_dir: Option<Setting<PathBuf>>,
    /// `[[migrations]]`: folders and their layouts, paths resolved against the file's directory.
    pub migrations: Vec<Setting<Source>>,
    /// `[init_sql]`: SQL run on every connection, per dialect.
    pub init_sql: Vec<(Dialect, Setting<String>)>,
}

/// One value and the line of `cairn.toml` it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// 1-based line in the file.
    pub line: u32,
}

/// A migrations folder and its layout (`None`: detect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The folder.
    pub dir: PathBuf,
    /// Its layout; `None` for `auto`.
    pub layout: Option<Layout>,
}

/// A `cairn.toml` that cannot be read or is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line (0 when not known).
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    database_url: Option<Spanned<String>>,
    database_url_env: Option<Spanned<String>>,
    history_table: Option<Spanned<String>>,
    scratch_url: Option<Spanned<String>>,
    builtin: Option<Spanned<Vec<String>>>,
    lock_timeout: Option<Spanned<u64>>,
    backup_dir: Option<Spanned<PathBuf>>,
    #[serde(default)]
    migrations: Vec<Spanned<RawSource>>,
    #[serde(default)]
    init_sql: std::collections::BTreeMap<String, Spanned<String>>,
    // Read by the lint policy (`lint::Policy`); accepted here so the file is one document.
    #[serde(default)]
    #[allow(dead_code)]
    lint: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    dir: PathBuf,
    layout: Option<String>,
}

impl Config {
    /// The nearest `cairn.toml` in `dir` or its parents, parsed; `None` when there is none.
    pub fn discover(dir: &Path) -> Result<Option<Config>, ConfigError> {
        let mut at = Some(dir);
        while let Some(d) = at {
            let candidate = d.join(POLICY_FILE);
            if candidate.is_file() {
                return Config::load(&candidate).map(Some);
            }
            at = d.parent();
        }
        Ok(None)
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of a `cairn.toml` found at `path` (used to resolve relative paths and
    /// in messages).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let fail = |line: u32, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| line_of(text, s.start));
            fail(line, e.message().trim_end().to_string())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let setting = |s: Spanned<String>| Setting {
            line: line_of(text, s.span().start),
            value: s.into_inner(),
        };
        let mut migrations = Vec::new();
        for raw in file.migrations {
            let line = line_of(text, raw.span().start);
            let raw = raw.into_inner();
            let layout = match raw.layout.as_deref() {
                None | Some("auto") => None,
                Some(name) => Some(
                    name.parse::<Layout>()
                        .map_err(|e| fail(line, format!("[[migrations]] layout: {e}")))?,
                ),
            };
            migrations.push(Setting {
                value: Source {
                    dir: base.join(raw.dir),
                    layout,
                },
                line,
            });
        }
        let mut init_sql = Vec::new();
        for (name, sql) in file.init_sql {
            let line = line_of(text, sql.span().start);
            let dialect = name.parse::<Dialect>().map_err(|_| {
                fail(
                    line,
                    format!("[init_sql] `{name}`: expected sqlite, postgres or mysql"),
                )
            })?;
            init_sql.push((dialect, setting(sql)));
        }
        let history_table = file.history_table.map(setting);
        if let Some(t) = &history_table {
            let options = crate::ConnectOptions {
                history_table: t.value.clone(),
                ..crate::ConnectOptions::default()
            };
            options
                .validate()
                .map_err(|e| fail(t.line, format!("history_table: {e}")))?;
        }
        Ok(Config {
            path: path.to_path_buf(),
            database_url: file
                .database_url
                .map(setting)
                .map(|s| resolve_sqlite(s, base)),
            database_url_env: file.database_url_env.map(setting),
            history_table,
            scratch_url: file.scratch_url.map(setting),
            builtin: file.builtin.map(|b| Setting {
                line: line_of(text, b.span().start),
                value: b.into_inner(),
            }),
            lock_timeout: file.lock_timeout.map(|t| Setting {
                line: line_of(text, t.span().start),
                value: t.into_inner(),
            }),
            backup_dir: file.backup_dir.map(|d| Setting {
                line: line_of(text, d.span().start),
                value: base.join(d.into_inner()),
            }),
            migrations,
            init_sql,
        })
    }

    /// The `[init_sql]` entry for `dialect`.
    pub fn init_sql_for(&self, dialect: Dialect) -> Option<&Setting<String>> {
        self.init_sql
            .iter()
            .find(|(d, _)| *d == dialect)
            .map(|(_, s)| s)
    }
}

/// A relative `sqlite:` path in the file means relative to the file's directory.
fn resolve_sqlite(mut url: Setting<String>, base: &Path) -> Setting<String> {
    let (scheme, rest) = match url.value.split_once(':') {
        Some((s, r)) if s.eq_ignore_ascii_case("sqlite") || s.eq_ignore_ascii_case("sqlite3") => {
            (s.to_string(), r.to_string())
        }
        _ => return url,
    };
    let path = rest.strip_prefix("//").unwrap_or(&rest);
    if path.is_empty() || path == ":memory:" || Path::new(path).is_absolute() {
        return url;
    }
    url.value = format!("{scheme}:{}", base.join(path).display());
    url
}

fn line_of(text: &str, offset: usize) -> u32 {
    let upto = text.get(..offset).unwrap_or(text);
    u32::try_from(upto.matches('\n').count() + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
