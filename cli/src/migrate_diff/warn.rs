//! Warnings of `migrate diff` about a file that is written but needs a look.

use std::collections::BTreeSet;

use cairn::schema::Difference;
use cairn::{Change, Dialect};

use super::Replay;
use crate::Context;

/// Warns about each dialect the changes (or their derived rollback) cannot be written for,
/// e.g. a foreign key SQLite's catalog gives no name, dropped on PostgreSQL.
pub fn unrendered(ctx: &Context, changes: &[Change]) {
    for d in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        let both = cairn::render_changes(changes, d)
            .and_then(|_| cairn::reverse_changes(changes, d))
            .and_then(|back| cairn::render_changes(&back, d));
        if let Err(e) = both {
            eprintln!(
                "{} the changes do not load on {d}: {e}; edit the file before using it there",
                ctx.style_err("warning:")
            );
        }
    }
}

/// Warns when SQLite's SQL rebuilds a table other tables reference: its inline rebuild runs
/// with foreign keys enforced, so dropping the old table deletes (or cascades into) their rows.
pub fn rebuilds(ctx: &Context, replays: &[Replay]) {
    let Some(r) = replays.iter().find(|r| r.dialect == Dialect::Sqlite) else {
        return;
    };
    let rebuilt: BTreeSet<&str> = r
        .diffs
        .iter()
        .filter(|x| {
            !matches!(
                x,
                Difference::TableAdded { .. }
                    | Difference::TableRemoved { .. }
                    | Difference::ColumnAdded { .. }
                    | Difference::ColumnRemoved { .. }
                    | Difference::IndexAdded { .. }
                    | Difference::IndexRemoved { .. }
            )
        })
        .map(Difference::table)
        .collect();
    for t in rebuilt {
        let children: Vec<&str> = r
            .replayed
            .tables
            .iter()
            .filter(|c| c.foreign_keys.iter().any(|f| f.references.table == t))
            .map(|c| c.name.as_str())
            .collect();
        if !children.is_empty() {
            eprintln!(
                "{} on sqlite the file rebuilds {t} (create, copy, drop, rename) with foreign keys enforced: rows of {} that reference it make the drop fail, or are deleted with ON DELETE CASCADE; review it before running it on data",
                ctx.style_err("warning:"),
                children.join(", ")
            );
        }
    }
}
