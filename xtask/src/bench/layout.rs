//! `bench --layout LAYOUT`: the generated migrations written in another tool's folder
//! convention (goose, Flyway, golang-migrate, ...), loaded from there and applied through the
//! engine, against the same SQL through the usual baseline; and loading that folder against
//! loading the same migrations as Cairn YAML files.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use cairn::Dialect;
use cairn::layout::Layout;

use super::{ENGINE_LAYOUT, median, report, server, sqlite};
use crate::args::{BenchArgs, BenchBackend};
use cairn_cli::LayoutChoice;

/// The other tool's layout the global `--layout` names for this run, if any (`auto` and
/// `cairn` run the usual benchmark).
pub fn requested(flag: LayoutChoice) -> Option<Layout> {
    match flag {
        LayoutChoice::Fixed(l) if l != Layout::Cairn => Some(l),
        _ => None,
    }
}

/// Runs the layout benchmark on the backends `args` names.
pub fn run(args: &BenchArgs, layout: Layout) -> Result<()> {
    let work = tempfile::tempdir()?;
    let yaml = work.path().join("cairn");
    let scripts = super::generate(&yaml, args.migrations)?;
    let foreign = work.path().join(layout.name());
    write(&foreign, layout, &scripts)?;
    ENGINE_LAYOUT.get_or_init(|| layout);
    anyhow::ensure!(
        ENGINE_LAYOUT.get() == Some(&layout),
        "the engine already reads another layout"
    );
    let runs = args.runs.max(1);
    let header = |name: &str, baseline: &str| {
        println!(
            "{name}, {} migrations (3 statements each) in a {layout} folder, median of {runs} runs; baseline: {baseline}",
            args.migrations
        );
    };
    if matches!(args.backend, BenchBackend::Sqlite | BenchBackend::All) {
        header("SQLite", "rusqlite, one transaction per migration");
        let samples = (0..runs)
            .map(|r| sqlite::sample(&work.path().join(format!("run{r}")), &foreign, &scripts))
            .collect::<Result<Vec<_>>>()?;
        report(&samples);
        loads(&foreign, &yaml, layout, Dialect::Sqlite, runs)?;
    }
    server::on_servers(args.backend, |kind, admin_url| {
        header(kind.title(), kind.baseline());
        report(&server::samples(
            kind,
            admin_url,
            &foreign,
            &scripts,
            runs,
            work.path(),
        )?);
        let dialect = match kind {
            server::Kind::Postgres => Dialect::Postgres,
            server::Kind::Mysql => Dialect::Mysql,
        };
        loads(&foreign, &yaml, layout, dialect, runs)
    })
}

/// Times loading the `layout` folder against loading the same migrations as Cairn YAML.
fn loads(foreign: &Path, yaml: &Path, layout: Layout, dialect: Dialect, runs: usize) -> Result<()> {
    let mut from_foreign = Vec::with_capacity(runs);
    let mut from_yaml = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let a = cairn::layout::load(foreign, layout, dialect)?;
        from_foreign.push(start.elapsed());
        let start = Instant::now();
        let b = cairn::load_dir(yaml, dialect)?;
        from_yaml.push(start.elapsed());
        anyhow::ensure!(
            a.len() == b.len(),
            "{layout} folder has {} migrations, YAML {}",
            a.len(),
            b.len()
        );
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let (f, y) = (median(from_foreign), median(from_yaml));
    println!("  load Cairn YAML folder (baseline):     {:>9.1} ms", ms(y));
    println!(
        "  load {:<34}{:>9.1} ms  ratio {:.2}x",
        format!("{layout} folder:"),
        ms(f),
        ms(f) / ms(y)
    );
    Ok(())
}

/// Writes `scripts` (migration `i` creates table `t{i}`) as a `layout` folder at `dir`, with a
/// down script where the tool has one. Also `--peers`' writer of the sqlx, dbmate and refinery
/// folders.
pub(super) fn write(dir: &Path, layout: Layout, scripts: &[String]) -> Result<()> {
    fs::create_dir_all(dir)?;
    for (i, up) in scripts.iter().enumerate() {
        let down = format!("DROP TABLE t{i};\n");
        let version = format!("{:014}", i + 1);
        let name = format!("create_t{i}");
        let mut files = Vec::new();
        match layout {
            Layout::Goose => files.push((
                format!("{version}_{name}.sql"),
                format!("-- +goose Up\n{up}\n-- +goose Down\n{down}"),
            )),
            Layout::Dbmate => files.push((
                format!("{version}_{name}.sql"),
                format!("-- migrate:up\n{up}\n-- migrate:down\n{down}"),
            )),
            Layout::Liquibase => files.push((
                format!("{version}_{name}.sql"),
                format!(
                    "--liquibase formatted sql\n\n--changeset bench:{i}\n{up}\n--rollback {down}"
                ),
            )),
            Layout::SqlMigrate => files.push((
                format!("{version}_{name}.sql"),
                format!("-- +migrate Up\n{up}\n-- +migrate Down\n{down}"),
            )),
            Layout::Flyway | Layout::Refinery => {
                files.push((format!("V{}__{name}.sql", i + 1), up.clone()));
            }
            Layout::Sqlx | Layout::GolangMigrate | Layout::Pop => {
                files.push((format!("{version}_{name}.up.sql"), up.clone()));
                files.push((format!("{version}_{name}.down.sql"), down));
            }
            Layout::Diesel => {
                let folder = dir.join(format!("{version}_{name}"));
                fs::create_dir_all(&folder)?;
                files.push((format!("{version}_{name}/up.sql"), up.clone()));
                files.push((format!("{version}_{name}/down.sql"), down));
            }
            Layout::Prisma => {
                fs::create_dir_all(dir.join(format!("{version}_{name}")))?;
                files.push((format!("{version}_{name}/migration.sql"), up.clone()));
            }
            Layout::Atlas => files.push((format!("{version}_{name}.sql"), up.clone())),
            Layout::Tern => files.push((
                format!("{}_{name}.sql", i + 1),
                format!("{up}\n---- create above / drop below ----\n{down}"),
            )),
            Layout::JsonDocs => {
                let previous: Vec<String> = (i > 0).then(|| format!("m{i}")).into_iter().collect();
                let doc = serde_json::json!({
                    "id": format!("m{}", i + 1),
                    "name": name,
                    "sql": up,
                    "rollback_sql": down,
                    "dependencies": previous,
                    "checksum": null,
                });
                files.push((format!("{version}_{name}.json"), doc.to_string()));
            }
            Layout::Cairn => anyhow::bail!("the Cairn layout is the usual benchmark"),
            Layout::Sqitch => {
                fs::create_dir_all(dir.join("deploy"))?;
                fs::create_dir_all(dir.join("revert"))?;
                files.push((format!("deploy/{name}.sql"), up.clone()));
                files.push((format!("revert/{name}.sql"), down));
            }
        }
        for (file, text) in files {
            let path = dir.join(file);
            fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if layout == Layout::Atlas {
        let mut written: Vec<(String, Vec<u8>)> = Vec::new();
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                written.push((name.to_string(), fs::read(&path)?));
            }
        }
        written.sort();
        let files: Vec<(&str, &[u8])> = written
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        fs::write(dir.join("atlas.sum"), cairn::layout::atlas_sum(&files))?;
    }
    if layout == Layout::Sqitch {
        let mut plan = String::from("%syntax-version=1.0.0\n%project=bench\n\n");
        for i in 0..scripts.len() {
            plan.push_str(&format!(
                "create_t{i} 2024-01-01T00:00:00Z Bench <bench@example.com>\n"
            ));
        }
        fs::write(dir.join("sqitch.plan"), plan)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_loads_as_many_migrations_as_the_yaml_folder() {
        let work = tempfile::tempdir().unwrap();
        let yaml = work.path().join("cairn");
        let scripts = crate::bench::generate(&yaml, 12).unwrap();
        for layout in Layout::ALL.into_iter().filter(|l| *l != Layout::Cairn) {
            let dir = work.path().join(layout.name());
            write(&dir, layout, &scripts).unwrap();
            let set = cairn::layout::load(&dir, layout, Dialect::Sqlite).unwrap();
            assert_eq!(set.len(), scripts.len(), "{layout}");
        }
    }
}
