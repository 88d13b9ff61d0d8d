//! The result table of `bench --peers`: one row per measure, one column per tool, each cell
//! the median of its runs, an error, or a dash where the tool has no such command.

use std::time::Duration;

/// What one tool did for one measure, over all runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The tool has no such command (a raw client has no history, refinery no `status`).
    NotApplicable,
    /// The wall-clock time of every successful run.
    Times(Vec<Duration>),
    /// The first line of the first failure; the other runs are not tried again.
    Error(String),
}

impl Cell {
    /// Adds one run's outcome. An error wins over earlier times: a tool that failed once is
    /// not reported as if it had worked.
    pub fn push(&mut self, outcome: Result<Duration, String>) {
        match (&mut *self, outcome) {
            (Cell::Error(_), _) => {}
            (_, Err(e)) => *self = Cell::Error(first_line(&e)),
            (Cell::Times(times), Ok(d)) => times.push(d),
            (Cell::NotApplicable, Ok(d)) => *self = Cell::Times(vec![d]),
        }
    }

    /// Whether later runs should still try this tool (not after it failed).
    pub fn failed(&self) -> bool {
        matches!(self, Cell::Error(_))
    }

    /// The median time, if the tool ran.
    pub fn median(&self) -> Option<Duration> {
        match self {
            Cell::Times(times) if !times.is_empty() => {
                let mut sorted = times.clone();
                sorted.sort();
                sorted.get(sorted.len() / 2).copied()
            }
            _ => None,
        }
    }

    /// The cell as printed.
    pub fn render(&self) -> String {
        match (self, self.median()) {
            (Cell::Error(e), _) => format!("error: {e}"),
            (_, Some(d)) => format_duration(d),
            _ => "—".to_string(),
        }
    }
}

/// `12.3 ms` under 10 s (the no-op and status times the table is mostly about), else `12.34 s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10_000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The first non-empty line of a tool's message, cut to keep the table readable.
pub fn first_line(message: &str) -> String {
    const MAX: usize = 80;
    let line = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("failed without a message");
    // Most tools start their message with `error:`, which the cell already says.
    let line = ["error:", "Error:", "ERROR:"]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .map_or(line, str::trim_start);
    let shown = if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    };
    // A `|` would split the Markdown cell.
    shown.replace('|', "/")
}

/// A Markdown table: a header row of tool names, then one row per measure.
pub struct Table {
    /// Column titles after `measure`.
    pub columns: Vec<String>,
    /// (measure, one cell per column).
    pub rows: Vec<(String, Vec<Cell>)>,
}

impl Table {
    /// The table as Markdown, columns padded so it also reads as plain text.
    pub fn render(&self) -> String {
        let mut grid: Vec<Vec<String>> = Vec::with_capacity(self.rows.len() + 1);
        grid.push(
            std::iter::once("measure".to_string())
                .chain(self.columns.iter().cloned())
                .collect(),
        );
        for (measure, cells) in &self.rows {
            grid.push(
                std::iter::once(measure.clone())
                    .chain(cells.iter().map(Cell::render))
                    .collect(),
            );
        }
        let width = |c: usize| {
            grid.iter()
                .filter_map(|row| row.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..grid.first().map_or(0, Vec::len)).map(width).collect();
        let line = |row: &[String]| {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (s, w))| {
                    // Times align right so their units line up; the measure names left.
                    if i == 0 {
                        format!("{s:<w$}")
                    } else {
                        format!("{s:>w$}")
                    }
                })
                .collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let mut out = String::new();
        if let Some((header, body)) = grid.split_first() {
            out.push_str(&line(header));
            let rule: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let dashes = "-".repeat((*w).max(3) - 1);
                    if i == 0 {
                        format!("{dashes}-")
                    } else {
                        format!("{dashes}:")
                    }
                })
                .collect();
            out.push_str(&format!("| {} |\n", rule.join(" | ")));
            for row in body {
                out.push_str(&line(row));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_cell_reports_the_median_or_its_first_error() {
        let mut cell = Cell::NotApplicable;
        assert_eq!(cell.render(), "—");
        for d in [30, 10, 20] {
            cell.push(Ok(ms(d)));
        }
        assert_eq!(cell.median(), Some(ms(20)));
        assert_eq!(cell.render(), "20.0 ms");
        cell.push(Err("\n  error: no such table: x\nmore".to_string()));
        cell.push(Err("second".to_string()));
        assert!(cell.failed());
        assert_eq!(cell.render(), "error: no such table: x");
        cell.push(Ok(ms(1)));
        assert_eq!(cell.render(), "error: no such table: x");
    }

    #[test]
    fn long_times_are_in_seconds_and_long_errors_cut() {
        assert_eq!(format_duration(ms(9_999)), "9999.0 ms");
        assert_eq!(format_duration(ms(12_345)), "12.35 s");
        let long = "x".repeat(200);
        assert_eq!(first_line(&long).chars().count(), 81);
        assert_eq!(first_line("a | b"), "a / b");
    }

    #[test]
    fn renders_an_aligned_markdown_table() {
        let table = Table {
            columns: vec!["raw client".to_string(), "Cairn".to_string()],
            rows: vec![
                (
                    "up".to_string(),
                    vec![Cell::Times(vec![ms(1500)]), Cell::Times(vec![ms(12)])],
                ),
                (
                    "status".to_string(),
                    vec![Cell::NotApplicable, Cell::Error("boom".to_string())],
                ),
            ],
        };
        assert_eq!(
            table.render(),
            "| measure | raw client |       Cairn |\n\
             | ------- | ---------: | ----------: |\n\
             | up      |  1500.0 ms |     12.0 ms |\n\
             | status  |          — | error: boom |\n"
        );
    }
}
