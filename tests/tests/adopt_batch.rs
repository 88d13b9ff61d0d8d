//! Adoption records its rows in one batch (`Driver::record_applied`), on every backend: more
//! migrations than one multi-row `INSERT` takes are recorded exactly (text with non-ASCII
//! letters, quotes and backslashes comes back byte for byte), and a batch that fails part-way
//! records nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "adopt/tables.rs"]
#[allow(dead_code)]
mod tables;

use cairn::Migrate;
use cairn::layout::Layout;
use cairn::{Options, UpTarget};
use cairn_tests::{Kind, TestDb};

/// More than two batches of 500.
const N: usize = 1100;

fn many_migrations_are_recorded_exactly(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut values = Vec::new();
    for i in 0..N {
        let version = 20190101000000_u64 + i as u64;
        let text = format!("SELECT 'é{i} ''q'' \\ \"x\"';\n");
        std::fs::write(dir.path().join(format!("{version}_m{i}_café.sql")), &text).unwrap();
        let hex = cairn::adopt::sqlx_checksum(&text);
        let bytes = match db.kind {
            Kind::Postgres => format!("decode('{hex}', 'hex')"),
            Kind::Sqlite | Kind::Mysql => format!("X'{hex}'"),
        };
        values.push(format!("({version}, 'm{i} café', TRUE, {bytes}, 1)"));
    }
    db.execute(tables::ddl(Layout::Sqlx, db.kind));
    db.execute(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES {}",
        values.join(", ")
    ));
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::layout::load(dir.path(), Layout::Sqlx, dialect).unwrap();
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let opts = Options::default();
    let report = cairn::adopt::adopt(backend.as_mut(), &set, None, None, &opts).unwrap();
    assert_eq!(report.adopted().count(), N, "{}", db.kind);

    let history = backend.history().unwrap();
    assert_eq!(history.len(), N, "{}", db.kind);
    for (rank, (row, m)) in (1..).zip(history.iter().zip(set.iter())) {
        assert_eq!(row.id, m.id);
        assert_eq!(row.rank, rank);
        assert_eq!(row.checksum, m.checksum.to_hex());
        assert_eq!(row.description, m.description);
        assert_eq!(row.up_sql.as_deref(), Some(m.up.sql.as_str()));
        assert_eq!(row.status, cairn::HistoryStatus::Applied);
    }
    assert!(history[7].description.contains("café"), "{:?}", history[7]);
    let up = cairn::up(backend.as_mut(), &set, &UpTarget::All, &opts, &mut |_| {}).unwrap();
    assert!(up.migrations.is_empty(), "{}: {up:?}", db.kind);
}

fn a_failing_batch_records_nothing(db: &TestDb) {
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    backend.ensure_history().unwrap();
    let row = |id: &str, rank: i64| cairn::AppliedMigration {
        id: id.to_string(),
        checksum: "0".repeat(64),
        description: id.to_string(),
        applied_at: String::new(),
        execution_ms: 0,
        applied_by: "test".to_string(),
        engine_version: cairn::ENGINE_VERSION.to_string(),
        up_sql: Some("SELECT 1".to_string()),
        down_sql: None,
        depends_on: Vec::new(),
        status: cairn::HistoryStatus::Applied,
        rank,
        failed_statement: None,
        error: None,
    };
    // The last row repeats the first id: the primary key refuses the whole batch, even across
    // two INSERT statements.
    let mut rows: Vec<_> = (0..600).map(|i| row(&format!("m{i}"), i + 1)).collect();
    rows.push(row("m0", 601));
    let err = backend.record_applied(&rows).unwrap_err();
    // The database's own refusal of the repeated id, not some other failure.
    let message = err.to_string();
    assert!(
        message.to_lowercase().contains("duplicate")
            || message.contains("UNIQUE constraint failed"),
        "{}: {message}",
        db.kind
    );
    assert!(db.history_ids().is_empty(), "{}: {err}", db.kind);
    backend.record_applied(&rows[..600]).unwrap();
    assert_eq!(db.history_ids().len(), 600, "{}", db.kind);
}

cairn_tests::on_every_backend!(
    many_migrations_are_recorded_exactly,
    a_failing_batch_records_nothing,
);
