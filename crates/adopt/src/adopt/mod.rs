//! Adopting a database another tool migrated: read that tool's history table, match its rows
//! to the folder's migrations, verify checksums where the tool stored them, and record the
//! matches in Cairn's history as applied, without running any SQL. Also `stamp` (a migration
//! and its ancestors) and `baseline` (a schema that exists without any history).

mod catalog;
mod checksums;
mod matching;
mod record;
mod run;
mod stamp;
mod tools;
mod versions;

pub use crate::adopt_error::AdoptError;
pub use crate::tool_tables::{TOOL_TABLES, ToolTable, table_of};
pub use catalog::{Columns, columns, fits, present, read, stored_name};
pub use checksums::{
    flyway as flyway_checksum, prisma as prisma_checksum, refinery as refinery_checksums,
    sqlx as sqlx_checksum,
};
pub use matching::{AdoptEntry, AdoptOutcome, ChecksumCheck, Matching, match_rows};
pub use run::{AdoptReport, adopt};
pub use stamp::{StampReport, baseline, stamp, stamp_all};
pub use tools::{ForeignRow, RowKind};
