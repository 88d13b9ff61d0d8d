//! # Fleets: one migration set, many databases
//!
//! A SaaS keeps a database (or a schema) per customer: hundreds or thousands of targets that
//! must reach the same version. [`Fleet`] runs `up`, `status` or `drift` over a list of
//! [`Target`]s, [`Plan::parallel`] at a time, each on its own connection with its own
//! migration lock and history (so two fleet runs, or a fleet run and a single `migrate up`,
//! never apply a migration twice), canaries first, and stops the rest after a failure unless
//! told to go on. Each target's [`TargetResult`] reaches the caller as it ends; a target that
//! is already up to date costs one history query.
//!
//! The list comes from a `targets.toml` file ([`from_file`]), a query on a control database
//! ([`from_query`]), or the schemas or databases whose names match a pattern ([`matching`]).
//!
//! Through the facade: `cairn::fleet`. The CLI's `cairn fleet up|status|drift|test` is this
//! module plus printing.
//!
//! ```no_run
//! use cairn_fleet::{Fleet, Plan, Target};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut registry = cairn_run::Registry::new();
//! // cairn_sqlite::register(&mut registry); // and/or cairn_postgres, cairn_mysql
//! let set = cairn_load::load_dir("migrations".as_ref(), cairn_core::Dialect::Sqlite)?;
//! let targets: Vec<Target> = ["acme", "globex"]
//!     .iter()
//!     .map(|t| Target::new(*t, format!("sqlite:tenants/{t}.db")))
//!     .collect();
//! let fleet = Fleet { registry: &registry, options: Default::default(), plan: Plan::default() };
//! let report = fleet.up(&targets, &set, &Default::default(), &mut |r| {
//!     println!("{}: {}", r.target.name, if r.failed() { "failed" } else { "ok" });
//! });
//! assert_eq!(report.failed(), 0);
//! # Ok(())
//! # }
//! ```

mod command;
mod error;
mod list;
mod pool;
mod target;

pub use command::{Applied, Fleet, Report, Standing};
pub use error::FleetError;
pub use list::{from_file, from_query, matching, parse};
pub use pool::{Failure, Plan, Status, TargetResult, default_parallel, run};
pub use target::{Target, expand, parse_filters};
