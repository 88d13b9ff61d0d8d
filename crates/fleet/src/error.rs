//! What can go wrong before a fleet run starts: the list of targets.

use std::path::PathBuf;

/// An error reading or building the list of targets. A target that fails while running is
/// not an error of the run: it is a [`crate::Status::Failed`] in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// The targets file cannot be read.
    #[error("cannot read targets file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The targets file is not valid TOML or has a wrong field.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem (1 when TOML does not say).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A target is wrong: no URL, an unknown placeholder, a name given twice.
    #[error("{origin}: target `{target}`: {message}")]
    Target {
        /// Where the target was listed (file, query, schema pattern).
        origin: String,
        /// Its name.
        target: String,
        /// What is wrong.
        message: String,
    },
    /// The query or catalog listing the targets failed.
    #[error("cannot list the targets ({origin}): {source}")]
    List {
        /// What listed them.
        origin: String,
        /// The database's error.
        source: Box<cairn_core::Error>,
    },
    /// A `--only` filter is not `key=value`.
    #[error("filter `{0}` is not key=value (e.g. region=eu)")]
    Filter(String),
    /// The options cannot work together.
    #[error("{0}")]
    Options(String),
}
