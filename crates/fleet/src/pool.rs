//! Going through the targets: `parallel` at a time, the canaries first, stopping the rest
//! after a failure unless told to go on. Results arrive on the caller's thread as each
//! target ends.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cairn_core::{BackendError, Error};
use serde::Serialize;

use crate::target::Target;

/// How a fleet command goes through its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Targets worked on at once (each on its own connection).
    pub parallel: usize,
    /// Run this many targets (the first in the list) before the others, and stop if any of
    /// them fails.
    pub canary: usize,
    /// Go on with the other targets after one fails (they are otherwise not started).
    pub continue_on_error: bool,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            parallel: default_parallel(),
            canary: 0,
            continue_on_error: false,
        }
    }
}

/// Twice the machine's cores, between 2 and 16: a target spends most of its time waiting on
/// its database, not on this machine.
pub fn default_parallel() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get() * 2)
        .clamp(2, 16)
}

/// Where one target ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", content = "result", rename_all = "snake_case")]
pub enum Status<T> {
    /// The command ran to its end on it.
    Done(T),
    /// It failed: a migration's statement, the connection, the history.
    Failed(Failure),
    /// Another runner held its migration lock for the whole lock timeout.
    Locked {
        /// Who holds it, where the database can tell.
        holder: Option<String>,
    },
    /// Not started: a canary or an earlier target failed.
    Skipped {
        /// Why.
        reason: String,
    },
}

/// A target's failure, located where the engine can say.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The whole message (file, line, statement, the database's words).
    pub message: String,
    /// The migration that failed.
    pub migration: Option<String>,
    /// 1-based statement of that migration.
    pub statement: Option<usize>,
    /// Its file.
    pub file: Option<PathBuf>,
    /// The file line where the statement starts.
    pub line: Option<u32>,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let message = e.to_string();
        match e {
            Error::Statement(f) => Failure {
                message,
                migration: Some(f.id),
                statement: Some(f.statement),
                file: f.file,
                line: Some(f.line),
            },
            Error::Failed { id, statement, .. } => Failure {
                message,
                migration: Some(id),
                statement: usize::try_from(statement).ok(),
                file: None,
                line: None,
            },
            _ => Failure {
                message,
                migration: None,
                statement: None,
                file: None,
                line: None,
            },
        }
    }
}

/// One target's result.
#[derive(Debug, Clone, Serialize)]
pub struct TargetResult<T> {
    /// The target.
    pub target: Target,
    /// How it ended.
    #[serde(flatten)]
    pub status: Status<T>,
    /// Time spent on it, connecting included.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl<T> TargetResult<T> {
    /// Whether it failed (a lock held by another runner counts: the target is not done).
    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Failed(_) | Status::Locked { .. })
    }
}

/// Runs `job` on every target as `plan` says; `on_result` sees each result as it comes (on
/// this thread). Returns the results in the targets' order.
pub fn run<T: Send>(
    targets: &[Target],
    plan: &Plan,
    job: &(dyn Fn(&Target) -> Result<T, Error> + Sync),
    on_result: &mut dyn FnMut(&TargetResult<T>),
) -> Vec<TargetResult<T>> {
    let mut results: Vec<Option<TargetResult<T>>> = targets.iter().map(|_| None).collect();
    let canary = plan.canary.min(targets.len());
    let mut first_failure = batch(
        &targets[..canary],
        0,
        plan,
        true,
        job,
        &mut results,
        on_result,
    );
    if first_failure.is_none() {
        first_failure = batch(
            &targets[canary..],
            canary,
            plan,
            !plan.continue_on_error,
            job,
            &mut results,
            on_result,
        );
    } else {
        first_failure = first_failure.map(|name| format!("canary {name}"));
    }
    targets
        .iter()
        .zip(results)
        .map(|(target, result)| {
            result.unwrap_or_else(|| {
                let skipped = TargetResult {
                    target: target.clone(),
                    status: Status::Skipped {
                        reason: match &first_failure {
                            Some(name) => format!("not started after {name} failed"),
                            None => "not started".to_string(),
                        },
                    },
                    elapsed: Duration::ZERO,
                };
                on_result(&skipped);
                skipped
            })
        })
        .collect()
}

/// Runs `targets` (starting at `offset` in `results`); returns the name of the first that
/// failed, when `stop` stopped the others.
fn batch<T: Send>(
    targets: &[Target],
    offset: usize,
    plan: &Plan,
    stop: bool,
    job: &(dyn Fn(&Target) -> Result<T, Error> + Sync),
    results: &mut [Option<TargetResult<T>>],
    on_result: &mut dyn FnMut(&TargetResult<T>),
) -> Option<String> {
    let next = AtomicUsize::new(0);
    let stopped = AtomicBool::new(false);
    let mut first_failure = None;
    std::thread::scope(|scope| {
        let (send, receive) = mpsc::channel::<(usize, TargetResult<T>)>();
        for _ in 0..plan.parallel.max(1).min(targets.len()) {
            let (send, next, stopped) = (send.clone(), &next, &stopped);
            scope.spawn(move || {
                while !stopped.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(target) = targets.get(i) else { break };
                    let result = one(target, job);
                    if stop && matches!(result.status, Status::Failed(_)) {
                        stopped.store(true, Ordering::SeqCst);
                    }
                    if send.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        for (i, result) in receive {
            if stop && first_failure.is_none() && matches!(result.status, Status::Failed(_)) {
                first_failure = Some(result.target.name.clone());
            }
            on_result(&result);
            results[offset + i] = Some(result);
        }
    });
    first_failure
}

fn one<T>(target: &Target, job: &(dyn Fn(&Target) -> Result<T, Error> + Sync)) -> TargetResult<T> {
    let start = Instant::now();
    let status = match job(target) {
        Ok(done) => Status::Done(done),
        Err(Error::Backend(BackendError::LockTimeout { holder, .. })) => Status::Locked { holder },
        Err(e) => Status::Failed(e.into()),
    };
    TargetResult {
        target: target.clone(),
        status,
        elapsed: start.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn targets(n: usize) -> Vec<Target> {
        (0..n)
            .map(|i| Target::new(format!("t{i}"), "sqlite::memory:"))
            .collect()
    }

    fn failing_at(bad: &'static [usize]) -> impl Fn(&Target) -> Result<usize, Error> + Sync {
        move |t: &Target| {
            let i: usize = t.name[1..].parse().unwrap();
            if bad.contains(&i) {
                Err(Error::Internal(format!("boom {i}")))
            } else {
                Ok(i)
            }
        }
    }

    fn statuses(results: &[TargetResult<usize>]) -> String {
        results
            .iter()
            .map(|r| match r.status {
                Status::Done(_) => 'd',
                Status::Failed(_) => 'F',
                Status::Locked { .. } => 'L',
                Status::Skipped { .. } => '-',
            })
            .collect()
    }

    #[test]
    fn every_target_runs_once_and_results_keep_the_list_order() {
        let plan = Plan {
            parallel: 4,
            ..Plan::default()
        };
        let mut seen = Vec::new();
        let results = run(&targets(50), &plan, &failing_at(&[]), &mut |r| {
            seen.push(r.target.name.clone())
        });
        assert_eq!(seen.len(), 50);
        assert!(
            results
                .iter()
                .enumerate()
                .all(|(i, r)| matches!(r.status, Status::Done(d) if d == i))
        );
    }

    #[test]
    fn a_failing_canary_stops_the_rest() {
        let plan = Plan {
            parallel: 1,
            canary: 3,
            continue_on_error: true,
        };
        let results = run(&targets(6), &plan, &failing_at(&[1]), &mut |_| {});
        // The canary that failed stops the canaries after it as well.
        assert_eq!(statuses(&results), "dF----");
        let Status::Skipped { reason } = &results[5].status else {
            panic!()
        };
        assert_eq!(reason, "not started after canary t1 failed");
    }

    #[test]
    fn a_failure_stops_the_rest_unless_told_to_go_on() {
        let serial = Plan {
            parallel: 1,
            ..Plan::default()
        };
        let results = run(&targets(5), &serial, &failing_at(&[2]), &mut |_| {});
        assert_eq!(statuses(&results), "ddF--");
        let on = Plan {
            continue_on_error: true,
            ..serial
        };
        let results = run(&targets(5), &on, &failing_at(&[2, 3]), &mut |_| {});
        assert_eq!(statuses(&results), "ddFFd");
    }

    #[test]
    fn a_held_lock_is_reported_as_locked_and_does_not_stop_the_rest() {
        let plan = Plan {
            parallel: 2,
            ..Plan::default()
        };
        let job = |t: &Target| -> Result<usize, Error> {
            if t.name == "t0" {
                Err(BackendError::LockTimeout {
                    waited: Duration::from_secs(1),
                    holder: Some("pid 7".into()),
                }
                .into())
            } else {
                Ok(0)
            }
        };
        let results = run(&targets(3), &plan, &job, &mut |_| {});
        assert_eq!(statuses(&results), "Ldd");
        assert!(results[0].failed());
    }
}
