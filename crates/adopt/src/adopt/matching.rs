//! Matching another tool's history rows to the folder's migrations: pure, so every rule is
//! unit-tested without a database.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::checksums;
use super::tools::{ForeignRow, RowKind};
use super::versions::{compare_numbers, file_key, row_key};
use crate::model::Migration;
use crate::origin::Layout;

/// What adoption decided for one migration of the folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdoptEntry {
    /// The migration's id.
    pub id: String,
    /// Its version as the file name spells it.
    pub version: String,
    /// The decision.
    pub outcome: AdoptOutcome,
    /// What the tool's stored checksum said about the file.
    pub checksum: ChecksumCheck,
    /// Why, where it is not obvious.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The decision for one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdoptOutcome {
    /// The tool applied it: recorded as applied, no SQL run.
    Adopted,
    /// Already in Cairn's history: left alone.
    AlreadyRecorded,
    /// The tool has not applied it: `migrate up` will.
    Pending,
    /// The tool applied a different file than this one: not recorded.
    ChecksumMismatch,
    /// The tool applied it, but a migration it depends on is not adopted: not recorded.
    Blocked,
}

/// The stored checksum against the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ChecksumCheck {
    /// Equal: the file is the one the tool ran.
    Verified,
    /// The tool stores no checksum (or the migration was not applied).
    NotStored,
    /// Different.
    Mismatch {
        /// As the tool stored it.
        stored: String,
        /// As computed from the file.
        computed: String,
    },
}

/// The result of matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matching {
    /// One entry per migration of the tool's folder, in apply order.
    pub entries: Vec<AdoptEntry>,
    /// Applied rows no migration of the folder matches.
    pub unmatched: Vec<ForeignRow>,
    /// Why nothing may be adopted (a half-applied migration in the tool's history).
    pub refused: Vec<String>,
}

/// Matches `rows` of `tool`'s history to `migrations` (in apply order); `recorded` holds the
/// ids already in Cairn's history.
pub fn match_rows(
    tool: Layout,
    migrations: &[&Migration],
    rows: &[ForeignRow],
    recorded: &HashSet<String>,
) -> Matching {
    let mut out = Matching {
        refused: refusals(tool, rows),
        ..Matching::default()
    };
    let state = State::of(tool, rows);
    let atlas = atlas_hashes(tool, migrations);
    let mut used: HashSet<String> = HashSet::new();
    let mut done: HashSet<&str> = recorded.iter().map(String::as_str).collect();
    for m in migrations {
        let Some(origin) = &m.origin else { continue };
        let entry = |outcome, checksum, detail| AdoptEntry {
            id: m.id.clone(),
            version: origin.version.clone(),
            outcome,
            checksum,
            detail,
        };
        let applied = if m.repeatable {
            state.repeatable(m)
        } else if let Some(key) = file_key(tool, m) {
            state.applied(&key, &mut used)
        } else {
            continue;
        };
        if recorded.contains(&m.id) {
            out.entries.push(entry(
                AdoptOutcome::AlreadyRecorded,
                ChecksumCheck::NotStored,
                None,
            ));
            continue;
        }
        let Some(applied) = applied else {
            out.entries
                .push(entry(AdoptOutcome::Pending, ChecksumCheck::NotStored, None));
            continue;
        };
        let check = verify(tool, m, applied.checksum.as_deref(), &atlas);
        if matches!(check, ChecksumCheck::Mismatch { .. }) {
            let detail = if m.repeatable {
                "repeatable migration changed since the tool ran it: `migrate up` runs it again"
            } else {
                "the file differs from the one the tool applied"
            };
            let outcome = if m.repeatable {
                AdoptOutcome::Pending
            } else {
                AdoptOutcome::ChecksumMismatch
            };
            out.entries.push(entry(outcome, check, Some(detail.into())));
            continue;
        }
        let missing: Vec<&str> = m
            .depends_on
            .iter()
            .map(String::as_str)
            .filter(|d| !done.contains(d))
            .collect();
        if missing.is_empty() {
            done.insert(&m.id);
            out.entries
                .push(entry(AdoptOutcome::Adopted, check, applied.note.clone()));
        } else {
            let detail = format!("depends on {}, which is not adopted", missing.join(", "));
            out.entries
                .push(entry(AdoptOutcome::Blocked, check, Some(detail)));
        }
    }
    out.unmatched = state.unmatched(&used);
    out
}

/// A row that says a migration is applied, with a note on how it was concluded.
struct Applied {
    checksum: Option<String>,
    note: Option<String>,
}

/// The tool's history, indexed for matching.
struct State<'a> {
    tool: Layout,
    by_key: HashMap<String, &'a ForeignRow>,
    current: Option<(String, &'a ForeignRow)>,
    baseline: Option<String>,
    repeatables: HashMap<String, &'a ForeignRow>,
}

impl<'a> State<'a> {
    fn of(tool: Layout, rows: &'a [ForeignRow]) -> State<'a> {
        let mut s = State {
            tool,
            by_key: HashMap::new(),
            current: None,
            baseline: None,
            repeatables: HashMap::new(),
        };
        for row in rows {
            let key = row_key(tool, &row.version);
            match row.kind {
                // Rows are in the tool's order, so a later row for a version wins (goose
                // appends `is_applied = false` when it rolls one back).
                RowKind::Migration if row.applied => {
                    s.by_key.insert(key, row);
                }
                RowKind::Migration | RowKind::Undone => {
                    s.by_key.remove(&key);
                }
                RowKind::Current { .. } => s.current = Some((key, row)),
                RowKind::Baseline => s.baseline = Some(key),
                RowKind::Repeatable => {
                    let script = row.name.clone().unwrap_or_default();
                    let file = script.rsplit('/').next().unwrap_or(&script).to_string();
                    s.repeatables.insert(file, row);
                }
                RowKind::Ignored => {}
            }
        }
        s
    }

    fn applied(&self, key: &str, used: &mut HashSet<String>) -> Option<Applied> {
        if let Some((current, _)) = &self.current {
            if current == key {
                used.insert(key.to_string());
            }
            let at_or_below = compare_numbers(key, current) != Ordering::Greater;
            return at_or_below.then_some(Applied {
                checksum: None,
                note: None,
            });
        }
        if let Some(row) = self.by_key.get(key) {
            used.insert(key.to_string());
            return Some(Applied {
                checksum: row.checksum.clone(),
                note: None,
            });
        }
        // Atlas compares versions as text (`f.Version() <= last.Version`).
        let below_baseline = self.baseline.as_deref().is_some_and(|b| match self.tool {
            Layout::Atlas => key <= b,
            _ => flyway_le(key, b),
        });
        below_baseline.then(|| Applied {
            checksum: None,
            note: Some("at or below the Flyway baseline".into()),
        })
    }

    fn repeatable(&self, m: &Migration) -> Option<Applied> {
        let file = m.file.file_name()?.to_str()?;
        self.repeatables.get(file).map(|row| Applied {
            checksum: row.checksum.clone(),
            note: None,
        })
    }

    fn unmatched(&self, used: &HashSet<String>) -> Vec<ForeignRow> {
        let mut rows: Vec<ForeignRow> = self
            .by_key
            .iter()
            .filter(|(k, _)| !used.contains(*k))
            .map(|(_, r)| (*r).clone())
            .collect();
        if let Some((key, row)) = &self.current
            && !used.contains(key)
            && key != "0"
        {
            rows.push((*row).clone());
        }
        rows.sort_by(|a, b| {
            let (ka, kb) = (
                row_key(self.tool, &a.version),
                row_key(self.tool, &b.version),
            );
            compare_numbers(&ka, &kb).then_with(|| ka.cmp(&kb))
        });
        rows
    }
}

/// Whether Flyway version `a` is at or below `b` (dotted keys, compared part by part).
fn flyway_le(a: &str, b: &str) -> bool {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let (x, y) = (pa.get(i).unwrap_or(&"0"), pb.get(i).unwrap_or(&"0"));
        match compare_numbers(x, y) {
            Ordering::Equal => {}
            o => return o == Ordering::Less,
        }
    }
    true
}

/// Half-applied migrations in the tool's history: adopting over them would record as applied
/// what may be half done.
fn refusals(tool: Layout, rows: &[ForeignRow]) -> Vec<String> {
    rows.iter()
        .filter_map(|row| match (tool, row.kind) {
            (_, RowKind::Current { dirty: true }) => Some(format!(
                "golang-migrate marks version {} dirty: that migration failed part-way and the \
                 database is in an unknown state. Fix the database by hand, then run \
                 `migrate force <version>` with golang-migrate, and adopt again",
                row.version
            )),
            (Layout::Sqlx, RowKind::Migration) if !row.applied => Some(format!(
                "sqlx recorded migration {} ({}) with success = false: it failed and may be \
                 partly applied. Fix the database, delete that row or re-run it with sqlx, and \
                 adopt again",
                row.version,
                row.name.as_deref().unwrap_or("no description")
            )),
            (Layout::Flyway, RowKind::Migration | RowKind::Repeatable) if !row.applied => {
                Some(format!(
                    "Flyway recorded {} ({}) with success = false: it failed and may be partly \
                     applied. Fix the database, run `flyway repair`, and adopt again",
                    if row.version.is_empty() {
                        "a repeatable migration"
                    } else {
                        &row.version
                    },
                    row.name.as_deref().unwrap_or("no script")
                ))
            }
            (Layout::Prisma, RowKind::Migration) if !row.applied => Some(format!(
                "Prisma recorded migration {} as started but neither finished nor rolled back: \
                 it failed and may be partly applied. Fix the database, run `prisma migrate \
                 resolve --rolled-back {}` (or `--applied`), and adopt again",
                row.version, row.version
            )),
            (Layout::Atlas, RowKind::Migration) if !row.applied => Some(format!(
                "Atlas applied version {} ({}) only in part: not all of its statements ran. Fix \
                 the database, finish it with `atlas migrate apply` or mark it with `atlas \
                 migrate set`, and adopt again",
                row.version,
                row.name.as_deref().unwrap_or("no description")
            )),
            _ => None,
        })
        .collect()
}

/// Atlas's hash of each migration file of the folder, by migration id: cumulative over the
/// files in name order, so it is computed over the whole folder (`atlas.sum`).
fn atlas_hashes(tool: Layout, migrations: &[&Migration]) -> HashMap<String, String> {
    if tool != Layout::Atlas {
        return HashMap::new();
    }
    let mut files: Vec<(&str, &[u8], &str)> = migrations
        .iter()
        .filter(|m| m.origin.as_ref().is_some_and(|o| o.layout == Layout::Atlas))
        .filter_map(|m| {
            let name = m.file.file_name()?.to_str()?;
            Some((name, m.source.as_bytes(), m.id.as_str()))
        })
        .collect();
    files.sort();
    let list: Vec<(&str, &[u8])> = files.iter().map(|(n, b, _)| (*n, *b)).collect();
    let hashes = crate::layout::atlas_hashes(&list);
    files
        .iter()
        .filter_map(|(name, _, id)| {
            let hash = hashes.iter().find(|(n, _)| n == name)?;
            Some((id.to_string(), hash.1.clone()))
        })
        .collect()
}

/// The stored checksum against the file, for the tools that store one.
fn verify(
    tool: Layout,
    m: &Migration,
    stored: Option<&str>,
    atlas: &HashMap<String, String>,
) -> ChecksumCheck {
    let Some(stored) = stored.map(str::trim).filter(|s| !s.is_empty()) else {
        return ChecksumCheck::NotStored;
    };
    // The file's text: the up script, or the whole source when the reader kept it apart.
    let texts: Vec<&str> = [m.up.sql.as_str(), &m.source]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect();
    let computed: Vec<String> = match tool {
        Layout::Sqlx => texts.iter().map(|t| checksums::sqlx(t)).collect(),
        Layout::Flyway => texts
            .iter()
            .map(|t| checksums::flyway(t).to_string())
            .collect(),
        Layout::Refinery => {
            let Some(origin) = &m.origin else {
                return ChecksumCheck::NotStored;
            };
            let Ok(version) = origin.version.parse::<i64>() else {
                return ChecksumCheck::NotStored;
            };
            texts
                .iter()
                .flat_map(|t| checksums::refinery(&origin.name, version, t))
                .map(|c| c.to_string())
                .collect()
        }
        Layout::Prisma => {
            if texts.iter().any(|t| checksums::prisma_matches(t, stored)) {
                return ChecksumCheck::Verified;
            }
            texts.iter().map(|t| checksums::prisma(t)).collect()
        }
        // Atlas stores the file's line of `atlas.sum`, `h1:` dropped or not.
        Layout::Atlas => {
            let stored = stored.strip_prefix("h1:").unwrap_or(stored);
            return match atlas.get(&m.id) {
                Some(hash) if hash == stored => ChecksumCheck::Verified,
                Some(hash) => ChecksumCheck::Mismatch {
                    stored: stored.to_string(),
                    computed: hash.clone(),
                },
                None => ChecksumCheck::NotStored,
            };
        }
        _ => return ChecksumCheck::NotStored,
    };
    if computed.iter().any(|c| c.eq_ignore_ascii_case(stored)) {
        ChecksumCheck::Verified
    } else {
        ChecksumCheck::Mismatch {
            stored: stored.to_string(),
            computed: computed.into_iter().next().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
