//! The connection that creates and drops test databases on a server: owned by a thread of its
//! own, which runs the jobs of every test thread in turn. A connection kept in a thread-local
//! would be closed from a thread-local destructor when a test thread ends, where some drivers
//! (PostgreSQL's, on its async runtime) cannot close it.

use std::sync::{Mutex, mpsc};

use cairn_core::{BackendError, Driver, Error};
use cairn_run::{ConnectOptions, Registry};

type Job = Box<dyn FnOnce(Result<&mut dyn Driver, Error>) -> bool + Send>;

/// A handle to the admin thread; the thread and its connection end when it is dropped.
pub(crate) struct Admin {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Admin {
    /// Starts the thread; it connects to `url` on the first job, and again after a job failed.
    pub fn start(registry: &Registry, url: &str) -> Result<Admin, Error> {
        let (send, jobs) = mpsc::channel::<Job>();
        let (registry, url) = (registry.clone(), url.to_string());
        std::thread::Builder::new()
            .name("cairn-testing-admin".to_string())
            .spawn(move || {
                let mut conn: Option<Box<dyn Driver>> = None;
                for job in jobs {
                    if conn.is_none() {
                        match registry.connect_with(&url, &ConnectOptions::default()) {
                            Ok(c) => conn = Some(c),
                            Err(e) => {
                                job(Err(e));
                                continue;
                            }
                        }
                    }
                    if let Some(c) = conn.as_mut()
                        && !job(Ok(c.as_mut()))
                    {
                        conn = None;
                    }
                }
            })
            .map_err(|e| BackendError::Other(format!("cannot start a thread: {e}")))?;
        Ok(Admin {
            jobs: Mutex::new(send),
        })
    }

    /// Runs `f` on the admin connection and waits for its result.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(f);
            let ok = result.is_ok();
            let _ = reply.send(result);
            ok
        });
        let gone = || {
            Error::from(BackendError::Other(
                "the admin connection's thread ended".into(),
            ))
        };
        self.jobs
            .lock()
            .map_err(|_| gone())?
            .send(job)
            .map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}
