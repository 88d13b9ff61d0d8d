//! Progress of a long run on stderr: a bar on a terminal (with one line printed above it per
//! finished migration), plain lines otherwise, nothing when disabled (JSON output, dry runs).

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A run's progress; `migrate up`/`down` and `migrate test` feed it their own events.
pub struct Progress {
    enabled: bool,
    bar: Option<ProgressBar>,
    /// Plain lines not written yet, written by `writer` every [`EVERY`].
    lines: Arc<Mutex<String>>,
    writer: Option<(Sender<()>, JoinHandle<()>)>,
}

/// Plain lines are written at most this often, and at most this long after they are made: a
/// log follows the run, and a thousand quick migrations cost a few writes instead of a
/// thousand.
const EVERY: Duration = Duration::from_millis(100);

impl Progress {
    /// Progress that shows only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            bar: None,
            lines: Arc::new(Mutex::new(String::new())),
            writer: None,
        }
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
    pub fn finished(&mut self, line: String) {
        if !self.enabled {
            return;
        }
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => {
                {
                    let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
                    lines.push_str(&line);
                    lines.push('\n');
                }
                if self.writer.is_none() {
                    self.writer = Some(writer(Arc::clone(&self.lines)));
                }
            }
        }
    }

    /// Clears the bar and writes what is kept.
    pub fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some((stop, thread)) = self.writer.take() {
            drop(stop);
            let _ = thread.join();
        }
        write(&self.lines);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// A thread writing the kept lines every [`EVERY`] until its sender is dropped.
fn writer(lines: Arc<Mutex<String>>) -> (Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
            write(&lines);
        }
    });
    (stop, thread)
}

/// Writes and empties `lines`. A reader that went away does not stop the run.
fn write(lines: &Mutex<String>) {
    let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner);
    if !lines.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(lines.as_bytes()).and_then(|()| out.flush());
        lines.clear();
    }
}
