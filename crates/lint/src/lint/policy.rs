//! The lint policy: `[lint]` of `cairn.toml`, one severity per rule id.
//!
//! ```toml
//! [lint]
//! drop_table = "deny"
//! create_index_without_concurrently = "deny"
//! syntax = "info"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Rule, Severity};

/// The policy file's name, looked for in the working directory and its parents.
pub const POLICY_FILE: &str = "cairn.toml";

/// Severity per rule id; rules it does not name keep their default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    levels: BTreeMap<String, Severity>,
    path: Option<PathBuf>,
}

/// A policy file that cannot be read or is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
pub struct PolicyError {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// What is wrong.
    pub message: String,
}

/// `cairn.toml` as serde sees it: other tables belong to other tools or later versions.
#[derive(Deserialize)]
struct File {
    #[serde(default)]
    lint: BTreeMap<String, String>,
}

impl Policy {
    /// Parses the text of a `cairn.toml`.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let file: File = toml::from_str(text).map_err(|e| PolicyError {
            path: None,
            message: e.to_string().trim_end().to_string(),
        })?;
        let mut levels = BTreeMap::new();
        for (rule, value) in file.lint {
            let severity = value.parse::<Severity>().map_err(|e| PolicyError {
                path: None,
                message: format!("[lint] {rule}: {e}"),
            })?;
            levels.insert(rule, severity);
        }
        Ok(Policy { levels, path: None })
    }

    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let with_path = |message: String| PolicyError {
            path: Some(path.to_path_buf()),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| with_path(e.to_string()))?;
        let mut policy = Policy::parse(&text).map_err(|e| with_path(e.message))?;
        policy.path = Some(path.to_path_buf());
        Ok(policy)
    }

    /// The policy of the nearest `cairn.toml` in `dir` or its parents; the defaults when there
    /// is none.
    pub fn discover(dir: &Path) -> Result<Policy, PolicyError> {
        let mut at = Some(dir);
        while let Some(d) = at {
            let candidate = d.join(POLICY_FILE);
            if candidate.is_file() {
                return Policy::load(&candidate);
            }
            at = d.parent();
        }
        Ok(Policy::default())
    }

    /// The file it came from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Sets `rule`'s severity.
    pub fn set(mut self, rule: &str, severity: Severity) -> Self {
        self.levels.insert(rule.to_string(), severity);
        self
    }

    /// The severity `rule` runs at: the policy's, else the rule's default.
    pub fn severity(&self, rule: &dyn Rule) -> Severity {
        self.levels
            .get(rule.id())
            .copied()
            .unwrap_or_else(|| rule.severity())
    }

    /// The rules the policy sets, with their severity.
    pub fn rules(&self) -> impl Iterator<Item = (&str, Severity)> + '_ {
        self.levels.iter().map(|(k, v)| (k.as_str(), *v))
    }
}
