//! Resolving one parsed file for a dialect: its `up`/`down` (or `changes`) as scripts located
//! in the file.

use std::sync::Arc;

use serde_saphyr::Spanned;

use super::raw::{RawMigration, RawSql};
use crate::error::{Problem, ProblemKind};
use crate::model::{Allow, LintSettings, Migration, Origin, Script, Splitter};
use crate::source::locate;
use crate::source::{SourceFile, problem};
use crate::split::split;
use crate::{Checksum, Dialect};

pub(super) fn resolve(
    file: &SourceFile,
    raw: &RawMigration,
    id: String,
    dialect: Dialect,
) -> Result<Migration, Vec<Problem>> {
    let mut problems = Vec::new();
    // The file's text, shared by the migration and by its scripts' splitters.
    let text: Arc<str> = Arc::from(file.text.as_str());
    let list: Option<Vec<crate::changes::Change>> = raw
        .changes
        .as_ref()
        .map(|c| c.value.iter().map(|s| s.value.clone()).collect());
    let lint = lint_settings(file, raw, &mut problems);
    let up = match (&raw.up, &raw.changes) {
        (Some(_), Some(c)) => {
            let (line, col) = position(file, c, &["changes"], 0);
            problems.push(problem(
                ProblemKind::Format,
                &file.path,
                line,
                col,
                format!("migration `{id}` has both `up` and `changes`: give one of them"),
                Some(file),
            ));
            None
        }
        (None, None) => {
            problems.push(problem(
                ProblemKind::Format,
                &file.path,
                1,
                1,
                format!("migration `{id}` has neither `up` nor `changes`"),
                Some(file),
            ));
            None
        }
        (None, Some(changes)) => {
            changes_script(file, changes, list.as_deref().unwrap_or_default(), dialect)
                .map_err(|p| problems.push(p))
                .ok()
        }
        (Some(up), None) => match script((file, &text), up, "up", dialect) {
            Ok(Some(s)) => Some(s),
            Ok(None) => {
                let (line, col) = position(file, up, &["up"], 0);
                let msg = format!(
                    "migration `{id}` has no `up` SQL for {dialect} (it has: {}); add a `{dialect}:` or `default:` entry",
                    up.value.keys().join(", ")
                );
                problems.push(problem(
                    ProblemKind::MissingSql,
                    &file.path,
                    line,
                    col,
                    msg,
                    Some(file),
                ));
                None
            }
            Err(p) => {
                problems.push(p);
                None
            }
        },
    };
    let down = match (&raw.down, &raw.changes) {
        (Some(d), _) => script((file, &text), d, "down", dialect).unwrap_or_else(|p| {
            problems.push(p);
            None
        }),
        (None, Some(changes)) => {
            match crate::changes::reverse(list.as_deref().unwrap_or_default(), dialect) {
                Ok(back) => changes_script(file, changes, &back, dialect)
                    .map_err(|p| problems.push(p))
                    .ok(),
                Err(why) => {
                    let (line, col) = position(file, changes, &["changes"], 0);
                    problems.push(problem(
                        ProblemKind::Format,
                        &file.path,
                        line,
                        col,
                        format!("cannot derive the rollback of `{id}`: {why}"),
                        Some(file),
                    ));
                    None
                }
            }
        }
        (None, None) => None,
    };
    match up {
        Some(up) if problems.is_empty() => Ok(Migration {
            checksum: Checksum::of_sql(&up.sql),
            id,
            description: raw.description.clone().unwrap_or_default(),
            depends_on: raw.depends_on.iter().map(|d| d.value.clone()).collect(),
            up,
            down,
            transaction: raw.transaction,
            file: file.path.clone(),
            down_file: None,
            source: text,
            lint,
            up_origins: raw
                .changes
                .as_ref()
                .map(|c| origins(file, &c.value, dialect))
                .unwrap_or_default(),
            down_derived: raw.down.is_none() && raw.changes.is_some(),
            repeatable: false,
            origin: None,
        }),
        _ => Err(problems),
    }
}

/// `lint` and `allow` as written; an `allow` without a reason is a problem, since the reason is
/// what a reviewer reads when a risky statement goes through.
fn lint_settings(
    file: &SourceFile,
    raw: &RawMigration,
    problems: &mut Vec<Problem>,
) -> LintSettings {
    let mut allow = Vec::new();
    for entry in &raw.allow {
        let (line, column) = position(file, entry, &["allow"], 0);
        let rule = entry.value.rule.trim().to_string();
        match entry.value.reason.as_deref().map(str::trim) {
            Some(reason) if !reason.is_empty() => allow.push(Allow {
                rule,
                reason: reason.to_string(),
                line,
                column,
            }),
            _ => problems.push(problem(
                ProblemKind::Format,
                &file.path,
                line,
                column,
                format!("`allow` of rule `{rule}` needs a `reason`: say why its finding is acceptable here"),
                Some(file),
            )),
        }
    }
    LintSettings {
        off: raw.lint.as_ref().is_some_and(|l| !l.value.0),
        allow,
    }
}

/// Where each change's statements start in the SQL `render` makes of `changes` (which is each
/// change's statements followed by `;\n`, in order), and where the change is in the file.
fn origins(
    file: &SourceFile,
    changes: &[Spanned<crate::changes::Change>],
    dialect: Dialect,
) -> Vec<Origin> {
    let mut offset = 0;
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        let (line, column) = position(file, change, &["changes"], 0);
        out.push(Origin {
            offset,
            line,
            column,
        });
        let Ok(stmts) = change.value.sql(dialect) else {
            break;
        };
        offset += stmts.iter().map(|s| s.len() + 2).sum::<usize>();
    }
    out
}

/// The SQL `changes` render to on `dialect`, located at the `changes` key.
fn changes_script(
    file: &SourceFile,
    at: &Spanned<Vec<Spanned<crate::changes::Change>>>,
    changes: &[crate::changes::Change],
    dialect: Dialect,
) -> Result<Script, Problem> {
    let (line, col) = position(file, at, &["changes"], 0);
    let sql = crate::changes::render(changes, dialect).map_err(|e| {
        problem(
            ProblemKind::MissingSql,
            &file.path,
            line,
            col,
            e,
            Some(file),
        )
    })?;
    let statements = split(&sql, dialect).map_err(|e| {
        problem(
            ProblemKind::Sql,
            &file.path,
            line,
            col,
            e.to_string(),
            Some(file),
        )
    })?;
    Ok(Script::new(sql, statements, line, false))
}

fn script(
    (file, text): (&SourceFile, &Arc<str>),
    sql: &Spanned<RawSql>,
    key: &str,
    dialect: Dialect,
) -> Result<Option<Script>, Problem> {
    let Some(choice) = sql.value.for_dialect(dialect) else {
        return Ok(None);
    };
    // Position of the text itself: the per-dialect entry when there is one, else the field.
    let (node_line, node_col, at) = match choice.span {
        Some(s) => {
            let (l, c) = position(file, s, &[key, dialect.name()], 0);
            (l, c, s.referenced.span().byte_offset())
        }
        None => {
            let (l, c) = position(file, sql, &[key], 0);
            (l, c, sql.referenced.span().byte_offset())
        }
    };
    let style = at
        .and_then(|b| usize::try_from(b).ok())
        .and_then(|b| block_style(&file.text, b));
    let (first_line, lines_match) = match style {
        Some('|') => (node_line, true),
        Some(_) => (node_line + 1, false),
        None => (node_line, false),
    };
    // Split when the statements are first needed; the problem then reads as it would have at
    // load.
    let (path, text, key) = (file.path.clone(), Arc::clone(text), key.to_string());
    let splitter: Splitter = Arc::new(move |sql: &str| {
        split(sql, dialect).map_err(|e| {
            let line = if lines_match {
                first_line + e.line.saturating_sub(1)
            } else {
                first_line
            };
            let msg = format!("cannot split `{key}` SQL for {dialect}: {e}");
            let mut found = problem(
                ProblemKind::Sql,
                &path,
                line,
                if lines_match { 0 } else { node_col },
                msg,
                None,
            );
            found.source_line = locate::line_text(&text, line).map(str::to_string);
            found
        })
    });
    Ok(Some(Script::deferred(
        choice.text.to_string(),
        first_line,
        lines_match,
        splitter,
    )))
}

/// `|` or `>` when the scalar starting at byte `at` is a YAML block scalar: its content starts
/// a line and the line before ends with the block indicator (`|`, `|-`, `>+`, ...).
fn block_style(text: &str, at: usize) -> Option<char> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n')?;
    if !before[line_start + 1..].trim().is_empty() {
        return None;
    }
    let prev = &before[..line_start];
    let prev_line = &prev[prev.rfind('\n').map_or(0, |i| i + 1)..];
    let prev_line = prev_line.split(" #").next().unwrap_or(prev_line).trim_end();
    let indicator = prev_line.rsplit([' ', '\t']).next()?;
    let c = indicator.chars().next()?;
    let rest_ok = indicator[1..]
        .chars()
        .all(|r| matches!(r, '-' | '+' | '1'..='9'));
    ((c == '|' || c == '>') && rest_ok).then_some(c)
}

/// Line and column of a value: from the YAML parser when it kept them, else found in the JSON
/// text by following `keys` (each looked for after the previous one).
pub(super) fn position<T>(
    file: &SourceFile,
    value: &Spanned<T>,
    keys: &[&str],
    from: usize,
) -> (u32, u32) {
    let loc = value.referenced;
    if loc.line() > 0 {
        return (
            u32::try_from(loc.line()).unwrap_or(0),
            u32::try_from(loc.column()).unwrap_or(0),
        );
    }
    let mut at = Some(from);
    for key in keys {
        at = at.and_then(|a| locate::find_json_string(&file.text, key, a));
    }
    at.map_or((1, 1), |a| locate::line_col(&file.text, a))
}
