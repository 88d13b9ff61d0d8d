//! `schema sql|dump|diff` and `drift`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use cairn::schema::{
    Schema, is_schema_path, load_schema, migration_sql, render_text, render_unified, schema_sql,
};
use cairn::{Dialect, Driver, Expected};
use serde_json::json;

use crate::cli::{DiffFormat, DriftArgs, DriftFormat, DumpFormat, SchemaCmd};
use crate::{Context, Outcome};

/// Runs one `schema` subcommand.
pub fn run(ctx: &Context, cmd: &SchemaCmd) -> Result<Outcome> {
    match cmd {
        SchemaCmd::Sql { dialect, files } => {
            let schema = declared(files)?;
            for stmt in schema_sql(&schema, (*dialect).into()).map_err(anyhow::Error::msg)? {
                println!("{stmt};\n");
            }
            Ok(Outcome::Clean)
        }
        SchemaCmd::Dump { format } => {
            let mut db = ctx.connect()?;
            let schema = db.as_introspect()?.introspect()?;
            print_schema(&schema, *format, db.dialect())?;
            Ok(Outcome::Clean)
        }
        SchemaCmd::Diff {
            from,
            to,
            dialect,
            scratch_url,
            format,
        } => diff(
            ctx,
            from,
            to,
            dialect.map(Into::into),
            ctx.scratch_url(scratch_url.as_deref()),
            *format,
        ),
    }
}

fn declared(files: &[PathBuf]) -> Result<Schema> {
    let defaults = [PathBuf::from("schemas")];
    let files = if files.is_empty() {
        &defaults[..]
    } else {
        files
    };
    let mut all = Schema::default();
    for f in files {
        all.tables
            .extend(load_schema(f).map_err(cairn::Error::Schema)?.tables);
    }
    Ok(all)
}

fn print_schema(schema: &Schema, format: DumpFormat, dialect: Dialect) -> Result<()> {
    match format {
        DumpFormat::Yaml => print!(
            "{}",
            serde_saphyr::to_string(&schema.sorted()).context("cannot render YAML")?
        ),
        DumpFormat::Json => println!("{:#}", serde_json::to_value(schema.sorted())?),
        DumpFormat::Sql => {
            for stmt in schema_sql(schema, dialect).map_err(anyhow::Error::msg)? {
                println!("{stmt};\n");
            }
        }
    }
    Ok(())
}

/// A side of `schema diff`: a database URL, a declared schema, or a migrations directory.
enum Side {
    Url(String),
    Declared(PathBuf),
    Migrations(PathBuf),
}

fn side(ctx: &Context, s: &str) -> Side {
    let path = Path::new(s);
    if !path.exists() && ctx.registry.dialect(s).is_ok() {
        return Side::Url(s.to_string());
    }
    if is_schema_path(path) {
        Side::Declared(path.to_path_buf())
    } else {
        Side::Migrations(path.to_path_buf())
    }
}

fn diff(
    ctx: &Context,
    from: &str,
    to: &str,
    dialect: Option<Dialect>,
    scratch_url: Option<&str>,
    format: DiffFormat,
) -> Result<Outcome> {
    let (a, b) = (side(ctx, from), side(ctx, to));
    let url_dialect = [&a, &b].into_iter().find_map(|s| {
        if let Side::Url(u) = s {
            ctx.registry.dialect(u).ok()
        } else {
            None
        }
    });
    let dialect = match dialect.or(url_dialect) {
        Some(d) => d,
        None => ctx.registry.dialect(ctx.settings.database_url()?)?,
    };
    let url_side = [&a, &b].into_iter().find_map(|s| {
        if let Side::Url(u) = s {
            Some(u.clone())
        } else {
            None
        }
    });
    let resolve = |s: &Side| -> Result<Schema> {
        match s {
            Side::Url(u) => Ok(ctx.open(u, false)?.as_introspect()?.introspect()?),
            Side::Declared(p) => declared(std::slice::from_ref(p)),
            Side::Migrations(p) => {
                let set = cairn::load_dir(p, dialect).map_err(cairn::Error::Load)?;
                let mut scratch = scratch(ctx, dialect, scratch_url, url_side.as_deref())?;
                Ok(cairn::replay(&set, scratch.as_mut())?)
            }
        }
    };
    let (sa, sb) = (resolve(&a)?, resolve(&b)?);
    let differences = cairn::schema::diff(&sa, &sb, dialect);
    match format {
        DiffFormat::Text if differences.is_empty() => println!("No differences ({dialect})."),
        DiffFormat::Text => {
            println!("--- {from}\n+++ {to}\n({dialect}; + only in TO, - only in FROM, ~ changed)");
            print!("{}", render_text(&differences));
        }
        DiffFormat::Json => println!(
            "{:#}",
            json!({"dialect": dialect, "from": from, "to": to, "differences": differences})
        ),
        DiffFormat::Sql => {
            for stmt in migration_sql(&sa, &sb, dialect).map_err(anyhow::Error::msg)? {
                println!("{stmt};");
            }
        }
        DiffFormat::Diff => print!("{}", render_unified(&sa, &sb, dialect, (from, to))),
    }
    Ok(if differences.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Finding
    })
}

/// An empty database of `dialect` to replay migrations into: `scratch_url`, else in memory for
/// SQLite, else a temporary database on `server`.
pub(crate) fn scratch(
    ctx: &Context,
    dialect: Dialect,
    scratch_url: Option<&str>,
    server: Option<&str>,
) -> Result<Box<dyn Driver>> {
    if let Some(u) = scratch_url {
        return ctx.connect_url(u);
    }
    match (dialect, server) {
        (Dialect::Sqlite, _) => ctx.connect_url("sqlite::memory:"),
        (_, Some(u)) => Ok(ctx.connect_url(u)?.as_scratch_databases()?.scratch()?),
        (d, None) => anyhow::bail!(
            "replaying migrations for {d} needs a server: pass --scratch-url, or a database URL as the other side"
        ),
    }
}

/// `drift`: live database against the migrations (or `--against` declared schemas).
pub fn drift(ctx: &Context, args: &DriftArgs) -> Result<Outcome> {
    let mut live = ctx.connect()?;
    let set;
    let expected = match &args.against {
        Some(path) => Expected::Declared(declared(std::slice::from_ref(path))?),
        None => {
            set = ctx.load()?;
            let scratch = match ctx.scratch_url(args.scratch_url.as_deref()) {
                Some(u) => ctx.connect_url(u)?,
                None => live.as_scratch_databases()?.scratch()?,
            };
            Expected::Migrations { set: &set, scratch }
        }
    };
    // The files that define the tables, for CI reports to point at: the migrations (the last
    // naming a table), or the declared schema files (the first naming it).
    let (files, last): (Vec<PathBuf>, bool) = match &expected {
        Expected::Migrations { set, .. } => (set.iter().map(|m| m.file.clone()).collect(), true),
        Expected::Declared(_) => (
            args.against.as_deref().map(files_under).unwrap_or_default(),
            false,
        ),
    };
    let report = cairn::drift(live.as_mut(), expected, &args.ignore)?;
    if let Some(format) = args.out.format.ci() {
        let locate = |table: &str| crate::report::from::locate_table(&files, table, last);
        let suite = crate::report::from::drift(&report, locate);
        print!("{}", crate::report::render(&suite, format));
    } else if args.out.format == DriftFormat::Json {
        println!("{:#}", json!({"drift": report.drifted(), "report": report}));
    } else if report.drifted() {
        println!(
            "Drift: {} differs from {} (+ only in the database, - missing from it, ~ changed):",
            report.database, report.expected
        );
        print!("{}", render_text(&report.differences));
        println!(
            "{} difference{}{}",
            report.differences.len(),
            if report.differences.len() == 1 {
                ""
            } else {
                "s"
            },
            ignored(report.ignored)
        );
    } else {
        println!(
            "No drift: {} matches {}{}.",
            report.database,
            report.expected,
            ignored(report.ignored)
        );
    }
    Ok(if report.drifted() {
        Outcome::Finding
    } else {
        Outcome::Clean
    })
}

fn ignored(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} ignored by --ignore)")
    }
}

/// The files under `path` (itself when it is a file), sorted, recursively.
fn files_under(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}
