//! `ALTER TABLE`: what its actions add, drop or rename. One `ALTER TABLE` takes effect whole
//! or not at all (MySQL and MariaDB run it as one atomic DDL), so one action the catalog can
//! answer for decides it; actions that give the same table when run twice (a new type, a
//! default, an engine) need no answer.

use super::object::{Change, Ident, Name, Object};
use super::{Effect, Tok, Words};

/// What one action tells about the statement.
enum Action {
    /// The catalog can say whether it took effect.
    Decidable(Change),
    /// Running it twice gives the same table.
    Repeatable,
    /// Neither.
    Unknown,
}

/// `ALTER TABLE` after those two words.
pub(super) fn table(words: &mut Words<'_>) -> Effect {
    words.eat_all(&["IF", "EXISTS"]);
    words.eat("ONLY");
    let Some(table) = words.name() else {
        return Effect::Unknown;
    };
    let mut change = Change::default();
    let mut unknown = false;
    loop {
        match action(words, &table) {
            Action::Decidable(c) => {
                change.present.extend(c.present);
                change.absent.extend(c.absent);
            }
            Action::Repeatable => {}
            Action::Unknown => unknown = true,
        }
        if !words.skip_item() {
            break;
        }
    }
    if !change.present.is_empty() || !change.absent.is_empty() {
        Effect::Schema(change)
    } else if unknown {
        Effect::Unknown
    } else {
        Effect::Repeatable
    }
}

fn present(object: Object) -> Action {
    Action::Decidable(Change {
        present: vec![object],
        absent: Vec::new(),
    })
}

fn absent(object: Object) -> Action {
    Action::Decidable(Change {
        present: Vec::new(),
        absent: vec![object],
    })
}

fn renamed(from: Object, to: Object) -> Action {
    Action::Decidable(Change {
        present: vec![to],
        absent: vec![from],
    })
}

fn index(table: &Name, name: Name) -> Object {
    Object::Index {
        table: Some(table.clone()),
        name,
        concurrently: false,
    }
}

fn constraint(table: &Name, name: Ident) -> Object {
    Object::Constraint {
        table: table.clone(),
        name,
    }
}

/// MySQL names a table's primary key `PRIMARY`.
fn primary(table: &Name) -> Object {
    constraint(
        table,
        Ident {
            text: "PRIMARY".to_string(),
            quoted: true,
        },
    )
}

/// One action, up to (not including) the `,` that ends it.
fn action(words: &mut Words<'_>, table: &Name) -> Action {
    let Some(verb) = words.keyword() else {
        return Action::Unknown;
    };
    match verb.as_str() {
        "ADD" => add(words, table),
        "DROP" => drop(words, table),
        "RENAME" => rename(words, table),
        "CHANGE" => {
            words.eat("COLUMN");
            match (words.ident(), words.ident()) {
                (Some(from), Some(to)) if from.text.eq_ignore_ascii_case(&to.text) => {
                    Action::Repeatable
                }
                (Some(from), Some(to)) => renamed(
                    Object::Column {
                        table: table.clone(),
                        column: from,
                    },
                    Object::Column {
                        table: table.clone(),
                        column: to,
                    },
                ),
                _ => Action::Unknown,
            }
        }
        "MODIFY" | "ALTER" | "ENGINE" | "COMMENT" | "CONVERT" | "DEFAULT" | "CHARACTER"
        | "CHARSET" | "COLLATE" | "AUTO_INCREMENT" | "ROW_FORMAT" | "ALGORITHM" | "LOCK"
        | "FORCE" | "ORDER" | "ENABLE" | "DISABLE" | "OWNER" | "SET" | "RESET" | "VALIDATE"
        | "REPLICA" | "CLUSTER" | "KEY_BLOCK_SIZE" | "STATS_PERSISTENT" => Action::Repeatable,
        _ => Action::Unknown,
    }
}

fn add(words: &mut Words<'_>, table: &Name) -> Action {
    let Some(next) = words.peek().cloned() else {
        return Action::Unknown;
    };
    let Some(word) = next.keyword() else {
        // `ADD "quoted_column" ...`, or `ADD (a INT, b INT)`.
        return match next {
            Tok::Word(column) => {
                words.ident();
                present(Object::Column {
                    table: table.clone(),
                    column,
                })
            }
            _ => Action::Unknown,
        };
    };
    match word.as_str() {
        "CONSTRAINT" => {
            words.keyword();
            let Some(name) = words.ident() else {
                return Action::Unknown;
            };
            if words.eat("PRIMARY") {
                return present(primary(table));
            }
            present(constraint(table, name))
        }
        "PRIMARY" => present(primary(table)),
        "UNIQUE" | "INDEX" | "KEY" | "FULLTEXT" | "SPATIAL" => {
            words.keyword();
            words.eat("INDEX");
            words.eat("KEY");
            words.eat_all(&["IF", "NOT", "EXISTS"]);
            match words.peek() {
                Some(Tok::Word(_)) => match words.name() {
                    Some(name) => present(index(table, name)),
                    None => Action::Unknown,
                },
                _ => Action::Unknown,
            }
        }
        "FOREIGN" => {
            words.keyword();
            words.eat("KEY");
            match words.peek() {
                Some(Tok::Word(_)) => match words.ident() {
                    Some(name) => present(constraint(table, name)),
                    None => Action::Unknown,
                },
                _ => Action::Unknown,
            }
        }
        "CHECK" | "PARTITION" => Action::Unknown,
        _ => {
            words.eat("COLUMN");
            if words.eat_all(&["IF", "NOT", "EXISTS"]) {
                return Action::Repeatable;
            }
            match words.ident() {
                Some(column) => present(Object::Column {
                    table: table.clone(),
                    column,
                }),
                None => Action::Unknown,
            }
        }
    }
}

fn drop(words: &mut Words<'_>, table: &Name) -> Action {
    let word = words.peek().and_then(Tok::keyword);
    match word.as_deref() {
        Some("INDEX" | "KEY") => {
            words.keyword();
            if words.eat_all(&["IF", "EXISTS"]) {
                return Action::Repeatable;
            }
            words
                .name()
                .map_or(Action::Unknown, |name| absent(index(table, name)))
        }
        Some("FOREIGN" | "CONSTRAINT" | "CHECK") => {
            words.keyword();
            words.eat("KEY");
            if words.eat_all(&["IF", "EXISTS"]) {
                return Action::Repeatable;
            }
            words
                .ident()
                .map_or(Action::Unknown, |name| absent(constraint(table, name)))
        }
        Some("PRIMARY") => absent(primary(table)),
        Some("PARTITION") => Action::Unknown,
        _ => {
            words.eat("COLUMN");
            if words.eat_all(&["IF", "EXISTS"]) {
                return Action::Repeatable;
            }
            words.ident().map_or(Action::Unknown, |column| {
                absent(Object::Column {
                    table: table.clone(),
                    column,
                })
            })
        }
    }
}

fn rename(words: &mut Words<'_>, table: &Name) -> Action {
    let word = words.peek().and_then(Tok::keyword);
    match word.as_deref() {
        Some("INDEX" | "KEY") => {
            words.keyword();
            let (Some(from), true, Some(to)) = (words.name(), words.eat("TO"), words.name()) else {
                return Action::Unknown;
            };
            renamed(index(table, from), index(table, to))
        }
        Some("CONSTRAINT") => Action::Unknown,
        Some("TO" | "AS") => {
            words.keyword();
            let Some(new) = words.name() else {
                return Action::Unknown;
            };
            renamed(
                Object::Relation {
                    name: table.clone(),
                },
                Object::Relation { name: new },
            )
        }
        // `RENAME [COLUMN] a TO b` (PostgreSQL may leave out `COLUMN`).
        _ => {
            words.eat("COLUMN");
            let (Some(from), true, Some(to)) = (words.ident(), words.eat("TO"), words.ident())
            else {
                return Action::Unknown;
            };
            renamed(
                Object::Column {
                    table: table.clone(),
                    column: from,
                },
                Object::Column {
                    table: table.clone(),
                    column: to,
                },
            )
        }
    }
}
