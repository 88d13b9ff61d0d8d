//! Embeds the built-in migrations (`../../migrations/<module>/...`) in the loader, as
//! `cairn-build` embeds a user's folder (`src/embed/codegen.rs`): writes an `Embedded` of
//! `include_str!`s to OUT_DIR. `rerun-if-changed` on the folder makes cargo rescan it, so
//! a new file is never missed (proc-macro embedding on stable Rust does not see new files).

use std::fs;
use std::path::{Path, PathBuf};

#[path = "src/embed/codegen.rs"]
mod codegen;

fn main() {
    // Read when the script runs, not when it was compiled: a build script binary reused by
    // another checkout (a copied target/) must embed that checkout's migrations.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let root = Path::new(&manifest_dir).join("../../migrations");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let embedded: Vec<(String, PathBuf)> = files
        .iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).unwrap_or(path);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (rel, fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
        })
        .collect();
    let files: Vec<(String, &Path)> = embedded
        .iter()
        .map(|(rel, abs)| (rel.clone(), abs.as_path()))
        .collect();
    // The same embedding as a user's `cairn-build`; the loader cannot load its own files at
    // its build time, so the built-ins carry no build-time checksums.
    let out = format!(
        "/// The built-in migration files, paths relative to the migrations root.\npub static BUILTIN: crate::embed::Embedded = {};\n",
        codegen::embedded_expr("crate::embed", &files, &[])
    );
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("builtin.rs");
    if let Err(e) = fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(p);
        }
    }
}
