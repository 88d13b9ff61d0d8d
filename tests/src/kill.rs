//! Kill trials: a `cairn migrate up` killed with SIGKILL at some instant, then a plain second
//! `migrate up`, compared with a clean run of the same generated migrations. Shared by the suite
//! test (`cli/tests/kill_anywhere.rs`) and `cargo xtask bench --kill`.
//!
//! ```no_run
//! # use cairn_tests::{Kind, kill};
//! # let bin = std::path::Path::new("target/debug/cairn");
//! let set = kill::Set::prepare(bin, 7, Kind::Sqlite).unwrap();
//! let trial = kill::trial(bin, &set, set.clean / 2).unwrap();
//! assert_eq!(trial.outcome, kill::Outcome::Recovered, "{:?}", trial.messages);
//! ```

mod generate;

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use generate::generate;

use crate::{Contents, Kind, TestDb};

/// Longer than any healthy run here; only a hang reaches it (the run is then killed and the
/// trial reported as needing a manual step).
const HANG_GUARD: Duration = Duration::from_secs(180);

/// A tiny seeded generator (splitmix64): deterministic sets without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A delay uniform over `[0, max]`, to the microsecond.
    pub fn delay(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.below(micros.saturating_add(1)))
    }
}

/// A generated migration set and what a clean, uninterrupted run of it leaves behind.
#[derive(Debug)]
pub struct Set {
    /// The seed the migrations were generated from.
    pub seed: u64,
    /// The backend they were generated for.
    pub kind: Kind,
    /// Migration ids, in file order.
    pub ids: Vec<String>,
    /// Wall time of the clean `cairn migrate up`, process start to exit.
    pub clean: Duration,
    /// Every object and row after the clean run.
    pub contents: Contents,
    dir: TempDir,
}

impl Set {
    /// Generates the set for `seed` and applies it once, uninterrupted, to a fresh database;
    /// `None` when `kind`'s server is not configured. Panics when the clean run fails: the
    /// generator, not the engine's recovery, would be at fault.
    pub fn prepare(bin: &Path, seed: u64, kind: Kind) -> Option<Set> {
        let db = TestDb::new(kind)?;
        let dir = tempfile::Builder::new()
            .prefix("cairn-kill-")
            .tempdir()
            .unwrap();
        let migrations = dir.path().join("migrations");
        let ids = generate(seed, kind, &migrations);
        // A first start of a freshly linked binary reads it from disk: keep that out of the
        // measured run, whose duration sets the range of the kill instants.
        let _ = Command::new(bin).arg("--help").output();
        let start = Instant::now();
        let (status, err) = run_up(bin, &db, &migrations, dir.path(), "clean");
        let clean = start.elapsed();
        assert!(
            status.success(),
            "{kind}: the clean run of seed {seed} failed ({status}): {err}"
        );
        let set = Set {
            seed,
            kind,
            ids,
            clean,
            contents: Contents::of(&db),
            dir,
        };
        let wrong = set.history_problems(&db);
        assert!(
            wrong.is_empty(),
            "{kind}: clean run of seed {seed}: {wrong:?}"
        );
        Some(set)
    }

    /// The folder holding the migration files.
    pub fn migrations(&self) -> PathBuf {
        self.dir.path().join("migrations")
    }

    /// What is wrong with `db`'s history: every migration must be listed exactly once, as
    /// `applied`, and nothing else.
    fn history_problems(&self, db: &TestDb) -> Vec<String> {
        let mut rows = crate::rows(db, "SELECT id, status FROM cairn_migrations");
        rows.sort();
        let mut problems = Vec::new();
        for id in &self.ids {
            let mine: Vec<&Vec<String>> = rows.iter().filter(|r| &r[0] == id).collect();
            match mine.as_slice() {
                [row] if row[1] == "applied" => {}
                [] => problems.push(format!("history: {id} is missing")),
                list => problems.push(format!(
                    "history: {id}: {:?}",
                    list.iter().map(|r| r[1].as_str()).collect::<Vec<_>>()
                )),
            }
        }
        for row in rows.iter().filter(|r| !self.ids.contains(&r[0])) {
            problems.push(format!("history: unexpected row {} ({})", row[0], row[1]));
        }
        problems
    }
}

/// How one trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The second plain `up` exited 0 and the database equals the clean run's.
    Recovered,
    /// The second `up` exited non-zero: someone would have to step in.
    NeededManualStep,
    /// The second `up` exited 0 but objects, rows or history differ from the clean run.
    WrongData,
    /// The first run had exited before the kill, and the database is right: nothing tested.
    KilledAfterFinish,
}

impl Outcome {
    /// Whether the trial shows a recovery problem.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::NeededManualStep | Outcome::WrongData)
    }
}

/// The result of one trial.
#[derive(Debug, Clone)]
pub struct Trial {
    /// How it ended.
    pub outcome: Outcome,
    /// The seed of the migration set.
    pub seed: u64,
    /// How long after its start the first run was killed.
    pub delay: Duration,
    /// What went wrong: the second run's stderr, a short diff, or notes.
    pub messages: Vec<String>,
}

/// Runs one trial on a fresh database: `migrate up` killed with SIGKILL `delay` after its start,
/// then a plain `migrate up`, compared with `set`'s clean run. `None` when the server is not
/// configured.
pub fn trial(bin: &Path, set: &Set, delay: Duration) -> Option<Trial> {
    let db = TestDb::new(set.kind)?;
    let work = tempfile::Builder::new()
        .prefix("cairn-trial-")
        .tempdir()
        .unwrap();
    let mut messages = Vec::new();
    let mut first = spawn_up(bin, &db, &set.migrations(), work.path(), "killed");
    std::thread::sleep(delay);
    // SIGKILL on Unix: the runner gets no chance to clean up anything. (Killing a child that
    // has exited but is not yet reaped is harmless.)
    first.kill().unwrap();
    let status = first.wait().unwrap();
    // An exit code, rather than death by the signal, means the run had finished first.
    let finished = status.code().is_some();
    if finished {
        messages.push(format!("the first run had already exited ({status})"));
    }
    let (second, err) = run_up(bin, &db, &set.migrations(), work.path(), "second");
    let outcome = if !second.success() {
        messages.push(format!(
            "second `migrate up` exited {second}: {}",
            err.trim()
        ));
        let first_err = read(work.path(), "killed");
        if !first_err.trim().is_empty() {
            messages.push(format!(
                "first run ({status}) stderr: {}",
                tail(&first_err, 600)
            ));
        }
        Outcome::NeededManualStep
    } else {
        let mut wrong = set.history_problems(&db);
        wrong.extend(diff(&set.contents, &Contents::of(&db)));
        if wrong.is_empty() {
            if finished {
                Outcome::KilledAfterFinish
            } else {
                Outcome::Recovered
            }
        } else {
            messages.extend(wrong);
            Outcome::WrongData
        }
    };
    Some(Trial {
        outcome,
        seed: set.seed,
        delay,
        messages,
    })
}

/// Starts `bin --database-url URL --dir DIR migrate up` in `work`, its output going to
/// `work/<label>.out` and `.err` (files, not pipes: nobody reads a pipe while it runs, and a
/// full pipe would stall the runner).
fn spawn_up(bin: &Path, db: &TestDb, dir: &Path, work: &Path, label: &str) -> Child {
    let out = File::create(work.join(format!("{label}.out"))).unwrap();
    let err = File::create(work.join(format!("{label}.err"))).unwrap();
    Command::new(bin)
        .current_dir(work)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", &db.url, "--dir"])
        .arg(dir)
        .args(["migrate", "up"])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()))
}

/// Runs `migrate up` to its end (or [`HANG_GUARD`]): its exit status and stderr.
fn run_up(bin: &Path, db: &TestDb, dir: &Path, work: &Path, label: &str) -> (ExitStatus, String) {
    let mut child = spawn_up(bin, db, dir, work, label);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            child.kill().unwrap();
            let status = child.wait().unwrap();
            let err = format!("hung for {HANG_GUARD:?}; {}", read(work, label));
            return (status, err);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (status, read(work, label))
}

fn read(work: &Path, label: &str) -> String {
    std::fs::read_to_string(work.join(format!("{label}.err"))).unwrap_or_default()
}

/// The last `n` characters of `text`, trimmed.
fn tail(text: &str, n: usize) -> &str {
    let text = text.trim();
    let start = text.char_indices().rev().nth(n).map_or(0, |(i, _)| i);
    &text[start..]
}

/// A few lines saying where `got` differs from `want`: which catalog query or table, and its
/// first differing rows.
pub fn diff(want: &Contents, got: &Contents) -> Vec<String> {
    let mut out = Vec::new();
    let sides = |w: &[Vec<String>], g: &[Vec<String>]| -> String {
        let (ws, gs): (HashSet<_>, HashSet<_>) = (w.iter().collect(), g.iter().collect());
        let missing: Vec<_> = w.iter().filter(|r| !gs.contains(r)).take(2).collect();
        let extra: Vec<_> = g.iter().filter(|r| !ws.contains(r)).take(2).collect();
        format!(
            "{} rows, want {}; missing e.g. {missing:?}; unexpected e.g. {extra:?}",
            g.len(),
            w.len()
        )
    };
    for ((query, w), (_, g)) in want.objects.iter().zip(&got.objects) {
        if w != g {
            let query: String = query.chars().take(60).collect();
            out.push(format!("objects ({query}...): {}", sides(w, g)));
        }
    }
    for (name, w) in &want.rows {
        match got.rows.iter().find(|(n, _)| n == name) {
            None => out.push(format!("{name}: missing")),
            Some((_, g)) if g != w => out.push(format!("{name}: {}", sides(w, g))),
            Some(_) => {}
        }
    }
    for (name, _) in &got.rows {
        if !want.rows.iter().any(|(n, _)| n == name) {
            out.push(format!("{name}: unexpected relation"));
        }
    }
    out.truncate(6);
    out
}
