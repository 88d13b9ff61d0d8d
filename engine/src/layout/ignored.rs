//! Files in another tool's folder that the tool itself skips (goose's `embed.go`, dbmate's
//! `schema.sql`): no migrations, but listed so that the CLI can say once that they were left
//! out, instead of their vanishing silently.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Layout, dbmate, files, goose};
use crate::error::LoadErrors;

/// A file of the folder that its tool does not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The file.
    pub path: PathBuf,
    /// Why the tool skips it, in a few words.
    pub reason: String,
}

/// Files in the folder at `root` that `layout`'s tool skips although they could be taken for
/// migrations, in path order. Files of no possible use (a `README.md`) are not listed, and
/// layouts whose readers refuse every such file list nothing.
pub fn ignored(root: &Path, layout: Layout) -> Result<Vec<Ignored>, LoadErrors> {
    let skipped: fn(&str) -> Option<&'static str> = match layout {
        Layout::Goose => goose::skipped,
        Layout::Dbmate => dbmate::skipped,
        _ => return Ok(Vec::new()),
    };
    let listing = files::list(root, false)?;
    Ok(listing
        .files
        .into_iter()
        .filter_map(|path| {
            let reason = skipped(files::name(&path))?.to_string();
            Some(Ignored { path, reason })
        })
        .collect())
}
