//! Migrations compiled into a binary: what `cairn-build` (a user's `build.rs`) and the
//! loader's own build script (the built-in migrations) embed, loaded at run time without the
//! files on disk. The checksums computed when the binary was built are checked against the
//! ones computed at run time, so an engine that would see the files differently says so
//! instead of calling every applied migration changed.

use std::path::PathBuf;

use crate::Dialect;
use crate::error::{LoadErrors, ProblemKind};
use crate::load::{MigrationSet, load_files};
use crate::source::{SourceFile, problem};

#[doc(hidden)]
pub mod codegen;

/// A migrations folder compiled in (see `cairn::embedded_migrations!`).
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    /// The files, in path order.
    pub files: &'static [EmbeddedFile],
    /// Checksums computed at build time: (dialect, migration id, SHA-256 hex).
    pub checksums: &'static [(&'static str, &'static str, &'static str)],
}

/// One compiled-in file.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFile {
    /// Its path when it was embedded (relative to the package), for messages.
    pub path: &'static str,
    /// Its contents.
    pub text: &'static str,
}

impl Embedded {
    /// The files as the loader reads them from disk.
    pub fn source_files(&self) -> Vec<SourceFile> {
        self.files
            .iter()
            .map(|f| {
                let path = PathBuf::from(f.path);
                SourceFile {
                    default_id: path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    path,
                    text: f.text.to_string(),
                }
            })
            .collect()
    }

    /// The migration set for `dialect`, with every checksum compared with the one computed
    /// when the binary was built.
    pub fn load(&self, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
        let set = load_files(self.source_files(), dialect)?;
        let name = dialect.name();
        let problems: Vec<_> = self
            .checksums
            .iter()
            .filter(|(d, _, _)| *d == name)
            .filter_map(|(_, id, built)| {
                let m = set.get(id)?;
                let now = m.checksum.to_string();
                (now != *built).then(|| {
                    problem(
                        ProblemKind::Format,
                        &m.file,
                        0,
                        0,
                        format!(
                            "migration {id}: its checksum when this binary was built ({built}) differs from the one computed now ({now}); rebuild the binary"
                        ),
                        None,
                    )
                })
            })
            .collect();
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(LoadErrors(problems))
        }
    }
}
