//! Other tools' migration folders (`tests/fixtures/layouts/<layout>/`), run by Cairn as they
//! are, on every backend each folder supports.
//!
//! For each fixture: `layout::detect` names its layout; `layout::load` yields the migrations in
//! the order `layouts/expected.rs` states by hand (versions, names, transaction markers);
//! `cairn::up` applies them and records one history row each; the result (catalog objects,
//! introspected schema, every row) equals a fresh database where the same up SQL was piped
//! through the database's own client in that order; a second `up` does nothing; `cairn::down`
//! of everything leaves no table, view, index or history row behind (for tools without downs,
//! it refuses before changing anything).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "layouts/expected.rs"]
mod expected;

use std::path::{Path, PathBuf};

use cairn::layout::Layout;
use cairn::{DownTarget, MigrationSet, Options, UpTarget};
use cairn_tests::{Contents, Kind, TestDb};
use expected::{Fixture, Step};

fn fixture_dir(fixture: &Fixture) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/layouts")
        .join(fixture.dir)
}

fn run(fixture: &Fixture, db: &TestDb) {
    let dir = fixture_dir(fixture);
    let what = format!("{} on {}", fixture.dir, db.kind);
    let detected = cairn::layout::detect(&dir).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(detected, fixture.layout, "{what}: detected layout");
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::layout::load(&dir, fixture.layout, dialect)
        .unwrap_or_else(|e| panic!("{what}: cannot load: {e}"));
    let ids = check_loaded(fixture, db.kind, &set, &what);

    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    // Read for the up side only, the down files another tool keeps apart are not read; such a
    // set refuses to apply (the history keeps the down SQL) before anything runs.
    let mut up_side = cairn::load_sources(
        Vec::new(),
        cairn::layout::read_up(&dir, fixture.layout, dialect).unwrap(),
        dialect,
    )
    .unwrap();
    if up_side
        .iter()
        .any(|m| m.down.is_none() && m.down_file.is_some())
    {
        let refused = cairn::up(
            backend.as_mut(),
            &up_side,
            &UpTarget::All,
            &opts,
            &mut |_| {},
        );
        let Err(cairn::Error::DownNotRead { ids: unread, .. }) = refused else {
            panic!("{what}: up on an up-side read: {refused:?}");
        };
        assert!(db.history_ids().is_empty(), "{what}: nothing ran");
        // The refusal names every migration to apply whose down file is unread; reading
        // those gives the down SQL of a whole read.
        let expected: Vec<&String> = ids
            .iter()
            .filter(|id| {
                up_side
                    .get(id)
                    .is_some_and(|m| m.down.is_none() && m.down_file.is_some())
            })
            .collect();
        assert_eq!(
            unread.iter().collect::<Vec<_>>(),
            expected,
            "{what}: unread"
        );
        cairn::layout::read_down(&mut up_side, &unread).unwrap();
        let downs = |s: &cairn::MigrationSet| -> Vec<Option<String>> {
            s.iter()
                .map(|m| m.down.as_ref().map(|d| d.sql.clone()))
                .collect()
        };
        assert_eq!(downs(&up_side), downs(&set), "{what}: down SQL once read");
    }
    let up = cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {})
        .unwrap_or_else(|e| panic!("{what}: up failed: {e}"));
    assert_eq!(report_ids(&up), ids, "{what}: applied");
    assert_eq!(db.history_ids(), ids, "{what}: history rows");
    for id in &ids {
        assert_eq!(
            db.history_status(id),
            Some(("applied".to_string(), None)),
            "{what}: history row of {id}"
        );
    }
    let by_cairn = Contents::of(db);
    assert!(by_cairn.object_count() > 0, "{what}: no objects");
    assert!(
        by_cairn.rows.iter().any(|(_, rows)| !rows.is_empty()),
        "{what}: no rows"
    );
    check_same_as_native(fixture, db, &by_cairn, &what);

    let again = cairn::up(
        backend.as_mut(),
        &up_side,
        &UpTarget::All,
        &opts,
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{what}: second up failed: {e}"));
    assert!(
        again.migrations.is_empty(),
        "{what}: second up ran {again:?}"
    );

    let down = cairn::down(backend.as_mut(), &set, &DownTarget::All, &opts, &mut |_| {});
    if fixture.reversible {
        let down = down.unwrap_or_else(|e| panic!("{what}: down failed: {e}"));
        let mut reversed = ids.clone();
        reversed.reverse();
        assert_eq!(report_ids(&down), reversed, "{what}: reverted");
        let left = Contents::of(db);
        assert!(left.is_empty(), "{what}: left after down: {left:#?}");
        assert_eq!(introspect(db), cairn::schema::Schema::default(), "{what}");
        assert!(db.history_ids().is_empty(), "{what}: history after down");
    } else {
        let e = down.expect_err("a folder without downs cannot be rolled back");
        assert!(
            e.to_string().contains("cannot be rolled back"),
            "{what}: {e}"
        );
        assert_eq!(
            Contents::of(db),
            by_cairn,
            "{what}: a refused down changed data"
        );
        assert_eq!(
            db.history_ids(),
            ids,
            "{what}: a refused down changed history"
        );
    }
}

/// The loaded migrations are the fixture's steps in its order, each with its version, name,
/// transaction mode and up file for `kind`, chained one after the other. Returns their ids.
fn check_loaded(fixture: &Fixture, kind: Kind, set: &MigrationSet, what: &str) -> Vec<String> {
    let dir = fixture_dir(fixture);
    let loaded: Vec<(&str, &str, bool, PathBuf)> = set
        .iter()
        .map(|m| {
            let origin = m
                .origin
                .as_ref()
                .unwrap_or_else(|| panic!("{what}: {} has no foreign origin", m.id));
            assert_eq!(origin.layout, fixture.layout, "{what}: {}", m.id);
            assert_eq!(
                m.repeatable,
                origin.version.is_empty(),
                "{what}: {} repeatable",
                m.id
            );
            assert_eq!(
                m.down.is_some(),
                fixture.reversible,
                "{what}: {} down",
                m.id
            );
            let file = m.file.strip_prefix(&dir).unwrap_or(&m.file).to_path_buf();
            (
                origin.version.as_str(),
                origin.name.as_str(),
                m.transaction,
                file,
            )
        })
        .collect();
    let expected: Vec<(&str, &str, bool, PathBuf)> = fixture
        .steps
        .iter()
        .map(|s| {
            (
                s.version,
                s.name,
                s.transaction,
                PathBuf::from(s.up_file(kind)),
            )
        })
        .collect();
    assert_eq!(
        loaded, expected,
        "{what}: (version, name, transaction, up file) in order"
    );
    let ids: Vec<String> = set.iter().map(|m| m.id.clone()).collect();
    if fixture.layout == Layout::JsonDocs {
        let graph: Vec<(&str, Vec<&str>)> = set
            .iter()
            .map(|m| {
                (
                    m.id.as_str(),
                    m.depends_on.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        let expected: Vec<(&str, Vec<&str>)> = expected::JSON_DOCS_GRAPH
            .iter()
            .map(|(id, deps)| (*id, deps.to_vec()))
            .collect();
        assert_eq!(graph, expected, "{what}: dependencies");
        return ids;
    }
    for pair in ids.windows(2) {
        let later = set.get(&pair[1]).unwrap();
        assert_eq!(later.depends_on, [pair[0].clone()], "{what}: chain");
    }
    ids
}

/// A fresh database where the native client ran the same up SQL in the fixture's order has
/// the same schema (as Cairn introspects it), objects and rows as `db`.
fn check_same_as_native(fixture: &Fixture, db: &TestDb, by_cairn: &Contents, what: &str) {
    let native = TestDb::new(db.kind).expect("the server was there a moment ago");
    if !apply_natively(fixture, &native, what) {
        return;
    }
    assert_eq!(
        introspect(db),
        introspect(&native),
        "{what}: schema (left: Cairn, right: the native client)"
    );
    assert_eq!(
        *by_cairn,
        Contents::of(&native),
        "{what}: objects and rows (left: Cairn, right: the native client)"
    );
}

fn report_ids(report: &cairn::RunReport) -> Vec<String> {
    report.migrations.iter().map(|m| m.id.clone()).collect()
}

fn introspect(db: &TestDb) -> cairn::schema::Schema {
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    backend
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
        .sorted()
}

/// Pipes each step's up SQL, in the fixture's order, through the database's own client, as
/// the tool would send it; false when the client is not installed.
fn apply_natively(fixture: &Fixture, db: &TestDb, what: &str) -> bool {
    let dir = fixture_dir(fixture);
    let mut previous = None;
    for step in fixture.steps {
        let file = step.up_file(db.kind);
        // Liquibase: one file holds several changesets, each a step; the file runs once.
        if previous.replace(file) == Some(file) {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let sql = native_up_sql(fixture.layout, db.kind, &text);
        if !cairn_tests::native::apply(db, &sql, &format!("{what}: {file}")) {
            return false;
        }
    }
    true
}

/// The up SQL of one file as the tool sends it, written for the native client: goose's and
/// dbmate's up sections; goose `StatementBegin`/`StatementEnd` blocks as one statement each
/// (for the MySQL client, which splits at `;`, between `DELIMITER` lines); tern's text above
/// its separator; an Atlas file's statements with its `-- atlas:delimiter` lines as `;`; a
/// JSON document's `sql`.
fn native_up_sql(layout: Layout, kind: Kind, text: &str) -> String {
    let marker: fn(&str) -> Option<String> = match layout {
        Layout::Tern => {
            // The marker line is a comment to PostgreSQL, tern's database, but not to MySQL
            // (`--` needs a space after it there): tern's meaning is "no transaction".
            let up = text.split("---- create above / drop below ----").next();
            let lines = up.unwrap_or_default().lines();
            return lines
                .filter(|l| *l != "---- tern: disable-tx ----")
                .map(|l| format!("{l}\n"))
                .collect();
        }
        Layout::Atlas => return atlas_for_client(text),
        Layout::JsonDocs => {
            let doc: serde_json::Value = serde_json::from_str(text).unwrap();
            return doc["sql"].as_str().unwrap().to_string();
        }
        Layout::Goose => goose_annotation,
        Layout::Dbmate => dbmate_marker,
        Layout::SqlMigrate => sql_migrate_marker,
        // Liquibase strips comments before sending SQL; MySQL would not read `--changeset`
        // (no blank after `--`) as one.
        Layout::Liquibase => {
            return text
                .lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .map(|l| format!("{l}\n"))
                .collect();
        }
        _ => return text.to_string(),
    };
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let line = match (marker(line).as_deref(), kind) {
            (Some("up"), _) => {
                inside = true;
                continue;
            }
            (Some("down"), _) => {
                inside = false;
                continue;
            }
            (Some("statementbegin"), Kind::Mysql) => "DELIMITER $$",
            (Some("statementend"), Kind::Mysql) => "$$\nDELIMITER ;",
            _ => line,
        };
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// A sql-migrate `-- +migrate Up|Down|StatementBegin|StatementEnd` line, lower-cased.
fn sql_migrate_marker(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("-- +migrate ")?;
    Some(rest.split_whitespace().next()?.to_ascii_lowercase())
}

/// A goose annotation as goose's `extractAnnotation` reads it (`--+goose Up`, `-- +goose
/// down`), lower-cased.
fn goose_annotation(line: &str) -> Option<String> {
    (line.trim().starts_with("--") && line.contains("+goose")).then(|| {
        line.replace("--", "")
            .replacen("+goose", "", 1)
            .trim()
            .to_ascii_lowercase()
    })
}

/// A dbmate `-- migrate:up` / `-- migrate:down` marker at the start of a line (every section
/// of a file of several).
fn dbmate_marker(line: &str) -> Option<String> {
    ["up", "down"]
        .into_iter()
        .find(|dir| line.starts_with(&format!("-- migrate:{dir}")))
        .map(str::to_string)
}

/// An Atlas file for a client that splits at `;`: with `-- atlas:delimiter D` on its first
/// line, the lines that are exactly `D` end statements.
fn atlas_for_client(text: &str) -> String {
    let Some(delim) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("-- atlas:delimiter "))
    else {
        return text.to_string();
    };
    let mut out = String::new();
    for line in text.lines().skip(1) {
        if line == delim {
            out.truncate(out.trim_end().len());
            out.push_str(";\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn diesel(db: &TestDb) {
    run(&expected::DIESEL, db);
}

fn sqlx(db: &TestDb) {
    run(&expected::SQLX, db);
}

fn sqlx_reversible(db: &TestDb) {
    run(&expected::SQLX_REVERSIBLE, db);
}

fn flyway(db: &TestDb) {
    run(&expected::FLYWAY, db);
}

fn flyway_repeatable(db: &TestDb) {
    run(&expected::FLYWAY_REPEATABLE, db);
}

/// A changed `R__` file is applied again by the next `up`, alone, and then counts as applied.
fn changed_repeatable_runs_again(db: &TestDb) {
    let fixture = &expected::FLYWAY_REPEATABLE;
    let what = format!("{} changed on {}", fixture.dir, db.kind);
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture_dir(fixture)).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let load = || cairn::layout::load(dir.path(), Layout::Flyway, dialect).unwrap();
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let set = load();
    cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let repeatable = set.iter().last().unwrap().id.clone();

    let file = dir.path().join("R__customer_totals_view.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text.replace("o.total FROM", "o.total, o.id AS order_id FROM");
    assert_ne!(text, changed);
    std::fs::write(&file, changed).unwrap();
    let set = load();
    let again = cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {})
        .unwrap_or_else(|e| panic!("{what}: up failed: {e}"));
    assert_eq!(report_ids(&again), [repeatable], "{what}");
    let view = cairn_tests::rows(db, "SELECT order_id FROM customer_totals");
    assert_eq!(view, [["100"]], "{what}: the new view");
    let mut history = db.history_ids();
    history.sort();
    let mut ids: Vec<String> = set.iter().map(|m| m.id.clone()).collect();
    ids.sort();
    assert_eq!(history, ids, "{what}: one history row each");
    let third = cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert!(third.migrations.is_empty(), "{what}: ran again: {third:?}");
}

fn refinery(db: &TestDb) {
    run(&expected::REFINERY, db);
}

fn golang_migrate(db: &TestDb) {
    run(&expected::GOLANG_MIGRATE, db);
}

fn goose(db: &TestDb) {
    run(&expected::GOOSE, db);
}

fn goose_statement_blocks(db: &TestDb) {
    run(&expected::goose_for(db.kind), db);
}

fn dbmate(db: &TestDb) {
    run(&expected::DBMATE, db);
}

fn pop(db: &TestDb) {
    run(&expected::POP, db);
}

fn prisma(db: &TestDb) {
    run(&expected::PRISMA, db);
}

fn atlas(db: &TestDb) {
    run(&expected::ATLAS, db);
}

fn tern(db: &TestDb) {
    run(&expected::TERN, db);
}

fn json_docs(db: &TestDb) {
    run(&expected::JSON_DOCS, db);
}

fn sql_migrate(db: &TestDb) {
    run(&expected::SQL_MIGRATE, db);
}

fn liquibase(db: &TestDb) {
    run(&expected::LIQUIBASE, db);
}

fn sqitch(db: &TestDb) {
    run(&expected::SQITCH, db);
}

cairn_tests::on_every_backend!(
    diesel,
    sqlx,
    sqlx_reversible,
    flyway,
    flyway_repeatable,
    changed_repeatable_runs_again,
    refinery,
    golang_migrate,
    goose,
    goose_statement_blocks,
    dbmate,
    pop,
    prisma,
    atlas,
    tern,
    json_docs,
    sql_migrate,
    liquibase,
    sqitch,
);

/// The fixtures are made so that order matters: where the tool's order differs from file name
/// order, applying the up files in name order (on SQLite) fails or ends elsewhere.
#[test]
fn name_order_breaks_the_fixtures() {
    for fixture in [
        &expected::DIESEL,
        &expected::SQLX,
        &expected::SQLX_REVERSIBLE,
        &expected::FLYWAY,
        &expected::REFINERY,
        &expected::GOLANG_MIGRATE,
        &expected::GOOSE,
        &expected::TERN,
        &expected::JSON_DOCS,
        &expected::SQL_MIGRATE,
        &expected::SQITCH,
    ] {
        let in_order = TestDb::new(Kind::Sqlite).unwrap();
        assert!(apply_natively(fixture, &in_order, fixture.dir));
        let mut by_name: Vec<&Step> = fixture.steps.iter().collect();
        by_name.sort_by_key(|s| s.up);
        let db = TestDb::new(Kind::Sqlite).unwrap();
        let dir = fixture_dir(fixture);
        let failed = by_name.iter().any(|step| {
            let text = std::fs::read_to_string(dir.join(step.up)).unwrap();
            let sql = native_up_sql(fixture.layout, Kind::Sqlite, &text);
            db.connect().try_execute(&sql).is_err()
        });
        assert!(
            failed || Contents::of(&db) != Contents::of(&in_order),
            "{}: name order works as well",
            fixture.dir
        );
    }
}

/// Prisma and Atlas apply in file-name order as text: their fixtures are made so that the
/// order of the versions as numbers (`9` before `20240101000000`, `20240104` before
/// `20240103000000`) fails or ends elsewhere (on SQLite).
#[test]
fn number_order_breaks_the_text_ordered_fixtures() {
    for fixture in [&expected::PRISMA, &expected::ATLAS] {
        let in_order = TestDb::new(Kind::Sqlite).unwrap();
        assert!(apply_natively(fixture, &in_order, fixture.dir));
        let mut by_number: Vec<&Step> = fixture.steps.iter().collect();
        by_number.sort_by_key(|s| s.version.parse::<u128>().unwrap());
        assert_ne!(
            by_number.iter().map(|s| s.up).collect::<Vec<_>>(),
            fixture.steps.iter().map(|s| s.up).collect::<Vec<_>>(),
            "{}",
            fixture.dir
        );
        let db = TestDb::new(Kind::Sqlite).unwrap();
        let dir = fixture_dir(fixture);
        let failed = by_number.iter().any(|step| {
            let text = std::fs::read_to_string(dir.join(step.up)).unwrap();
            let sql = native_up_sql(fixture.layout, Kind::Sqlite, &text);
            db.connect().try_execute(&sql).is_err()
        });
        assert!(
            failed || Contents::of(&db) != Contents::of(&in_order),
            "{}: number order works as well",
            fixture.dir
        );
    }
}
