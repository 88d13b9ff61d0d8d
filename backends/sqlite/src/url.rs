//! `sqlite:` URLs.

use std::path::{Path, PathBuf};

use cairn::BackendError;

/// Where an SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A private in-memory database (`sqlite::memory:`).
    Memory,
    /// A file, created if absent.
    File(PathBuf),
}

/// Parses `sqlite:path` (as written), `sqlite://path` (relative), SQLAlchemy's
/// `sqlite:///relative/path` and `sqlite:////absolute/path`, `sqlite::memory:` and
/// SQLAlchemy's `sqlite://` (in memory). A `+driver` suffix of the scheme
/// (`sqlite+pysqlite:`) is ignored. Query options (`?mode=...`) are not supported and are an
/// error, not silently dropped.
///
/// `sqlite:///x` means `x` relative to the working directory to SQLAlchemy, but `/x` to sqlx
/// and to Cairn before SQLAlchemy's forms were accepted: when `/x` exists and `x` does not (or
/// only `/x`'s folder exists), it is refused as ambiguous rather than guessed.
pub fn parse(url: &str) -> Result<Location, BackendError> {
    let (scheme, rest) = url
        .split_once(':')
        .ok_or_else(|| BackendError::Url(format!("`{url}` is not an sqlite: URL")))?;
    let base = scheme.split('+').next().unwrap_or_default();
    if !base.eq_ignore_ascii_case("sqlite") && !base.eq_ignore_ascii_case("sqlite3") {
        return Err(BackendError::Url(format!("`{url}` is not an sqlite: URL")));
    }
    if rest.contains('?') {
        return Err(BackendError::Url(format!(
            "`{url}`: query options are not supported for SQLite"
        )));
    }
    match rest {
        ":memory:" | "//:memory:" | "///:memory:" | "//" => return Ok(Location::Memory),
        "" => {
            return Err(BackendError::Url(format!(
                "`{url}` names no file (use sqlite:path/to/file.db or sqlite::memory:)"
            )));
        }
        _ => {}
    }
    if let Some(absolute) = rest.strip_prefix("////") {
        return Ok(Location::File(PathBuf::from(format!("/{absolute}"))));
    }
    if let Some(path) = rest.strip_prefix("///") {
        return three_slashes(url, path);
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    Ok(Location::File(PathBuf::from(path)))
}

/// The folder `p` is in, unless that is the working directory or the root.
fn folder(p: &Path) -> Option<&Path> {
    p.parent()
        .filter(|f| !f.as_os_str().is_empty() && *f != Path::new("/"))
}

/// `sqlite:///path`: SQLAlchemy's relative `path`, unless `/path` is what exists.
fn three_slashes(url: &str, path: &str) -> Result<Location, BackendError> {
    let relative = PathBuf::from(path);
    let absolute = PathBuf::from(format!("/{path}"));
    if path.starts_with("./") || path.starts_with("../") || path.is_empty() {
        return Ok(Location::File(relative));
    }
    let ambiguous = match (relative.exists(), absolute.exists()) {
        (true, false) => false,
        (_, true) => true,
        (false, false) => {
            folder(&absolute).is_some_and(Path::exists)
                && !folder(&relative).is_none_or(Path::exists)
        }
    };
    if ambiguous {
        return Err(BackendError::Url(format!(
            "`{url}` is ambiguous: SQLAlchemy reads it as {path} relative to the working directory, sqlx as /{path}. Write `sqlite:{path}` (or `sqlite:///./{path}`) for the first, `sqlite:/{path}` (or `sqlite:////{path}`) for the second"
        )));
    }
    Ok(Location::File(relative))
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
            parse("sqlite:/tmp/app.db").unwrap(),
            Location::File("/tmp/app.db".into())
        );
        assert!(parse("sqlite:").is_err());
        assert!(parse("sqlite:x.db?mode=ro").is_err());
        assert!(parse("postgres://x").is_err());
    }

    #[test]
    fn accepts_sqlalchemy_forms_and_refuses_the_ambiguous_one() {
        let file = |p: &str| Location::File(p.into());
        assert_eq!(parse("sqlite:////tmp/app.db").unwrap(), file("/tmp/app.db"));
        assert_eq!(parse("sqlite:///relative.db").unwrap(), file("relative.db"));
        assert_eq!(parse("sqlite:///./app.db").unwrap(), file("./app.db"));
        assert_eq!(parse("sqlite+pysqlite:///x.db").unwrap(), file("x.db"));
        assert_eq!(parse("sqlite://").unwrap(), Location::Memory);
        assert_eq!(parse("sqlite:///:memory:").unwrap(), Location::Memory);
        // /tmp exists and ./tmp does not (tests run in the crate's folder): SQLAlchemy would
        // read tmp/app.db, sqlx /tmp/app.db.
        let e = parse("sqlite:///tmp/app.db").unwrap_err().to_string();
        assert!(
            e.contains("is ambiguous")
                && e.contains("`sqlite:tmp/app.db`")
                && e.contains("`sqlite:////tmp/app.db`"),
            "{e}"
        );
    }
}
