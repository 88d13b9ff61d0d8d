//! The history-v1 fixture: loading it into a fresh database, what v1 read from it, and the
//! catalog's view of its history table.

use cairn::Migrate;
use std::path::{Path, PathBuf};

use cairn::{AppliedMigration, Driver, MigrationSet};
use cairn_tests::{Kind, TestDb};
use serde_json::{Value, json};

/// The history table's columns as the v1 code created them, in table order.
pub const V1_COLUMNS: [&str; 14] = [
    "id",
    "checksum",
    "description",
    "applied_at",
    "execution_ms",
    "applied_by",
    "engine_version",
    "up_sql",
    "down_sql",
    "depends_on",
    "status",
    "installed_rank",
    "failed_statement",
    "error",
];

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/history-v1")
}

fn file_stem(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "sqlite",
        Kind::Postgres => "postgres",
        Kind::Mysql => "mysql",
    }
}

/// Puts the fixture into `db`: the SQLite file itself, or the server's SQL dump run through
/// the database's own client. False (after a note) when that client is not installed, outside
/// CI.
pub fn load(db: &TestDb) -> bool {
    if db.kind == Kind::Sqlite {
        std::fs::copy(dir().join("history-v1.sqlite.db"), db.name()).unwrap();
        return true;
    }
    load_dump(db)
}

/// Runs the fixture's SQL dump for `db`'s backend on `db` with the database's own client.
pub fn load_dump(db: &TestDb) -> bool {
    let path = dir().join(format!("{}.sql", file_stem(db.kind)));
    let sql = std::fs::read_to_string(&path).unwrap();
    cairn_tests::native::apply(db, &sql, &path.display().to_string())
}

/// The history rows as the v1 code read them from the fixture (`migrate history --format
/// json`), one JSON object per row with the fields of [`row_json`].
pub fn expected_history(kind: Kind) -> Vec<Value> {
    let path = dir().join(format!("{}.history.json", file_stem(kind)));
    let text = std::fs::read_to_string(&path).unwrap();
    match serde_json::from_str(&text).unwrap() {
        Value::Array(rows) => rows,
        other => panic!("{}: not an array: {other}", path.display()),
    }
}

/// Every field v1 read from a row, named as `migrate history --format json` names them.
pub fn row_json(h: &AppliedMigration) -> Value {
    json!({
        "id": h.id,
        "checksum": h.checksum,
        "description": h.description,
        "applied_at": h.applied_at,
        "execution_ms": h.execution_ms,
        "applied_by": h.applied_by,
        "engine_version": h.engine_version,
        "up_sql": h.up_sql,
        "down_sql": h.down_sql,
        "depends_on": h.depends_on,
        "status": h.status.as_str(),
        "rank": h.rank,
        "failed_statement": h.failed_statement,
        "error": h.error,
    })
}

/// The history as the current code reads it, as [`row_json`] values.
pub fn history_json(backend: &mut dyn Driver) -> Vec<Value> {
    backend.history().unwrap().iter().map(row_json).collect()
}

/// `got` equals `want` row by row (one row per failure message, not the whole table).
pub fn assert_rows(what: &str, got: &[Value], want: &[Value]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: history row {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{what}: number of history rows");
}

/// The fixture's migration files for `db`'s dialect, without the files named in `without`
/// (copied to a temporary directory, returned so it lives as long as the set is used).
pub fn migrations(db: &TestDb, without: &[&str]) -> (MigrationSet, tempfile::TempDir) {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dir().join("migrations")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if !without.contains(&name.as_str()) {
            std::fs::copy(entry.path(), copy.path().join(&name)).unwrap();
        }
    }
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::load_dir(copy.path(), dialect).unwrap();
    (set, copy)
}

/// The history table's columns with their type, nullability and default, in table order,
/// then its indexes, as the catalog describes them.
pub fn catalog(db: &TestDb) -> Vec<Vec<String>> {
    let mut rows = columns(db);
    let indexes = match db.kind {
        Kind::Sqlite => {
            "SELECT name, \"unique\", origin FROM pragma_index_list('cairn_migrations') \
             ORDER BY name"
        }
        Kind::Postgres => {
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename = 'cairn_migrations' ORDER BY indexname"
        }
        Kind::Mysql => {
            "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'cairn_migrations' ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        }
    };
    rows.extend(cairn_tests::rows(db, indexes));
    rows
}

/// The history table's columns (name first), in table order.
fn columns(db: &TestDb) -> Vec<Vec<String>> {
    let sql = match db.kind {
        Kind::Sqlite => {
            "SELECT name, type, \"notnull\", dflt_value, pk \
             FROM pragma_table_info('cairn_migrations') ORDER BY cid"
        }
        Kind::Postgres => {
            "SELECT column_name, data_type, character_maximum_length, is_nullable, \
             column_default FROM information_schema.columns WHERE table_schema = \
             current_schema() AND table_name = 'cairn_migrations' ORDER BY ordinal_position"
        }
        Kind::Mysql => {
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, COLLATION_NAME, \
             COLUMN_KEY FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = 'cairn_migrations' ORDER BY ORDINAL_POSITION"
        }
    };
    cairn_tests::rows(db, sql)
}

/// Names of the history table's columns, in table order.
pub fn column_names(db: &TestDb) -> Vec<String> {
    columns(db).into_iter().map(|r| r[0].clone()).collect()
}

/// Whether index `name` exists (on any table of `db`).
pub fn has_index(db: &TestDb, name: &str) -> bool {
    let sql = match db.kind {
        Kind::Sqlite => {
            format!("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = '{name}'")
        }
        Kind::Postgres => format!(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() \
             AND indexname = '{name}'"
        ),
        Kind::Mysql => format!(
            "SELECT count(*) FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = '{name}'"
        ),
    };
    db.scalar_i64(&sql) > 0
}
