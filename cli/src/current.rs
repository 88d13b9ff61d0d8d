//! `migrate current`: where the database stands, as Alembic's `current` says it: the applied
//! heads (applied migrations no other applied migration depends on) and the last one applied.

use anyhow::Result;
use cairn::{AppliedMigration, HistoryStatus, Migrate as _};
use serde::Serialize;
use serde_json::json;

use crate::cli::{Format, Out};
use crate::{Context, Outcome};

/// Where a database stands.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Current<'a> {
    /// Applied migrations that no other applied migration depends on, in history order.
    pub heads: Vec<&'a str>,
    /// The migration applied last, and when.
    pub last: Option<Last<'a>>,
    /// How many migrations are applied.
    pub applied: usize,
    /// Rows that are not applied (failed, interrupted, reverting), by id.
    pub unfinished: Vec<(&'a str, &'a str)>,
}

/// The migration applied last.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Last<'a> {
    /// Its id.
    pub id: &'a str,
    /// When (UTC).
    pub applied_at: &'a str,
}

/// Reads `current` from the history rows alone (their recorded dependencies), so it needs no
/// migration files.
pub fn current(history: &[AppliedMigration]) -> Current<'_> {
    let applied: Vec<&AppliedMigration> = history
        .iter()
        .filter(|r| r.status == HistoryStatus::Applied)
        .collect();
    let heads = applied
        .iter()
        .filter(|r| !applied.iter().any(|o| o.depends_on.contains(&r.id)))
        .map(|r| r.id.as_str())
        .collect();
    let last = applied
        .iter()
        .max_by(|a, b| (&a.applied_at, a.rank).cmp(&(&b.applied_at, b.rank)))
        .map(|r| Last {
            id: &r.id,
            applied_at: &r.applied_at,
        });
    Current {
        heads,
        last,
        applied: applied.len(),
        unfinished: history
            .iter()
            .filter(|r| r.status != HistoryStatus::Applied)
            .map(|r| (r.id.as_str(), r.status.as_str()))
            .collect(),
    }
}

/// `migrate current [--format json]`.
pub fn run(ctx: &Context, out: Out) -> Result<Outcome> {
    let mut db = ctx.connect()?;
    let rows = db.history()?;
    let now = current(&rows);
    if out.format == Format::Json {
        println!("{:#}", json!({"database": db.describe(), "current": now}));
        return Ok(Outcome::Clean);
    }
    match &now.last {
        None => println!("{}: no migration applied", db.describe()),
        Some(last) => {
            println!("{}: {} applied", db.describe(), now.applied);
            println!("heads: {}", now.heads.join(", "));
            println!("last applied: {} at {}", last.id, last.applied_at);
        }
    }
    for (id, status) in &now.unfinished {
        println!("{status}: {id}");
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, deps: &[&str], at: &str, status: HistoryStatus) -> AppliedMigration {
        AppliedMigration {
            id: id.into(),
            checksum: String::new(),
            description: String::new(),
            applied_at: at.into(),
            execution_ms: 0,
            applied_by: String::new(),
            engine_version: String::new(),
            up_sql: None,
            down_sql: None,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            status,
            rank: 0,
            failed_statement: None,
            error: None,
        }
    }

    #[test]
    fn heads_are_the_applied_migrations_nothing_applied_builds_on() {
        use HistoryStatus::{Applied, Failed};
        let rows = [
            row("a", &[], "2026-01-01T00:00:00.000Z", Applied),
            row("b", &["a"], "2026-01-03T00:00:00.000Z", Applied),
            row("d", &[], "2026-01-02T00:00:00.000Z", Applied),
            // A failed dependent does not make `b` less of a head.
            row("c", &["b"], "2026-01-04T00:00:00.000Z", Failed),
        ];
        let now = current(&rows);
        assert_eq!(now.heads, ["b", "d"]);
        assert_eq!(now.applied, 3);
        assert_eq!(
            now.last,
            Some(Last {
                id: "b",
                applied_at: "2026-01-03T00:00:00.000Z"
            })
        );
        assert_eq!(now.unfinished, [("c", "failed")]);
        assert_eq!(current(&[]).last, None);
    }
}
