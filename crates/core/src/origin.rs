//! Where a migration came from, as plain facts: the tool whose folder it was read from
//! ([`Layout`]), and the version and name that tool's file name spells ([`ToolOrigin`]).
//!
//! Core types: the model ([`crate::Migration::origin`]) and adoption read them; the readers of
//! each tool's folder (`layout`) fill them in.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

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
    /// Prisma Migrate: `<timestamp>_<name>/migration.sql` folders and `migration_lock.toml`.
    Prisma,
    /// Atlas: `<version>_<name>.sql` files checked against `atlas.sum`.
    Atlas,
    /// tern: `<n>_<name>.sql`, up and down in one file around
    /// `---- create above / drop below ----`.
    Tern,
    /// One JSON document per migration (`id`, `sql`, `rollback_sql`, `dependencies`,
    /// `checksum`...), as a Python database-management module writes them.
    JsonDocs,
    /// sql-migrate: `-- +migrate Up` / `-- +migrate Down` sections, ordered by number prefix.
    SqlMigrate,
    /// Liquibase formatted SQL: `--changeset author:id` blocks in `.sql` files.
    Liquibase,
    /// Sqitch: `sqitch.plan` with `deploy/`, `revert/`, `verify/` scripts.
    Sqitch,
}

impl Layout {
    /// Whether the tool's SQLite driver enforces foreign keys while migrating. diesel and
    /// sqlx turn them on, as Cairn does (Prisma, Atlas and the JSON documents are taken to as
    /// well); popx turns them off, and golang-migrate, goose, dbmate, sql-migrate (Go
    /// drivers), Flyway and Liquibase (JDBC), refinery and Sqitch (the `sqlite3` client) keep
    /// SQLite's default, off. A table rebuild written for a
    /// tool that runs with them off (copy, `DROP TABLE`, rename) would, with them on, cascade
    /// the drop into child tables or fail with "foreign key mismatch".
    pub fn sqlite_foreign_keys(self) -> bool {
        !matches!(
            self,
            Layout::Pop
                | Layout::GolangMigrate
                | Layout::Goose
                | Layout::Dbmate
                | Layout::Flyway
                | Layout::Refinery
                | Layout::SqlMigrate
                | Layout::Liquibase
                | Layout::Sqitch
        )
    }

    /// Every layout, Cairn's first.
    pub const ALL: [Layout; 16] = [
        Layout::Cairn,
        Layout::Diesel,
        Layout::Sqlx,
        Layout::Flyway,
        Layout::Refinery,
        Layout::GolangMigrate,
        Layout::Goose,
        Layout::Dbmate,
        Layout::Pop,
        Layout::Prisma,
        Layout::Atlas,
        Layout::Tern,
        Layout::JsonDocs,
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
            Layout::Prisma => "prisma",
            Layout::Atlas => "atlas",
            Layout::Tern => "tern",
            Layout::JsonDocs => "json-docs",
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
    "unknown layout `{0}`: expected one of cairn, diesel, sqlx, flyway, refinery, golang-migrate, goose, dbmate, pop, prisma, atlas, tern, json-docs, sql-migrate, liquibase, sqitch"
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
pub struct ToolOrigin {
    /// The tool's layout.
    pub layout: Layout,
    /// The version exactly as the file or folder name spells it (`20190101000000`, `1.2`,
    /// `1_10`, `2019-01-01-000000`); empty for a repeatable (`R__`) migration.
    pub version: String,
    /// The name part of the file name (`create_users`).
    pub name: String,
}
