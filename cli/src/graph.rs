//! `graph`: the dependency graph as Mermaid, dot or JSON.

use anyhow::Result;
use cairn::Graph;
use serde_json::json;

use crate::cli::GraphFormat;
use crate::{Context, Outcome};

/// Prints the graph of the loaded migrations.
pub fn run(ctx: &Context, format: GraphFormat) -> Result<Outcome> {
    let set = ctx.load()?;
    print!("{}", render(set.graph(), format));
    Ok(Outcome::Clean)
}

/// The graph in `format`; edges go from a dependency to what depends on it.
pub fn render(graph: &Graph, format: GraphFormat) -> String {
    let ids: Vec<&str> = graph.order().collect();
    let node = |id: &str| ids.iter().position(|i| *i == id).unwrap_or(0);
    let edges: Vec<(&str, &str)> = ids
        .iter()
        .flat_map(|id| graph.dependencies(id).into_iter().map(move |d| (d, *id)))
        .collect();
    match format {
        GraphFormat::Mermaid => {
            let mut out = String::from("graph TD\n");
            for (i, id) in ids.iter().enumerate() {
                out.push_str(&format!("  n{i}[\"{id}\"]\n"));
            }
            for (from, to) in &edges {
                out.push_str(&format!("  n{} --> n{}\n", node(from), node(to)));
            }
            out
        }
        GraphFormat::Dot => {
            let mut out = String::from("digraph migrations {\n  rankdir=LR;\n");
            for id in &ids {
                out.push_str(&format!("  \"{id}\";\n"));
            }
            for (from, to) in &edges {
                out.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
            }
            out.push_str("}\n");
            out
        }
        GraphFormat::Json => format!("{:#}\n", json!({"nodes": ids, "edges": edges})),
    }
}
