//! `cairn::prove_rollbacks` on SQLite, PostgreSQL and MariaDB: a correct set passes; a down
//! that leaves a table or a column behind fails with the schema difference; a down the database
//! refuses fails naming its file, line and statement; a migration without down is listed, not
//! failed; a failing up stops the proof; the built-ins and other tools' folders pass.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use cairn::schema::Difference;
use cairn::{MigrationSet, Options, RollbackOutcome, RollbackReport, SourceFile};
use cairn_tests::{Kind, TestDb};

/// Migration files as (path, text), loaded for the database's dialect.
fn set(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(path, text)| SourceFile {
            path: PathBuf::from("migrations").join(path),
            default_id: path.rsplit_once('.').map_or(*path, |(p, _)| p).to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

/// Proves `set` with the test database itself as the (empty) scratch database.
fn prove(db: &TestDb, set: &MigrationSet) -> RollbackReport {
    let mut scratch = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::prove_rollbacks(scratch.as_mut(), set, &Options::default(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{}: {e}", db.kind))
}

fn outcomes(report: &RollbackReport) -> Vec<(&str, &str)> {
    report
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.outcome.name()))
        .collect()
}

fn tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t != "cairn_migrations")
        .collect()
}

const CORRECT: &[(&str, &str)] = &[
    (
        "0001_a.yaml",
        "up: |\n  CREATE TABLE a (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n  CREATE INDEX a_name ON a (name);\ndown: DROP TABLE a;\n",
    ),
    (
        "0002_b.yaml",
        "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\ndown: DROP TABLE b;\n",
    ),
    (
        "0003_note.json",
        r#"{"depends_on": ["0002_b"], "up": "ALTER TABLE a ADD COLUMN note VARCHAR(20);", "down": "ALTER TABLE a DROP COLUMN note;"}"#,
    ),
];

fn a_correct_set_passes(db: &TestDb) {
    let set = set(db, CORRECT);
    let mut events = Vec::new();
    let mut scratch = cairn_tests::registry().connect(&db.url).unwrap();
    let report = cairn::prove_rollbacks(scratch.as_mut(), &set, &Options::default(), &mut |e| {
        events.push(match e {
            cairn::ProofEvent::Planned { total } => format!("planned {total}"),
            cairn::ProofEvent::Started { id, .. } => format!("start {id}"),
            cairn::ProofEvent::Checked(c) => format!("{} {}", c.id, c.outcome.name()),
        })
    })
    .unwrap();
    assert!(report.passed(), "{}: {report:#?}", db.kind);
    assert_eq!(
        outcomes(&report),
        [
            ("0001_a", "restored"),
            ("0002_b", "restored"),
            ("0003_note", "restored")
        ]
    );
    assert_eq!(events[0], "planned 3");
    assert_eq!(events[1..3], ["start 0001_a", "0001_a restored"]);
    assert!(report.stopped.is_none() && report.untested.is_empty());
    // Every up was applied again: the scratch database ends migrated.
    assert_eq!(tables(db), ["a", "b"]);
    assert_eq!(db.history_ids(), ["0001_a", "0002_b", "0003_note"]);
}

fn a_table_recreated_in_another_spelling_is_restored(db: &TestDb) {
    // The catalog text differs (SQLite keeps the CREATE text as written), the schema does not.
    let files = [
        (
            "0001_t.yaml",
            "up: CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\ndown: DROP TABLE t;\n",
        ),
        (
            "0002_extra.yaml",
            "depends_on: [0001_t]\nup: ALTER TABLE t ADD COLUMN extra INTEGER;\ndown: |\n  DROP TABLE t;\n  create table t (\n    id   integer primary key,\n    name varchar(40) not null\n  );\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    assert_eq!(
        outcomes(&report),
        [("0001_t", "restored"), ("0002_extra", "restored")],
        "{}: {report:#?}",
        db.kind
    );
}

fn the_backends_own_scratch_database_is_used_and_dropped(db: &TestDb) {
    let set = set(db, CORRECT);
    let mut live = cairn_tests::registry().connect(&db.url).unwrap();
    let mut scratch = live.as_scratch_databases().unwrap().scratch().unwrap();
    // Databases this test process created through `scratch()` (only this test calls it).
    let like = format!("cairn\\_scratch\\_{}\\_%", std::process::id());
    let scratch_databases = || match db.kind {
        Kind::Postgres => db.scalar_i64(&format!(
            "SELECT count(*) FROM pg_database WHERE datname LIKE '{like}'"
        )),
        Kind::Mysql => db.scalar_i64(&format!(
            "SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{like}'"
        )),
        Kind::Sqlite => 0,
    };
    let report =
        cairn::prove_rollbacks(scratch.as_mut(), &set, &Options::default(), &mut |_| {}).unwrap();
    assert!(report.passed(), "{report:#?}");
    assert_ne!(report.database, live.describe());
    if db.kind != Kind::Sqlite {
        assert_eq!(scratch_databases(), 1);
    }
    drop(scratch);
    assert_eq!(scratch_databases(), 0);
    // Nothing happened to the database the scratch one was made beside.
    assert!(tables(db).is_empty(), "{:?}", tables(db));
}

fn a_down_that_leaves_a_table_or_column_fails_with_the_difference(db: &TestDb) {
    let drop_index = match db.kind {
        Kind::Mysql => "DROP INDEX a_note ON a",
        _ => "DROP INDEX a_note",
    };
    let files = [
        // Leaves table `keep`; up creates it IF NOT EXISTS, so it applies again and the proof
        // goes on to the next migrations.
        (
            "0001_a.yaml",
            "up: |\n  CREATE TABLE a (id INTEGER PRIMARY KEY);\n  CREATE TABLE IF NOT EXISTS keep (id INTEGER PRIMARY KEY);\ndown: |\n  DROP TABLE a;\n",
        ),
        (
            "0002_b.yaml",
            "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: DROP TABLE b;\n",
        ),
        // Leaves column `note`: up cannot add it again, so nothing later can run.
        (
            "0003_note.yaml",
            &format!(
                "depends_on: [0002_b]\nup: |\n  ALTER TABLE a ADD COLUMN note VARCHAR(20);\n  CREATE INDEX a_note ON a (note);\ndown: |\n  {drop_index};\n"
            ),
        ),
        (
            "0004_c.yaml",
            "depends_on: [0003_note]\nup: CREATE TABLE c (id INTEGER PRIMARY KEY);\ndown: DROP TABLE c;\n",
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, *t)).collect();
    let report = prove(db, &set(db, &files));
    assert!(!report.passed());
    assert_eq!(
        outcomes(&report),
        [
            ("0001_a", "not_restored"),
            ("0002_b", "restored"),
            ("0003_note", "not_restored"),
        ],
        "{}",
        db.kind
    );
    let RollbackOutcome::NotRestored {
        differences,
        up_again: None,
    } = &report.checks[0].outcome
    else {
        panic!("{:#?}", report.checks[0])
    };
    assert!(
        matches!(differences.as_slice(), [Difference::TableAdded { table }] if table.name == "keep"),
        "{differences:#?}"
    );
    assert_eq!(report.checks[0].file, Path::new("migrations/0001_a.yaml"));
    assert_eq!(report.checks[0].down_line, 5);
    let RollbackOutcome::NotRestored { differences, .. } = &report.checks[2].outcome else {
        unreachable!()
    };
    let described: Vec<String> = differences.iter().map(Difference::describe).collect();
    assert_eq!(described.len(), 1, "{described:?}");
    assert!(
        described[0].starts_with("+ column a.note ") && described[0].ends_with(" null"),
        "{described:?}"
    );
    let failure = report.checks[2]
        .outcome
        .failure()
        .expect("the second up cannot add note");
    assert_eq!(failure.direction, cairn::Direction::Up);
    assert_eq!(failure.statement, 1);
    assert_eq!(report.stopped.as_ref().unwrap().id, "0003_note");
    assert_eq!(report.untested, ["0004_c"]);
}

fn a_down_the_database_refuses_names_its_file_line_and_statement(db: &TestDb) {
    let files = [
        (
            "0001_parent_child.yaml",
            "up: |\n  CREATE TABLE parent (id INTEGER PRIMARY KEY);\n  CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER, FOREIGN KEY (parent_id) REFERENCES parent (id));\ndown: |\n  DROP TABLE parent;\n  DROP TABLE child;\n",
        ),
        (
            "0002_typo.yaml",
            "depends_on: [0001_parent_child]\ndescription: a typo in the down\nup: |\n  CREATE TABLE t (id INTEGER PRIMARY KEY);\ndown: |\n  -- first the table\n  DROP TABEL t;\n",
        ),
        (
            "0003_next.yaml",
            "depends_on: [0002_typo]\nup: CREATE TABLE n (id INTEGER PRIMARY KEY);\ndown: DROP TABLE n;\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    // SQLite drops a parent table whose (empty) children still point at it; the servers refuse.
    let parent_child = if db.kind == Kind::Sqlite {
        "restored"
    } else {
        "down_failed"
    };
    assert_eq!(
        outcomes(&report),
        [
            ("0001_parent_child", parent_child),
            ("0002_typo", "down_failed"),
            ("0003_next", "restored"),
        ],
        "{}: {report:#?}",
        db.kind
    );
    if db.kind != Kind::Sqlite {
        let f = report.checks[0].outcome.failure().unwrap();
        assert_eq!(
            f.file.as_deref(),
            Some(Path::new("migrations/0001_parent_child.yaml"))
        );
        assert_eq!((f.statement, f.count, f.line), (1, 2, 5));
        assert_eq!(f.sql, "DROP TABLE parent");
        assert!(f.message.to_lowercase().contains("parent"), "{}", f.message);
    }
    let f = report.checks[1].outcome.failure().unwrap();
    assert_eq!(f.direction, cairn::Direction::Down);
    assert_eq!(
        f.file.as_deref(),
        Some(Path::new("migrations/0002_typo.yaml"))
    );
    assert_eq!((f.statement, f.count, f.line), (1, 1, 7));
    assert!(f.sql.contains("DROP TABEL t"), "{}", f.sql);
    assert!(!report.passed());
    assert!(report.stopped.is_none());
}

fn a_down_failing_part_way_outside_a_transaction_stops(db: &TestDb) {
    // Statement 2 fails after statement 1 dropped `x`: where the step is not atomic (MySQL
    // always, `transaction: false` everywhere) the database is left part-way.
    let files = [
        (
            "0001_two.yaml",
            "transaction: false\nup: |\n  CREATE TABLE x (id INTEGER PRIMARY KEY);\n  CREATE TABLE y (id INTEGER PRIMARY KEY);\ndown: |\n  DROP TABLE x;\n  DROP TABLE nosuch;\n",
        ),
        (
            "0002_next.yaml",
            "depends_on: [0001_two]\nup: CREATE TABLE n (id INTEGER PRIMARY KEY);\ndown: DROP TABLE n;\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    assert_eq!(outcomes(&report), [("0001_two", "down_failed")]);
    let f = report.checks[0].outcome.failure().unwrap();
    assert_eq!((f.statement, f.line, f.rolled_back), (2, 7, false));
    let stopped = report.stopped.as_ref().unwrap();
    assert!(
        stopped.reason.contains("after statement 1 took effect"),
        "{}",
        stopped.reason
    );
    assert_eq!(report.untested, ["0002_next"]);
}

fn a_migration_without_down_is_listed_not_failed(db: &TestDb) {
    let files = [
        (
            "0001_seed.yaml",
            "up: CREATE TABLE s (id INTEGER PRIMARY KEY);\n",
        ),
        (
            "0002_b.yaml",
            "depends_on: [0001_seed]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY);\ndown: DROP TABLE b;\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    assert!(report.passed(), "{report:#?}");
    assert_eq!(
        outcomes(&report),
        [("0001_seed", "no_down"), ("0002_b", "restored")]
    );
    assert_eq!(report.count("no_down"), 1);
    assert_eq!(report.checks[0].down_ms, None);
}

fn a_failing_up_stops_the_proof(db: &TestDb) {
    let files = [
        (
            "0001_a.yaml",
            "up: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
        ),
        (
            "0002_bad.yaml",
            "depends_on: [0001_a]\nup: |\n  CREATE TABLE b (id INTEGER PRIMARY KEY);\n  INSERT INTO nosuch VALUES (1);\ndown: DROP TABLE b;\n",
        ),
        (
            "0003_c.yaml",
            "depends_on: [0002_bad]\nup: CREATE TABLE c (id INTEGER PRIMARY KEY);\ndown: DROP TABLE c;\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    assert_eq!(
        outcomes(&report),
        [("0001_a", "restored"), ("0002_bad", "up_failed")]
    );
    let f = report.checks[1].outcome.failure().unwrap();
    assert_eq!(f.direction, cairn::Direction::Up);
    assert_eq!((f.statement, f.line), (2, 4));
    assert_eq!(report.stopped.as_ref().unwrap().id, "0002_bad");
    assert_eq!(report.untested, ["0003_c"]);
    assert!(!report.passed());
}

fn a_down_that_leaves_what_the_model_does_not_see_is_not_repeatable(db: &TestDb) {
    // The view survives `DROP TABLE t` on SQLite and MariaDB (PostgreSQL refuses the drop):
    // the tables are restored, but the second up cannot create the view again.
    let files = [
        (
            "0001_view.yaml",
            "up: |\n  CREATE TABLE t (id INTEGER PRIMARY KEY);\n  CREATE VIEW v AS SELECT id FROM t;\ndown: |\n  DROP TABLE t;\n",
        ),
        (
            "0002_after.yaml",
            "depends_on: [0001_view]\nup: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
        ),
    ];
    let report = prove(db, &set(db, &files));
    let f = report.checks[0].outcome.failure().unwrap();
    if db.kind == Kind::Postgres {
        assert_eq!(
            outcomes(&report),
            [("0001_view", "down_failed"), ("0002_after", "restored")]
        );
        assert_eq!((f.direction, f.statement), (cairn::Direction::Down, 1));
    } else {
        assert_eq!(outcomes(&report), [("0001_view", "not_repeatable")]);
        assert_eq!((f.direction, f.statement), (cairn::Direction::Up, 2));
        assert_eq!(report.stopped.as_ref().unwrap().id, "0001_view");
        assert_eq!(report.untested, ["0002_after"]);
    }
}

fn the_scratch_database_must_be_empty(db: &TestDb) {
    db.execute("CREATE TABLE precious (id INTEGER PRIMARY KEY)");
    let set = set(db, CORRECT);
    let mut scratch = cairn_tests::registry().connect(&db.url).unwrap();
    let e = cairn::prove_rollbacks(scratch.as_mut(), &set, &Options::default(), &mut |_| {})
        .unwrap_err();
    assert!(e.to_string().contains("is not empty (1 tables"), "{e}");
    assert_eq!(tables(db), ["precious"]);
}

fn the_builtins_roll_back_exactly(db: &TestDb) {
    let files = cairn::builtin_files(&["auth".into(), "audit".into(), "scan".into()]).unwrap();
    let set = cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap();
    let report = prove(db, &set);
    assert!(report.passed(), "{}: {report:#?}", db.kind);
    assert_eq!(report.count("restored"), set.len());
}

fn other_tools_folders_roll_back_exactly(db: &TestDb) {
    use cairn::layout::Layout;
    let goose = format!("goose-{}", db.kind.name());
    let folders = [
        ("diesel", Layout::Diesel),
        ("sqlx-reversible", Layout::Sqlx),
        ("golang-migrate", Layout::GolangMigrate),
        ("dbmate", Layout::Dbmate),
        ("pop", Layout::Pop),
        ("goose", Layout::Goose),
        (goose.as_str(), Layout::Goose),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/layouts");
    for (dir, layout) in folders {
        let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
        let set = cairn::layout::load(&root.join(dir), layout, dialect).unwrap();
        let fresh = TestDb::new(db.kind).unwrap();
        let report = prove(&fresh, &set);
        assert!(report.passed(), "{dir} on {}: {report:#?}", db.kind);
        assert!(report.count("restored") > 0, "{dir}");
    }
}

fn a_separate_down_file_is_named_in_the_failure(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("2024-01-01-000000_create_t");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("up.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(m.join("down.sql"), "-- undo\n\nDROP TABLE missing;\n").unwrap();
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::layout::load(dir.path(), cairn::layout::Layout::Diesel, dialect).unwrap();
    let report = prove(db, &set);
    let check = &report.checks[0];
    assert_eq!(check.outcome.name(), "down_failed");
    assert_eq!(check.file, m.join("down.sql"));
    let f = check.outcome.failure().unwrap();
    assert_eq!(f.file.as_deref(), Some(m.join("down.sql").as_path()));
    assert_eq!(f.line, 3);
}

#[test]
fn concurrently_inside_a_transaction_fails_on_postgres() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    let db = &db;
    let files = [(
        "0001_index.yaml",
        "up: |\n  CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);\n  CREATE INDEX t_n ON t (n);\ndown: |\n  DROP INDEX CONCURRENTLY t_n;\n  DROP TABLE t;\n",
    )];
    let report = prove(db, &set(db, &files));
    let f = report.checks[0].outcome.failure().unwrap();
    assert_eq!(
        (f.direction, f.statement, f.line),
        (cairn::Direction::Down, 1, 5)
    );
    assert!(f.message.contains("transaction block"), "{}", f.message);
}

cairn_tests::on_every_backend!(
    a_correct_set_passes,
    a_table_recreated_in_another_spelling_is_restored,
    the_backends_own_scratch_database_is_used_and_dropped,
    a_down_that_leaves_a_table_or_column_fails_with_the_difference,
    a_down_the_database_refuses_names_its_file_line_and_statement,
    a_down_failing_part_way_outside_a_transaction_stops,
    a_migration_without_down_is_listed_not_failed,
    a_failing_up_stops_the_proof,
    a_down_that_leaves_what_the_model_does_not_see_is_not_repeatable,
    the_scratch_database_must_be_empty,
    the_builtins_roll_back_exactly,
    other_tools_folders_roll_back_exactly,
    a_separate_down_file_is_named_in_the_failure,
);

#[test]
fn a_scratch_database_of_another_dialect_is_refused_by_kind() {
    // Migrations loaded for PostgreSQL, replayed into SQLite: refused before anything runs.
    let files = vec![SourceFile {
        path: PathBuf::from("migrations/0001_t.yaml"),
        default_id: "0001_t".into(),
        text: "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n".into(),
    }];
    let set = cairn::load_files(files, cairn::Dialect::Postgres).unwrap();
    let mut scratch = cairn_tests::registry().connect("sqlite::memory:").unwrap();
    let err = cairn::prove_rollbacks(scratch.as_mut(), &set, &Options::default(), &mut |_| {})
        .unwrap_err();
    assert!(
        matches!(
            &err,
            cairn::Error::Scratch(cairn::ScratchError::WrongDialect {
                found: cairn::Dialect::Sqlite,
                expected: cairn::Dialect::Postgres,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the scratch database sqlite::memory: is sqlite, but postgres is needed"
    );
}
