//! `cairn::testing` (issue 17 item 3): a database per test, cloned from a template migrated
//! once, on every backend: migrated with the rows the migrations insert, independent of each
//! other, gone after drop and after a panic, usable from many threads at once.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use cairn::testing::{TestDatabase, TestDatabases};
use cairn::{Driver, MigrationSet, SourceFile};
use cairn_tests::{Kind, TestDb, registry};

/// The auth built-ins and a migration that inserts rows, plus `extra` (to get a template of
/// its own).
fn migrations(db: &TestDb, extra: &str) -> MigrationSet {
    let mut files = cairn::builtin_files(&["auth".to_string()]).unwrap();
    files.push(SourceFile {
        path: "seed.yaml".into(),
        default_id: "seed".into(),
        text: format!(
            "depends_on: [auth/0001_companies_users]\nup: |\n  INSERT INTO companies (name, domain) VALUES ('Acme', 'acme.test');\n  INSERT INTO users (email, password_hash, company_id) VALUES ('a@acme.test', 'x', 1);{extra}\ndown: |\n  DELETE FROM users;\n  DELETE FROM companies;\n"
        ),
    });
    cairn::load_sources(files, Vec::new(), registry().dialect(&db.url).unwrap()).unwrap()
}

fn databases(db: &TestDb) -> TestDatabases {
    // The scenario's own empty database is where the others are created from and dropped;
    // scenarios running at once administer from different databases and share the template.
    TestDatabases::new(&registry(), &db.url, &migrations(db, "")).unwrap()
}

fn count(db: &mut TestDatabase, sql: &str) -> i64 {
    let rows = db.driver().query(sql).unwrap();
    rows[0][0].as_deref().unwrap().parse().unwrap()
}

fn history_ids(db: &mut dyn Driver) -> Vec<String> {
    let mut ids: Vec<String> = cairn::Migrate::history(db)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.sort();
    ids
}

fn a_fresh_database_has_the_migrations_and_their_rows(db: &TestDb) {
    let dbs = databases(db);
    let set = migrations(db, "");
    let mut fresh = dbs.fresh().unwrap();
    let mut want: Vec<String> = set.iter().map(|m| m.id.clone()).collect();
    want.sort();
    assert_eq!(history_ids(fresh.driver()), want, "{}", db.kind.name());
    assert_eq!(count(&mut fresh, "SELECT COUNT(*) FROM companies"), 1);
    assert_eq!(
        count(
            &mut fresh,
            "SELECT COUNT(*) FROM users WHERE email = 'a@acme.test'"
        ),
        1
    );
    // Nothing is pending: `up` has nothing to do.
    let report = cairn::up(
        fresh.driver(),
        &set,
        &cairn::UpTarget::All,
        &cairn::Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert!(report.migrations.is_empty());
    // Its URL opens the same database; identity columns go on after the copied rows.
    let mut again = registry().connect(fresh.url()).unwrap();
    again
        .execute("INSERT INTO companies (name, domain) VALUES ('Beta', 'beta.test')")
        .unwrap();
    let ids = again.query("SELECT id FROM companies ORDER BY id").unwrap();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0][0], ids[1][0]);
    if db.kind != Kind::Sqlite {
        // Foreign keys came along with the tables.
        let orphan = again.execute(
            "INSERT INTO users (email, password_hash, company_id) VALUES ('o@x.test', 'x', 999)",
        );
        assert!(
            orphan.is_err(),
            "{}: a user without its company was accepted",
            db.kind.name()
        );
    }
}

fn two_fresh_databases_are_independent(db: &TestDb) {
    let dbs = databases(db);
    let mut a = dbs.fresh().unwrap();
    let mut b = dbs.fresh().unwrap();
    assert_ne!(a.url(), b.url());
    a.driver()
        .execute("INSERT INTO companies (name, domain) VALUES ('Only A', 'a.test')")
        .unwrap();
    b.driver().execute("DELETE FROM users").unwrap();
    assert_eq!(count(&mut a, "SELECT COUNT(*) FROM companies"), 2);
    assert_eq!(count(&mut b, "SELECT COUNT(*) FROM companies"), 1);
    assert_eq!(count(&mut a, "SELECT COUNT(*) FROM users"), 1);
    // And the template is untouched: a third one starts from the migrations' rows.
    let mut c = dbs.fresh().unwrap();
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM companies"), 1);
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM users"), 1);
}

fn the_database_is_gone_after_drop_and_after_a_panic(db: &TestDb) {
    let dbs = databases(db);
    let fresh = dbs.fresh().unwrap();
    let name = fresh.name().to_string();
    assert!(
        dbs.exists(&name).unwrap(),
        "{name} does not exist while in use"
    );
    drop(fresh);
    assert!(
        !dbs.exists(&name).unwrap(),
        "{name} is still there after drop"
    );

    let mut seen = String::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut fresh = dbs.fresh().unwrap();
        seen = fresh.name().to_string();
        fresh
            .driver()
            .execute("INSERT INTO companies (name, domain) VALUES ('Doomed', 'doomed.test')")
            .unwrap();
        panic!("the test fails with its database open");
    }));
    assert!(outcome.is_err());
    assert!(!seen.is_empty());
    assert!(
        !dbs.exists(&seen).unwrap(),
        "{seen} leaked from a panicking test"
    );
}

fn many_threads_get_databases_at_once(db: &TestDb) {
    let dbs = databases(db);
    let names: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let dbs = &dbs;
                s.spawn(move || {
                    let mut fresh = dbs.fresh().unwrap();
                    fresh
                        .driver()
                        .execute(&format!(
                            "INSERT INTO companies (name, domain) VALUES ('T{i}', 't{i}.test')"
                        ))
                        .unwrap();
                    assert_eq!(count(&mut fresh, "SELECT COUNT(*) FROM companies"), 2);
                    fresh.name().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut distinct = names.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), names.len());
    for name in &names {
        assert!(!dbs.exists(name).unwrap(), "{name} left behind");
    }
}

fn the_template_is_reused_and_an_incomplete_one_rebuilt(db: &TestDb) {
    // A set of its own, so no other scenario clones this template meanwhile.
    let extra = "\n  INSERT INTO companies (name, domain) VALUES ('Own', 'own.test');";
    let set = migrations(db, extra);
    let first = TestDatabases::new(&registry(), &db.url, &set).unwrap();
    let second = TestDatabases::new(&registry(), &db.url, &set).unwrap();
    assert_eq!(first.template_url(), second.template_url());
    // A template whose build stopped part-way is dropped and built again. PostgreSQL's
    // template accepts no connections once built (autovacuum would otherwise hold it while
    // tests copy it) and carries a mark instead: a build that stopped has none.
    if db.kind == Kind::Postgres {
        let url = first.template_url();
        let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
        let allows: String = cairn_tests::rows(
            db,
            &format!("SELECT datallowconn::text FROM pg_database WHERE datname = '{name}'"),
        )[0][0]
            .clone();
        assert_eq!(
            allows, "false",
            "the built template is closed to connections"
        );
        db.execute(&format!("COMMENT ON DATABASE \"{name}\" IS NULL"));
    } else {
        let mut template = registry().connect(&first.template_url()).unwrap();
        cairn::Migrate::forget(template.as_mut(), "seed").unwrap();
    }
    let rebuilt = TestDatabases::new(&registry(), &db.url, &set).unwrap();
    let mut fresh = rebuilt.fresh().unwrap();
    assert!(history_ids(fresh.driver()).contains(&"seed".to_string()));
    assert_eq!(count(&mut fresh, "SELECT COUNT(*) FROM companies"), 2);
    rebuilt.drop_template().unwrap();
}

fn processes_building_one_template_at_once_share_it(db: &TestDb) {
    // Four builders, each administering from a database of its own (as test binaries of one
    // workspace do), start on a template nobody has built: every one ends with it complete,
    // and none removes it from under another.
    let extra = "\n  INSERT INTO companies (name, domain) VALUES ('Race', 'race.test');";
    let set = migrations(db, extra);
    let admins: Vec<TestDb> = (0..4).map(|_| TestDb::new(db.kind).unwrap()).collect();
    let start = std::sync::Barrier::new(admins.len());
    let templates: Vec<String> = std::thread::scope(|scope| {
        let builders: Vec<_> = admins
            .iter()
            .map(|admin| {
                let (set, start) = (&set, &start);
                scope.spawn(move || {
                    start.wait();
                    let dbs = TestDatabases::new(&registry(), &admin.url, set).unwrap();
                    let mut fresh = dbs.fresh().unwrap();
                    assert_eq!(count(&mut fresh, "SELECT COUNT(*) FROM companies"), 2);
                    dbs.template_url()
                })
            })
            .collect();
        builders.into_iter().map(|b| b.join().unwrap()).collect()
    });
    let name = |url: &str| {
        url.rsplit('/')
            .next()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_string()
    };
    assert!(templates.iter().all(|t| name(t) == name(&templates[0])));
    if db.kind == Kind::Postgres {
        // Only the winner's build is left, under the template's name.
        let left = cairn_tests::rows(
            db,
            &format!(
                "SELECT datname FROM pg_database WHERE datname LIKE '{}%'",
                name(&templates[0])
            ),
        );
        assert_eq!(left, vec![vec![name(&templates[0])]]);
    }
    TestDatabases::new(&registry(), &db.url, &set)
        .unwrap()
        .drop_template()
        .unwrap();
}

fn a_url_of_another_dialect_is_refused(db: &TestDb) {
    let set = migrations(db, "");
    let other = if db.kind == Kind::Sqlite {
        "postgres://u@127.0.0.1:1/x"
    } else {
        "sqlite::memory:"
    };
    let err = TestDatabases::new(&registry(), other, &set).err().unwrap();
    assert!(err.to_string().contains("loaded for"), "{err}");
}

cairn_tests::on_every_backend!(
    a_fresh_database_has_the_migrations_and_their_rows,
    two_fresh_databases_are_independent,
    the_database_is_gone_after_drop_and_after_a_panic,
    many_threads_get_databases_at_once,
    the_template_is_reused_and_an_incomplete_one_rebuilt,
    processes_building_one_template_at_once_share_it,
    a_url_of_another_dialect_is_refused,
);
