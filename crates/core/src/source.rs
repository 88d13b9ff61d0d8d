//! Source text shared by everything that reads files (migrations, declared schemas, other
//! tools' folders): [`SourceFile`], positions in its text ([`locate`]) and the [`Problem`]
//! that points into it. A core module: loading, schema and layouts all use it, none of them
//! owns it.

pub mod locate;

use std::path::{Path, PathBuf};

use crate::error::{Problem, ProblemKind};

/// One migration file's text and where it came from.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in messages.
    pub path: PathBuf,
    /// The id used when the file sets none (path relative to its root, without extension).
    pub default_id: String,
    /// The file's content.
    pub text: String,
}

/// A [`Problem`] at `line`:`column` of `path`, with the text of that line when `file` is given.
pub fn problem(
    kind: ProblemKind,
    path: &Path,
    line: u32,
    column: u32,
    message: String,
    file: Option<&SourceFile>,
) -> Problem {
    let source_line = file
        .and_then(|f| locate::line_text(&f.text, line))
        .map(str::to_string);
    Problem {
        kind,
        file: path.to_path_buf(),
        line,
        column,
        message,
        source_line,
    }
}
