//! Backup with `mariadb-dump` / `mysqldump` and restore by piping the dump into `mariadb` /
//! `mysql`, found on `PATH`.
//!
//! Credentials and TLS settings go to the tools in a temporary option file (mode 0600, removed
//! afterwards) named by `--defaults-extra-file`, never on the command line, where any user of
//! the machine could read the password in the process list.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use cairn::BackendError;
use cairn::ops::{find_tool, run_tool};
use tempfile::NamedTempFile;

use crate::url::{MysqlUrl, SslMode};

const INSTALL: &str = "the MariaDB or MySQL client tools (Debian/Ubuntu: mariadb-client)";

/// Dumps the database `url` names into `path`: one consistent snapshot
/// (`--single-transaction`, for InnoDB tables) with routines and triggers, ending with the
/// `-- Dump completed` line that verification looks for.
pub fn backup(url: &MysqlUrl, path: &Path) -> Result<(), BackendError> {
    let tool = find_tool(&["mariadb-dump", "mysqldump"], INSTALL)?;
    let options = option_file(url, &tool)?;
    let mut cmd = Command::new(&tool);
    cmd.arg(defaults_arg(&options))
        .args([
            "--single-transaction",
            "--routines",
            "--triggers",
            "--hex-blob",
            "--default-character-set=utf8mb4",
        ])
        .arg(format!("--result-file={}", path.display()))
        .arg(&url.database);
    run_tool(cmd, None, &|t| scrub(url, t))
}

/// Drops every table, sequence and view the database has before the dump is loaded, so that
/// tables created after the backup do not survive the restore (the dump drops and recreates
/// only its own). Prepared statements, because the names are only known on the server.
const DROP_EVERYTHING: &str = "\
SET FOREIGN_KEY_CHECKS = 0;
SET SESSION group_concat_max_len = 1073741824;
SELECT IFNULL(CONCAT('DROP TABLE IF EXISTS ', GROUP_CONCAT(CONCAT('`', REPLACE(table_name, '`', '``'), '`'))), 'DO 0')
  INTO @cairn_drop FROM information_schema.tables
  WHERE table_schema = DATABASE() AND table_type <> 'VIEW';
PREPARE cairn_drop FROM @cairn_drop; EXECUTE cairn_drop; DEALLOCATE PREPARE cairn_drop;
SELECT IFNULL(CONCAT('DROP VIEW IF EXISTS ', GROUP_CONCAT(CONCAT('`', REPLACE(table_name, '`', '``'), '`'))), 'DO 0')
  INTO @cairn_drop FROM information_schema.tables
  WHERE table_schema = DATABASE() AND table_type = 'VIEW';
PREPARE cairn_drop FROM @cairn_drop; EXECUTE cairn_drop; DEALLOCATE PREPARE cairn_drop;
";

/// Replaces the contents of the database `url` names with the dump at `path`: every table and
/// view is dropped, then the dump is run with the `mariadb` / `mysql` client. MySQL commits
/// DDL statement by statement, so a failure part-way leaves the tables restored so far
/// (stored routines and events not in the dump are left as they are).
pub fn restore(url: &MysqlUrl, path: &Path) -> Result<(), BackendError> {
    let tool = find_tool(&["mariadb", "mysql"], INSTALL)?;
    let options = option_file(url, &tool)?;
    let dump = std::fs::File::open(path)
        .map_err(|e| BackendError::Other(format!("cannot read {}: {e}", path.display())))?;
    let input = std::io::Cursor::new(DROP_EVERYTHING).chain(dump);
    let mut cmd = Command::new(&tool);
    cmd.arg(defaults_arg(&options))
        .args(["--batch", "--default-character-set=utf8mb4"])
        .arg(&url.database);
    run_tool(cmd, Some(Box::new(input)), &|t| scrub(url, t))
}

/// `--defaults-extra-file=...`, which the tools require as their first argument.
fn defaults_arg(file: &NamedTempFile) -> String {
    format!("--defaults-extra-file={}", file.path().display())
}

/// A `[client]` option file with the connection settings of `url`, in the dialect of `tool`
/// (MariaDB's clients have no `ssl-mode`).
fn option_file(url: &MysqlUrl, tool: &Path) -> Result<NamedTempFile, BackendError> {
    let mut lines = vec!["[client]".to_string(), format!("user={}", quote(&url.user))];
    if let Some(p) = &url.password {
        lines.push(format!("password={}", quote(p)));
    }
    match &url.socket {
        Some(socket) => {
            lines.push(format!("socket={}", quote(&socket.display().to_string())));
            lines.push("protocol=SOCKET".to_string());
        }
        None => {
            let host = url.host.trim_start_matches('[').trim_end_matches(']');
            lines.push(format!("host={}", quote(host)));
            lines.push(format!("port={}", url.port));
            // `localhost` would otherwise mean the default Unix socket to these clients.
            lines.push("protocol=TCP".to_string());
        }
    }
    if let Some(t) = url.connect_timeout {
        lines.push(format!("connect-timeout={}", t.as_secs().max(1)));
    }
    let ca = url
        .ssl_ca
        .as_ref()
        .map(|ca| format!("ssl-ca={}", quote(&ca.display().to_string())));
    if is_mariadb(tool) {
        match url.ssl_mode {
            SslMode::Disabled => lines.push("skip-ssl".to_string()),
            SslMode::Preferred => {}
            SslMode::Required => lines.push("ssl".to_string()),
            SslMode::VerifyCa | SslMode::VerifyIdentity => {
                lines.push("ssl".to_string());
                lines.extend(ca);
                if url.ssl_mode == SslMode::VerifyIdentity {
                    lines.push("ssl-verify-server-cert".to_string());
                }
            }
        }
    } else {
        let mode = match url.ssl_mode {
            SslMode::Disabled => "DISABLED",
            SslMode::Preferred => "PREFERRED",
            SslMode::Required => "REQUIRED",
            SslMode::VerifyCa => "VERIFY_CA",
            SslMode::VerifyIdentity => "VERIFY_IDENTITY",
        };
        lines.push(format!("ssl-mode={mode}"));
        lines.extend(ca);
    }
    let fail = |e: std::io::Error| {
        BackendError::Other(format!("cannot write the client option file: {e}"))
    };
    // Created with mode 0600 by tempfile, so only this user can read the password.
    let mut file = tempfile::Builder::new()
        .prefix("cairn-my-")
        .suffix(".cnf")
        .tempfile()
        .map_err(fail)?;
    file.write_all((lines.join("\n") + "\n").as_bytes())
        .map_err(fail)?;
    file.flush().map_err(fail)?;
    Ok(file)
}

/// Whether `tool` is MariaDB's (by name, or by what `--version` says for `mysqldump`/`mysql`,
/// which are often MariaDB's under the old name).
fn is_mariadb(tool: &Path) -> bool {
    if tool
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("mariadb"))
    {
        return true;
    }
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("MariaDB"))
}

/// `value` as a double-quoted option-file value.
fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn scrub(url: &MysqlUrl, text: &str) -> String {
    match &url.password {
        Some(p) if !p.is_empty() => cairn::scrub(text, p),
        _ => text.to_string(),
    }
}
