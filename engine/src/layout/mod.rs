//! Migration folders written for other tools (diesel, sqlx, Flyway, refinery, golang-migrate,
//! goose, dbmate, pop, sql-migrate, Liquibase formatted SQL, Sqitch), read as they are.
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

mod dbmate;
mod detect;
mod diesel;
mod entry;
mod files;
mod flyway;
mod goose;
mod import;
mod liquibase;
mod liquibase_parse;
mod pop;
mod sqitch;
mod sqitch_plan;
mod sql_migrate;
mod updown;
mod version;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

use crate::Dialect;
use crate::error::LoadErrors;
use crate::load::{MigrationSet, load_dir, load_sources};
use crate::model::Migration;

pub use detect::{Detection, detect, detect_explained};
pub use import::{ImportedFile, import};

/// Reads the folder at `root` as `layout` and loads it for `dialect` ([`Layout::Cairn`] is
/// [`crate::load_dir`]). Migrations read from another tool's folder carry
/// [`Migration::foreign`] and form a chain in the tool's order.
pub fn load(root: &Path, layout: Layout, dialect: Dialect) -> Result<MigrationSet, LoadErrors> {
    match layout {
        Layout::Cairn => load_dir(root, dialect),
        _ => load_sources(Vec::new(), read(root, layout, dialect)?, dialect),
    }
}

/// The migrations of another tool's folder for `dialect`, in the tool's order, without
/// building a set: combine them with Cairn files through [`crate::load_sources`].
pub fn read(root: &Path, layout: Layout, dialect: Dialect) -> Result<Vec<Migration>, LoadErrors> {
    match layout {
        Layout::Cairn => Ok(load_dir(root, dialect)?.iter().cloned().collect()),
        _ => entry::migrations(&entries(root, layout)?, layout, dialect),
    }
}

/// The folder's entries in the tool's order, checked for shared versions.
fn entries(root: &Path, layout: Layout) -> Result<Vec<entry::Entry>, LoadErrors> {
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
        Layout::SqlMigrate => sql_migrate::scan(root),
        Layout::Liquibase => liquibase::scan(root),
        Layout::Sqitch => sqitch::scan(root),
    };
    scanned.and_then(entry::order).map_err(|mut problems| {
        problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        LoadErrors(problems)
    })
}

/// A folder convention: Cairn's own YAML/JSON files or another tool's SQL files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Cairn YAML/JSON files.
    Cairn,
    /// diesel: `<timestamp>_<name>/up.sql` + `down.sql`.
    Diesel,
    /// sqlx: `<version>_<name>.sql` or `.up.sql` / `.down.sql`.
    Sqlx,
    /// Flyway: `V<version>__<name>.sql`, `U<version>__` undo, `R__` repeatable.
    Flyway,
    /// refinery: `V<version>__<name>.sql`.
    Refinery,
    /// golang-migrate: `<version>_<name>.up.sql` / `.down.sql`.
    GolangMigrate,
    /// goose: `-- +goose Up` / `-- +goose Down` sections.
    Goose,
    /// dbmate: `-- migrate:up` / `-- migrate:down` sections.
    Dbmate,
    /// pop / popx: `<version>_<name>[.<dialect>][.autocommit].(up|down).sql`.
    Pop,
    /// sql-migrate: `-- +migrate Up` / `-- +migrate Down` sections, ordered by number prefix.
    SqlMigrate,
    /// Liquibase formatted SQL: `--changeset author:id` blocks in `.sql` files.
    Liquibase,
    /// Sqitch: `sqitch.plan` with `deploy/`, `revert/`, `verify/` scripts.
    Sqitch,
}

impl Layout {
    /// Every layout, Cairn's first.
    pub const ALL: [Layout; 12] = [
        Layout::Cairn,
        Layout::Diesel,
        Layout::Sqlx,
        Layout::Flyway,
        Layout::Refinery,
        Layout::GolangMigrate,
        Layout::Goose,
        Layout::Dbmate,
        Layout::Pop,
        Layout::SqlMigrate,
        Layout::Liquibase,
        Layout::Sqitch,
    ];

    /// The name used on the command line and in `cairn.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Cairn => "cairn",
            Layout::Diesel => "diesel",
            Layout::Sqlx => "sqlx",
            Layout::Flyway => "flyway",
            Layout::Refinery => "refinery",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
            Layout::Pop => "pop",
            Layout::SqlMigrate => "sql-migrate",
            Layout::Liquibase => "liquibase",
            Layout::Sqitch => "sqitch",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A layout name that is not one of [`Layout::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown layout `{0}`: expected one of cairn, diesel, sqlx, flyway, refinery, golang-migrate, goose, dbmate, pop, sql-migrate, liquibase, sqitch"
)]
pub struct UnknownLayout(pub String);

impl FromStr for Layout {
    type Err = UnknownLayout;

    fn from_str(s: &str) -> Result<Layout, UnknownLayout> {
        Layout::ALL
            .into_iter()
            .find(|l| {
                l.name().eq_ignore_ascii_case(s) || (s == "migrate" && *l == Layout::GolangMigrate)
            })
            .ok_or_else(|| UnknownLayout(s.to_string()))
    }
}

/// Where a migration read from another tool's folder came from: what adoption matches that
/// tool's history rows against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Foreign {
    /// The tool's layout.
    pub layout: Layout,
    /// The version exactly as the file or folder name spells it (`20190101000000`, `1.2`,
    /// `1_10`, `2019-01-01-000000`); empty for a repeatable (`R__`) migration.
    pub version: String,
    /// The name part of the file name (`create_users`).
    pub name: String,
    /// A Flyway repeatable `R__` migration: applied again whenever its checksum changes.
    pub repeatable: bool,
}

#[cfg(test)]
mod tests;
