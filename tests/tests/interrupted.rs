//! A run that stopped part-way (its runner killed between two statements, or between a
//! statement and its progress record) is finished by a plain `up` (or `down`), on every
//! backend, and ends with the same schema and rows as a run that was never interrupted. Each
//! test builds the state a kill leaves (statements run, the row `running` with how far it
//! got) by hand, so every instant that matters is covered on every run; the kill-anywhere
//! test (cli/tests/kill_anywhere.rs) kills real runners.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use cairn::{
    AppliedMigration, DownTarget, Driver, HistoryStatus, Migrate, MigrationSet, Options, RunReport,
    SourceFile, UpTarget,
};
use cairn_tests::{Contents, Kind, TestDb};

fn set(db: &TestDb, files: &[(&str, &str)]) -> MigrationSet {
    let files = files
        .iter()
        .map(|(id, text)| SourceFile {
            path: PathBuf::from("migrations").join(format!("{id}.yaml")),
            default_id: id.to_string(),
            text: text.to_string(),
        })
        .collect();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

fn connect(db: &TestDb) -> Box<dyn Driver> {
    cairn_tests::registry().connect(&db.url).unwrap()
}

const STEPS: &str = "transaction: false\nup: |\n  CREATE TABLE a (id INTEGER PRIMARY KEY, v INTEGER);\n  INSERT INTO a (id, v) VALUES (1, 10), (2, 20);\n  CREATE INDEX a_v ON a (v);\n  ALTER TABLE a ADD COLUMN w INTEGER;\n  UPDATE a SET w = v * 2;\n";

/// The state a runner leaves when it stops after running statements `1..=ran` of `id`'s up
/// (or its down, with `direction` down) with its row saying `next` runs next.
fn stopped(db: &TestDb, set: &MigrationSet, id: &str, ran: usize, next: i64, down: bool) {
    let mut conn = connect(db);
    conn.ensure_history().unwrap();
    let m = set.get(id).unwrap();
    let script = if down {
        m.down.as_ref().unwrap()
    } else {
        &m.up
    };
    for s in &script.statements().unwrap()[..ran] {
        conn.execute(&s.sql).unwrap();
    }
    let status = if down { "reverting" } else { "running" };
    if !down {
        let rank = conn.history().unwrap().len() as i64 + 1;
        let row = AppliedMigration {
            id: m.id.clone(),
            checksum: m.checksum.to_hex(),
            description: m.description.clone(),
            applied_at: String::new(),
            execution_ms: 0,
            applied_by: "tester".to_string(),
            engine_version: cairn::ENGINE_VERSION.to_string(),
            up_sql: Some(m.up.sql.clone()),
            down_sql: m.down.as_ref().map(|d| d.sql.clone()),
            depends_on: m.depends_on.clone(),
            status: HistoryStatus::Applied,
            rank,
            failed_statement: None,
            error: None,
        };
        conn.record_applied(&[row]).unwrap();
    }
    conn.execute(&format!(
        "UPDATE cairn_migrations SET status = '{status}', failed_statement = {next} WHERE id = '{id}'"
    ))
    .unwrap();
}

/// What a run that was never interrupted leaves: `files` applied to a fresh database.
fn clean(db: &TestDb, files: &[(&str, &str)], then_down: Option<usize>) -> Contents {
    let fresh = TestDb::new(db.kind).unwrap();
    let s = set(&fresh, files);
    let mut conn = connect(&fresh);
    cairn::up(
        conn.as_mut(),
        &s,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    if let Some(n) = then_down {
        let target = DownTarget::Steps(n);
        cairn::down(conn.as_mut(), &s, &target, &Options::default(), &mut |_| {}).unwrap();
    }
    Contents::of(&fresh)
}

fn up(db: &TestDb, s: &MigrationSet) -> RunReport {
    cairn::up(
        connect(db).as_mut(),
        s,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap()
}

fn all_applied(db: &TestDb, s: &MigrationSet) {
    let history = connect(db).history().unwrap();
    let ids: Vec<&str> = s.iter().map(|m| m.id.as_str()).collect();
    let applied: Vec<&str> = history
        .iter()
        .filter(|h| h.status == HistoryStatus::Applied && h.failed_statement.is_none())
        .map(|h| h.id.as_str())
        .collect();
    assert_eq!(applied, ids, "{}", db.kind.name());
}

/// Stopped after statement 2 took effect and was recorded: a plain `up` runs 3 to 5. On MySQL
/// statement 3 (DDL) commits on its own, so the run asks the catalog whether it ran first.
fn a_plain_up_finishes_a_run_stopped_between_statements(db: &TestDb) {
    let files = [("0001_a", STEPS)];
    let s = set(db, &files);
    stopped(db, &s, "0001_a", 2, 3, false);
    let report = up(db, &s);
    let r = &report.recovered[0];
    assert_eq!((r.id.as_str(), r.done, r.statements), ("0001_a", 2, 5));
    match db.kind {
        Kind::Mysql => {
            let doubt = r.running.as_ref().unwrap();
            assert_eq!((doubt.statement, doubt.took_effect), (3, false));
            assert_eq!(doubt.found, "index a_v on a is absent");
        }
        _ => assert_eq!(r.running, None, "{}", db.kind.name()),
    }
    assert!(
        r.headline().starts_with(
            "migration 0001_a was interrupted while applying when an earlier run stopped: statements 1–2 of 5 had taken effect"
        ),
        "{}",
        r.headline()
    );
    all_applied(db, &s);
    assert_eq!(
        Contents::of(db),
        clean(db, &files, None),
        "{}",
        db.kind.name()
    );
}

/// Stopped before its first statement (the row written, nothing run): the whole migration
/// runs, and the message says no statement had taken effect.
fn a_run_stopped_before_its_first_statement_runs_it_all(db: &TestDb) {
    let files = [("0001_a", STEPS)];
    let s = set(db, &files);
    stopped(db, &s, "0001_a", 0, 1, false);
    let report = up(db, &s);
    assert!(
        report.recovered[0]
            .headline()
            .contains("no statement of it had taken effect"),
        "{}",
        report.recovered[0].headline()
    );
    assert_eq!(report.migrations[0].statements, 5);
    all_applied(db, &s);
    assert_eq!(Contents::of(db), clean(db, &files, None));
}

cairn_tests::on_every_backend!(
    a_plain_up_finishes_a_run_stopped_between_statements,
    a_run_stopped_before_its_first_statement_runs_it_all,
);

/// MySQL: DDL that took effect before its record (`ran` statements, the row at `next`) is
/// found in the catalog and not run again, whatever it created or dropped.
#[test]
fn mysql_ddl_that_took_effect_before_its_record_is_not_run_again() {
    let drop_w = "transaction: false\nup: |\n  ALTER TABLE a DROP COLUMN w;\n  INSERT INTO a (id, v) VALUES (3, 30);\n";
    for (ran, next, found) in [(3, 3, "index a_v on a exists"), (4, 4, "column a.w exists")] {
        let Some(db) = TestDb::new(Kind::Mysql) else {
            return;
        };
        let files = [("0001_a", STEPS)];
        let s = set(&db, &files);
        stopped(&db, &s, "0001_a", ran, next, false);
        let report = up(&db, &s);
        let r = &report.recovered[0];
        let doubt = r.running.as_ref().unwrap();
        assert_eq!((doubt.statement, doubt.took_effect), (next as usize, true));
        assert_eq!(doubt.found, found);
        assert!(
            r.headline()
                .contains("so it had taken effect and was not run again")
        );
        all_applied(&db, &s);
        assert_eq!(
            Contents::of(&db),
            clean(&db, &files, None),
            "stopped at {next}"
        );
        // A drop is in doubt the same way: the column is gone, so it took effect.
        let files = [("0001_a", STEPS), ("0002_drop", drop_w)];
        let s = set(&db, &files);
        if next == 3 {
            stopped(&db, &s, "0002_drop", 1, 1, false);
            let report = up(&db, &s);
            assert_eq!(
                report.recovered[0].running.as_ref().unwrap().found,
                "column a.w is absent"
            );
            all_applied(&db, &s);
            assert_eq!(Contents::of(&db), clean(&db, &files, None));
        }
    }
}

/// A revert stopped part-way is finished by a plain `down`, which counts it as the step it
/// was: `down` (one step) reverts nothing more.
#[test]
fn mysql_a_plain_down_finishes_an_interrupted_revert_and_counts_it() {
    let Some(db) = TestDb::new(Kind::Mysql) else {
        return;
    };
    let second = "transaction: false\nup: |\n  CREATE TABLE b (id INT);\n  CREATE INDEX b_id ON b (id);\n  ALTER TABLE b ADD COLUMN c INT;\ndown: |\n  DROP INDEX b_id ON b;\n  ALTER TABLE b DROP COLUMN c;\n  DROP TABLE b;\n";
    let files = [("0001_a", STEPS), ("0002_b", second)];
    let s = set(&db, &files);
    up(&db, &s);
    // The down's statements 1 and 2 ran; the row says 2 was to run next.
    stopped(&db, &s, "0002_b", 2, 2, true);
    let report = cairn::down(
        connect(&db).as_mut(),
        &s,
        &DownTarget::Steps(1),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let r = &report.recovered[0];
    assert_eq!((r.id.as_str(), r.done), ("0002_b", 1));
    assert_eq!(r.running.as_ref().unwrap().found, "column b.c is absent");
    assert_eq!(
        report.migrations.len(),
        1,
        "only the interrupted revert ran"
    );
    assert_eq!(connect(&db).history().unwrap().len(), 1);
    assert_eq!(Contents::of(&db), clean(&db, &files, Some(1)));
}

/// Session settings before the point a run resumes from are made again on the new
/// connection: the rows the resumed statements write use them.
#[test]
fn settings_made_before_the_stop_are_replayed_on_resume() {
    for (kind, text) in [
        (
            Kind::Mysql,
            "up: |\n  SET @start = 7;\n  CREATE TABLE s (id INT);\n  INSERT INTO s VALUES (@start);\n",
        ),
        (
            Kind::Postgres,
            "transaction: false\nup: |\n  SET cairn.start = '7';\n  CREATE TABLE s (id INT);\n  INSERT INTO s VALUES (current_setting('cairn.start')::int);\n",
        ),
    ] {
        let Some(db) = TestDb::new(kind) else {
            continue;
        };
        let s = set(&db, &[("0001_s", text)]);
        stopped(&db, &s, "0001_s", 2, 3, false);
        up(&db, &s);
        assert_eq!(db.scalar_i64("SELECT id FROM s"), 7, "{}", kind.name());
        all_applied(&db, &s);
    }
}

/// PostgreSQL: a `CREATE INDEX CONCURRENTLY` that was stopped leaves an invalid index; the
/// resumed run drops it and builds it again, instead of failing on its name.
#[test]
fn postgres_an_invalid_index_left_by_a_stopped_concurrent_build_is_rebuilt() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    let text = "transaction: false\nup: |\n  CREATE TABLE c (id INT, v INT);\n  INSERT INTO c VALUES (1, 1), (2, 2);\n  CREATE UNIQUE INDEX CONCURRENTLY c_v ON c (v);\n  INSERT INTO c VALUES (3, 3);\n";
    let files = [("0001_c", text)];
    let s = set(&db, &files);
    stopped(&db, &s, "0001_c", 1, 3, false);
    // A concurrent build that failed half-way leaves exactly what a killed one does.
    db.execute("INSERT INTO c VALUES (9, 9), (9, 9)");
    assert!(
        db.connect()
            .try_execute("CREATE UNIQUE INDEX CONCURRENTLY c_v ON c (v)")
            .is_err()
    );
    db.execute("DELETE FROM c WHERE id = 9");
    db.execute("INSERT INTO c VALUES (1, 1), (2, 2)");
    assert_eq!(
        db.scalar_i64(
            "SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid AND indexrelid = 'c_v'::regclass"
        ),
        1
    );
    let report = up(&db, &s);
    let doubt = report.recovered[0].running.as_ref().unwrap();
    assert_eq!(
        doubt.found,
        "the interrupted build left index c_v on c invalid: dropped it, and it is built again"
    );
    all_applied(&db, &s);
    assert_eq!(Contents::of(&db), clean(&db, &files, None));
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
}

/// PostgreSQL: what a stopped `REINDEX CONCURRENTLY` leaves (an invalid `*_ccnew` index) is
/// dropped before it runs again.
#[test]
fn postgres_leftovers_of_a_stopped_concurrent_reindex_are_dropped() {
    let Some(db) = TestDb::new(Kind::Postgres) else {
        return;
    };
    db.execute("CREATE TABLE r (v INT)");
    db.execute("CREATE INDEX r_v ON r (v)");
    db.execute("INSERT INTO r VALUES (1), (1)");
    // PostgreSQL's own name for the copy a concurrent reindex builds, left invalid.
    assert!(
        db.connect()
            .try_execute("CREATE UNIQUE INDEX CONCURRENTLY r_v_ccnew ON r (v)")
            .is_err()
    );
    let files = [(
        "0001_r",
        "transaction: false\nup: |\n  REINDEX INDEX CONCURRENTLY r_v;\n",
    )];
    let s = set(&db, &files);
    stopped(&db, &s, "0001_r", 0, 1, false);
    let report = up(&db, &s);
    let doubt = report.recovered[0].running.as_ref().unwrap();
    assert!(doubt.found.contains("r_v_ccnew"), "{}", doubt.found);
    assert_eq!(
        db.scalar_i64("SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
    all_applied(&db, &s);
}
