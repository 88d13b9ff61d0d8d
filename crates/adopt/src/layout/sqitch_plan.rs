//! `sqitch.plan` read with the rules of sqitchers/sqitch `lib/App/Sqitch/Plan.pm` (`_parse`,
//! `check_changes`) and `Plan/Depend.pm` (`parse`): pragmas up to the first blank line,
//! `%project` required, change lines `name [deps] timestamp planner <email> # note`, tags
//! `@name timestamp planner <email>`, a change declared twice only with a tag between (a
//! rework), and every required change of this project planned earlier.

use std::collections::HashMap;
use std::path::Path;

use super::entry::{lines, problem};
use crate::error::{Problem, ProblemKind};

/// One change line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlanChange {
    pub name: String,
    /// File line of the change.
    pub line: u32,
    /// Tags declared right after it.
    pub tags: Vec<String>,
    /// The tags that name this version once the change is reworked later (`rework_tags`):
    /// its scripts are then `<name>@<tag>.sql`.
    pub rework_tags: Vec<String>,
    /// `[...]` entries as written.
    pub requires: Vec<String>,
    pub conflicts: Vec<String>,
    pub note: String,
}

/// The plan: its project and changes in plan order.
#[derive(Debug)]
pub(crate) struct Plan {
    pub project: String,
    pub changes: Vec<PlanChange>,
}

/// Like Perl's `[:punct:]` without `_`.
fn punct(c: char) -> bool {
    c.is_ascii_punctuation() && c != '_'
}

/// Sqitch's `$name_re`: no blanks or `:@#\`, neither starting nor ending with punctuation, and
/// not ending in punctuation followed by digits (`~1`, `^2`: symbolic references).
pub(crate) fn valid_name(name: &str) -> bool {
    let (Some(first), Some(last)) = (name.chars().next(), name.chars().last()) else {
        return false;
    };
    if punct(first)
        || punct(last)
        || name
            .chars()
            .any(|c| c.is_whitespace() || ":@#\\".contains(c))
    {
        return false;
    }
    let digits = name.trim_end_matches(|c: char| c.is_ascii_digit());
    !(digits.len() < name.len() && digits.ends_with(['~', '/', '=', '%', '^', '[', ']']))
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_timestamp(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// Reads the plan at `path`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Plan, Problem> {
    let fail = |line: u32, msg: String| {
        problem(
            ProblemKind::Format,
            path,
            line,
            format!("syntax error in the Sqitch plan: {msg}"),
            Some(text),
        )
    };
    let mut project = None;
    let mut changes: Vec<PlanChange> = Vec::new();
    let mut in_header = true;
    // Line of each change name since the last tag, and of every earlier change and tag.
    let mut since_tag: HashMap<String, u32> = HashMap::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    // Index of the last change of each name, and index of the first change after the last tag.
    let mut latest: HashMap<String, usize> = HashMap::new();
    for (_, n, raw) in lines(text) {
        let line = raw.trim_end_matches(['\n', '\r']);
        let line = if n == 1 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let (body, note) = match line.find('#') {
            Some(i) => (&line[..i], line[i + 1..].trim()),
            None => (line, ""),
        };
        let body = body.trim();
        if body.is_empty() {
            // A blank line (not a comment) ends the pragmas.
            in_header &= !note.is_empty() || !line.trim().is_empty();
            continue;
        }
        if in_header {
            let Some(pragma) = body.strip_prefix('%') else {
                return Err(fail(
                    n,
                    "invalid pragma; a blank line must come between pragmas and changes".into(),
                ));
            };
            if let Some((key, value)) = pragma.split_once('=')
                && key.trim() == "project"
            {
                let value = value.trim();
                if !valid_name(value) {
                    return Err(fail(n, format!("invalid project name `{value}`")));
                }
                project = Some(value.to_string());
            }
            continue;
        }
        let Some(project) = project.as_deref() else {
            return Err(fail(
                n,
                "missing %project pragma before the first change".into(),
            ));
        };
        let (is_tag, rest) = match body.strip_prefix('@') {
            Some(r) => (true, r),
            None => (false, body),
        };
        let (operator, rest) = match rest.strip_prefix(['+', '-']) {
            Some(r) if !is_tag => (rest.chars().next(), r.trim_start()),
            _ => (None, rest),
        };
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '[')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let mut rest = rest[name_end..].trim_start();
        if !valid_name(name) {
            return Err(fail(
                n,
                format!(
                    "invalid name `{name}`: names must not begin with punctuation, contain \"@\", \":\", \"#\", \"\\\", \"[\", \"]\", or blanks, or end in punctuation or digits following punctuation"
                ),
            ));
        }
        if operator == Some('-') {
            return Err(fail(
                n,
                format!("`-{name}` (a revert in the plan) is not supported"),
            ));
        }
        let mut deps = Vec::new();
        if let Some(inner) = rest.strip_prefix('[') {
            let Some(end) = inner.find(']') else {
                return Err(fail(n, "`[` without `]`".into()));
            };
            deps = inner[..end]
                .split_whitespace()
                .map(str::to_string)
                .collect();
            rest = inner[end + 1..].trim_start();
        }
        let timestamp = rest.split_whitespace().next().filter(|w| is_timestamp(w));
        let planner = timestamp.map_or(rest, |t| rest[t.len()..].trim());
        let has_planner =
            planner.contains('<') && planner.ends_with('>') && !planner.starts_with('<');
        match (timestamp.is_some(), has_planner) {
            (false, false) => {
                return Err(fail(
                    n,
                    "missing timestamp and planner name and email".into(),
                ));
            }
            (false, true) => return Err(fail(n, "missing timestamp".into())),
            (true, false) => return Err(fail(n, "missing planner name and email".into())),
            (true, true) => {}
        }
        if ["ROOT", "HEAD"].contains(&name) {
            return Err(fail(n, format!("\"{name}\" is a reserved name")));
        }
        if name.len() >= 40
            && name[..40]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(fail(
                n,
                format!("\"{name}\" could be confused with a SHA1 ID"),
            ));
        }
        if is_tag {
            let key = format!("@{name}");
            if let Some(at) = seen.get(&key) {
                return Err(fail(
                    n,
                    format!("tag \"{name}\" duplicates earlier declaration on line {at}"),
                ));
            }
            if !deps.is_empty() {
                return Err(fail(n, "tags may not specify dependencies".into()));
            }
            let Some(last) = changes.last_mut() else {
                return Err(fail(
                    n,
                    format!("tag \"{name}\" declared without a preceding change"),
                ));
            };
            last.tags.push(name.to_string());
            seen.extend(since_tag.drain());
            seen.insert(key, n);
            continue;
        }
        if let Some(at) = since_tag.get(name) {
            return Err(fail(
                n,
                format!("change \"{name}\" duplicates earlier declaration on line {at}"),
            ));
        }
        let mut change = PlanChange {
            name: name.to_string(),
            line: n,
            tags: Vec::new(),
            rework_tags: Vec::new(),
            requires: Vec::new(),
            conflicts: Vec::new(),
            note: note.to_string(),
        };
        for dep in deps {
            if change.requires.contains(&dep) || change.conflicts.contains(&dep) {
                return Err(fail(n, format!("duplicate dependency \"{dep}\"")));
            }
            if let Some(msg) = check_dependency(&dep, name, project, &seen, &since_tag) {
                return Err(fail(n, msg));
            }
            match dep.strip_prefix('!') {
                Some(c) => change.conflicts.push(c.to_string()),
                None => change.requires.push(dep),
            }
        }
        if let Some(&duped) = latest.get(name) {
            // Tags from the newest change back to the reworked one, then its own (Plan.pm).
            let tags: Vec<String> = changes[duped + 1..]
                .iter()
                .rev()
                .flat_map(|c| c.tags.clone())
                .chain(changes[duped].tags.clone())
                .collect();
            changes[duped].rework_tags.extend(tags);
        }
        latest.insert(name.to_string(), changes.len());
        since_tag.insert(name.to_string(), n);
        changes.push(change);
    }
    let project = project.ok_or_else(|| fail(1, "missing %project pragma".into()))?;
    Ok(Plan { project, changes })
}

/// Why a dependency is refused (`Depend::parse`, `check_changes`): a required change of this
/// project must be planned before; `change@tag` needs the change before the tag.
fn check_dependency(
    dep: &str,
    change: &str,
    project: &str,
    seen: &HashMap<String, u32>,
    since_tag: &HashMap<String, u32>,
) -> Option<String> {
    let (conflict, spec) = match dep.strip_prefix('!') {
        Some(s) => (true, s),
        None => (false, dep),
    };
    let (dep_project, key) = match spec.split_once(':') {
        Some((p, k)) => (Some(p), k),
        None => (None, spec),
    };
    let (target, tag) = match key.split_once('@') {
        Some((c, t)) => (c, Some(t)),
        None => (key, None),
    };
    let sha1 = key.len() == 40
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let valid = dep_project.is_none_or(valid_name)
        && (sha1 || ((target.is_empty() || valid_name(target)) && tag.is_none_or(valid_name)))
        && !(target.is_empty() && tag.is_none());
    if !valid {
        return Some(format!("\"{dep}\" is not a valid dependency specification"));
    }
    if conflict || dep_project.is_some_and(|p| p != project) || (dep_project.is_none() && sha1) {
        return None;
    }
    if target == change && tag.is_none() {
        return Some(format!("change \"{change}\" cannot require itself"));
    }
    let known = match (target, tag) {
        ("", Some(t)) => seen.contains_key(&format!("@{t}")),
        (c, Some(t)) => match (seen.get(c), seen.get(&format!("@{t}"))) {
            (Some(c_at), Some(t_at)) => c_at < t_at,
            _ => false,
        },
        (c, None) => seen.contains_key(c) || since_tag.contains_key(c),
    };
    (!known).then(|| {
        format!("unknown change \"{key}\" required by change \"{change}\": a required change must be planned before the change that requires it")
    })
}

#[cfg(test)]
#[path = "sqitch_plan_tests.rs"]
mod tests;
