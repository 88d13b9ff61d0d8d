//! Each tool's history table: its name, the query that reads it on each dialect, and how a
//! row becomes a [`ForeignRow`]. One table of facts, one reader.

use serde::Serialize;

use crate::driver::Rows;
use crate::origin::Layout;

/// One row of another tool's history, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignRow {
    /// The version as stored.
    pub version: String,
    /// The name, description or script the tool stored with it, if any.
    pub name: Option<String>,
    /// The checksum as stored (sqlx: hex; Flyway: signed integer; refinery: decimal u64).
    pub checksum: Option<String>,
    /// Whether the row says the migration is applied (sqlx/Flyway `success`, goose
    /// `is_applied`; true for tools that only store applied versions).
    pub applied: bool,
    /// What the row stands for.
    pub kind: RowKind,
}

/// What a history row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// One applied (or failed) versioned migration.
    Migration,
    /// golang-migrate's single row: every version up to this one is applied; `dirty` when a
    /// migration failed half-way.
    Current {
        /// golang-migrate's `dirty` flag.
        dirty: bool,
    },
    /// Flyway `BASELINE`: the schema existed up to this version before Flyway ran.
    Baseline,
    /// Flyway repeatable (`R__`): `name` is its script file name.
    Repeatable,
    /// Flyway `UNDO_*`: the version was undone, so it is no longer applied.
    Undone,
    /// Bookkeeping with no migration (Flyway `SCHEMA`, goose's version 0).
    Ignored,
}

/// Turns query rows into [`ForeignRow`]s (pure, so it is unit-tested).
pub fn parse(tool: Layout, rows: &Rows) -> std::result::Result<Vec<ForeignRow>, String> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let cell = |i: usize| row.get(i).cloned().flatten();
        let Some(version) = cell(0) else {
            // Flyway's repeatable rows have no version; everything else needs one.
            if tool == Layout::Flyway {
                out.push(flyway_row(String::new(), &cell));
                continue;
            }
            return Err(format!("{tool}'s history has a row without a version"));
        };
        out.push(match tool {
            Layout::Sqlx => ForeignRow {
                version,
                name: cell(1),
                checksum: cell(3).map(|c| c.to_ascii_lowercase()),
                applied: cell(2).as_deref().is_some_and(truthy),
                kind: RowKind::Migration,
            },
            Layout::Refinery => ForeignRow {
                version,
                name: cell(1),
                checksum: cell(2),
                applied: true,
                kind: RowKind::Migration,
            },
            Layout::Flyway => flyway_row(version, &cell),
            Layout::GolangMigrate => ForeignRow {
                version,
                name: None,
                checksum: None,
                applied: true,
                kind: RowKind::Current {
                    dirty: cell(1).as_deref().is_some_and(truthy),
                },
            },
            Layout::Goose => ForeignRow {
                kind: if version.trim() == "0" {
                    RowKind::Ignored
                } else {
                    RowKind::Migration
                },
                version,
                name: None,
                checksum: None,
                applied: cell(1).as_deref().is_some_and(truthy),
            },
            // Liquibase: id, author, filename, exectype. A changeset is known by all three; the
            // folder part of FILENAME depends on how Liquibase was started, so only the file
            // name takes part in the key.
            Layout::Liquibase => ForeignRow {
                version: super::versions::liquibase_key(
                    &version,
                    &cell(1).unwrap_or_default(),
                    &cell(2).unwrap_or_default(),
                ),
                name: cell(2),
                checksum: None,
                applied: cell(3).is_some_and(|t| {
                    matches!(
                        t.trim().to_ascii_uppercase().as_str(),
                        "EXECUTED" | "MARK_RAN" | "RERAN"
                    )
                }),
                kind: RowKind::Migration,
            },
            // A row is applied when it finished and was not rolled back; a rolled-back row
            // (a failed attempt `migrate resolve --rolled-back` cleared) stands for nothing
            // (prisma-engines `apply_migrations`).
            Layout::Prisma => ForeignRow {
                version,
                name: None,
                checksum: cell(1),
                applied: cell(2).is_some() && cell(3).is_none(),
                kind: if cell(3).is_some() {
                    RowKind::Ignored
                } else {
                    RowKind::Migration
                },
            },
            // `applied` of `total` statements ran; type 1 is a baseline; versions starting
            // with `.` are Atlas's own bookkeeping rows (ariga/atlas `sql/migrate/migrate.go`
            // `Revision`, `RevisionTypeBaseline`).
            Layout::Atlas => ForeignRow {
                kind: if version.starts_with('.') {
                    RowKind::Ignored
                } else if cell(2).as_deref().map(str::trim) == Some("1") {
                    RowKind::Baseline
                } else {
                    RowKind::Migration
                },
                version,
                name: cell(1),
                checksum: cell(5),
                applied: cell(3).is_some() && cell(3) == cell(4),
            },
            // tern keeps one row: the migration number the database is at.
            Layout::Tern => ForeignRow {
                version,
                name: None,
                checksum: None,
                applied: true,
                kind: RowKind::Current { dirty: false },
            },
            Layout::Diesel
            | Layout::Dbmate
            | Layout::Pop
            | Layout::SqlMigrate
            | Layout::Sqitch
            | Layout::Cairn
            | Layout::JsonDocs => ForeignRow {
                version,
                name: None,
                checksum: None,
                applied: true,
                kind: RowKind::Migration,
            },
        });
    }
    Ok(out)
}

fn flyway_row(version: String, cell: &dyn Fn(usize) -> Option<String>) -> ForeignRow {
    let kind = match cell(4).unwrap_or_default().to_ascii_uppercase().as_str() {
        "BASELINE" => RowKind::Baseline,
        "SCHEMA" | "DELETE" => RowKind::Ignored,
        t if t.starts_with("UNDO") => RowKind::Undone,
        _ if version.is_empty() => RowKind::Repeatable,
        _ => RowKind::Migration,
    };
    ForeignRow {
        version,
        name: cell(1),
        checksum: cell(2),
        applied: cell(3).as_deref().is_some_and(truthy),
        kind,
    }
}

/// A boolean as each database spells it in text (PostgreSQL `t`, MySQL/SQLite `1`).
fn truthy(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "t" | "true" | "1" | "y" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(values: &[&[Option<&str>]]) -> Rows {
        values
            .iter()
            .map(|r| r.iter().map(|v| v.map(str::to_string)).collect())
            .collect()
    }

    #[test]
    fn rows_parse_per_tool() {
        let sqlx = parse(
            Layout::Sqlx,
            &rows(&[&[Some("1"), Some("init"), Some("f"), Some("ABCD")]]),
        )
        .unwrap();
        assert!(!sqlx[0].applied);
        assert_eq!(sqlx[0].checksum.as_deref(), Some("abcd"));

        let dirty = parse(Layout::GolangMigrate, &rows(&[&[Some("3"), Some("1")]])).unwrap();
        assert_eq!(dirty[0].kind, RowKind::Current { dirty: true });

        let goose = parse(
            Layout::Goose,
            &rows(&[&[Some("0"), Some("t")], &[Some("2"), Some("0")]]),
        )
        .unwrap();
        assert_eq!(goose[0].kind, RowKind::Ignored);
        assert!(!goose[1].applied);

        let flyway = parse(
            Layout::Flyway,
            &rows(&[
                &[
                    Some("1"),
                    Some("<< Flyway Baseline >>"),
                    None,
                    Some("1"),
                    Some("BASELINE"),
                ],
                &[
                    None,
                    Some("R__views.sql"),
                    Some("-5"),
                    Some("true"),
                    Some("SQL"),
                ],
            ]),
        )
        .unwrap();
        assert_eq!(flyway[0].kind, RowKind::Baseline);
        assert_eq!(flyway[1].kind, RowKind::Repeatable);
        let undo = parse(
            Layout::Flyway,
            &rows(&[&[
                Some("2"),
                Some("U2__x.sql"),
                None,
                Some("1"),
                Some("UNDO_SQL"),
            ]]),
        )
        .unwrap();
        assert_eq!(undo[0].kind, RowKind::Undone);
        assert!(flyway[1].applied);

        assert!(parse(Layout::Pop, &rows(&[&[None]])).is_err());
    }
}
