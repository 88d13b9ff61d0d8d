//! `bench --lint-statements N`: split + parse + lint throughput on a generated corpus, in
//! memory (no database): N statements in migrations of 10, a third each for SQLite,
//! PostgreSQL and MySQL, mixing plain DDL and DML with statements the rules flag.

use std::time::{Duration, Instant};

use anyhow::Result;
use cairn::lint::{Linter, Policy};
use cairn::{Dialect, SourceFile};

/// Statements per generated migration.
const PER_MIGRATION: usize = 10;

/// Statement `i` of the corpus for `d` (the mix repeats every 10).
fn statement(i: usize, d: Dialect) -> String {
    let t = i / PER_MIGRATION;
    match i % PER_MIGRATION {
        0 => format!(
            "CREATE TABLE t{t} (\n  id INTEGER PRIMARY KEY,\n  name VARCHAR(100) NOT NULL,\n  note TEXT\n)"
        ),
        1 => format!("CREATE INDEX t{t}_name ON t{t} (name)"),
        2 => format!("INSERT INTO t{t} (id, name) VALUES (1, 'a;b'), (2, 'c')"),
        3 => format!("UPDATE t{t} SET note = 'x' WHERE id = 1"),
        4 => format!("ALTER TABLE t{t} ADD COLUMN score INTEGER DEFAULT 0"),
        5 => format!("CREATE INDEX users_{t} ON users (email)"),
        6 => format!("DELETE FROM t{t} WHERE id IN (SELECT id FROM t{t} WHERE name LIKE 'z%')"),
        7 => match d {
            Dialect::Postgres => format!("ALTER TABLE t{t} ALTER COLUMN note TYPE varchar(200)"),
            Dialect::Mysql => format!("ALTER TABLE t{t} MODIFY COLUMN note VARCHAR(200)"),
            Dialect::Sqlite => format!("ALTER TABLE t{t} RENAME COLUMN note TO remark"),
        },
        8 => format!("UPDATE users SET seen_{t} = 0"),
        _ => "SELECT count(*) FROM users -- a comment; with a semicolon".to_string(),
    }
}

fn corpus(statements: usize) -> Vec<(Dialect, Vec<SourceFile>, Vec<String>)> {
    let migrations = statements.div_ceil(PER_MIGRATION);
    Dialect::ALL
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let mine: Vec<usize> = (0..migrations).filter(|m| m % 3 == k).collect();
            let mut files = Vec::new();
            let mut scripts = Vec::new();
            for m in mine {
                let n = PER_MIGRATION.min(statements - m * PER_MIGRATION);
                let sql: String = (0..n)
                    .map(|j| format!("{};\n", statement(m * PER_MIGRATION + j, d)))
                    .collect();
                let body: String = sql.lines().map(|l| format!("  {l}\n")).collect();
                files.push(SourceFile {
                    path: format!("bench/m{m:05}.yaml").into(),
                    default_id: format!("m{m:05}"),
                    text: format!("up: |\n{body}down: DROP TABLE t{m};\n"),
                });
                scripts.push(sql);
            }
            (d, files, scripts)
        })
        .collect()
}

/// Runs the benchmark and prints throughput.
pub fn run(statements: usize, runs: usize) -> Result<()> {
    let corpus = corpus(statements);
    let linter = Linter::new();
    let policy = Policy::default();
    let (mut split, mut load, mut lint, mut findings) = (Vec::new(), Vec::new(), Vec::new(), 0);
    let mut counted = 0;
    for _ in 0..runs.max(1) {
        let (mut s, mut l, mut p) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
        counted = 0;
        findings = 0;
        for (d, files, scripts) in &corpus {
            let start = Instant::now();
            for sql in scripts {
                counted += cairn::split(sql, *d)?.len();
            }
            s += start.elapsed();
            let start = Instant::now();
            let set = cairn::load_files(files.clone(), *d)?;
            l += start.elapsed();
            let start = Instant::now();
            let report = cairn::lint::lint(&set, &policy, &linter);
            p += start.elapsed();
            findings += report.findings.len();
            anyhow::ensure!(report.unparsed == 0, "the corpus should parse ({d})");
        }
        split.push(s);
        load.push(l);
        lint.push(p);
    }
    let (split, load, lint) = (median(split), median(load), median(lint));
    let rate = |d: Duration| counted as f64 / d.as_secs_f64().max(1e-9);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "lint: {counted} statements (sqlite/postgres/mysql thirds, {PER_MIGRATION} per migration, {findings} findings), median of {} runs",
        runs.max(1)
    );
    println!(
        "  split alone:                       {:>8.1} ms  {:>10.0} statements/s",
        ms(split),
        rate(split)
    );
    println!(
        "  load (YAML + split):               {:>8.1} ms  {:>10.0} statements/s",
        ms(load),
        rate(load)
    );
    println!(
        "  parse + lint (with down scripts):  {:>8.1} ms  {:>10.0} statements/s",
        ms(lint),
        rate(lint)
    );
    println!(
        "  split + parse + lint:              {:>8.1} ms  {:>10.0} statements/s",
        ms(split + lint),
        rate(split + lint)
    );
    Ok(())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}
