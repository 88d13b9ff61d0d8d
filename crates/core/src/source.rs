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

/// The text of the file at `path`; a file that cannot be read, or is not UTF-8 (at the line
/// and column of its first bad byte), is a problem naming it.
pub fn read_text(path: &Path) -> Result<String, Problem> {
    let bytes = std::fs::read(path).map_err(|e| {
        problem(
            ProblemKind::Io,
            path,
            0,
            0,
            format!("cannot read file: {e}"),
            None,
        )
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // The prefix before the bad byte is valid UTF-8 by definition.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
        // The line as a lossy decoding shows it (one U+FFFD per bad sequence), so the bad
        // byte is underlined in place.
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let end = bytes[valid..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| valid + i);
        let shown = String::from_utf8_lossy(&bytes[start..end]).into_owned();
        let mut p = problem(
            ProblemKind::Syntax,
            path,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
            format!(
                "the file is not UTF-8: byte 0x{:02X} at line {line}, column {column} cannot start a character; save it as UTF-8",
                bytes.get(valid).copied().unwrap_or_default()
            ),
            None,
        );
        p.source_line = Some(shown);
        p
    })
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
