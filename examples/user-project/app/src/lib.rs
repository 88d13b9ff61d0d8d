//! The app's database layer: its migrations compiled in, applied at start-up.

/// The migrations of `app/migrations`, compiled in by `build.rs`.
pub static MIGRATIONS: cairn::Embedded = cairn::embedded_migrations!();

/// The backends this app talks to.
pub fn registry() -> cairn::Registry {
    let mut registry = cairn::Registry::new();
    cairn_sqlite::register(&mut registry);
    cairn_postgres::register(&mut registry);
    cairn_mysql::register(&mut registry);
    registry
}

/// Opens `url` (SQLite, PostgreSQL or MySQL) and brings it up to date; returns the database
/// and how many migrations this start applied.
pub fn start(url: &str) -> cairn::Result<(Box<dyn cairn::Driver>, usize)> {
    let mut db = registry().connect(url)?;
    let report = cairn::Migrator::new(MIGRATIONS).up(db.as_mut())?;
    Ok((db, report.migrations.len()))
}

/// The number of notes.
pub fn notes(db: &mut dyn cairn::Driver) -> cairn::Result<i64> {
    let rows = db.query("SELECT COUNT(*) FROM notes")?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Adds a note.
pub fn add_note(db: &mut dyn cairn::Driver, body: &str) -> cairn::Result<()> {
    db.execute_with(
        &format!(
            "INSERT INTO notes (body) VALUES ({})",
            db.dialect().placeholder(1)
        ),
        &[cairn::Param::Text(Some(body))],
    )?;
    Ok(())
}
