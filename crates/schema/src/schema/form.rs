//! The shapes a declared schema file may take, told apart before parsing so a wrong shape gets
//! a message that names what was expected instead of serde's "invalid type: map, expected a
//! sequence":
//!
//! - Cairn's form: `tables: [...]`;
//! - the model form other schema tools write (one table per file, or a list of them): `{name,
//!   columns: [{name, type, primary_key, nullable, default, unique}], indexes, foreign_keys}`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{Problem, ProblemKind};
use crate::schema_model::{
    Action, Column, ColumnType, DefaultValue, ForeignKey, Index, Reference, Schema, Table, Unique,
};
use crate::source::{SourceFile, problem};

/// What both forms look like, for messages.
const EXPECTED: &str = "expected Cairn's `tables: [...]`, or a table `{name, columns, indexes, foreign_keys}` or a list of such tables (the model form)";

/// The tables `f` declares, in whichever form it is written.
pub(super) fn tables(f: &SourceFile) -> Result<Vec<Table>, Problem> {
    let whole = |message: String| problem(ProblemKind::Format, &f.path, 0, 0, message, None);
    let shape = if f.text.trim_start_matches('\u{feff}').trim().is_empty() {
        Shape::Null
    } else {
        parse::<Shape>(f)?
    };
    match shape {
        Shape::Map(keys) if keys.iter().any(|k| k == "tables") => Ok(parse::<Schema>(f)?.tables),
        Shape::Map(keys)
            if keys.iter().any(|k| k == "name") && keys.iter().any(|k| k == "columns") =>
        {
            Ok(vec![parse::<ModelTable>(f)?.into_table().map_err(whole)?])
        }
        Shape::Seq(0) => Err(whole(format!(
            "declares no tables (an empty list); {EXPECTED}"
        ))),
        Shape::Seq(_) => parse::<Vec<ModelTable>>(f)?
            .into_iter()
            .map(|t| t.into_table().map_err(whole))
            .collect(),
        Shape::Map(keys) if keys.is_empty() => Err(whole(format!(
            "declares no tables (an empty map); {EXPECTED}"
        ))),
        Shape::Map(keys) => Err(whole(format!(
            "is not a schema file: its top-level keys are {}; {EXPECTED}",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        Shape::Null => Err(whole(format!("is empty; {EXPECTED}"))),
        Shape::Scalar => Err(whole(format!(
            "holds a single value, not a schema; {EXPECTED}"
        ))),
    }
}

/// Whether `f` is written as a declared schema (in either form) rather than a migration.
pub(super) fn is_schema(f: &SourceFile) -> bool {
    match parse::<Shape>(f) {
        Ok(Shape::Map(keys)) => {
            keys.iter().any(|k| k == "tables")
                || (keys.iter().any(|k| k == "name") && keys.iter().any(|k| k == "columns"))
        }
        Ok(Shape::Seq(_)) => true,
        _ => false,
    }
}

/// Parses the whole file as `T`, a syntax or shape error located at its line and column.
fn parse<T: DeserializeOwned>(f: &SourceFile) -> Result<T, Problem> {
    let text = f.text.trim_start_matches('\u{feff}');
    if f.path.extension().and_then(|e| e.to_str()) == Some("json") {
        serde_json::from_str::<T>(text).map_err(|e| {
            let (l, c) = (
                u32::try_from(e.line()).unwrap_or(0),
                u32::try_from(e.column()).unwrap_or(0),
            );
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            problem(ProblemKind::Format, &f.path, l, c, msg, Some(f))
        })
    } else {
        serde_saphyr::from_str::<T>(text).map_err(|e| {
            let (l, c) = e.location().map_or((0, 0), |l| {
                (
                    u32::try_from(l.line()).unwrap_or(0),
                    u32::try_from(l.column()).unwrap_or(0),
                )
            });
            let msg = e.to_string();
            let msg = msg
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ");
            let msg = msg
                .split_once(": ")
                .filter(|(p, _)| p.starts_with("line "))
                .map_or(msg, |(_, m)| m);
            problem(ProblemKind::Format, &f.path, l, c, msg.to_string(), Some(f))
        })
    }
}

/// A document's top level, its contents skipped.
enum Shape {
    Map(Vec<String>),
    Seq(usize),
    Null,
    Scalar,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a schema document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<serde_json::Value>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(k.as_str().map_or_else(|| k.to_string(), str::to_string));
                }
                Ok(Shape::Map(keys))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Shape::Seq(n))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Shape, E> {
                Ok(Shape::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Shape, E> {
                Ok(Shape::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

/// A table in the model form.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelTable {
    name: String,
    columns: Vec<ModelColumn>,
    #[serde(default)]
    indexes: Vec<Index>,
    #[serde(default)]
    foreign_keys: Vec<ModelForeignKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelColumn {
    name: String,
    #[serde(rename = "type")]
    ty: ColumnType,
    #[serde(default)]
    primary_key: bool,
    #[serde(default)]
    nullable: Option<bool>,
    #[serde(default)]
    default: Option<ModelDefault>,
    #[serde(default)]
    unique: bool,
    #[serde(default, alias = "autoincrement")]
    identity: bool,
}

/// A default: Cairn's forms, plus the SQL spellings of "now" these files use.
#[derive(Deserialize)]
#[serde(untagged)]
enum ModelDefault {
    Now(NowKeyword),
    Value(DefaultValue),
}

/// `CURRENT_TIMESTAMP` / `now()` written as a string.
struct NowKeyword;

impl<'de> Deserialize<'de> for NowKeyword {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.trim().to_ascii_uppercase().as_str() {
            "CURRENT_TIMESTAMP" | "NOW()" | "CURRENT_TIMESTAMP()" => Ok(NowKeyword),
            _ => Err(de::Error::custom("not a clock default")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelForeignKey {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    column: Option<String>,
    #[serde(default)]
    columns: Vec<String>,
    references: ModelReference,
    #[serde(default, deserialize_with = "action")]
    on_delete: Action,
    #[serde(default, deserialize_with = "action")]
    on_update: Action,
}

/// `users(id)`, `users.id`, or `{table, column | columns}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ModelReference {
    Text(String),
    Object {
        table: String,
        #[serde(default)]
        column: Option<String>,
        #[serde(default)]
        columns: Vec<String>,
    },
}

/// `CASCADE`, `SET NULL`, `set_null`, ...; anything else is an error, not NO ACTION.
fn action<'de, D: Deserializer<'de>>(d: D) -> Result<Action, D::Error> {
    let s = String::deserialize(d)?;
    let spelled = s.trim().replace('_', " ").to_ascii_uppercase();
    match spelled.as_str() {
        "NO ACTION" => Ok(Action::NoAction),
        "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT" => Ok(Action::parse(&spelled)),
        _ => Err(de::Error::custom(format!(
            "unknown foreign key action `{s}`: expected CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION"
        ))),
    }
}

impl ModelTable {
    fn into_table(self) -> Result<Table, String> {
        let mut table = Table {
            name: self.name,
            indexes: self.indexes,
            ..Table::default()
        };
        for c in self.columns {
            if c.primary_key {
                table.primary_key.push(c.name.clone());
            }
            if c.unique {
                table.unique.push(Unique {
                    name: None,
                    columns: vec![c.name.clone()],
                });
            }
            table.columns.push(Column {
                nullable: c.nullable.unwrap_or(!c.primary_key) && !c.primary_key,
                default: c.default.map(|d| match d {
                    ModelDefault::Now(_) => DefaultValue::Now,
                    ModelDefault::Value(v) => v,
                }),
                identity: c.identity,
                name: c.name,
                ty: c.ty,
            });
        }
        for k in self.foreign_keys {
            let columns: Vec<String> = k.column.into_iter().chain(k.columns).collect();
            if columns.is_empty() {
                return Err(format!(
                    "table `{}`: a foreign key names no `column` or `columns`",
                    table.name
                ));
            }
            let references = match k.references {
                ModelReference::Text(t) => reference(&t).ok_or_else(|| {
                    format!(
                        "table `{}`: foreign key reference `{t}`: expected `table(column)` or `table.column`",
                        table.name
                    )
                })?,
                ModelReference::Object {
                    table: t,
                    column,
                    columns,
                } => Reference {
                    table: t,
                    columns: column.into_iter().chain(columns).collect(),
                },
            };
            table.foreign_keys.push(ForeignKey {
                name: k.name,
                columns,
                references,
                on_delete: k.on_delete,
                on_update: k.on_update,
            });
        }
        Ok(table)
    }
}

/// `users(id)` / `users(a, b)` / `users.id`.
fn reference(text: &str) -> Option<Reference> {
    let text = text.trim();
    let (table, cols) = if let Some((t, rest)) = text.split_once('(') {
        (t, rest.strip_suffix(')')?)
    } else {
        text.rsplit_once('.')?
    };
    let columns: Vec<String> = cols
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    (!table.trim().is_empty() && !columns.is_empty()).then(|| Reference {
        table: table.trim().to_string(),
        columns,
    })
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
