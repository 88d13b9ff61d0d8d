//! Database operations beside migrating: backup and restore, health, statistics, optimization.
//! Each is a function over a [`Backend`] returning a typed result, so a service can call it
//! (e.g. health from its `/health` endpoint) as well as the CLI.

mod stats;

pub use stats::{TableRows, row_counts};
