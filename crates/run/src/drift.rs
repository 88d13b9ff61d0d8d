//! Drift: the live database against what the migrations (or the declared schema) say it should
//! be.

use serde::Serialize;

use crate::driver::Driver;
use crate::error::Result;
use crate::load::MigrationSet;
use crate::plan::UpTarget;
use crate::run::{Options, up};
use crate::schema::{Difference, Schema, diff};

/// Where the expected schema comes from.
pub enum Expected<'a> {
    /// Replay these migrations into `scratch` (an empty database of the live one's dialect).
    Migrations {
        /// The migrations.
        set: &'a MigrationSet,
        /// The empty database to replay them into.
        scratch: Box<dyn Driver>,
    },
    /// A declared schema.
    Declared(Schema),
}

/// The result of a drift check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// The live database (password removed).
    pub database: String,
    /// What it was compared with.
    pub expected: String,
    /// Differences from expected to live: `+` exists only in the database, `-` is missing
    /// from it, `~` differs.
    pub differences: Vec<Difference>,
    /// Differences left out by `--ignore` patterns.
    pub ignored: usize,
}

impl DriftReport {
    /// Whether the database has drifted.
    pub fn drifted(&self) -> bool {
        !self.differences.is_empty()
    }
}

/// Replays `set` into an empty `scratch` database and introspects the result.
pub fn replay(set: &MigrationSet, scratch: &mut dyn Driver) -> Result<Schema> {
    crate::scratch::refuse_non_empty(scratch)?;
    up(
        scratch,
        set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    Ok(scratch.as_introspect()?.introspect()?)
}

/// Compares the live database with `expected`; `ignore` holds glob patterns (`*`, `?`) on
/// `table` or `table.column` for objects a team owns outside migrations.
pub fn drift(
    live: &mut dyn Driver,
    expected: Expected<'_>,
    ignore: &[String],
) -> Result<DriftReport> {
    let dialect = live.dialect();
    let (want, source) = match expected {
        Expected::Migrations { set, mut scratch } => {
            if scratch.dialect() != dialect {
                return Err(crate::scratch_error::ScratchError::WrongDialect {
                    database: scratch.describe(),
                    found: scratch.dialect(),
                    expected: dialect,
                }
                .into());
            }
            let source = format!(
                "{} migrations replayed into {}",
                set.len(),
                scratch.describe()
            );
            (replay(set, scratch.as_mut())?, source)
        }
        Expected::Declared(schema) => (schema, "the declared schema".to_string()),
    };
    let have = live.as_introspect()?.introspect()?;
    let all = diff(&want, &have, dialect);
    let total = all.len();
    let differences: Vec<Difference> = all.into_iter().filter(|d| !ignored(d, ignore)).collect();
    Ok(DriftReport {
        database: live.describe(),
        expected: source,
        ignored: total - differences.len(),
        differences,
    })
}

fn ignored(d: &Difference, patterns: &[String]) -> bool {
    let table = d.table();
    patterns
        .iter()
        .any(|p| match (p.split_once('.'), d.column()) {
            (Some((tp, cp)), Some(col)) => glob(tp, table) && glob(cp, col),
            (Some(_), None) => false,
            (None, _) => glob(p, table),
        })
}

/// `*` matches any run of characters, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_tables_and_columns() {
        assert!(glob("legacy_*", "legacy_orders"));
        assert!(glob("*", "anything"));
        assert!(glob("t?", "t1"));
        assert!(!glob("t?", "t12"));
        assert!(!glob("legacy_*", "orders"));
        assert!(glob("*_tmp*", "users_tmp_2"));
    }
}
