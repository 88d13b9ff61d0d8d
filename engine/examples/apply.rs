//! Applying migrations from a build pipeline: a few lines of Rust, typed results, typed errors.
//!
//! ```text
//! cargo run -p cairn-engine --example apply -- sqlite:app.db migrations
//! ```

use std::process::ExitCode;

use cairn::{Error, Options, Registry, UpTarget};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "sqlite::memory:".to_string());
    let dir = args.next().unwrap_or_else(|| "migrations".to_string());

    let mut registry = Registry::new();
    cairn_sqlite::register(&mut registry);

    match migrate(&registry, &url, &dir) {
        Ok(()) => ExitCode::SUCCESS,
        // Typed errors: a pipeline can react to each kind without parsing strings.
        Err(Error::Load(problems)) => {
            for p in &problems.0 {
                eprintln!(
                    "{}:{}:{}: {}",
                    p.file.display(),
                    p.line,
                    p.column,
                    p.message
                );
            }
            ExitCode::from(1)
        }
        Err(Error::Statement(failure)) => {
            eprintln!(
                "{} failed at statement {} (line {}): {}",
                failure.id, failure.statement, failure.line, failure.message
            );
            ExitCode::from(2)
        }
        Err(other) => {
            eprintln!("{other}");
            ExitCode::from(2)
        }
    }
}

fn migrate(registry: &Registry, url: &str, dir: &str) -> Result<(), Error> {
    let set = cairn::load_dir(dir.as_ref(), registry.dialect(url)?)?;
    let mut db = registry.connect(url)?;
    let report = cairn::up(
        db.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )?;
    for m in &report.migrations {
        println!(
            "applied {} ({} statements) in {} ms",
            m.id, m.statements, m.execution_ms
        );
    }
    Ok(())
}
