//! Drivers by URL scheme, and the options every driver honours when it connects.

use std::time::Duration;

use crate::Dialect;
use crate::driver::Driver;
use crate::error::{BackendError, Error};
use crate::history::HISTORY_TABLE;

/// Opens a driver for a URL it registered for, with the given options.
pub type Connector = fn(&str, &ConnectOptions) -> Result<Box<dyn Driver>, BackendError>;

/// What every backend honours when it opens a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// SQL run on every new connection before anything else, e.g. `SET SESSION
    /// foreign_key_checks = 0` or `SET search_path TO app, public`; split into statements by
    /// the backend's dialect. Empty for none.
    pub init_sql: String,
    /// The history table's name (a plain identifier; [`HISTORY_TABLE`] by default).
    pub history_table: String,
    /// Whether a database that does not exist yet is created (SQLite: the file). True by
    /// default; commands that only read turn it off, so a mistyped path is an error instead
    /// of a new empty database that looks healthy.
    pub create: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            init_sql: String::new(),
            history_table: HISTORY_TABLE.to_string(),
            create: true,
        }
    }
}

impl ConnectOptions {
    /// Adds `sql` to run after the current `init_sql` on every new connection.
    pub fn append_init_sql(&mut self, sql: &str) {
        self.init_sql = if self.init_sql.trim().is_empty() {
            sql.to_string()
        } else {
            format!("{};\n{sql}", self.init_sql.trim_end().trim_end_matches(';'))
        };
    }

    /// Checks that `history_table` is a plain identifier: lower-case letters, digits and `_`,
    /// not starting with a digit, not a reserved word, at most 63 characters. It is spliced
    /// into SQL unquoted, and only such a name means the same table on every database
    /// (PostgreSQL folds unquoted names to lower case; `order` is a syntax error everywhere).
    pub fn validate(&self) -> Result<(), BackendError> {
        let t = &self.history_table;
        if t.len() <= 63 && crate::schema::ident(t, crate::Dialect::Postgres) == *t {
            Ok(())
        } else {
            Err(BackendError::Options(format!(
                "history table name `{t}` must be a plain lower-case identifier (a-z, 0-9 and _, not starting with a digit, not a reserved word, at most 63 characters)"
            )))
        }
    }

    /// The error for `init_sql` statement `index` (0-based) failing with `message`, quoting
    /// the statement so the user finds it in `cairn.toml`.
    pub fn init_failed(&self, index: usize, sql: &str, message: &str) -> BackendError {
        BackendError::InitSql {
            index,
            sql: sql.trim().to_string(),
            message: message.to_string(),
        }
    }

    /// `init_sql` split into statements for `dialect`: what a backend runs after connecting.
    pub fn init_statements(&self, dialect: crate::Dialect) -> Vec<String> {
        if self.init_sql.trim().is_empty() {
            return Vec::new();
        }
        match crate::split(&self.init_sql, dialect) {
            Ok(statements) => statements.into_iter().map(|s| s.sql).collect(),
            Err(_) => vec![self.init_sql.clone()],
        }
    }
}

/// Backends by URL scheme.
#[derive(Default, Clone)]
pub struct Registry {
    entries: Vec<(String, Dialect, Connector)>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `connector`, which opens databases of `dialect`, for each of `schemes`
    /// (without the colon).
    pub fn register(&mut self, schemes: &[&str], dialect: Dialect, connector: Connector) {
        for s in schemes {
            self.entries
                .push((s.to_ascii_lowercase(), dialect, connector));
        }
    }

    /// Schemes this registry can open.
    pub fn schemes(&self) -> Vec<String> {
        self.entries.iter().map(|(s, _, _)| s.clone()).collect()
    }

    /// The dialect of `url`, known from its scheme without connecting, so migration files can
    /// be loaded and checked before (or without) reaching the database.
    pub fn dialect(&self, url: &str) -> Result<Dialect, Error> {
        self.entry(url).map(|(d, _)| d)
    }

    /// Opens `url` with the backend registered for its scheme and default options.
    pub fn connect(&self, url: &str) -> Result<Box<dyn Driver>, Error> {
        self.connect_with(url, &ConnectOptions::default())
    }

    /// Opens `url` with the backend registered for its scheme, running `options.init_sql` on
    /// the new connection and using `options.history_table`.
    pub fn connect_with(
        &self,
        url: &str,
        options: &ConnectOptions,
    ) -> Result<Box<dyn Driver>, Error> {
        let (_, connector) = self.entry(url)?;
        options.validate()?;
        Ok(connector(&without_driver(url), options)?)
    }

    fn entry(&self, url: &str) -> Result<(Dialect, Connector), Error> {
        // A scheme is letters, digits, `+`, `-`, `.`: anything else before the first colon (or
        // no colon) is no URL, and may hold a password (`host=h password=p`), so it is echoed
        // only redacted.
        let scheme = match url.split_once(':') {
            Some((s, _))
                if s.starts_with(|c: char| c.is_ascii_alphabetic())
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
            {
                s.to_ascii_lowercase()
            }
            _ => {
                return Err(Error::NotAUrl {
                    url: cairn_core::redact_url(url),
                    known: self.schemes(),
                    hint: file_hint(url),
                });
            }
        };
        // SQLAlchemy names the Python driver after a `+` (`postgresql+psycopg2`): the
        // database is the part before it.
        let base = scheme.split('+').next().unwrap_or_default();
        self.entries
            .iter()
            .find(|(s, _, _)| s == base)
            .map(|(_, d, c)| (*d, *c))
            .ok_or_else(|| Error::UnsupportedUrl {
                hint: file_hint(url),
                scheme,
                known: self.schemes(),
            })
    }
}

/// `url` with a SQLAlchemy driver suffix (`postgresql+psycopg2://`) dropped from its scheme,
/// as the backends read it.
pub fn without_driver(url: &str) -> std::borrow::Cow<'_, str> {
    match url.split_once(':') {
        Some((scheme, rest)) if scheme.contains('+') => {
            let base = scheme.split('+').next().unwrap_or_default();
            std::borrow::Cow::Owned(format!("{base}:{rest}"))
        }
        _ => std::borrow::Cow::Borrowed(url),
    }
}

/// A hint for text that looks like a SQLite file name rather than a URL.
fn file_hint(url: &str) -> String {
    let path = url.trim_end_matches(':');
    let looks_like_file = [".db", ".sqlite", ".sqlite3", ".db3"]
        .iter()
        .any(|ext| path.to_ascii_lowercase().ends_with(ext));
    if looks_like_file && !path.contains(['@', '=', ' ']) {
        format!("; for a SQLite file, write `sqlite:{path}`")
    } else {
        String::new()
    }
}

/// How long to wait for the lock when a caller does not say.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
