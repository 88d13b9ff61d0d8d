//! Printing: colour only on a terminal and never with NO_COLOR, load problems with the source
//! line underlined, errors as text or JSON.

use std::io::IsTerminal;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use cairn::lint::{LintFinding, Severity};
use cairn::{Error, LoadErrors, Problem};
use serde_json::json;

use crate::cli::ColorChoice;

/// Where and how output goes.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Whether stdout gets ANSI colour.
    pub color: bool,
    /// Whether stderr gets ANSI colour.
    pub color_err: bool,
}

impl Style {
    /// Decides colour from the flag, NO_COLOR and whether each stream is a terminal.
    pub fn new(choice: ColorChoice) -> Style {
        let allowed = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let pick = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => allowed && tty,
        };
        Style {
            color: pick(std::io::stdout().is_terminal()),
            color_err: pick(std::io::stderr().is_terminal()),
        }
    }

    /// `text` in green on stdout.
    pub fn ok(&self, text: &str) -> String {
        paint(self.color, "32", text)
    }

    /// `text` in yellow on stdout.
    pub fn warn(&self, text: &str) -> String {
        paint(self.color, "33", text)
    }

    /// `text` in red on stdout.
    pub fn bad(&self, text: &str) -> String {
        paint(self.color, "31", text)
    }

    /// `text` dimmed on stdout.
    pub fn dim(&self, text: &str) -> String {
        paint(self.color, "2", text)
    }
}

fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Load problems, each with its source line and a caret under the column.
pub fn problems(errors: &LoadErrors, what: &str, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for p in &errors.0 {
        out.push_str(&renderer.render(&[problem_report(p)]));
        out.push('\n');
    }
    let n = errors.0.len();
    out.push_str(&format!(
        "{n} problem{} in {what}\n",
        if n == 1 { "" } else { "s" }
    ));
    out
}

fn problem_report(p: &Problem) -> annotate_snippets::Group<'_> {
    let title = Level::ERROR.primary_title(p.message.as_str());
    let path = p.file.to_str().unwrap_or("?");
    match (&p.source_line, p.line) {
        (Some(line), n) if n > 0 => {
            let start = line
                .char_indices()
                .nth(p.column.saturating_sub(1) as usize)
                .map_or(0, |(i, _)| i);
            let start = if p.column == 0 {
                line.len() - line.trim_start().len()
            } else {
                start
            };
            let end = line[start..]
                .find(char::is_whitespace)
                .map_or(line.len(), |i| start + i)
                .max((start + 1).min(line.len()));
            title.element(
                Snippet::source(line.as_str())
                    .line_start(n as usize)
                    .path(path)
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        }
        _ => title.element(Snippet::<annotate_snippets::Annotation<'_>>::source("").path(path)),
    }
}

/// Lint findings, each with its file line and the statement (or the parser's stopping point)
/// underlined, the rule id in the title and what to do instead as help.
pub fn findings(findings: &[LintFinding], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in findings {
        let level = match (f.allowed.is_some(), f.severity) {
            (true, _) => Level::NOTE,
            (false, Severity::Deny) => Level::ERROR,
            (false, Severity::Warn) => Level::WARNING,
            (false, _) => Level::INFO,
        };
        let title = level.primary_title(f.message.as_str()).id(f.rule.as_str());
        let path = f.file.to_str().unwrap_or("?");
        let mut group = match (&f.source_line, f.line) {
            (Some(line), n) if n > 0 => {
                let byte = |chars: u32| {
                    line.char_indices()
                        .nth(chars as usize)
                        .map_or(line.len(), |(i, _)| i)
                };
                let start = byte(f.column.saturating_sub(1));
                let end = byte(f.column.saturating_sub(1) + f.width.max(1)).max(start);
                title.element(
                    Snippet::source(line.as_str())
                        .line_start(n as usize)
                        .path(path)
                        .annotation(AnnotationKind::Primary.span(start..end)),
                )
            }
            _ => title.element(Snippet::<annotate_snippets::Annotation<'_>>::source("").path(path)),
        };
        if !f.help.is_empty() {
            group = group.element(Level::HELP.message(f.help.as_str()));
        }
        if let Some(reason) = &f.allowed {
            group =
                group.element(Level::NOTE.message(format!("allowed by the migration: {reason}")));
        }
        out.push_str(&renderer.render(&[group]));
        out.push('\n');
    }
    out
}

/// Prints `err` on stderr (text) or stdout (JSON).
pub fn error(err: &anyhow::Error, json_mode: bool, style: &Style) {
    let engine = err.downcast_ref::<Error>();
    let refusal = err.downcast_ref::<crate::lint::Refusal>();
    if json_mode {
        let body = match engine {
            Some(Error::Load(l)) => {
                json!({"error": {"kind": "load", "message": err.to_string(), "problems": l.0}})
            }
            Some(Error::Schema(l)) => {
                json!({"error": {"kind": "schema", "message": err.to_string(), "problems": l.0}})
            }
            Some(Error::Statement(f)) => {
                json!({"error": {"kind": "statement", "message": err.to_string(), "failure": f}})
            }
            Some(Error::Validation(v)) => {
                json!({"error": {"kind": "validation", "message": err.to_string(), "findings": v}})
            }
            _ if refusal.is_some() => {
                let findings = refusal.map(|r| &r.findings);
                json!({"error": {"kind": "lint", "message": err.to_string(), "findings": findings}})
            }
            _ => json!({"error": {"kind": "error", "message": format!("{err:#}")}}),
        };
        println!("{body:#}");
        return;
    }
    if let Some(Error::Load(l)) = engine {
        eprint!("{}", problems(l, "migrations", style.color_err));
        return;
    }
    if let Some(Error::Schema(l)) = engine {
        eprint!("{}", problems(l, "declared schema files", style.color_err));
        return;
    }
    if let Some(r) = refusal {
        eprint!("{}", findings(&r.findings, style.color_err));
    }
    eprintln!("{} {err:#}", paint(style.color_err, "1;31", "error:"));
}
