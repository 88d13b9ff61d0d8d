//! Progress of a long run on stderr: a bar on a terminal (with one line printed above it per
//! finished migration), plain lines otherwise, nothing when disabled (JSON output, dry runs).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A run's progress; `migrate up`/`down` and `migrate test` feed it their own events.
pub struct Progress {
    enabled: bool,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress that shows only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Progress { enabled, bar: None }
    }

    /// `total` migrations will run: a bar when there is more than one and stderr is a terminal.
    pub fn planned(&mut self, total: usize) {
        if !self.enabled || total < 2 || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}") {
            bar.set_style(style);
        }
        self.bar = Some(bar);
    }

    /// Migration `id` started.
    pub fn started(&self, id: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(id.to_string());
        }
    }

    /// One migration finished: `line` is printed (above the bar, if any).
    pub fn finished(&self, line: String) {
        if !self.enabled {
            return;
        }
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
