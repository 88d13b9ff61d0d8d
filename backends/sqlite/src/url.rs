//! `sqlite:` URLs.

use std::path::PathBuf;

use cairn::BackendError;

/// Where an SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A private in-memory database (`sqlite::memory:`).
    Memory,
    /// A file, created if absent.
    File(PathBuf),
}

/// Parses `sqlite:path`, `sqlite://path`, `sqlite:///abs/path` and `sqlite::memory:`. Query
/// options (`?mode=...`) are not supported and are an error, not silently dropped.
pub fn parse(url: &str) -> Result<Location, BackendError> {
    let rest = url
        .strip_prefix("sqlite:")
        .or_else(|| url.strip_prefix("sqlite3:"))
        .ok_or_else(|| BackendError::Url(format!("`{url}` is not an sqlite: URL")))?;
    if rest == ":memory:" || rest == "//:memory:" {
        return Ok(Location::Memory);
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.contains('?') {
        return Err(BackendError::Url(format!(
            "`{url}`: query options are not supported for SQLite"
        )));
    }
    if path.is_empty() {
        return Err(BackendError::Url(format!(
            "`{url}` names no file (use sqlite:path/to/file.db or sqlite::memory:)"
        )));
    }
    Ok(Location::File(PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse("sqlite::memory:").unwrap(), Location::Memory);
        assert_eq!(
            parse("sqlite:cairn.db").unwrap(),
            Location::File("cairn.db".into())
        );
        assert_eq!(
            parse("sqlite://data/app.db").unwrap(),
            Location::File("data/app.db".into())
        );
        assert_eq!(
            parse("sqlite:///tmp/app.db").unwrap(),
            Location::File("/tmp/app.db".into())
        );
        assert!(parse("sqlite:").is_err());
        assert!(parse("sqlite:x.db?mode=ro").is_err());
        assert!(parse("postgres://x").is_err());
    }
}
