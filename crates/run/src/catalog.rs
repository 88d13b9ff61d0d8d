//! Whether a statement that commits on its own took effect, read from the catalog, for
//! resuming a run that stopped between that statement and its progress record: the objects it
//! creates exist, the ones it drops are gone. One catalog query per object it names.

use crate::Dialect;
use crate::driver::Driver;
use crate::effect::{Change, Effect, Ident, Name, Object};
use crate::error::BackendError;

/// What to do with the statement that was running when a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It took effect (the catalog says why): do not run it again.
    Skip(String),
    /// It did not, or running it again is harmless: run it (the reason says which).
    Run(String),
    /// The catalog cannot tell: stop, saying what to check.
    Refuse(String),
}

/// Decides the uncertain statement `sql` (whose effect is `effect`) on `db`. On PostgreSQL, an
/// index an interrupted `CREATE INDEX CONCURRENTLY` left invalid, and what an interrupted
/// `REINDEX CONCURRENTLY` left, are dropped first, so the statement runs again cleanly.
pub fn decide(db: &mut dyn Driver, effect: &Effect, sql: &str) -> Result<Decision, BackendError> {
    let dialect = db.dialect();
    match effect {
        Effect::Repeatable => {
            if dialect == Dialect::Postgres && is_concurrent_reindex(sql) {
                let dropped = drop_reindex_leftovers(db)?;
                if !dropped.is_empty() {
                    return Ok(Decision::Run(format!(
                        "an interrupted REINDEX CONCURRENTLY left invalid indexes {}: dropped them, and it runs again",
                        dropped.join(", ")
                    )));
                }
            }
            Ok(Decision::Run(
                "it gives the same result when run twice, so it runs again".to_string(),
            ))
        }
        Effect::Schema(change) => schema(db, change),
        _ => Ok(Decision::Refuse(
            "the catalog does not show what this kind of statement changed; look at the data or objects it touches".to_string(),
        )),
    }
}

fn schema(db: &mut dyn Driver, change: &Change) -> Result<Decision, BackendError> {
    let mut done = Vec::new();
    let mut not_done = Vec::new();
    for (object, wanted) in change
        .present
        .iter()
        .map(|o| (o, true))
        .chain(change.absent.iter().map(|o| (o, false)))
    {
        let Some(state) = state(db, object)? else {
            return Ok(Decision::Refuse(format!(
                "the catalog of this database cannot show the {object}; check whether it {}",
                if wanted { "exists" } else { "is gone" }
            )));
        };
        if let (State::Invalid, true) = (&state, wanted) {
            // An interrupted concurrent build: the index is there but unusable, and building
            // it again would fail on its name.
            db.execute(&format!("DROP INDEX {}", pg_name(object_name(object))))?;
            return Ok(Decision::Run(format!(
                "the interrupted build left {object} invalid: dropped it, and it is built again"
            )));
        }
        let exists = state != State::Absent;
        let line = format!("{object} {}", if exists { "exists" } else { "is absent" });
        if exists == wanted {
            done.push(line);
        } else {
            not_done.push(line);
        }
    }
    Ok(match (done.is_empty(), not_done.is_empty()) {
        (false, true) => Decision::Skip(done.join(", ")),
        (true, false) => Decision::Run(not_done.join(", ")),
        _ => Decision::Refuse(format!(
            "it took effect only in part ({}; but {})",
            done.join(", "),
            not_done.join(", ")
        )),
    })
}

/// What the catalog says of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Absent,
    Present,
    /// A PostgreSQL index whose concurrent build did not finish.
    Invalid,
}

fn object_name(object: &Object) -> &Name {
    match object {
        Object::Relation { name }
        | Object::Index { name, .. }
        | Object::Routine { name }
        | Object::Trigger { name }
        | Object::Event { name } => name,
        Object::Column { table, .. } | Object::Constraint { table, .. } => table,
        // Not used for these (no index to drop).
        Object::Namespace { .. } | Object::Database { .. } => &EMPTY,
    }
}

static EMPTY: Name = Name {
    schema: None,
    name: Ident {
        text: String::new(),
        quoted: true,
    },
};

/// `object`'s state in `db`'s catalog; `None` when this database's catalog cannot show it.
fn state(db: &mut dyn Driver, object: &Object) -> Result<Option<State>, BackendError> {
    let dialect = db.dialect();
    let query = match dialect {
        Dialect::Postgres => postgres(object),
        Dialect::Mysql => mysql(object),
        Dialect::Sqlite => sqlite(object),
    };
    let Some(query) = query else {
        return Ok(None);
    };
    let rows = db.query(&query)?;
    let Some(row) = rows.first() else {
        return Ok(Some(State::Absent));
    };
    let invalid = matches!(object, Object::Index { .. })
        && dialect == Dialect::Postgres
        && row.first().cloned().flatten().as_deref() == Some("f");
    Ok(Some(if invalid {
        State::Invalid
    } else {
        State::Present
    }))
}

/// A string literal (quotes doubled; MySQL also reads backslashes as escapes).
fn lit(text: &str, dialect: Dialect) -> String {
    let text = text.replace('\'', "''");
    if dialect == Dialect::Mysql {
        format!("'{}'", text.replace('\\', "\\\\"))
    } else {
        format!("'{text}'")
    }
}

/// `name` as PostgreSQL resolves it (search path, folding), quoted so it reads back as is.
fn pg_name(name: &Name) -> String {
    let quote = |i: &Ident| format!("\"{}\"", i.stored(Dialect::Postgres).replace('"', "\"\""));
    match &name.schema {
        Some(s) => format!("{}.{}", quote(s), quote(&name.name)),
        None => quote(&name.name),
    }
}

fn regclass(name: &Name) -> String {
    format!("to_regclass({})", lit(&pg_name(name), Dialect::Postgres))
}

fn postgres(object: &Object) -> Option<String> {
    let pg = Dialect::Postgres;
    Some(match object {
        Object::Relation { name } => format!("SELECT 1 WHERE {} IS NOT NULL", regclass(name)),
        Object::Index { name, .. } => format!(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = {}",
            regclass(name)
        ),
        Object::Column { table, column } => format!(
            "SELECT 1 FROM pg_attribute WHERE attrelid = {} AND attname = {} AND NOT attisdropped",
            regclass(table),
            lit(&column.stored(pg), pg)
        ),
        Object::Constraint { table, name } => format!(
            "SELECT 1 FROM pg_constraint WHERE conrelid = {} AND conname = {}",
            regclass(table),
            lit(&name.stored(pg), pg)
        ),
        Object::Routine { name } => format!(
            "SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = {} AND {}",
            lit(&name.name.stored(pg), pg),
            match &name.schema {
                Some(s) => format!("n.nspname = {}", lit(&s.stored(pg), pg)),
                None => "pg_function_is_visible(p.oid)".to_string(),
            }
        ),
        Object::Trigger { name } => format!(
            "SELECT 1 FROM pg_trigger WHERE tgname = {} AND NOT tgisinternal",
            lit(&name.name.stored(pg), pg)
        ),
        Object::Namespace { name } => format!(
            "SELECT 1 FROM pg_namespace WHERE nspname = {}",
            lit(&name.stored(pg), pg)
        ),
        Object::Database { name } => format!(
            "SELECT 1 FROM pg_database WHERE datname = {}",
            lit(&name.stored(pg), pg)
        ),
        Object::Event { .. } => return None,
    })
}

fn mysql(object: &Object) -> Option<String> {
    let my = Dialect::Mysql;
    let schema = |column: &str, name: &Name| match &name.schema {
        Some(s) => format!("{column} = {}", lit(&s.text, my)),
        None => format!("{column} = DATABASE()"),
    };
    let from = |view: &str, schema_col: &str, name_col: &str, name: &Name| {
        format!(
            "SELECT 1 FROM information_schema.{view} WHERE {} AND {name_col} = {}",
            schema(schema_col, name),
            lit(&name.name.text, my)
        )
    };
    Some(match object {
        Object::Relation { name } => from("TABLES", "TABLE_SCHEMA", "TABLE_NAME", name),
        Object::Index {
            table: Some(table),
            name,
            ..
        } => format!(
            "{} AND INDEX_NAME = {}",
            from("STATISTICS", "TABLE_SCHEMA", "TABLE_NAME", table),
            lit(&name.name.text, my)
        ),
        Object::Index { table: None, .. } => return None,
        Object::Column { table, column } => format!(
            "{} AND COLUMN_NAME = {}",
            from("COLUMNS", "TABLE_SCHEMA", "TABLE_NAME", table),
            lit(&column.text, my)
        ),
        Object::Constraint { table, name } => format!(
            "{} AND CONSTRAINT_NAME = {}",
            from("TABLE_CONSTRAINTS", "TABLE_SCHEMA", "TABLE_NAME", table),
            lit(&name.text, my)
        ),
        Object::Routine { name } => from("ROUTINES", "ROUTINE_SCHEMA", "ROUTINE_NAME", name),
        Object::Trigger { name } => from("TRIGGERS", "TRIGGER_SCHEMA", "TRIGGER_NAME", name),
        Object::Event { name } => from("EVENTS", "EVENT_SCHEMA", "EVENT_NAME", name),
        Object::Namespace { name } | Object::Database { name } => format!(
            "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {}",
            lit(&name.text, my)
        ),
    })
}

fn sqlite(object: &Object) -> Option<String> {
    let sl = Dialect::Sqlite;
    let master = |name: &Name| {
        format!(
            "SELECT 1 FROM {}sqlite_master WHERE name = {} COLLATE NOCASE",
            name.schema
                .as_ref()
                .map(|s| format!("\"{}\".", s.text.replace('"', "\"\"")))
                .unwrap_or_default(),
            lit(&name.name.text, sl)
        )
    };
    Some(match object {
        Object::Relation { name } | Object::Index { name, .. } | Object::Trigger { name } => {
            master(name)
        }
        Object::Column { table, column } => format!(
            "SELECT 1 FROM pragma_table_info({}) WHERE name = {} COLLATE NOCASE",
            lit(&table.name.text, sl),
            lit(&column.text, sl)
        ),
        _ => return None,
    })
}

fn is_concurrent_reindex(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    upper.trim_start().starts_with("REINDEX") && upper.contains("CONCURRENTLY")
}

/// Drops the invalid `*_ccnew*` / `*_ccold*` indexes an interrupted `REINDEX CONCURRENTLY`
/// leaves (PostgreSQL's own names for them); returns their names.
fn drop_reindex_leftovers(db: &mut dyn Driver) -> Result<Vec<String>, BackendError> {
    let rows = db.query(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT i.indisvalid AND (c.relname ~ '_ccnew[0-9]*$' OR c.relname ~ '_ccold[0-9]*$')",
    )?;
    let names: Vec<String> = rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect();
    for name in &names {
        db.execute(&format!("DROP INDEX {name}"))?;
    }
    Ok(names)
}
