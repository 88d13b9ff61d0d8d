//! The migration scenario suite, written once and run on SQLite, PostgreSQL and MariaDB:
//! apply, roll back, `--to`, `--steps`, status, checksum change, missing file, failed
//! statement, dry run, resume.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::Migrate;
use std::path::PathBuf;

use cairn::{
    DownTarget, Error, Finding, MigrationSet, MigrationState, Options, SourceFile, UpTarget,
};
use cairn_tests::{Kind, TestDb};

/// Migration files as (path, text), loaded for the database's dialect.
fn set(db: &TestDb, files: &[(&str, &str)]) -> Result<MigrationSet, cairn::LoadErrors> {
    let files = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from("migrations").join(path),
            default_id: path.rsplit_once('.').map_or(*path, |(p, _)| p).to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap())
}

const CHAIN: &[(&str, &str)] = &[
    (
        "0001_a.yaml",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    ),
    (
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\ndown: DROP TABLE b;\n",
    ),
    (
        "0003_c.json",
        r#"{"depends_on": ["0002_b"], "up": "CREATE TABLE c (id INTEGER PRIMARY KEY);", "down": "DROP TABLE c;"}"#,
    ),
    (
        "0004_d.yaml",
        "up: CREATE TABLE d (id INTEGER PRIMARY KEY);\ndown: DROP TABLE d;\n",
    ),
];

/// User tables, without Cairn's history table and its audit log.
fn tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t != "cairn_migrations" && t != "cairn_migrations_log")
        .collect()
}

fn up(db: &TestDb, set: &MigrationSet, target: UpTarget) -> cairn::Result<Vec<String>> {
    let mut conn = cairn_tests::registry().connect(&db.url)?;
    let report = cairn::up(
        conn.as_mut(),
        set,
        &target,
        &Options::default(),
        &mut |_| {},
    )?;
    Ok(report.migrations.into_iter().map(|m| m.id).collect())
}

fn down(db: &TestDb, set: &MigrationSet, target: DownTarget) -> cairn::Result<Vec<String>> {
    let mut conn = cairn_tests::registry().connect(&db.url)?;
    let report = cairn::down(
        conn.as_mut(),
        set,
        &target,
        &Options::default(),
        &mut |_| {},
    )?;
    Ok(report.migrations.into_iter().map(|m| m.id).collect())
}

fn apply_and_roll_back(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    assert_eq!(
        up(db, &s, UpTarget::All).unwrap(),
        ["0001_a", "0002_b", "0003_c", "0004_d"]
    );
    assert_eq!(tables(db), ["a", "b", "c", "d"]);
    assert_eq!(db.history_ids(), ["0001_a", "0002_b", "0003_c", "0004_d"]);
    assert!(
        up(db, &s, UpTarget::All).unwrap().is_empty(),
        "second up has nothing to do"
    );
    assert_eq!(
        down(db, &s, DownTarget::All).unwrap(),
        ["0004_d", "0003_c", "0002_b", "0001_a"]
    );
    assert!(tables(db).is_empty());
    assert!(db.history_ids().is_empty());
}

fn up_to_and_down_steps_and_to(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    assert_eq!(
        up(db, &s, UpTarget::To("0002_b".into())).unwrap(),
        ["0001_a", "0002_b"]
    );
    assert_eq!(tables(db), ["a", "b"]);
    assert_eq!(up(db, &s, UpTarget::All).unwrap(), ["0003_c", "0004_d"]);
    assert_eq!(
        down(db, &s, DownTarget::Steps(2)).unwrap(),
        ["0004_d", "0003_c"]
    );
    assert_eq!(tables(db), ["a", "b"]);
    up(db, &s, UpTarget::All).unwrap();
    assert_eq!(
        down(db, &s, DownTarget::To("0001_a".into())).unwrap(),
        ["0003_c", "0002_b"]
    );
    assert_eq!(tables(db), ["a", "d"]);
    assert!(matches!(
        up(db, &s, UpTarget::To("nope".into())),
        Err(Error::UnknownMigration(_))
    ));
}

fn status_shows_applied_and_pending(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    up(db, &s, UpTarget::To("0001_a".into())).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let rows = cairn::status(&s, &conn.history().unwrap());
    let states: Vec<(&str, MigrationState)> =
        rows.iter().map(|r| (r.id.as_str(), r.state)).collect();
    assert_eq!(
        states,
        [
            ("0001_a", MigrationState::Applied),
            ("0002_b", MigrationState::Pending),
            ("0003_c", MigrationState::Pending),
            ("0004_d", MigrationState::Pending)
        ]
    );
    let applied_at = rows[0].applied_at.as_deref().unwrap();
    assert!(
        applied_at.ends_with('Z') && applied_at.len() == 24,
        "UTC ISO-8601 with ms: {applied_at}"
    );
}

fn changed_checksum_is_refused(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    up(db, &s, UpTarget::To("0001_a".into())).unwrap();
    let mut edited = CHAIN.to_vec();
    edited[0] = (
        "0001_a.yaml",
        "up: CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);\ndown: DROP TABLE a;\n",
    );
    let s2 = set(db, &edited).unwrap();
    match up(db, &s2, UpTarget::All) {
        Err(Error::Validation(f)) => {
            assert!(
                matches!(&f[0], Finding::Changed { id, diff, .. } if id == "0001_a" && diff.contains("+CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);")),
                "{f:?}"
            )
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert_eq!(tables(db), ["a"], "nothing else ran");
}

fn missing_file_still_rolls_back(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    up(db, &s, UpTarget::All).unwrap();
    let without_d: Vec<_> = CHAIN
        .iter()
        .copied()
        .filter(|(p, _)| !p.starts_with("0004"))
        .collect();
    let s2 = set(db, &without_d).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let report = cairn::down(
        conn.as_mut(),
        &s2,
        &DownTarget::Including("0004_d".into()),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(matches!(&report.warnings[0], Finding::Missing { id, .. } if id == "0004_d"));
    assert_eq!(tables(db), ["a", "b", "c"]);
}

const BROKEN: &str = "depends_on: [0004_d]\nup: |\n  CREATE TABLE e1 (id INTEGER);\n  CREATE TABLE e2 (id INTEGER);\n  INSERT INTO missing_table VALUES (1);\n  CREATE TABLE e3 (id INTEGER);\ndown: |\n  DROP TABLE e3;\n  DROP TABLE e2;\n  DROP TABLE e1;\n";

fn failed_statement_is_located_and_leaves_a_consistent_state(db: &TestDb) {
    let mut files = CHAIN.to_vec();
    files.push(("0005_broken.yaml", BROKEN));
    let s = set(db, &files).unwrap();
    let err = up(db, &s, UpTarget::All).unwrap_err();
    let Error::Statement(f) = &err else {
        panic!("expected a statement failure, got {err:?}")
    };
    assert_eq!(
        (f.id.as_str(), f.statement, f.count, f.line),
        ("0005_broken", 3, 4, 5),
        "{err}"
    );
    assert!(
        f.message.to_lowercase().contains("missing_table"),
        "{}",
        f.message
    );
    // The database's own code for "no such table", for callers that branch on it.
    let code = match db.kind {
        Kind::Sqlite => "1",
        Kind::Postgres => "42P01",
        Kind::Mysql => "1146",
    };
    assert_eq!(f.code.as_deref(), Some(code), "{err}");
    assert_eq!(
        f.file.as_deref(),
        Some(std::path::Path::new("migrations/0005_broken.yaml"))
    );
    assert_eq!(
        db.history_ids()[..4],
        ["0001_a", "0002_b", "0003_c", "0004_d"]
    );
    if db.kind == Kind::Mysql {
        // DDL commits implicitly: statements 1-2 took effect, and the history says so.
        assert!(!f.rolled_back);
        assert_eq!(tables(db), ["a", "b", "c", "d", "e1", "e2"]);
        assert_eq!(
            db.history_status("0005_broken"),
            Some(("failed".to_string(), Some(3)))
        );
        let again = up(db, &s, UpTarget::All).unwrap_err();
        assert!(
            matches!(&again, Error::Validation(v) if matches!(&v[0], Finding::Failed { statement: 3, .. })),
            "{again:?}"
        );
    } else {
        assert!(f.rolled_back);
        assert_eq!(
            tables(db),
            ["a", "b", "c", "d"],
            "nothing of statements 1-2 is left"
        );
        assert_eq!(db.history_status("0005_broken"), None);
    }
}

fn failed_non_transactional_migration_resumes(db: &TestDb) {
    let nt = "transaction: false\nup: |\n  CREATE TABLE r1 (id INTEGER);\n  INSERT INTO r1 VALUES (1);\n  INSERT INTO blocker VALUES (1);\n  CREATE TABLE r2 (id INTEGER);\ndown: |\n  DROP TABLE r2;\n  DROP TABLE r1;\n";
    let s = set(db, &[("0001_nt.yaml", nt)]).unwrap();
    assert!(
        matches!(up(db, &s, UpTarget::All), Err(Error::Statement(f)) if f.statement == 3 && !f.rolled_back)
    );
    assert_eq!(tables(db), ["r1"]);
    assert_eq!(
        db.history_status("0001_nt"),
        Some(("failed".to_string(), Some(3)))
    );
    assert!(
        matches!(up(db, &s, UpTarget::All), Err(Error::Validation(_))),
        "refuses until resumed or repaired"
    );

    db.execute("CREATE TABLE blocker (id INTEGER)");
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options {
        resume: true,
        ..Options::default()
    };
    let report = cairn::up(conn.as_mut(), &s, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(report.migrations[0].statements, 2);
    assert_eq!(tables(db), ["blocker", "r1", "r2"]);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM r1"),
        1,
        "statements 1-2 did not run twice"
    );
    assert_eq!(
        db.history_status("0001_nt"),
        Some(("applied".to_string(), None))
    );
}

/// The usual fix: edit the failing statement, then resume. The history then records the file
/// as it is now, so `status` says applied and `validate` finds nothing.
fn resume_after_fixing_the_file_records_the_fixed_file(db: &TestDb) {
    let broken = "transaction: false\nup: |\n  CREATE TABLE f1 (id INTEGER);\n  INSERT INTO nowhere VALUES (1);\ndown: DROP TABLE f1;\n";
    let fixed = "description: fixed\ntransaction: false\nup: |\n  CREATE TABLE f1 (id INTEGER);\n  INSERT INTO f1 VALUES (1);\ndown: DROP TABLE f1;\n";
    let before = set(db, &[("0001_fix.yaml", broken)]).unwrap();
    assert!(matches!(up(db, &before, UpTarget::All), Err(Error::Statement(f)) if f.statement == 2));
    let after = set(db, &[("0001_fix.yaml", fixed)]).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options {
        resume: true,
        ..Options::default()
    };
    cairn::up(conn.as_mut(), &after, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    let history = conn.history().unwrap();
    let m = after.get("0001_fix").unwrap();
    assert_eq!(
        history[0].checksum,
        m.checksum.to_hex(),
        "{}",
        db.kind.name()
    );
    assert_eq!(history[0].description, "fixed");
    assert_eq!(history[0].up_sql.as_deref(), Some(m.up.sql.as_str()));
    let rows = cairn::status(&after, &history);
    assert_eq!(rows[0].state, cairn::MigrationState::Applied, "{rows:?}");
    assert!(cairn::validate(&after, &history).is_empty());
    assert_eq!(db.scalar_i64("SELECT count(*) FROM f1"), 1);
}

fn repair_clears_a_failed_migration(db: &TestDb) {
    let nt = "transaction: false\nup: |\n  CREATE TABLE q1 (id INTEGER);\n  INSERT INTO nope VALUES (1);\ndown: DROP TABLE q1;\n";
    let s = set(db, &[("0001_nt.yaml", nt)]).unwrap();
    assert!(up(db, &s, UpTarget::All).is_err());
    db.execute("DROP TABLE q1");
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::repair(conn.as_mut(), "0001_nt", &Options::default()).unwrap();
    assert_eq!(db.history_status("0001_nt"), None);
    assert!(matches!(
        cairn::repair(conn.as_mut(), "0001_nt", &Options::default()),
        Err(Error::UnknownMigration(_))
    ));
}

fn dry_run_changes_nothing(db: &TestDb) {
    let s = set(db, CHAIN).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options {
        dry_run: true,
        ..Options::default()
    };
    let report = cairn::up(conn.as_mut(), &s, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert_eq!(report.migrations.len(), 4);
    assert_eq!(
        report.migrations[0].sql,
        ["CREATE TABLE a (id INTEGER PRIMARY KEY)"]
    );
    assert!(tables(db).is_empty());
    assert_eq!(
        db.scalar_i64(&no_history_table_sql(db.kind)),
        0,
        "no history table created"
    );
}

fn no_history_table_sql(kind: Kind) -> String {
    match kind {
        Kind::Sqlite => "SELECT count(*) FROM sqlite_schema WHERE name = 'cairn_migrations'".into(),
        Kind::Postgres => "SELECT count(*) FROM pg_tables WHERE tablename = 'cairn_migrations'".into(),
        Kind::Mysql => "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'cairn_migrations'".into(),
    }
}

fn builtins_apply_and_roll_back_to_empty(db: &TestDb) {
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let s = cairn::load_dir(&dir, dialect).unwrap();
    assert_eq!(up(db, &s, UpTarget::All).unwrap().len(), s.len());
    assert_eq!(tables(db).len(), 10, "{:?}", tables(db));
    down(db, &s, DownTarget::All).unwrap();
    assert!(tables(db).is_empty(), "{:?}", tables(db));
    // No index, sequence or type is left behind either, only the history table's and its log's.
    let leftovers = match db.kind {
        Kind::Sqlite => {
            "SELECT count(*) FROM sqlite_schema WHERE tbl_name NOT IN ('cairn_migrations', 'cairn_migrations_log') AND name NOT LIKE 'sqlite_%'"
        }
        Kind::Postgres => {
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname NOT LIKE 'cairn_migrations%') + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema() AND t.typname NOT LIKE '%cairn_migrations%')"
        }
        Kind::Mysql => {
            "SELECT count(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN ('cairn_migrations', 'cairn_migrations_log')"
        }
    };
    assert_eq!(
        db.scalar_i64(leftovers),
        0,
        "{}: objects left after rolling everything back",
        db.kind.name()
    );
}

fn portable_changes_apply_and_roll_back(db: &TestDb) {
    let notes = "changes:\n  - create_table:\n      name: notes\n      columns:\n        - {name: id, type: bigint, identity: true, nullable: false}\n        - {name: body, type: text, nullable: false}\n        - {name: created_at, type: timestamp, nullable: false, default: now()}\n      primary_key: [id]\n      indexes:\n        - {name: idx_notes_created_at, columns: [created_at]}\n";
    let more = "depends_on: [0001_notes]\nchanges:\n  - add_column: {table: notes, column: {name: pinned, type: boolean, nullable: false, default: false}}\n  - rename_column: {table: notes, from: body, to: text}\n  - create_index: {table: notes, index: {name: idx_notes_pinned, columns: [pinned]}}\n";
    let s = set(db, &[("0001_notes.yaml", notes), ("0002_more.yaml", more)]).unwrap();
    up(db, &s, UpTarget::All).unwrap();
    db.execute("INSERT INTO notes (text) VALUES ('hello')");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM notes WHERE NOT pinned"),
        1
    );
    assert_eq!(down(db, &s, DownTarget::Steps(1)).unwrap(), ["0002_more"]);
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM notes WHERE body = 'hello'"),
        1,
        "column renamed back, data kept"
    );
    down(db, &s, DownTarget::All).unwrap();
    assert!(tables(db).is_empty());
}

cairn_tests::on_every_backend!(
    apply_and_roll_back,
    up_to_and_down_steps_and_to,
    status_shows_applied_and_pending,
    changed_checksum_is_refused,
    missing_file_still_rolls_back,
    failed_statement_is_located_and_leaves_a_consistent_state,
    failed_non_transactional_migration_resumes,
    resume_after_fixing_the_file_records_the_fixed_file,
    repair_clears_a_failed_migration,
    dry_run_changes_nothing,
    builtins_apply_and_roll_back_to_empty,
    portable_changes_apply_and_roll_back,
);
