//! The app's own test: a fresh SQLite database per test, migrated by the app itself.

#[test]
fn a_fresh_database_is_migrated_at_start_up() {
    let dir = std::env::temp_dir().join(format!("app-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite:{}", dir.join("test.db").display());
    let (mut db, applied) = app::start(&url).unwrap();
    assert_eq!(applied, 2);
    assert_eq!(app::notes(db.as_mut()).unwrap(), 1);
    let (_, again) = app::start(&url).unwrap();
    assert_eq!(again, 0, "a second start has nothing to do");
    std::fs::remove_dir_all(&dir).unwrap();
}
