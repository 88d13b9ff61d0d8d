//! Migration folders written for other tools (diesel, sqlx, Flyway, refinery, golang-migrate,
//! goose, dbmate, pop, Prisma, Atlas, tern, sql-migrate, Liquibase formatted SQL, Sqitch, and a
//! Python module's JSON documents), read as they are.
//!
//! Each tool's reader (`diesel`, `updown` for sqlx and golang-migrate, `flyway` for Flyway and
//! refinery, `goose`, `dbmate`, `pop`) turns the folder into entries; `entry` sorts them by
//! version (`version`: numbers of any length, timestamps by time) and makes Cairn
//! migrations of them, each depending on the one before, so they apply in the tool's order.
//!
//! Ids are the file name without the tool's suffixes: the diesel folder name
//! (`2019-01-01-000000_create_users`), the stem before `.up.sql` / `.sql`
//! (`20190101000000_create_users`, `V1_2__add_email`, `R__views`), and for pop the stem before
//! the dialect and `.autocommit`.

mod atlas;
mod dbmate;
mod detect;
mod diesel;
mod down;
mod entry;
mod files;
mod flyway;
mod goose;
mod ignored;
mod import;
mod json_docs;
mod liquibase;
mod liquibase_parse;
mod pop;
mod prisma;
mod sqitch;
mod sqitch_plan;
mod sql_migrate;
mod tern;
mod tool_table;
mod transactions;
mod updown;
mod version;

use std::path::Path;

use crate::Dialect;
use crate::error::LoadErrors;
use crate::load::{MigrationSet, load_dir, load_sources};
use crate::model::Migration;

pub use detect::{Detection, detect, detect_explained};
pub use down::read_down;
pub use files::listed_once;
pub use ignored::{Ignored, ignored};
pub use import::{ImportedFile, import};
pub use tool_table::tool_history_table;

pub use crate::origin::{Layout, ToolOrigin, UnknownLayout};

/// Reads the folder at `root` as `layout` and loads it for `dialect` ([`Layout::Cairn`] is
/// [`cairn_load::load_dir`]). Migrations read from another tool's folder carry
/// [`Migration::origin`] (and [`Migration::repeatable`] for Flyway's `R__` files) and form a
/// chain in the tool's order.
pub fn load(root: &Path, layout: Layout, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
    match layout {
        Layout::Cairn => load_dir(root, dialect),
        _ => load_sources(Vec::new(), read(root, layout, dialect)?, dialect),
    }
}

/// The migrations of another tool's folder for `dialect`, in the tool's order, without
/// building a set: combine them with Cairn files through [`cairn_load::load_sources`].
pub fn read(root: &Path, layout: Layout, dialect: Dialect) -> Result<Vec<Migration>, LoadErrors> {
    files::with_sides(false, || read_sides(root, layout, dialect))
}

/// [`read`] for commands that look at the up side only (`status`, health): where the tool
/// keeps the down SQL in files of its own (sqlx, golang-migrate, diesel), those files are not
/// read and [`Migration::down`] is `None`. A no-op `status` on a long history reads half the
/// files.
pub fn read_up(
    root: &Path,
    layout: Layout,
    dialect: Dialect,
) -> Result<Vec<Migration>, LoadErrors> {
    files::with_sides(true, || read_sides(root, layout, dialect))
}

fn read_sides(root: &Path, layout: Layout, dialect: Dialect) -> Result<Vec<Migration>, LoadErrors> {
    match layout {
        Layout::Cairn => Ok(load_dir(root, dialect)?.iter().cloned().collect()),
        Layout::Prisma => {
            prisma::check_provider(root, dialect)?;
            entry::migrations(entries(root, layout)?, layout, dialect)
        }
        Layout::Atlas => atlas::migrations(entries(root, layout)?, dialect),
        Layout::JsonDocs => json_docs::migrations(root, dialect),
        _ => entry::migrations(entries(root, layout)?, layout, dialect),
    }
}

/// The `atlas.sum` text Atlas writes for `files` (name and bytes, sorted by name), as
/// `atlas migrate hash` does: what an Atlas folder must carry for `--layout atlas` to read it.
pub fn atlas_sum(files: &[(&str, &[u8])]) -> String {
    atlas::sum::render(&atlas::sum::compute(files))
}

/// Atlas's hash of each file (`(name, bytes)` sorted by name): what `atlas.sum` lists and
/// `atlas_schema_revisions.hash` stores.
pub(crate) fn atlas_hashes(files: &[(&str, &[u8])]) -> Vec<(String, String)> {
    atlas::sum::compute(files)
}

/// The folder's entries in the tool's order, checked for shared versions; the files are read
/// ahead, several at once.
fn entries(root: &Path, layout: Layout) -> Result<Vec<entry::Entry>, LoadErrors> {
    files::with_texts(|| {
        // The tools that read sub-folders; the others read the folder's own files.
        let nested = matches!(
            layout,
            Layout::Diesel
                | Layout::Flyway
                | Layout::Refinery
                | Layout::Pop
                | Layout::Prisma
                | Layout::Liquibase
                | Layout::Sqitch
        );
        let up_only = files::up_only();
        files::read_ahead(root, nested, |path| {
            !(up_only && updown::is_down(layout, files::name(path)))
        });
        scan(root, layout)
    })
}

/// [`entries`] once the files are read.
fn scan(root: &Path, layout: Layout) -> Result<Vec<entry::Entry>, LoadErrors> {
    let scanned = match layout {
        Layout::Cairn => Ok(Vec::new()),
        Layout::Diesel => diesel::scan(root),
        Layout::Sqlx => updown::scan(root, true),
        Layout::GolangMigrate => updown::scan(root, false),
        Layout::Flyway => flyway::scan(root, false),
        Layout::Refinery => flyway::scan(root, true),
        Layout::Goose => goose::scan(root),
        Layout::Dbmate => dbmate::scan(root),
        Layout::Pop => pop::scan(root),
        Layout::Prisma => prisma::scan(root),
        Layout::Atlas => atlas::scan(root),
        Layout::Tern => tern::scan(root),
        Layout::JsonDocs => json_docs::scan(root),
        Layout::SqlMigrate => sql_migrate::scan(root),
        Layout::Liquibase => liquibase::scan(root),
        Layout::Sqitch => sqitch::scan(root),
    };
    // diesel runs folders of one version too (see `diesel::scan`); every other tool refuses.
    let shared_versions = layout == Layout::Diesel;
    scanned
        .and_then(|e| entry::order(e, shared_versions))
        .map_err(|mut problems| {
            problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
            LoadErrors(problems)
        })
}

#[cfg(test)]
pub(crate) mod tests;
