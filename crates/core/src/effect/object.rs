//! Schema objects a statement creates or drops, and reading them from `CREATE`, `DROP` and
//! `RENAME TABLE`.

use serde::Serialize;

use super::{Effect, Words};
use crate::Dialect;

/// An identifier as written: quoted identifiers keep their case, unquoted ones are folded the
/// way the database folds them when looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The text, without quotes.
    pub text: String,
    /// Whether it was quoted.
    pub quoted: bool,
}

impl Ident {
    /// The name as `dialect` stores it in its catalog: PostgreSQL folds unquoted names to
    /// lower case; MySQL and SQLite keep them (and compare them without case).
    pub fn stored(&self, dialect: Dialect) -> String {
        if dialect == Dialect::Postgres && !self.quoted {
            self.text.to_lowercase()
        } else {
            self.text.clone()
        }
    }
}

/// A possibly schema-qualified name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// The schema (PostgreSQL) or database (MySQL) it is qualified with.
    pub schema: Option<Ident>,
    /// The object's own name.
    pub name: Ident,
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{}.{}", s.text, self.name.text),
            None => write!(f, "{}", self.name.text),
        }
    }
}

/// A schema object the catalog can be asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "object", rename_all = "snake_case")]
pub enum Object {
    /// A table, view or sequence.
    Relation {
        /// Its name.
        name: Name,
    },
    /// An index; `table` is needed on MySQL, where index names are per table.
    Index {
        /// The table it is on, when the statement names it.
        table: Option<Name>,
        /// The index.
        name: Name,
        /// Built with `CREATE INDEX CONCURRENTLY`: an interrupted build leaves an invalid
        /// index behind (PostgreSQL).
        concurrently: bool,
    },
    /// A column of a table.
    Column {
        /// The table.
        table: Name,
        /// The column.
        column: Ident,
    },
    /// A named constraint of a table.
    Constraint {
        /// The table.
        table: Name,
        /// The constraint.
        name: Ident,
    },
    /// A function or procedure.
    Routine {
        /// Its name.
        name: Name,
    },
    /// A trigger.
    Trigger {
        /// Its name.
        name: Name,
    },
    /// A schema (PostgreSQL), or a database (MySQL, where the two are one).
    Namespace {
        /// Its name.
        name: Ident,
    },
    /// A PostgreSQL database.
    Database {
        /// Its name.
        name: Ident,
    },
    /// A MySQL event.
    Event {
        /// Its name.
        name: Name,
    },
}

impl std::fmt::Display for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Object::Relation { name } => write!(f, "table or view {name}"),
            Object::Index {
                table: Some(t),
                name,
                ..
            } => write!(f, "index {name} on {t}"),
            Object::Index { name, .. } => write!(f, "index {name}"),
            Object::Column { table, column } => write!(f, "column {table}.{}", column.text),
            Object::Constraint { table, name } => {
                write!(f, "constraint {} on {table}", name.text)
            }
            Object::Routine { name } => write!(f, "routine {name}"),
            Object::Trigger { name } => write!(f, "trigger {name}"),
            Object::Namespace { name } => write!(f, "schema {}", name.text),
            Object::Database { name } => write!(f, "database {}", name.text),
            Object::Event { name } => write!(f, "event {name}"),
        }
    }
}

/// What a schema statement leaves behind: each of `present` exists after it, each of `absent`
/// is gone. A statement took effect when all of them hold, had none when none of them does.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Change {
    /// Objects that exist once it took effect.
    pub present: Vec<Object>,
    /// Objects that are gone once it took effect.
    pub absent: Vec<Object>,
}

impl Change {
    fn creates(object: Object) -> Effect {
        Effect::Schema(Change {
            present: vec![object],
            absent: Vec::new(),
        })
    }

    fn drops(objects: Vec<Object>) -> Effect {
        Effect::Schema(Change {
            present: Vec::new(),
            absent: objects,
        })
    }
}

/// `CREATE ...`.
pub(super) fn create(words: &mut Words<'_>, dialect: Dialect) -> Effect {
    if words.eat_all(&["OR", "REPLACE"]) {
        return Effect::Repeatable;
    }
    // MySQL's view and routine options come before the object word.
    let mut kind = None;
    let mut concurrently = false;
    for _ in 0..20 {
        match words.keyword().as_deref() {
            Some(
                "UNIQUE" | "FULLTEXT" | "SPATIAL" | "TEMPORARY" | "TEMP" | "UNLOGGED" | "GLOBAL"
                | "LOCAL" | "ALGORITHM" | "UNDEFINED" | "MERGE" | "TEMPTABLE" | "DEFINER" | "SQL"
                | "SECURITY" | "INVOKER" | "CURRENT_USER" | "RECURSIVE" | "MATERIALIZED"
                | "AGGREGATE" | "CONSTRAINT" | "ONLINE",
            ) => {}
            Some(k) => {
                kind = Some(k.to_string());
                break;
            }
            // `=` and user names (`'root'@'%'`) in MySQL's options.
            None => {}
        }
    }
    let Some(kind) = kind else {
        return Effect::Unknown;
    };
    if kind == "INDEX" {
        concurrently = words.eat("CONCURRENTLY");
    }
    if words.eat_all(&["IF", "NOT", "EXISTS"]) && !concurrently {
        return Effect::Repeatable;
    }
    match kind.as_str() {
        "TABLE" | "VIEW" | "SEQUENCE" => words.name().map_or(Effect::Unknown, |name| {
            Change::creates(Object::Relation { name })
        }),
        "INDEX" => {
            // `CREATE INDEX ON t (...)` names no index: PostgreSQL picks the name.
            if words.eat("ON") {
                return Effect::Unknown;
            }
            let Some(name) = words.name() else {
                return Effect::Unknown;
            };
            // MySQL's `USING BTREE` may come before `ON`.
            let table = if words.eat("ON")
                || (words.eat("USING") && words.keyword().is_some() && words.eat("ON"))
            {
                words.eat("ONLY");
                words.name()
            } else {
                None
            };
            if dialect == Dialect::Mysql && table.is_none() {
                return Effect::Unknown;
            }
            Change::creates(Object::Index {
                table,
                name,
                concurrently,
            })
        }
        "FUNCTION" | "PROCEDURE" => words.name().map_or(Effect::Unknown, |name| {
            Change::creates(Object::Routine { name })
        }),
        "TRIGGER" => words.name().map_or(Effect::Unknown, |name| {
            Change::creates(Object::Trigger { name })
        }),
        "EVENT" => words.name().map_or(Effect::Unknown, |name| {
            Change::creates(Object::Event { name })
        }),
        "SCHEMA" | "DATABASE" => words.ident().map_or(Effect::Unknown, |name| {
            Change::creates(Object::Namespace { name })
        }),
        _ => Effect::Unknown,
    }
}

/// `DROP ...`.
pub(super) fn drop(words: &mut Words<'_>, dialect: Dialect) -> Effect {
    words.eat("TEMPORARY");
    words.eat("MATERIALIZED");
    let Some(kind) = words.keyword() else {
        return Effect::Unknown;
    };
    let concurrently = kind == "INDEX" && words.eat("CONCURRENTLY");
    if words.eat_all(&["IF", "EXISTS"]) {
        return Effect::Repeatable;
    }
    let mut objects = Vec::new();
    loop {
        let Some(name) = words.name() else {
            return Effect::Unknown;
        };
        let object = match kind.as_str() {
            "TABLE" | "VIEW" | "SEQUENCE" => Object::Relation { name },
            "INDEX" => {
                let table = if words.eat("ON") { words.name() } else { None };
                if dialect == Dialect::Mysql && table.is_none() {
                    return Effect::Unknown;
                }
                Object::Index {
                    table,
                    name,
                    concurrently,
                }
            }
            "FUNCTION" | "PROCEDURE" => Object::Routine { name },
            "TRIGGER" => Object::Trigger { name },
            "EVENT" => Object::Event { name },
            "SCHEMA" | "DATABASE" => namespace(&kind, name.name, dialect),
            _ => return Effect::Unknown,
        };
        objects.push(object);
        // A routine's argument list, then `CASCADE`/`RESTRICT` or the next name.
        if !words.skip_item() {
            break;
        }
    }
    Change::drops(objects)
}

/// `SCHEMA` or `DATABASE` `name`: the same thing on MySQL.
fn namespace(kind: &str, name: Ident, dialect: Dialect) -> Object {
    if kind == "DATABASE" && dialect == Dialect::Postgres {
        Object::Database { name }
    } else {
        Object::Namespace { name }
    }
}

/// MySQL's `RENAME TABLE a TO b [, c TO d]`.
pub(super) fn rename_tables(words: &mut Words<'_>) -> Effect {
    if !words.eat("TABLE") && !words.eat("TABLES") {
        return Effect::Unknown;
    }
    let mut change = Change::default();
    loop {
        let (Some(from), true, Some(to)) = (words.name(), words.eat("TO"), words.name()) else {
            return Effect::Unknown;
        };
        change.absent.push(Object::Relation { name: from });
        change.present.push(Object::Relation { name: to });
        if !words.skip_item() {
            break;
        }
    }
    // A swap (`a TO tmp, b TO a, tmp TO b`) leaves the same names before and after.
    let folded = |o: &Object| o.to_string().to_lowercase();
    if change
        .present
        .iter()
        .any(|p| change.absent.iter().any(|a| folded(a) == folded(p)))
    {
        return Effect::Unknown;
    }
    Effect::Schema(change)
}
