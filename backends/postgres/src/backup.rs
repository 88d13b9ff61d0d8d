//! Backup with `pg_dump` (custom format) and restore with `pg_restore`, found on `PATH`.
//!
//! Connection settings go to the tools through libpq's environment variables (`PGHOST`,
//! `PGPASSWORD`, `PGSSLMODE`, ...), never on the command line, where any user of the machine
//! could read the password in the process list.

use std::path::Path;
use std::process::Command;

use cairn::BackendError;
use cairn::ops::{find_tool, run_tool};

use crate::url::{Host, Target, TlsMode};

const INSTALL: &str = "the PostgreSQL client tools (Debian/Ubuntu: postgresql-client)";

/// Dumps the database `target` names into `path` with `pg_dump --format=custom`: one
/// consistent snapshot (a repeatable-read transaction) while other clients keep writing.
pub fn backup(target: &Target, path: &Path) -> Result<(), BackendError> {
    let mut cmd = Command::new(find_tool(&["pg_dump"], INSTALL)?);
    cmd.args(["--format=custom", "--no-password", "--file"])
        .arg(path);
    set_env(&mut cmd, target);
    run_tool(cmd, None, &|t| target.scrub(t))
}

/// Restores the custom-format dump at `path` into the database `target` names with
/// `pg_restore --clean --if-exists --single-transaction`: objects in the dump are dropped and
/// recreated in one transaction, so a failure leaves the database as it was.
pub fn restore(target: &Target, path: &Path) -> Result<(), BackendError> {
    let mut cmd = Command::new(find_tool(&["pg_restore"], INSTALL)?);
    cmd.args([
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--no-password",
        "--dbname",
    ])
    // A conninfo string, so a database name containing `=` is not taken for one.
    .arg(format!("dbname='{}'", conninfo_quote(&target.dbname)))
    .arg(path);
    set_env(&mut cmd, target);
    run_tool(cmd, None, &|t| target.scrub(t))
}

fn set_env(cmd: &mut Command, target: &Target) {
    // Settings from the caller's environment that would override or redirect ours.
    for var in [
        "PGHOSTADDR",
        "PGSERVICE",
        "PGSERVICEFILE",
        "PGREQUIRESSL",
        "PGSSLCERT",
        "PGSSLKEY",
    ] {
        cmd.env_remove(var);
    }
    match &target.host {
        Host::Tcp(h) => cmd.env("PGHOST", h),
        Host::Socket(dir) => cmd.env("PGHOST", dir),
    };
    cmd.env("PGPORT", target.port.to_string())
        .env("PGUSER", &target.user)
        .env("PGDATABASE", &target.dbname)
        .env("PGAPPNAME", &target.application_name)
        .env(
            "PGSSLMODE",
            match target.tls {
                TlsMode::Disable => "disable",
                TlsMode::Prefer => "prefer",
                TlsMode::Require => "require",
                TlsMode::VerifyCa => "verify-ca",
                TlsMode::VerifyFull => "verify-full",
            },
        );
    match &target.password {
        Some(p) => cmd.env("PGPASSWORD", p),
        None => cmd.env_remove("PGPASSWORD"),
    };
    match &target.root_cert {
        Some(ca) => cmd.env("PGSSLROOTCERT", ca),
        None => cmd.env_remove("PGSSLROOTCERT"),
    };
    match &target.options {
        Some(o) => cmd.env("PGOPTIONS", o),
        None => cmd.env_remove("PGOPTIONS"),
    };
    match target.connect_timeout {
        Some(t) => cmd.env("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string()),
        None => cmd.env_remove("PGCONNECT_TIMEOUT"),
    };
}

/// `value` escaped for a single-quoted libpq conninfo value.
fn conninfo_quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\'', "\\'")
}
