//! Backup with `pg_dump` (custom format) and restore with `pg_restore` and `psql`, found on
//! `PATH`.
//!
//! Connection settings go to the tools through libpq's environment variables (`PGHOST`,
//! `PGPASSWORD`, `PGSSLMODE`, ...), never on the command line, where any user of the machine
//! could read the password in the process list.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

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

/// Dropped before the dump is loaded, in the same transaction: every user schema but
/// `public` (which keeps its owner, privileges and comment) and, in `public`, every table,
/// view, sequence, routine and type that no extension owns. The dump only drops what it holds
/// itself, so without this a table created after the backup would survive the restore and a
/// later `migrate up` would fail on it. The statements are collected before the first runs,
/// so an object a `CASCADE` already took is skipped by `IF EXISTS`.
const DROP_EVERYTHING: &str = r"
DO $cairn$
DECLARE
  statement text;
BEGIN
  FOREACH statement IN ARRAY ARRAY(
    SELECT format('DROP SCHEMA IF EXISTS %I CASCADE', n.nspname)
      FROM pg_namespace n
     WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                          AND d.objid = n.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('DROP %s IF EXISTS public.%I CASCADE',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                 ELSE 'TABLE' END,
                  c.relname)
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
    UNION ALL
    SELECT format('DROP ROUTINE IF EXISTS public.%I(%s) CASCADE', p.proname,
                  pg_get_function_identity_arguments(p.oid))
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
    UNION ALL
    SELECT format('DROP TYPE IF EXISTS public.%I CASCADE', t.typname)
      FROM pg_type t
     WHERE t.typnamespace = 'public'::regnamespace
       AND (t.typtype IN ('e', 'd', 'r')
            OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c
                                             WHERE c.oid = t.typrelid AND c.relkind = 'c')))
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype IN ('e', 'i'))
  ) LOOP
    EXECUTE statement;
  END LOOP;
END
$cairn$;
";

/// Replaces the contents of the database `target` names with the custom-format dump at
/// `path`, in one transaction, so a failure leaves the database as it was: `pg_restore`
/// turns the dump into SQL (checked complete before anything runs), then `psql
/// --single-transaction` runs [`DROP_EVERYTHING`] and that SQL, stopping at the first error.
pub fn restore(target: &Target, path: &Path) -> Result<(), BackendError> {
    let script = Script::create()?;
    // pg_dump's plain format (another tool's backup) is already the script psql loads.
    let archive = is_archive(path)?;
    if archive {
        let mut to_sql = Command::new(find_tool(&["pg_restore"], INSTALL)?);
        // No connection: pg_restore only translates the archive.
        to_sql
            .args(["--clean", "--if-exists", "--file"])
            .arg(&script.0)
            .arg(path);
        run_tool(to_sql, None, &|t| target.scrub(t))?;
    }
    let sql: &Path = if archive { &script.0 } else { path };
    let mut load = Command::new(find_tool(&["psql"], INSTALL)?);
    load.args([
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set",
        "ON_ERROR_STOP=1",
        "--no-password",
        "--dbname",
    ])
    // A conninfo string, so a database name containing `=` is not taken for one.
    .arg(format!("dbname='{}'", conninfo_quote(&target.dbname)))
    .args(["--command", DROP_EVERYTHING, "--file"])
    .arg(sql);
    set_env(&mut load, target);
    run_tool(load, None, &|t| target.scrub(t))
}

/// Whether `path` is a pg_dump custom-format archive (`PGDMP`), not a plain SQL script.
fn is_archive(path: &Path) -> Result<bool, BackendError> {
    use std::io::Read as _;
    let mut magic = [0u8; 5];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|e| BackendError::Other(format!("cannot read {}: {e}", path.display())))?;
    Ok(read == 5 && &magic == b"PGDMP")
}

/// The SQL form of a dump, in the system's temporary directory; removed on drop.
struct Script(PathBuf);

impl Script {
    fn create() -> Result<Script, BackendError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "cairn-pg-restore-{}-{nanos}.sql",
            std::process::id()
        ));
        // `create_new`: never write through a file or link someone else put there. Owner-only:
        // the script holds the database's data, and /tmp is shared.
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).map_err(|e| {
            BackendError::Other(format!(
                "cannot create the restore script {}: {e}",
                path.display()
            ))
        })?;
        Ok(Script(path))
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
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
