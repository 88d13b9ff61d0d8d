//! SQLite: the engine against rusqlite executing the same SQL, one transaction per migration.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use super::Sample;

/// One run: a fresh database file for each side.
pub fn sample(work: &Path, dir: &Path, scripts: &[String]) -> Result<Sample> {
    std::fs::create_dir_all(work)?;
    let start = Instant::now();
    let conn = rusqlite::Connection::open(work.join("raw.db"))?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    for sql in scripts {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute_batch(sql)?;
        conn.execute_batch("COMMIT")?;
    }
    let baseline = start.elapsed();
    let url = format!("sqlite:{}", work.join("engine.db").display());
    let (apply, total) = super::engine(&url, dir)?;
    Ok(Sample {
        baseline,
        apply,
        total,
    })
}
