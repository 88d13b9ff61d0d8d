//! `migrate import`: converts another tool's migration folder once into Cairn YAML files.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::json;

use crate::cli::{Format, LayoutChoice, Out};
use crate::{Context, Outcome};

/// Reads `dir` as `from` (or the layout detected there), writes one YAML file per migration
/// into `to`, and reports what could not be carried over (exit 1 when anything).
pub fn run(ctx: &Context, from: LayoutChoice, dir: &Path, to: &Path, out: Out) -> Result<Outcome> {
    // The global `--layout` works here too, so the detection notice's advice holds.
    let choice = match from {
        LayoutChoice::Auto => ctx.global.layout,
        fixed => fixed,
    };
    let layout = ctx.layout_of(dir, choice)?;
    let files = cairn::layout::import(dir, layout).map_err(cairn::Error::Load)?;
    let existing: Vec<String> = files
        .iter()
        .map(|f| to.join(&f.file_name))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        bail!(
            "not overwriting existing files: {}; import into an empty folder",
            existing.join(", ")
        );
    }
    fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for f in &files {
        let path = to.join(&f.file_name);
        // Ids with `/` (Liquibase changelogs in sub-folders) become files in sub-folders.
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::write(&path, &f.yaml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let notes: Vec<&String> = files.iter().flat_map(|f| &f.notes).collect();
    if out.format == Format::Json {
        let written: Vec<_> = files
            .iter()
            .map(|f| {
                json!({
                    "id": f.id,
                    "file": to.join(&f.file_name),
                    "source": f.source,
                    "notes": f.notes,
                })
            })
            .collect();
        let doc = json!({"layout": layout, "to": to, "migrations": written, "notes": notes});
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for f in &files {
            println!(
                "  {} {} {}",
                ctx.style.ok("✓"),
                to.join(&f.file_name).display(),
                ctx.style.dim(&format!("(from {})", f.source.display()))
            );
        }
        println!(
            "imported {} {layout} migration{} into {}",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            to.display()
        );
        if !notes.is_empty() {
            println!("{}", ctx.style.warn("not carried over:"));
            for n in &notes {
                println!("  - {n}");
            }
        }
    }
    Ok(if notes.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Finding
    })
}
