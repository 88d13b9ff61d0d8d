//! The app's own tests, each on a fresh database with the migrations applied: migrated once
//! into a template, copied per test, dropped after. `TEST_DATABASE_URL` picks the server
//! (a database the user may create databases from); SQLite by default.

use std::sync::OnceLock;

use cairn::testing::TestDatabases;

fn databases() -> &'static TestDatabases {
    static DBS: OnceLock<TestDatabases> = OnceLock::new();
    DBS.get_or_init(|| {
        let url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
            format!("sqlite:{}", std::env::temp_dir().join("app-tests.db").display())
        });
        let registry = app::registry();
        let dialect = registry.dialect(&url).unwrap();
        let set = app::MIGRATIONS.load(dialect).unwrap();
        TestDatabases::new(&registry, &url, &set).unwrap()
    })
}

#[test]
fn a_fresh_database_has_the_welcome_note() {
    let mut db = databases().fresh().unwrap();
    assert_eq!(app::notes(db.driver()).unwrap(), 1);
}

#[test]
fn each_test_gets_its_own_database() {
    let mut one = databases().fresh().unwrap();
    let mut two = databases().fresh().unwrap();
    app::add_note(one.driver(), "only in one").unwrap();
    assert_eq!(app::notes(one.driver()).unwrap(), 2);
    assert_eq!(app::notes(two.driver()).unwrap(), 1);
}

#[test]
fn start_up_on_a_migrated_database_applies_nothing() {
    let db = databases().fresh().unwrap();
    let (_, applied) = app::start(db.url()).unwrap();
    assert_eq!(applied, 0);
}
