//! README, "Backups": the client tools of `db backup` and `db restore` get the credentials
//! through the environment (`PGPASSWORD`) or a temporary 0600 option file
//! (`--defaults-extra-file`), never on their command line, where any user of the machine could
//! read them. Observed from outside, as another user would: while the tool runs (held up by a
//! lock this test holds), the command line of every process below `cairn` is read from
//! `/proc`. Linux only (`/proc`); PostgreSQL and MariaDB, the backends that run tools.
#![cfg(target_os = "linux")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Read;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cairn_tests::{Kind, TestDb};

/// The password of this test's own database user; no command line may hold it.
const PASSWORD: &str = "Bkp5ecretPw0rd";

/// Longer than any healthy wait below; only a hang reaches it.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// The database user of [`url_with_password`].
fn user(db: &TestDb) -> String {
    format!("{}_b", db.name())
}

/// `db.url` logging in as a user of this test's own that needs `PASSWORD` and owns the database.
fn url_with_password(db: &TestDb) -> String {
    let user = user(db);
    match db.kind {
        Kind::Postgres => {
            db.execute(&format!("CREATE ROLE {user} LOGIN PASSWORD '{PASSWORD}'"));
            db.execute(&format!("ALTER DATABASE {} OWNER TO {user}", db.name()));
            db.execute(&format!("ALTER SCHEMA public OWNER TO {user}"));
        }
        Kind::Mysql => {
            db.execute(&format!(
                "CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"
            ));
            db.execute(&format!("GRANT ALL ON `{}`.* TO '{user}'@'%'", db.name()));
        }
        Kind::Sqlite => unreachable!("SQLite runs no tool"),
    }
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{PASSWORD}@{host}")
}

/// `cairn ARGS` in `dir`, the URL in the environment (not on cairn's own command line, so a
/// password found in the process tree can only come from what cairn passed on).
fn spawn(url: &str, dir: &Path, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(dir)
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `(pid, parent pid)` of every process, from `/proc/<pid>/stat` (the parent is the second
/// field after the command name, which may itself hold spaces and parentheses).
fn processes() -> Vec<(u32, u32)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // A process may end between the listing and the read.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, after)) = stat.rsplit_once(')') else {
            continue;
        };
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            all.push((pid, ppid));
        }
    }
    all
}

/// Every process below `root`: children, their children, ...
fn descendants(root: u32) -> Vec<u32> {
    let all = processes();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|(_, p)| *p == parent).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found
}

fn proc_file(pid: u32, name: &str) -> Option<Vec<String>> {
    let bytes = std::fs::read(format!("/proc/{pid}/{name}")).ok()?;
    Some(
        bytes
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|c| c.trim().to_string())
}

/// A tool cairn started, seen while it ran.
struct Seen {
    pid: u32,
    argv: Vec<String>,
    environ: Vec<String>,
}

/// Waits until a process named one of `tools` runs below `cairn`, checking on every look that
/// no command line of `cairn` or anything below it holds the password.
fn watch_for(cairn: &mut Child, tools: &[&str]) -> Seen {
    let start = Instant::now();
    loop {
        let mut tree = vec![cairn.id()];
        tree.extend(descendants(cairn.id()));
        for pid in tree {
            let Some(argv) = proc_file(pid, "cmdline") else {
                continue;
            };
            assert!(
                !argv.iter().any(|a| a.contains(PASSWORD)),
                "password on the command line of pid {pid}: {argv:?}"
            );
            let is_tool = comm(pid).is_some_and(|c| tools.contains(&c.as_str()));
            // The name changes at exec, so `argv` is the tool's own (read after the name).
            if is_tool && pid != cairn.id() {
                let argv = proc_file(pid, "cmdline").unwrap_or_default();
                let environ = proc_file(pid, "environ").unwrap_or_default();
                if !argv.is_empty() {
                    return Seen { pid, argv, environ };
                }
            }
        }
        if let Some(status) = cairn.try_wait().unwrap() {
            let mut output = String::new();
            for pipe in [
                cairn.stdout.take().map(|p| Box::new(p) as Box<dyn Read>),
                cairn.stderr.take().map(|p| Box::new(p) as Box<dyn Read>),
            ]
            .into_iter()
            .flatten()
            {
                let mut pipe = pipe;
                pipe.read_to_string(&mut output).unwrap();
            }
            panic!("cairn ended ({status}) before {tools:?} was seen: {output}");
        }
        assert!(
            start.elapsed() < HANG_GUARD,
            "{tools:?} never ran below cairn"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits until a session of the test's user waits for a lock on the server: the tool is held
/// up by the test, so what it was given can be read at leisure.
fn wait_until_blocked(db: &TestDb) {
    let sql = match db.kind {
        Kind::Postgres => format!(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = '{}' AND wait_event_type = 'Lock'",
            user(db)
        ),
        _ => format!(
            "SELECT count(*) FROM information_schema.processlist WHERE user = '{}' AND state LIKE 'Waiting for%lock%'",
            user(db)
        ),
    };
    let start = Instant::now();
    while db.scalar_i64(&sql) == 0 {
        assert!(
            start.elapsed() < HANG_GUARD,
            "{}: the tool never waited for the test's lock",
            db.kind.name()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The option file named by `--defaults-extra-file=` (MySQL's tools), checked: mode 0600, the
/// password inside.
fn option_file(seen: &Seen) -> PathBuf {
    let file = seen
        .argv
        .iter()
        .find_map(|a| a.strip_prefix("--defaults-extra-file="))
        .unwrap_or_else(|| panic!("no option file for pid {}: {:?}", seen.pid, seen.argv));
    let path = PathBuf::from(file);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}: mode {mode:o}", path.display());
    let contents = std::fs::read_to_string(&path).unwrap();
    assert!(
        contents.contains(&format!("password=\"{PASSWORD}\"")),
        "the credentials go through the file: {contents}"
    );
    path
}

/// How the credentials reached the tool: PostgreSQL's through `PGPASSWORD`, MySQL's through
/// an option file (returned, to check it is gone afterwards).
fn credentials_route(kind: Kind, seen: &Seen) -> Option<PathBuf> {
    match kind {
        Kind::Postgres => {
            assert!(
                seen.environ.contains(&format!("PGPASSWORD={PASSWORD}")),
                "PGPASSWORD not in the environment of {:?}",
                seen.argv
            );
            None
        }
        _ => Some(option_file(seen)),
    }
}

fn tools_backup_restore_keep_password_off_command_line(db: &TestDb) {
    let url = url_with_password(db);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    // Something only the dump tool reads, for the test to hold it up with: cairn counts the
    // rows of the tables of the current schema (PostgreSQL) or its base tables (MariaDB), and
    // the dump also reads other schemas' tables and sequences.
    let (aside, hold, release) = match db.kind {
        Kind::Postgres => (
            "CREATE SCHEMA side;\n  CREATE TABLE side.blocker (id INTEGER);",
            "BEGIN; LOCK TABLE side.blocker IN ACCESS EXCLUSIVE MODE",
            "ROLLBACK",
        ),
        _ => (
            "CREATE SEQUENCE blocker_seq;",
            "LOCK TABLES blocker_seq WRITE",
            "UNLOCK TABLES",
        ),
    };
    std::fs::write(
        dir.path().join("migrations/0001_items.yaml"),
        format!("up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n  INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');\n  {aside}\ndown: DROP TABLE items;\n"),
    )
    .unwrap();
    let out = spawn(&url, dir.path(), &["migrate", "up"])
        .wait_with_output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    let (dump_tools, load_tools): (&[&str], &[&str]) = match db.kind {
        Kind::Postgres => (&["pg_dump"], &["psql"]),
        _ => (&["mariadb-dump", "mysqldump"], &["mariadb", "mysql"]),
    };

    // Backup: the dump waits for the lock the test holds.
    let mut holder = db.connect();
    holder.execute(hold);
    let mut cairn = spawn(&url, dir.path(), &["db", "backup", "--format", "json"]);
    let seen = watch_for(&mut cairn, dump_tools);
    wait_until_blocked(db);
    let file = credentials_route(db.kind, &seen);
    holder.execute(release);
    let out = cairn.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD), "{}", text(&out));
    if let Some(file) = file {
        assert!(!file.exists(), "{} left behind", file.display());
    }
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let backup = made["backup"]["path"].as_str().unwrap().to_string();

    // Restore: the load waits for the rows the test is reading in an open transaction.
    db.execute("DELETE FROM items");
    holder.execute(match db.kind {
        Kind::Postgres => "BEGIN; SELECT count(*) FROM items",
        _ => "START TRANSACTION; SELECT count(*) FROM items",
    });
    let mut cairn = spawn(&url, dir.path(), &["db", "restore", &backup, "--yes"]);
    let seen = watch_for(&mut cairn, load_tools);
    wait_until_blocked(db);
    let file = credentials_route(db.kind, &seen);
    if db.kind == Kind::Postgres {
        // The restore script psql runs holds the database's data: owner-only in a shared /tmp.
        let script = seen
            .argv
            .iter()
            .skip_while(|a| *a != "--file")
            .nth(1)
            .unwrap_or_else(|| panic!("psql runs no script: {:?}", seen.argv));
        let mode = std::fs::metadata(script).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{script}: mode {mode:o}");
    }
    holder.execute(match db.kind {
        Kind::Postgres => "ROLLBACK",
        _ => "COMMIT",
    });
    let out = cairn.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD), "{}", text(&out));
    if let Some(file) = file {
        assert!(!file.exists(), "{} left behind", file.display());
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM items"), 3);
}

#[test]
fn postgres_tools_get_the_password_from_the_environment() {
    if let Some(db) = TestDb::new(Kind::Postgres) {
        tools_backup_restore_keep_password_off_command_line(&db);
    }
}

#[test]
fn mysql_tools_get_the_password_from_a_0600_option_file() {
    if let Some(db) = TestDb::new(Kind::Mysql) {
        tools_backup_restore_keep_password_off_command_line(&db);
    }
}
