//! `migrate diff NAME`: autogenerate a migration. The migrations are replayed into a scratch
//! database (the target dialect's, and SQLite in memory besides), compared with the declared
//! schema, and the differences written as a new migration: portable `changes` (rendered for
//! every dialect, rollback derived) where they express every difference, else the SQL of each
//! replayed dialect, up and down. Before it is kept, the file is proved on each scratch: up
//! reaches the declared schema, down comes back to the replay.

mod portable;
mod warn;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use cairn::schema::{Difference, Schema, diff, load_schema, migration_sql, render_text};
use cairn::{Change, Dialect, DownTarget, Driver, MigrationSet, Options, UpTarget};
use clap::Args;
use serde::Serialize;
use serde_json::json;

use crate::cli::{DialectArg, Format, Out};
use crate::{Context, Outcome};

/// `migrate diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Name, e.g. add_users_phone.
    pub name: String,
    /// The declared schema: a schema file or directory, Cairn's `tables:` form or the model
    /// form (default `schemas`).
    #[arg(long, value_name = "PATH")]
    pub against: Option<PathBuf>,
    /// Dialect to replay and compare on (default: that of --database-url).
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Empty database of that dialect to replay into (default: in memory for SQLite, a
    /// temporary database created and dropped on --database-url's server otherwise).
    #[arg(long)]
    pub scratch_url: Option<String>,
    /// Write JSON instead of YAML.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub out: Out,
}

/// The migrations replayed for one dialect, and how the declared schema differs.
struct Replay {
    dialect: Dialect,
    scratch: Box<dyn Driver>,
    set: MigrationSet,
    replayed: Schema,
    diffs: Vec<Difference>,
}

impl Replay {
    fn new(
        ctx: &Context,
        dialect: Dialect,
        declared: &Schema,
        scratch_url: Option<&str>,
    ) -> Result<Replay> {
        let set = ctx.load_for(dialect)?;
        // A server's scratch is a temporary database on --database-url's server.
        let server = ctx
            .settings
            .database_url()
            .ok()
            .filter(|u| ctx.registry.dialect(u).ok() == Some(dialect));
        let mut scratch = crate::schema::scratch(ctx, dialect, scratch_url, server)?;
        let replayed = cairn::replay(&set, scratch.as_mut())?;
        let diffs = diff(&replayed, declared, dialect);
        Ok(Replay {
            dialect,
            scratch,
            set,
            replayed,
            diffs,
        })
    }

    /// Applies the new migration on the scratch, compares with the declared schema, reverts
    /// it and compares with the replay: what is left over, each way, or why it failed.
    fn prove(&mut self, ctx: &Context, declared: &Schema) -> Result<()> {
        let d = self.dialect;
        let set = ctx.load_for(d)?;
        let opts = Options::default();
        cairn::up(
            self.scratch.as_mut(),
            &set,
            &UpTarget::All,
            &opts,
            &mut |_| {},
        )?;
        let after = self.scratch.as_introspect()?.introspect()?;
        let left = diff(&after, declared, d);
        if !left.is_empty() {
            anyhow::bail!(
                "after its up, the {d} schema still differs from the declared one:\n{}",
                render_text(&left)
            );
        }
        let back = DownTarget::Steps(1);
        cairn::down(self.scratch.as_mut(), &set, &back, &opts, &mut |_| {})?;
        let after = self.scratch.as_introspect()?.introspect()?;
        let left = diff(&after, &self.replayed, d);
        if !left.is_empty() {
            anyhow::bail!(
                "after its down, the {d} schema differs from the migrations' replay:\n{}",
                render_text(&left)
            );
        }
        Ok(())
    }
}

/// Runs `migrate diff`: exit 0 with the file written, 1 with nothing written when the
/// migrations already produce the declared schema, 2 on an error (nothing written).
pub fn run(ctx: &Context, args: &DiffArgs) -> Result<Outcome> {
    check_name(&args.name)?;
    let against = args
        .against
        .clone()
        .unwrap_or_else(|| PathBuf::from("schemas"));
    let mut declared = load_schema(&against).map_err(cairn::Error::Schema)?;
    name_constraints(&mut declared);
    let target = match args.dialect {
        Some(d) => d.into(),
        None => ctx.registry.dialect(ctx.settings.database_url()?)?,
    };
    let dir = ctx.global.dir.clone();
    // Created first, so the set loads (with the built-ins) even before the first migration.
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let scratch_url = ctx.scratch_url(args.scratch_url.as_deref());
    let mut replays = vec![Replay::new(ctx, target, &declared, scratch_url)?];
    if target != Dialect::Sqlite {
        // SQLite replays in memory: its SQL is written and proved too, when the migrations
        // have SQL for it.
        match Replay::new(ctx, Dialect::Sqlite, &declared, None) {
            Ok(r) => replays.push(r),
            Err(e) => eprintln!("note: not written or proved for sqlite: {e:#}"),
        }
    }
    let json_out = args.out.format == Format::Json;
    if replays[0].diffs.is_empty() {
        let msg = format!(
            "Nothing to do: the migrations already produce the schema declared in {} ({target}); no file written.",
            against.display()
        );
        if json_out {
            println!("{:#}", json!({"written": null, "message": msg}));
        } else {
            println!("{msg}");
        }
        return Ok(Outcome::Finding);
    }
    let heads: Vec<String> = replays[0]
        .set
        .graph()
        .heads()
        .into_iter()
        .map(str::to_string)
        .collect();
    let description = args.name.replace(['_', '-'], " ");
    let portable = portable::changes(&replays[0].diffs, &declared, &replays[0].replayed);
    let (form, text) = match &portable {
        Some(changes) => (
            "portable changes, rollback derived",
            file_text(&description, &heads, Body::Changes(changes), args.json)?,
        ),
        None => {
            let mut up = Vec::new();
            let mut down = Vec::new();
            for r in replays.iter().filter(|r| !r.diffs.is_empty()) {
                let d = r.dialect;
                let sql = |from, to| -> Result<String> {
                    let stmts = migration_sql(from, to, d).map_err(|e| {
                        anyhow::anyhow!(
                            "cannot write the {d} migration: {e}; write it by hand (`migrate new`)"
                        )
                    })?;
                    Ok(stmts.iter().map(|s| format!("{s};\n")).collect())
                };
                up.push((d.to_string(), sql(&r.replayed, &declared)?));
                down.push((d.to_string(), sql(&declared, &r.replayed)?));
            }
            (
                "SQL per dialect",
                file_text(&description, &heads, Body::Sql { up, down }, args.json)?,
            )
        }
    };
    match &portable {
        Some(changes) => warn::unrendered(ctx, changes),
        None => warn::rebuilds(ctx, &replays),
    }
    let path = next_path(&dir, &args.name, args.json)?;
    if path.exists() {
        anyhow::bail!("{} already exists", path.display());
    }
    fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    let mut proved = Vec::new();
    for (i, r) in replays.iter_mut().enumerate() {
        if portable.is_none() && r.diffs.is_empty() {
            continue;
        }
        match r.prove(ctx, &declared) {
            Ok(()) => proved.push(r.dialect.to_string()),
            Err(e) if i == 0 => {
                let _ = fs::remove_file(&path);
                return Err(e.context(format!(
                    "the generated migration does not do what it should on {target}, so {} was not kept",
                    path.display()
                )));
            }
            Err(e) => eprintln!(
                "{} {} does not prove out on {}: {e:#}",
                ctx.style_err("warning:"),
                path.display(),
                r.dialect
            ),
        }
    }
    let diffs = &replays[0].diffs;
    if json_out {
        println!(
            "{:#}",
            json!({"written": path, "form": form, "dialect": target, "proved_on": proved,
                   "differences": diffs})
        );
    } else {
        println!(
            "Wrote {} ({form}; up and down proved on {}):",
            path.display(),
            proved.join(" and ")
        );
        print!("{}", render_text(diffs));
        if portable.is_none() {
            println!(
                "Some differences have no portable change, so the file holds the SQL of {} only.",
                replays
                    .iter()
                    .filter(|r| !r.diffs.is_empty())
                    .map(|r| r.dialect.to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
        }
        println!("Review it, then run `cairn migrate up`.");
    }
    Ok(Outcome::Clean)
}

/// Names the constraints the files leave unnamed (`uq_TABLE_COLUMNS`, `ck_TABLE_N`,
/// `fk_TABLE_COLUMNS`), so the SQL that adds one can drop it again on PostgreSQL and MySQL, and
/// MySQL names the index it creates for a foreign key after it (an unnamed one's index would
/// be named after its column and read back as an index of its own). Drift matches constraints
/// by content, so the database still matches the files as written.
fn name_constraints(schema: &mut Schema) {
    for t in &mut schema.tables {
        for f in t.foreign_keys.iter_mut().filter(|f| f.name.is_none()) {
            f.name = Some(format!("fk_{}_{}", t.name, f.columns.join("_")));
        }
        for u in t.unique.iter_mut().filter(|u| u.name.is_none()) {
            u.name = Some(format!("uq_{}_{}", t.name, u.columns.join("_")));
        }
        for (i, c) in t.checks.iter_mut().enumerate() {
            if c.name.is_none() {
                c.name = Some(format!("ck_{}_{}", t.name, i + 1));
            }
        }
    }
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        anyhow::bail!("migration name `{name}` must be letters, digits, `_` or `-`");
    }
    Ok(())
}

/// `NNNN_name.yaml` with the number after the highest in `dir`, as `migrate new` numbers.
fn next_path(dir: &Path, name: &str, json_file: bool) -> Result<PathBuf> {
    let next = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.split('_').next().and_then(|p| p.parse::<u64>().ok()))
        })
        .max()
        .map_or(1, |n| n + 1);
    let ext = if json_file { "json" } else { "yaml" };
    Ok(dir.join(format!("{next:04}_{name}.{ext}")))
}

/// What the file holds besides its description and dependencies.
enum Body<'a> {
    Changes(&'a [Change]),
    /// (dialect, SQL) of up and of down.
    Sql {
        up: Vec<(String, String)>,
        down: Vec<(String, String)>,
    },
}

#[derive(Serialize)]
struct ChangesFile<'a> {
    description: &'a str,
    depends_on: &'a [String],
    changes: &'a [Change],
}

/// The migration file's text, YAML or JSON.
fn file_text(
    description: &str,
    heads: &[String],
    body: Body<'_>,
    json_file: bool,
) -> Result<String> {
    match body {
        Body::Changes(changes) => {
            let file = ChangesFile {
                description,
                depends_on: heads,
                changes,
            };
            if json_file {
                Ok(format!("{:#}\n", serde_json::to_value(&file)?))
            } else {
                serde_saphyr::to_string(&file).context("cannot render YAML")
            }
        }
        Body::Sql { up, down } if json_file => {
            let map = |v: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
                v.iter().map(|(d, s)| (d.clone(), json!(s))).collect()
            };
            Ok(format!(
                "{:#}\n",
                json!({"description": description, "depends_on": heads,
                       "up": map(&up), "down": map(&down)})
            ))
        }
        Body::Sql { up, down } => {
            let mut out = format!("description: {}\n", serde_json::to_string(description)?);
            if heads.is_empty() {
                out.push_str("depends_on: []\n");
            } else {
                out.push_str("depends_on:\n");
                for h in heads {
                    out.push_str(&format!("  - {}\n", serde_json::to_string(h)?));
                }
            }
            for (key, scripts) in [("up", &up), ("down", &down)] {
                out.push_str(&format!("{key}:\n"));
                for (dialect, sql) in scripts {
                    out.push_str(&format!("  {dialect}: |\n"));
                    for line in sql.lines() {
                        out.push_str(&format!("    {line}\n").replace("    \n", "\n"));
                    }
                }
            }
            Ok(out)
        }
    }
}
