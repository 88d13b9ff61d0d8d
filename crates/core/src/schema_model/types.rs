//! Portable column types: parsed from declared files, rendered as each dialect's
//! DDL, parsed back from each catalog's spelling, and reduced to a canonical form per dialect so
//! a declared schema and an introspected one compare equal when the database stores the same
//! thing (SQLite keeps `varchar(255)` as TEXT; MySQL's `tinyint(1)` is a boolean).

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::Dialect;

/// A column type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit float.
    Real,
    /// 64-bit float.
    Double,
    /// Exact decimal with precision and scale.
    Decimal(u32, u32),
    /// Boolean.
    Boolean,
    /// Unbounded text.
    Text,
    /// Text of at most n characters (`varchar(n)`, `text(n)`).
    Varchar(u32),
    /// Fixed-length text.
    Char(u32),
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Point in time, UTC.
    Timestamp,
    /// Bytes.
    Blob,
    /// JSON document.
    Json,
    /// UUID.
    Uuid,
    /// A dialect-specific type, per dialect (the escape hatch).
    Raw(RawType),
}

/// A raw type per dialect: `{sqlite: ..., postgres: ..., mysql: ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawType {
    /// SQLite spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// PostgreSQL spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
}

impl RawType {
    /// A raw type known for one dialect only.
    pub fn only(dialect: Dialect, sql: &str) -> RawType {
        let s = Some(sql.trim().to_ascii_lowercase());
        match dialect {
            Dialect::Sqlite => RawType {
                sqlite: s,
                ..RawType::default()
            },
            Dialect::Postgres => RawType {
                postgres: s,
                ..RawType::default()
            },
            Dialect::Mysql => RawType {
                mysql: s,
                ..RawType::default()
            },
        }
    }

    /// The spelling for `dialect`.
    pub fn get(&self, dialect: Dialect) -> Option<&str> {
        match dialect {
            Dialect::Sqlite => self.sqlite.as_deref(),
            Dialect::Postgres => self.postgres.as_deref(),
            Dialect::Mysql => self.mysql.as_deref(),
        }
    }
}

impl ColumnType {
    /// Parses the portable spelling (`bigint`, `varchar(255)`, `text(64)`, `decimal(10,2)`).
    pub fn parse(text: &str) -> Result<ColumnType, String> {
        let t = text.trim().to_ascii_lowercase();
        let (base, args) = split_args(&t);
        let one = |what: &str| -> Result<u32, String> {
            match args.as_slice() {
                [n] => Ok(*n),
                _ => Err(format!(
                    "`{text}`: {what} takes one length, e.g. {what}(255)"
                )),
            }
        };
        Ok(match (base, args.len()) {
            ("smallint" | "int2", 0) => ColumnType::SmallInt,
            ("integer" | "int" | "int4", 0) => ColumnType::Integer,
            ("bigint" | "int8", 0) => ColumnType::BigInt,
            ("real" | "float" | "float4", 0) => ColumnType::Real,
            ("double" | "double precision" | "float8", 0) => ColumnType::Double,
            ("decimal" | "numeric", 2) => ColumnType::Decimal(args[0], args[1]),
            ("decimal" | "numeric", 1) => ColumnType::Decimal(args[0], 0),
            ("boolean" | "bool", 0) => ColumnType::Boolean,
            ("text", 0) => ColumnType::Text,
            ("text" | "varchar", _) => ColumnType::Varchar(one(base)?),
            ("char", _) => ColumnType::Char(one("char")?),
            ("date", 0) => ColumnType::Date,
            ("time", 0) => ColumnType::Time,
            ("timestamp" | "timestamptz" | "datetime", 0) => ColumnType::Timestamp,
            ("blob" | "bytes" | "bytea", 0) => ColumnType::Blob,
            ("json" | "jsonb", 0) => ColumnType::Json,
            ("uuid", 0) => ColumnType::Uuid,
            _ => {
                return Err(format!(
                    "unknown type `{text}` (expected smallint, integer, bigint, real, double, decimal(p,s), boolean, text, text(n), varchar(n), char(n), date, time, timestamp, blob, json, uuid, or a raw type {{sqlite: ..., postgres: ..., mysql: ...}})"
                ));
            }
        })
    }

    /// The type as written in `dialect`'s DDL.
    pub fn sql(&self, dialect: Dialect) -> String {
        use ColumnType as T;
        use Dialect as D;
        match (self, dialect) {
            (T::Raw(r), d) => r.get(d).unwrap_or("TEXT").to_ascii_uppercase(),
            (T::SmallInt | T::Integer | T::BigInt | T::Boolean, D::Sqlite) => "INTEGER".into(),
            (T::Real | T::Double, D::Sqlite) => "REAL".into(),
            (T::Decimal(..), D::Sqlite) => "NUMERIC".into(),
            (T::Blob, D::Sqlite) => "BLOB".into(),
            (_, D::Sqlite) => "TEXT".into(),
            (T::SmallInt, _) => "SMALLINT".into(),
            (T::Integer, D::Postgres) => "INTEGER".into(),
            (T::Integer, D::Mysql) => "INT".into(),
            (T::BigInt, _) => "BIGINT".into(),
            (T::Real, D::Postgres) => "REAL".into(),
            (T::Real, D::Mysql) => "FLOAT".into(),
            (T::Double, D::Postgres) => "DOUBLE PRECISION".into(),
            (T::Double, D::Mysql) => "DOUBLE".into(),
            (T::Decimal(p, s), _) => format!("DECIMAL({p},{s})"),
            (T::Boolean, D::Postgres) => "BOOLEAN".into(),
            (T::Boolean, D::Mysql) => "TINYINT(1)".into(),
            (T::Text, _) => "TEXT".into(),
            (T::Varchar(n), _) => format!("VARCHAR({n})"),
            (T::Char(n), _) => format!("CHAR({n})"),
            (T::Date, _) => "DATE".into(),
            (T::Time, D::Postgres) => "TIME".into(),
            (T::Time, D::Mysql) => "TIME(6)".into(),
            (T::Timestamp, D::Postgres) => "TIMESTAMPTZ".into(),
            (T::Timestamp, D::Mysql) => "DATETIME(6)".into(),
            (T::Blob, D::Postgres) => "BYTEA".into(),
            (T::Blob, D::Mysql) => "LONGBLOB".into(),
            (T::Json, D::Postgres) => "JSONB".into(),
            (T::Json, D::Mysql) => "JSON".into(),
            (T::Uuid, D::Postgres) => "UUID".into(),
            (T::Uuid, D::Mysql) => "CHAR(36)".into(),
        }
    }

    /// Reads a catalog's spelling of a type (`character varying(255)`, `int(11)`,
    /// `tinyint(1)`, SQLite's declared type) for `dialect`; unknown spellings become raw types.
    pub fn from_catalog(dialect: Dialect, text: &str) -> ColumnType {
        let t = text.trim().to_ascii_lowercase();
        if dialect == Dialect::Sqlite {
            return sqlite_affinity(&t);
        }
        let (base, args) = split_args(&t);
        let base = base.trim_end_matches(" unsigned");
        let parsed = match (dialect, base, args.as_slice()) {
            (_, "character varying" | "varchar", [n]) => Some(ColumnType::Varchar(*n)),
            (_, "character" | "bpchar" | "char", [36]) if dialect == Dialect::Mysql => {
                Some(ColumnType::Uuid)
            }
            (_, "character" | "bpchar" | "char", [n]) => Some(ColumnType::Char(*n)),
            (Dialect::Mysql, "tinyint", [1]) => Some(ColumnType::Boolean),
            (Dialect::Mysql, "int" | "integer" | "mediumint", _) => Some(ColumnType::Integer),
            (Dialect::Mysql, "bigint", _) => Some(ColumnType::BigInt),
            (Dialect::Mysql, "smallint", _) => Some(ColumnType::SmallInt),
            (Dialect::Mysql, "datetime" | "timestamp", _) => Some(ColumnType::Timestamp),
            (Dialect::Mysql, "time", _) => Some(ColumnType::Time),
            (Dialect::Mysql, "longtext" | "mediumtext", []) => Some(ColumnType::Text),
            (Dialect::Mysql, "longblob" | "mediumblob" | "blob", []) => Some(ColumnType::Blob),
            (Dialect::Postgres, "timestamp with time zone", []) => Some(ColumnType::Timestamp),
            (Dialect::Postgres, "time without time zone", []) => Some(ColumnType::Time),
            (Dialect::Postgres, "json", []) => None,
            _ => ColumnType::parse(&t).ok(),
        };
        parsed.unwrap_or_else(|| ColumnType::Raw(RawType::only(dialect, &t)))
    }

    /// What `dialect` actually distinguishes: on SQLite every text-like type is TEXT and every
    /// integer-like type INTEGER; on MySQL a UUID is CHAR(36).
    pub fn canonical(&self, dialect: Dialect) -> ColumnType {
        use ColumnType as T;
        match (self, dialect) {
            (T::Raw(r), d) => match r.get(d) {
                Some(s) => ColumnType::from_catalog(d, s),
                None => T::Raw(RawType::default()),
            },
            (_, Dialect::Sqlite) => {
                sqlite_affinity(&self.sql(Dialect::Sqlite).to_ascii_lowercase())
            }
            (T::Uuid, Dialect::Mysql) => T::Char(36),
            (other, _) => other.clone(),
        }
    }
}

/// SQLite's type affinity of a declared type (section 3.1 of its datatype documentation).
fn sqlite_affinity(declared: &str) -> ColumnType {
    let d = declared.to_ascii_uppercase();
    if d.contains("INT") {
        ColumnType::Integer
    } else if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") {
        ColumnType::Text
    } else if d.contains("BLOB") || d.is_empty() {
        ColumnType::Blob
    } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") {
        ColumnType::Real
    } else {
        ColumnType::Raw(RawType::only(Dialect::Sqlite, "numeric"))
    }
}

/// `varchar(255)` -> ("varchar", [255]); arguments that are not numbers are dropped.
fn split_args(t: &str) -> (&str, Vec<u32>) {
    match t.split_once('(') {
        Some((base, rest)) => {
            let inner = rest.split(')').next().unwrap_or_default();
            let args = inner
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            (base.trim(), args)
        }
        None => (t, Vec::new()),
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ColumnType as T;
        match self {
            T::SmallInt => f.write_str("smallint"),
            T::Integer => f.write_str("integer"),
            T::BigInt => f.write_str("bigint"),
            T::Real => f.write_str("real"),
            T::Double => f.write_str("double"),
            T::Decimal(p, s) => write!(f, "decimal({p},{s})"),
            T::Boolean => f.write_str("boolean"),
            T::Text => f.write_str("text"),
            T::Varchar(n) => write!(f, "varchar({n})"),
            T::Char(n) => write!(f, "char({n})"),
            T::Date => f.write_str("date"),
            T::Time => f.write_str("time"),
            T::Timestamp => f.write_str("timestamp"),
            T::Blob => f.write_str("blob"),
            T::Json => f.write_str("json"),
            T::Uuid => f.write_str("uuid"),
            T::Raw(r) => {
                let parts: Vec<String> = [
                    ("sqlite", &r.sqlite),
                    ("postgres", &r.postgres),
                    ("mysql", &r.mysql),
                ]
                .iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
                .collect();
                write!(f, "raw({})", parts.join(", "))
            }
        }
    }
}

impl Serialize for ColumnType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ColumnType::Raw(r) => r.serialize(s),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for ColumnType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ColumnType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a portable type such as `varchar(255)`, or {sqlite: ..., postgres: ..., mysql: ...}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ColumnType, E> {
                ColumnType::parse(v).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ColumnType, A::Error> {
                RawType::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ColumnType::Raw)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests;
