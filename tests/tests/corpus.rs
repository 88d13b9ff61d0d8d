//! The splitter corpus: every `tests/corpus/<backend>/*.sql` script is run twice on fresh
//! databases, once as a Cairn migration (split by Cairn, statement by statement through the
//! backend) and once by the database's own splitter (rusqlite's `execute_batch` for SQLite,
//! `psql -f` for PostgreSQL, the `mariadb` client for MySQL). Both databases must end up with
//! the same objects (tables, views, routines, triggers, rules) and the same rows.
//!
//! A script's header says how many statements Cairn must find (`-- statements: N`) and which
//! queries to compare besides every table's rows (`-- check: SELECT ...`; each must return
//! rows). Without a server URL a backend is skipped with a note; without its command-line
//! client only the Cairn side runs, except under `CI=true`, where both are failures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cairn::{Options, SourceFile, UpTarget};
use cairn_tests::{Kind, TestDb};
use mysql::prelude::Queryable as _;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// One corpus script and what its header expects.
struct Script {
    path: PathBuf,
    text: String,
    statements: usize,
    checks: Vec<String>,
}

fn scripts(kind: Kind) -> Vec<Script> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(kind.name());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no scripts in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let header = |key: &str| -> Vec<String> {
                text.lines()
                    .filter_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_string())
                    .collect()
            };
            let statements = header("-- statements:")
                .first()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{}: no `-- statements: N` line", path.display()));
            let checks = header("-- check:");
            Script {
                path,
                text,
                statements,
                checks,
            }
        })
        .collect()
}

fn run_corpus(kind: Kind) {
    for script in scripts(kind) {
        let name = script.path.display();
        let Some(by_cairn) = TestDb::new(kind) else {
            return;
        };
        let by_client = TestDb::new(kind).expect("the server was there a moment ago");
        check_split(&script, &by_cairn.url);
        apply_with_cairn(&by_cairn, &script);
        for check in &script.checks {
            assert!(
                !rows(&by_cairn, check).is_empty(),
                "{name}: `{check}` returned no row"
            );
        }
        if !apply_natively(&by_client, &script) {
            continue;
        }
        let checks = script.checks.iter().map(String::as_str);
        for query in object_queries(kind).iter().copied().chain(checks) {
            assert_eq!(
                rows(&by_cairn, query),
                rows(&by_client, query),
                "{name}: `{query}` differs (left: Cairn, right: {kind}'s own client)"
            );
        }
        let tables = rows(&by_cairn, table_query(kind));
        assert!(!tables.is_empty(), "{name}: no tables");
        assert_eq!(
            tables,
            rows(&by_client, table_query(kind)),
            "{name}: tables"
        );
        for table in tables.iter().map(|t| &t[0]) {
            let query = format!("SELECT * FROM {table}");
            let (mut a, mut b) = (rows(&by_cairn, &query), rows(&by_client, &query));
            a.sort();
            b.sort();
            assert_eq!(a, b, "{name}: rows of {table} differ (left: Cairn)");
        }
        eprintln!("corpus: {name} ({} statements) matches", script.statements);
    }
}

/// Cairn finds the expected number of statements, each at the line and column where the file
/// has its first line.
fn check_split(script: &Script, url: &str) {
    let name = script.path.display();
    let dialect = cairn_tests::registry().dialect(url).unwrap();
    let stmts = cairn::split(&script.text, dialect).unwrap_or_else(|e| panic!("{name}: {e}"));
    let firsts: Vec<&str> = stmts
        .iter()
        .map(|s| s.sql.lines().next().unwrap_or_default())
        .collect();
    assert_eq!(stmts.len(), script.statements, "{name}: {firsts:#?}");
    let lines: Vec<&str> = script.text.split('\n').collect();
    for (s, first) in stmts.iter().zip(firsts) {
        let line = lines[s.line as usize - 1];
        let at: String = line.chars().skip(s.column as usize - 1).collect();
        assert!(at.starts_with(first), "{name}: {first:?} is not at {s:?}");
    }
}

fn apply_with_cairn(db: &TestDb, script: &Script) {
    let name = script.path.display();
    let file = SourceFile {
        path: PathBuf::from("migrations/0001_corpus.json"),
        default_id: "0001_corpus".to_string(),
        text: serde_json::json!({ "up": script.text }).to_string(),
    };
    let dialect = cairn_tests::registry().dialect(&db.url).unwrap();
    let set = cairn::load_files(vec![file], dialect)
        .unwrap_or_else(|e| panic!("{name}: cannot load: {e}"));
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{name}: Cairn failed: {e}"));
}

/// Runs the script with the database's own splitter; false (after a note) when its client is
/// not installed.
fn apply_natively(db: &TestDb, script: &Script) -> bool {
    let name = script.path.display();
    let mut cmd = match db.kind {
        Kind::Sqlite => {
            // rusqlite's execute_batch walks the script with SQLite's own parser.
            db.execute(&script.text);
            return true;
        }
        Kind::Postgres => {
            let Some(psql) = find_psql() else {
                return missing_client("psql");
            };
            let mut cmd = Command::new(psql);
            cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(without_query(&db.url))
                .arg("-f")
                .arg(&script.path)
                .stdin(Stdio::null());
            cmd
        }
        Kind::Mysql => {
            let Some(client) = find_program(&["mariadb", "mysql"], &["/usr/bin", "/usr/local/bin"])
            else {
                return missing_client("mariadb");
            };
            // The driver's URL parser decodes what the client needs.
            let url = mysql::Opts::from_url(&db.url).unwrap();
            let mut cmd = Command::new(client);
            // --comments: send comments as written, as Cairn does, so stored routine and trigger
            // bodies compare equal.
            cmd.args(["--batch", "--comments", "--default-character-set=utf8mb4"])
                .arg(format!("--host={}", url.get_ip_or_hostname()))
                .arg(format!("--port={}", url.get_tcp_port()))
                .arg(format!("--user={}", url.get_user().unwrap_or_default()))
                .arg(format!(
                    "--database={}",
                    url.get_db_name().unwrap_or_default()
                ))
                .env("MYSQL_PWD", url.get_pass().unwrap_or_default())
                .stdin(File::open(&script.path).unwrap());
            if let Ok(ca) = std::env::var("CAIRN_TEST_MYSQL_CA") {
                cmd.arg(format!("--ssl-ca={ca}"));
            }
            cmd
        }
    };
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{name}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{name}: the native client failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

fn missing_client(client: &str) -> bool {
    assert!(!in_ci(), "{client} is not installed");
    eprintln!("note: {client} is not installed: comparing with the native client is skipped");
    false
}

/// Objects to compare, one query each (Cairn's own `cairn_*` objects left out).
fn object_queries(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Sqlite => &["SELECT type, name, tbl_name, sql FROM sqlite_schema \
             WHERE name NOT LIKE 'sqlite%' AND name NOT LIKE 'cairn%' ORDER BY type, name"],
        Kind::Postgres => &[
            "SELECT c.relname, c.relkind FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname NOT LIKE 'cairn%' ORDER BY 1",
            "SELECT p.proname, p.prokind, pg_get_functiondef(p.oid) FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = current_schema() ORDER BY 1",
            "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND n.nspname = current_schema() ORDER BY 1",
            "SELECT rulename, definition FROM pg_rules WHERE schemaname = current_schema() ORDER BY 1",
            "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema() ORDER BY 1",
        ],
        Kind::Mysql => &[
            "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE 'cairn%' ORDER BY 1",
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES \
             WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1",
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, \
             ACTION_STATEMENT FROM information_schema.TRIGGERS \
             WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
        ],
    }
}

/// User tables, quoted for use in a query.
fn table_query(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => {
            "SELECT '\"' || name || '\"' FROM sqlite_schema \
             WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE 'cairn%' ORDER BY 1"
        }
        Kind::Postgres => {
            "SELECT quote_ident(table_name) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name NOT LIKE 'cairn%' ORDER BY 1"
        }
        Kind::Mysql => {
            "SELECT CONCAT('`', TABLE_NAME, '`') FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
             AND TABLE_NAME NOT LIKE 'cairn%' ORDER BY 1"
        }
    }
}

/// All rows of `sql`, every value as text (`NULL` for null).
fn rows(db: &TestDb, sql: &str) -> Vec<Vec<String>> {
    let failed = |e: &dyn std::fmt::Display| -> ! { panic!("{}: `{sql}` failed: {e}", db.kind) };
    match db.kind {
        Kind::Sqlite => {
            use rusqlite::types::ValueRef;
            let conn = rusqlite::Connection::open(db.name()).unwrap();
            let mut stmt = conn.prepare(sql).unwrap_or_else(|e| failed(&e));
            let n = stmt.column_count();
            stmt.query_map([], |row| {
                (0..n)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => "NULL".to_string(),
                            ValueRef::Integer(v) => v.to_string(),
                            ValueRef::Real(v) => v.to_string(),
                            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                            ValueRef::Blob(b) => format!("{b:?}"),
                        })
                    })
                    .collect()
            })
            .and_then(|rows| rows.collect())
            .unwrap_or_else(|e| failed(&e))
        }
        Kind::Postgres => {
            let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
            let messages = client.simple_query(sql).unwrap_or_else(|e| failed(&e));
            messages
                .iter()
                .filter_map(|m| match m {
                    postgres::SimpleQueryMessage::Row(r) => Some(
                        (0..r.len())
                            .map(|i| r.get(i).unwrap_or("NULL").to_string())
                            .collect(),
                    ),
                    _ => None,
                })
                .collect()
        }
        Kind::Mysql => {
            let opts = mysql::Opts::from_url(&db.url).unwrap();
            let mut conn = mysql::Conn::new(opts).unwrap();
            let result: Vec<mysql::Row> = conn.query(sql).unwrap_or_else(|e| failed(&e));
            result
                .into_iter()
                .map(|row| {
                    row.unwrap()
                        .into_iter()
                        .map(|v| match v {
                            mysql::Value::NULL => "NULL".to_string(),
                            mysql::Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
                            other => format!("{other:?}"),
                        })
                        .collect()
                })
                .collect()
        }
    }
}

fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(u, _)| u)
}

/// `psql`: beside the server binaries Debian installs (newest version first), else on PATH.
fn find_psql() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
        .map(|(version, dir)| (version, dir.join("bin/psql")))
        .filter(|(_, psql)| psql.is_file())
        .collect();
    found.sort();
    let debian = found.pop().map(|(_, psql)| psql);
    debian.or_else(|| find_program(&["psql"], &[]))
}

/// The first of `names` on PATH or in `extra_dirs`.
fn find_program(names: &[&str], extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(extra_dirs.iter().map(PathBuf::from));
    names
        .iter()
        .find_map(|n| dirs.iter().map(|d| d.join(n)).find(|p| p.is_file()))
}

#[test]
fn sqlite_corpus() {
    run_corpus(Kind::Sqlite);
}

#[test]
fn postgres_corpus() {
    run_corpus(Kind::Postgres);
}

#[test]
fn mysql_corpus() {
    run_corpus(Kind::Mysql);
}
