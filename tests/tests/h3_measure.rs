//! Temporary measurement (to be deleted): adopting 1000 sqlx migrations.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "adopt/tables.rs"]
#[allow(dead_code)]
mod tables;

use std::time::Instant;

use cairn::layout::Layout;
use cairn::{AppliedMigration, Backend, BackendError, Dialect, Options, Rows, Step, UpTarget};

/// The backend without its `record_applied` override: the per-row default (as before).
struct Looping(Box<dyn Backend>);

impl Backend for Looping {
    fn dialect(&self) -> Dialect {
        self.0.dialect()
    }
    fn describe(&self) -> String {
        self.0.describe()
    }
    fn history_table(&self) -> &str {
        self.0.history_table()
    }
    fn atomic_migrations(&self) -> bool {
        self.0.atomic_migrations()
    }
    fn lock(&mut self, t: std::time::Duration) -> Result<(), BackendError> {
        self.0.lock(t)
    }
    fn unlock(&mut self) -> Result<(), BackendError> {
        self.0.unlock()
    }
    fn ensure_history(&mut self) -> Result<(), BackendError> {
        self.0.ensure_history()
    }
    fn history(&mut self) -> Result<Vec<AppliedMigration>, BackendError> {
        self.0.history()
    }
    fn execute(&mut self, s: &Step<'_>) -> Result<u64, BackendError> {
        self.0.execute(s)
    }
    fn forget(&mut self, id: &str) -> Result<(), BackendError> {
        self.0.forget(id)
    }
    fn query(&mut self, sql: &str) -> Result<Rows, BackendError> {
        self.0.query(sql)
    }
}
use cairn_tests::{Kind, TestDb};

const N: usize = 1000;

fn measure(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut values = Vec::new();
    for i in 0..N {
        let version = 20190101000000_u64 + i as u64;
        let text = format!("SELECT {i};\n");
        std::fs::write(dir.path().join(format!("{version}_m{i}.sql")), &text).unwrap();
        let hex = cairn::adopt::sqlx_checksum(&text);
        let bytes = match db.kind {
            Kind::Postgres => format!("decode('{hex}', 'hex')"),
            _ => format!("X'{hex}'"),
        };
        values.push(format!("({version}, 'm{i}', TRUE, {bytes}, 1)"));
    }
    db.execute(tables::ddl(Layout::Sqlx, db.kind));
    db.execute(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES {}",
        values.join(", ")
    ));
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::layout::load(dir.path(), Layout::Sqlx, dialect).unwrap();
    for batched in [false, true] {
        let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
        if !batched {
            backend = Box::new(Looping(backend));
        }
        let start = Instant::now();
        let report =
            cairn::adopt::adopt(backend.as_mut(), &set, None, None, &Options::default()).unwrap();
        let took = start.elapsed();
        assert_eq!(report.adopted().count(), N);
        assert_eq!(db.history_ids().len(), N);
        eprintln!(
            "MEASURE {} adopt {N} sqlx migrations, batched {batched}: {took:?}",
            db.kind
        );
        if !batched {
            db.execute("DROP TABLE cairn_migrations");
        }
    }
    let mut backend = cairn_tests::registry().connect(&db.url).unwrap();
    let up = cairn::up(
        backend.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(up.migrations.is_empty());
}

cairn_tests::on_every_backend!(measure);
