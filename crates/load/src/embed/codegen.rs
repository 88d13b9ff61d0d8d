//! The Rust source that embeds a migrations folder: an `Embedded` value of `include_str!`s,
//! one per file, so the files' contents are compiled in and cargo rebuilds when one changes.
//! Shared by the loader's own build script (the built-in migrations) and `cairn-build` (a
//! user's folder), so both embed the same way. No dependencies: a build script includes it.

use std::fmt::Write as _;
use std::path::Path;

/// An `Embedded { files, checksums }` expression (constant, so it can initialize a `static`)
/// holding `files` (the path shown in messages, the absolute path to include) and the
/// build-time `checksums` (dialect, migration id, SHA-256). `prefix` is the path of the
/// module defining `Embedded` and `EmbeddedFile` where the expression is included (`::cairn`
/// for a user, `crate::embed` inside the loader).
pub fn embedded_expr(
    prefix: &str,
    files: &[(String, &Path)],
    checksums: &[(String, String, String)],
) -> String {
    let mut out = format!("{prefix}::Embedded {{\n    files: &[\n");
    for (shown, abs) in files {
        let _ = writeln!(
            out,
            "        {prefix}::EmbeddedFile {{ path: {shown:?}, text: include_str!({:?}) }},",
            abs.display().to_string()
        );
    }
    out.push_str("    ],\n    checksums: &[\n");
    for (dialect, id, sum) in checksums {
        let _ = writeln!(out, "        ({dialect:?}, {id:?}, {sum:?}),");
    }
    out.push_str("    ],\n}\n");
    out
}
