//! Drift on a large schema: N tables of 10 columns, 2 indexes and 1 foreign key each, applied
//! as N migrations; times introspection alone and the whole drift check (replay into a scratch
//! database + introspect both + compare).

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use cairn::{Expected, Options, UpTarget};

/// Generates the migrations under `dir`.
pub fn generate(dir: &Path, tables: usize) -> Result<()> {
    fs::create_dir_all(dir)?;
    for i in 0..tables {
        let fk = if i == 0 {
            String::new()
        } else {
            format!(
                ",\n    CONSTRAINT fk_d{i}_parent FOREIGN KEY (parent_id) REFERENCES d{} (id) ON DELETE CASCADE",
                i - 1
            )
        };
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[d{:05}]", i - 1)
        };
        let sql = format!(
            "CREATE TABLE d{i} (\n    id BIGINT PRIMARY KEY,\n    parent_id BIGINT,\n    name VARCHAR(100) NOT NULL,\n    email VARCHAR(255),\n    score INTEGER NOT NULL DEFAULT 0,\n    ratio DOUBLE PRECISION,\n    active BOOLEAN NOT NULL DEFAULT true,\n    note TEXT,\n    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),\n    code CHAR(8){fk}\n);\nCREATE INDEX idx_d{i}_name ON d{i} (name);\nCREATE INDEX idx_d{i}_parent ON d{i} (parent_id, created_at);\n"
        );
        let body = sql.lines().map(|l| format!("  {l}\n")).collect::<String>();
        fs::write(
            dir.join(format!("d{i:05}.yaml")),
            format!("depends_on: {deps}\nup: |\n{body}down: DROP TABLE d{i};\n"),
        )?;
    }
    Ok(())
}

/// (introspection time, whole drift time, differences found) on the database at `url`.
pub fn measure(url: &str, dir: &Path) -> Result<(Duration, Duration, usize)> {
    let registry = cairn_cli::registry();
    let set = cairn::load_dir(dir, registry.dialect(url)?)?;
    let mut live = registry.connect(url)?;
    cairn::up(
        live.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    let start = Instant::now();
    let schema = live.as_introspect()?.introspect()?;
    let introspect = start.elapsed();
    anyhow::ensure!(
        schema.tables.len() == set.len(),
        "introspected {} tables of {}",
        schema.tables.len(),
        set.len()
    );
    let start = Instant::now();
    let scratch = live.as_scratch_databases()?.scratch()?;
    let report = cairn::drift(
        live.as_mut(),
        Expected::Migrations { set: &set, scratch },
        &[],
    )?;
    Ok((introspect, start.elapsed(), report.differences.len()))
}
