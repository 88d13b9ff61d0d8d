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
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    String::from_utf8(bytes).map_err(|e| match decode(path, e.as_bytes()) {
        Err(p) => p,
        Ok(_) => unreadable(path, &e),
    })
}

/// [`read_text`] of each of `paths`, in their order, read by a few threads at once when there
/// are many: a folder of thousands of migrations is read on every `status` and no-op `up`, and
/// opening and reading the files is most of that time.
pub fn read_texts<T>(paths: &[&Path]) -> Vec<Result<T, Problem>>
where
    T: for<'a> From<&'a str> + Send,
{
    // Below this, starting threads costs more than it saves.
    const PER_THREAD: usize = 256;
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(paths.len() / PER_THREAD)
        .clamp(1, 4);
    if threads == 1 {
        return read_in_turn(paths);
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(move || read_in_turn::<T>(part)))
            .collect();
        let mut out = Vec::with_capacity(paths.len());
        for part in parts {
            match part.join() {
                Ok(texts) => out.extend(texts),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Reads `paths` one after another through one buffer, one allocation per text.
fn read_in_turn<T: for<'a> From<&'a str>>(paths: &[&Path]) -> Vec<Result<T, Problem>> {
    let mut buf = vec![0; 16 * 1024];
    paths
        .iter()
        .map(|path| {
            let len = read_into(path, &mut buf).map_err(|e| unreadable(path, &e))?;
            decode(path, &buf[..len]).map(T::from)
        })
        .collect()
}

/// Reads the file into `buf` (grown when too small) and returns its length: an open and reads
/// until the end, no more. `File::read_to_end` also asks for the size and position first, two
/// system calls per file that a folder of small files does not need.
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len().max(4096) * 2, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => return Ok(len),
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn unreadable(path: &Path, e: &dyn std::fmt::Display) -> Problem {
    problem(
        ProblemKind::Io,
        path,
        0,
        0,
        format!("cannot read file: {e}"),
        None,
    )
}

/// The bytes as text, or the problem naming the line and column of the first byte that is not
/// UTF-8.
fn decode<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, Problem> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn many_files_read_in_threads_come_back_in_order_with_their_problems() {
        let dir = std::env::temp_dir().join(format!("cairn-read-texts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut paths = Vec::new();
        for i in 0..1_000 {
            let path = dir.join(format!("{i:04}.sql"));
            // One large file makes the shared buffer grow; later small ones must not keep
            // its tail.
            let text = if i == 500 {
                "x".repeat(100_000)
            } else {
                format!("SELECT {i};\n")
            };
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        std::fs::write(&paths[7], b"SELECT 1;\nSELECT '\xff';\n").unwrap();
        paths.push(dir.join("missing.sql"));
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let texts = read_texts::<String>(&refs);
        assert_eq!(texts.len(), 1_001);
        for (i, text) in texts.iter().enumerate() {
            match i {
                7 => {
                    let p = text.as_ref().unwrap_err();
                    assert_eq!((p.kind, p.line, p.column), (ProblemKind::Syntax, 2, 9));
                    assert_eq!(p, &read_text(&paths[7]).unwrap_err());
                }
                500 => assert_eq!(text.as_ref().unwrap().len(), 100_000),
                1_000 => {
                    let p = text.as_ref().unwrap_err();
                    assert_eq!(p.kind, ProblemKind::Io);
                    assert!(p.message.starts_with("cannot read file: "), "{}", p.message);
                }
                _ => assert_eq!(text.as_ref().unwrap(), &format!("SELECT {i};\n")),
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
