//! Compiles a migrations folder into the binary, from the package's `build.rs`:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     cairn_build::embed_migrations("migrations");
//! }
//! ```
//!
//! and in the code, `static MIGRATIONS: cairn::Embedded = cairn::embedded_migrations!();` then
//! `cairn::Migrator::new(MIGRATIONS).up(db.as_mut())?` at start-up: the same lock, history and
//! checksum checks as `cairn migrate up`, without the files on disk.
//!
//! At build time every file is loaded for every dialect, so a malformed file, an unknown
//! dependency or a cycle fails the build with file, line and column; the checksums are
//! computed there and checked again at run time. `cargo:rerun-if-changed` on the folder makes
//! cargo rescan it, so adding, changing or removing a file rebuilds.

use std::fs;
use std::path::{Path, PathBuf};

use cairn_core::{Dialect, LoadErrors};
use cairn_load::embed::codegen::embedded_expr;
use cairn_load::{load_files, read_dir};

/// The file `embedded_migrations!` includes, in `OUT_DIR`.
pub const OUT_FILE: &str = "cairn_migrations.rs";

/// For `build.rs`: embeds the Cairn migrations folder `dir` (relative to the package) into
/// `$OUT_DIR/cairn_migrations.rs`. Fails the build, printing every problem with its file,
/// line and column, when the folder does not load.
pub fn embed_migrations(dir: impl AsRef<Path>) {
    let dir = dir.as_ref();
    println!("cargo::rerun-if-changed={}", dir.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_else(|| ".".into()));
    if let Err(e) = embed_into(dir, &out.join(OUT_FILE)) {
        // A build script fails by panicking; its message is what cargo shows.
        panic!("cairn-build: {e}");
    }
}

/// What can stop the embedding.
#[derive(Debug)]
pub enum EmbedError {
    /// The folder does not load (every problem, with file, line and column).
    Load(LoadErrors),
    /// The generated file could not be written.
    Write(PathBuf, std::io::Error),
}

impl std::fmt::Display for EmbedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmbedError::Load(e) => write!(f, "{e}"),
            EmbedError::Write(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for EmbedError {}

/// Loads `dir` for every dialect and writes the `Embedded` expression to `out`.
pub fn embed_into(dir: &Path, out: &Path) -> Result<(), EmbedError> {
    let source = generate(dir).map_err(EmbedError::Load)?;
    fs::write(out, source).map_err(|e| EmbedError::Write(out.to_path_buf(), e))
}

/// The Rust expression embedding `dir`: its files (each loaded for every dialect first) and
/// their checksums per dialect.
pub fn generate(dir: &Path) -> Result<String, LoadErrors> {
    let files = read_dir(dir)?;
    let mut checksums = Vec::new();
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let set = load_files(files.clone(), dialect)?;
        for m in set.iter() {
            checksums.push((
                dialect.name().to_string(),
                m.id.clone(),
                m.checksum.to_string(),
            ));
        }
    }
    let absolute: Vec<(String, PathBuf)> = files
        .iter()
        .map(|f| {
            let abs = fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
            (f.path.display().to_string().replace('\\', "/"), abs)
        })
        .collect();
    let shown: Vec<(String, &Path)> = absolute
        .iter()
        .map(|(p, abs)| (p.clone(), abs.as_path()))
        .collect();
    Ok(embedded_expr("::cairn", &shown, &checksums))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_good_folder_embeds_every_file_with_its_checksums() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("0001_a.yaml"),
            "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
        )
        .unwrap();
        let code = generate(dir.path()).unwrap();
        assert!(code.starts_with("::cairn::Embedded {"), "{code}");
        assert!(
            code.contains("0001_a.yaml") && code.contains("include_str!("),
            "{code}"
        );
        for d in ["sqlite", "postgres", "mysql"] {
            assert!(code.contains(&format!("({d:?}, \"0001_a\", \"")), "{code}");
        }
    }

    #[test]
    fn a_bad_folder_fails_with_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("0001_a.yaml"),
            "up: CREATE TABLE a (id INT);\n",
        )
        .unwrap();
        fs::write(
            dir.path().join("0002_b.yaml"),
            "depends_on: [0009_nope]\nup: CREATE TABLE b (id INT);\n",
        )
        .unwrap();
        let e = generate(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("0002_b.yaml:1") && e.contains("0009_nope"),
            "{e}"
        );
    }
}
