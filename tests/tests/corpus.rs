//! The splitter corpus: every `tests/corpus/<backend>/*.sql` script is run twice on fresh
//! databases, once as a Cairn migration (split by Cairn, statement by statement through the
//! backend) and once by the database's own splitter (`cairn_tests::native`: rusqlite's
//! `execute_batch` for SQLite, `psql` for PostgreSQL, the `mariadb` client for MySQL). Both
//! databases must end up with the same objects (tables, views, indexes, routines, triggers,
//! rules) and the same rows (`cairn_tests::Contents`).
//!
//! A script's header says how many statements Cairn must find (`-- statements: N`) and which
//! queries to compare besides every table's rows (`-- check: SELECT ...`; each must return
//! rows). Without a server URL a backend is skipped with a note; without its command-line
//! client only the Cairn side runs, except under `CI=true`, where both are failures.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use cairn::{Options, SourceFile, UpTarget};
use cairn_tests::{Contents, Kind, TestDb, rows};

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
        if !cairn_tests::native::apply(&by_client, &script.text, &name.to_string()) {
            continue;
        }
        for query in &script.checks {
            assert_eq!(
                rows(&by_cairn, query),
                rows(&by_client, query),
                "{name}: `{query}` differs (left: Cairn, right: {kind}'s own client)"
            );
        }
        let contents = Contents::of(&by_cairn);
        assert!(!contents.rows.is_empty(), "{name}: no tables");
        assert_eq!(
            contents,
            Contents::of(&by_client),
            "{name}: objects and rows differ (left: Cairn, right: {kind}'s own client)"
        );
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
