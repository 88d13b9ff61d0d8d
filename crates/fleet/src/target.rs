//! One database (or schema) of a fleet, its tags, and the `--only` filter over them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::FleetError;

/// A database a fleet command runs on: its own lock, history and connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Its name in reports (a tenant, a schema, a database).
    pub name: String,
    /// Where it is. Reports show it with the password removed.
    #[serde(serialize_with = "redacted")]
    pub url: String,
    /// Labels to select targets by (`region = "eu"`).
    pub tags: BTreeMap<String, String>,
    /// SQL run on each of its connections first: a schema target's `SET search_path`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub init_sql: String,
}

fn redacted<S: serde::Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&cairn_core::redact_url(url))
}

impl Target {
    /// A target at `url` without tags.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Target {
        Target {
            name: name.into(),
            url: url.into(),
            tags: BTreeMap::new(),
            init_sql: String::new(),
        }
    }

    /// Whether every `key=value` of `only` is one of its tags.
    pub fn matches(&self, only: &[(String, String)]) -> bool {
        only.iter()
            .all(|(k, v)| self.tags.get(k).is_some_and(|t| t == v))
    }
}

/// Parses `--only` filters (`region=eu`).
pub fn parse_filters(filters: &[String]) -> Result<Vec<(String, String)>, FleetError> {
    filters
        .iter()
        .map(|f| match f.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(FleetError::Filter(f.clone())),
        })
        .collect()
}

/// `template` with `{name}` replaced by `name` and `{tag}` by each tag's value; a placeholder
/// with no value is an error naming it.
pub fn expand(
    template: &str,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + name.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!(
                "unclosed `{{` in URL template `{}`",
                cairn_core::redact_url(template)
            ));
        };
        let key = &after[..close];
        let value = if key == "name" {
            name
        } else {
            tags.get(key).map(String::as_str).ok_or_else(|| {
                format!("the URL template uses {{{key}}}, but the target has no tag `{key}`")
            })?
        };
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_template_takes_the_name_and_tags() {
        let t = tags(&[("host", "db2")]);
        assert_eq!(
            expand("postgres://app@{host}/tenant_{name}", "acme", &t).unwrap(),
            "postgres://app@db2/tenant_acme"
        );
        let err = expand("postgres://app@{shard}/x", "acme", &t).unwrap_err();
        assert!(
            err.contains("{shard}") && err.contains("no tag `shard`"),
            "{err}"
        );
        assert!(
            expand("sqlite:{name", "a", &t)
                .unwrap_err()
                .contains("unclosed")
        );
    }

    #[test]
    fn only_keeps_targets_with_every_tag() {
        let mut target = Target::new("a", "sqlite:a.db");
        target.tags = tags(&[("region", "eu"), ("plan", "pro")]);
        let only = parse_filters(&["region=eu".into(), "plan = pro".into()]).unwrap();
        assert!(target.matches(&only));
        assert!(!target.matches(&parse_filters(&["region=us".into()]).unwrap()));
        assert!(target.matches(&[]));
        assert!(parse_filters(&["region".into()]).is_err());
    }

    #[test]
    fn reports_never_show_a_password() {
        let target = Target::new("a", "postgres://app:s3cret@db/a");
        let json = serde_json::to_string(&target).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
    }
}
