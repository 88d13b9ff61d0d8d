//! Files in another tool's folder that the tool itself skips, so Cairn skips them too: listed
//! so the CLI can say so once, instead of leaving them out silently.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Layout, dbmate, files, flyway, goose, pop, updown};

/// A file the layout's tool does not run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// The file.
    pub path: PathBuf,
    /// Why the tool skips it.
    pub reason: String,
}

/// The files under `root` that `layout`'s tool skips, by path. Readers skip exactly these; an
/// unreadable folder lists nothing (loading it reports the error).
pub fn ignored(root: &Path, layout: Layout) -> Vec<Ignored> {
    let recursive = matches!(layout, Layout::Flyway | Layout::Refinery | Layout::Pop);
    let Ok(listing) = files::list(root, recursive) else {
        return Vec::new();
    };
    listing
        .files
        .iter()
        .filter_map(|path| {
            let name = files::name(path);
            let reason = match layout {
                // goose's skipped files include `.go` ones (`embed.go`).
                Layout::Goose => goose::skipped(name).map(str::to_string),
                Layout::Dbmate => dbmate::skipped(name).map(str::to_string),
                _ if !name.to_ascii_lowercase().ends_with(".sql") => None,
                Layout::Flyway => flyway::flyway_ignores(name),
                Layout::Refinery => flyway::refinery_ignores(name),
                Layout::Pop => pop::pop_ignores(name),
                Layout::Sqlx => updown::ignores(name, true),
                Layout::GolangMigrate => updown::ignores(name, false),
                _ => None,
            }?;
            Some(Ignored {
                path: path.clone(),
                reason,
            })
        })
        .collect()
}
