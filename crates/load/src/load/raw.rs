//! The file format as serde sees it. YAML goes through serde-saphyr, which records where every
//! value sits; JSON goes through serde_json, whose values carry no positions (see `locate`).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::Dialect;

/// One migration file, before it is resolved for a dialect.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMigration {
    #[serde(default)]
    pub id: Option<Spanned<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<Spanned<String>>,
    #[serde(default)]
    pub up: Option<Spanned<RawSql>>,
    #[serde(default)]
    pub changes: Option<Spanned<Vec<Spanned<crate::changes::Change>>>>,
    #[serde(default)]
    pub down: Option<Spanned<RawSql>>,
    #[serde(default = "default_transaction")]
    pub transaction: bool,
    /// `lint: off` opts the migration out of the syntax check and the safety rules.
    #[serde(default)]
    pub lint: Option<Spanned<LintSwitch>>,
    /// Rules whose findings this migration accepts: `[{rule: drop_table, reason: "..."}]`.
    #[serde(default)]
    pub allow: Vec<Spanned<RawAllow>>,
}

/// One `allow` entry as written; a missing `reason` is reported by `resolve` with its position.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAllow {
    pub rule: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `lint: off` / `lint: on`. YAML 1.1 readers take `off` for false, so booleans are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LintSwitch(pub bool);

impl<'de> Deserialize<'de> for LintSwitch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LintSwitchVisitor)
    }
}

struct LintSwitchVisitor;

impl Visitor<'_> for LintSwitchVisitor {
    type Value = LintSwitch;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`off` or `on`")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<LintSwitch, E> {
        Ok(LintSwitch(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<LintSwitch, E> {
        match v {
            "on" => Ok(LintSwitch(true)),
            "off" => Ok(LintSwitch(false)),
            other => Err(de::Error::invalid_value(de::Unexpected::Str(other), &self)),
        }
    }
}

fn default_transaction() -> bool {
    true
}

/// Key of a per-dialect SQL map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum SqlKey {
    Dialect(Dialect),
    Default,
}

/// `up`/`down`: one SQL text, or a map from dialect (or `default`) to SQL text.
#[derive(Debug)]
pub(crate) enum RawSql {
    Text(String),
    PerDialect(BTreeMap<SqlKey, Spanned<String>>),
}

impl RawSql {
    /// The SQL for `dialect` and where its text is, if any.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<SqlChoice<'_>> {
        match self {
            RawSql::Text(text) => Some(SqlChoice { text, span: None }),
            RawSql::PerDialect(map) => map
                .get(&SqlKey::Dialect(dialect))
                .or_else(|| map.get(&SqlKey::Default))
                .map(|s| SqlChoice {
                    text: &s.value,
                    span: Some(s),
                }),
        }
    }

    /// Dialect names present, for messages.
    pub fn keys(&self) -> Vec<&'static str> {
        match self {
            RawSql::Text(_) => vec!["default"],
            RawSql::PerDialect(map) => map
                .keys()
                .map(|k| match k {
                    SqlKey::Dialect(d) => d.name(),
                    SqlKey::Default => "default",
                })
                .collect(),
        }
    }
}

/// The text chosen for a dialect; `span` is set when it came from a per-dialect map.
pub(crate) struct SqlChoice<'a> {
    pub text: &'a str,
    pub span: Option<&'a Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawSql {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawSqlVisitor)
    }
}

struct RawSqlVisitor;

impl<'de> Visitor<'de> for RawSqlVisitor {
    type Value = RawSql;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SQL text, or a map with keys sqlite, postgres, mysql, default")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSql, E> {
        Ok(RawSql::Text(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<RawSql, E> {
        Ok(RawSql::Text(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSql, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let k = match key.as_str() {
                "default" => SqlKey::Default,
                other => match other.parse::<Dialect>() {
                    Ok(d) if d.name() == other => SqlKey::Dialect(d),
                    _ => {
                        return Err(de::Error::unknown_field(
                            other,
                            &["sqlite", "postgres", "mysql", "default"],
                        ));
                    }
                },
            };
            let value: Spanned<String> = map.next_value()?;
            if out.insert(k, value).is_some() {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
        }
        Ok(RawSql::PerDialect(out))
    }
}
