//! `cairn fleet` (issue 18 §1) on every backend: tenants as SQLite files (a targets file),
//! PostgreSQL schemas and MySQL databases (`--schemas PATTERN`). Every tenant migrated with its
//! own history; a failing tenant named with its migration and statement while the others go
//! on, or stopping the rest; canaries; two fleet runs at once applying each migration once;
//! status and drift finding the tenant that differs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Output};

use cairn_tests::{Conn, Kind, TestDb};
use serde_json::Value;

const TENANTS: usize = 4;

/// The tenants of one scenario and the flags that name them.
struct Tenants<'a> {
    db: &'a TestDb,
    dir: tempfile::TempDir,
    names: Vec<String>,
    args: Vec<String>,
}

impl<'a> Tenants<'a> {
    fn new(db: &'a TestDb) -> Tenants<'a> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        let prefix = match db.kind {
            Kind::Sqlite => "tenant".to_string(),
            // Schemas live inside the scenario's database; MySQL databases beside it, so they
            // carry its unique name.
            Kind::Postgres => "tenant".to_string(),
            Kind::Mysql => format!("{}_t", db.name()),
        };
        let names: Vec<String> = (1..=TENANTS).map(|i| format!("{prefix}{i}")).collect();
        let args = match db.kind {
            Kind::Sqlite => {
                let mut file = format!("url = \"sqlite:{}/{{name}}.db\"\n", dir.path().display());
                for n in &names {
                    file += &format!("\n[[target]]\nname = \"{n}\"\n");
                }
                std::fs::write(dir.path().join("targets.toml"), file).unwrap();
                vec![
                    "--targets".into(),
                    dir.path().join("targets.toml").display().to_string(),
                ]
            }
            Kind::Postgres => {
                for n in &names {
                    db.execute(&format!("CREATE SCHEMA {n}"));
                }
                vec!["--schemas".into(), format!("{prefix}%")]
            }
            Kind::Mysql => {
                for n in &names {
                    db.execute(&format!("CREATE DATABASE `{n}`"));
                }
                vec!["--schemas".into(), format!("{prefix}%")]
            }
        };
        Tenants {
            db,
            dir,
            names,
            args,
        }
    }

    fn migration(&self, file: &str, text: &str) {
        std::fs::write(self.dir.path().join("migrations").join(file), text).unwrap();
    }

    fn cairn(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
        cmd.env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .args(["--database-url", &self.db.url])
            .args(args)
            .args(&self.args);
        cmd
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let Output {
            status,
            stdout,
            stderr,
        } = self.cairn(args).output().unwrap();
        (
            status.code().unwrap_or(-1),
            String::from_utf8_lossy(&stdout).into_owned(),
            String::from_utf8_lossy(&stderr).into_owned(),
        )
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let (code, out, err) = self.run(&all);
        let value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
        (code, value)
    }

    /// `SELECT COUNT(*) FROM table` in tenant `i` (0-based).
    fn count(&self, i: usize, table: &str) -> i64 {
        let name = &self.names[i];
        match self.db.kind {
            Kind::Sqlite => Conn::sqlite(&self.dir.path().join(format!("{name}.db")))
                .scalar_i64(&format!("SELECT COUNT(*) FROM {table}")),
            Kind::Postgres => self
                .db
                .scalar_i64(&format!("SELECT COUNT(*) FROM {name}.{table}")),
            Kind::Mysql => self
                .db
                .scalar_i64(&format!("SELECT COUNT(*) FROM `{name}`.{table}")),
        }
    }

    /// Runs `sql` in tenant `i`.
    fn execute(&self, i: usize, sql: &str) {
        let name = &self.names[i];
        match self.db.kind {
            Kind::Sqlite => Conn::sqlite(&self.dir.path().join(format!("{name}.db"))).execute(sql),
            Kind::Postgres => self
                .db
                .execute(&format!("SET search_path TO {name}; {sql}")),
            Kind::Mysql => self.db.execute(&format!("USE `{name}`; {sql}")),
        }
    }
}

impl Drop for Tenants<'_> {
    fn drop(&mut self) {
        if self.db.kind == Kind::Mysql {
            for n in &self.names {
                let _ = self
                    .db
                    .connect()
                    .try_execute(&format!("DROP DATABASE IF EXISTS `{n}`"));
            }
        }
    }
}

const ITEMS: &str = "up: |\n  CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40));\ndown: |\n  DROP TABLE items;\n";
const SEED: &str = "depends_on: [0001_items]\nup: |\n  INSERT INTO items (id, name) VALUES (1, 'first');\ndown: |\n  DELETE FROM items;\n";

fn target<'v>(report: &'v Value, name: &str) -> &'v Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"]["name"] == name)
        .unwrap_or_else(|| panic!("no target {name} in {report:#}"))
}

fn up_migrates_every_tenant_and_a_rerun_is_a_no_op(db: &TestDb) {
    let t = Tenants::new(db);
    t.migration("0001_items.yaml", ITEMS);
    t.migration("0002_seed.yaml", SEED);
    let (code, out, err) = t.run(&["fleet", "up", "--parallel", "3"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!("Fleet up: {TENANTS} targets")),
        "{out}"
    );
    for i in 0..TENANTS {
        assert_eq!(t.count(i, "cairn_migrations"), 2, "tenant {i}");
        assert_eq!(t.count(i, "items"), 1, "tenant {i}");
    }
    let (code, report) = t.json(&["fleet", "up"]);
    assert_eq!(code, 0, "{report:#}");
    for name in &t.names {
        let r = target(&report, name);
        assert_eq!(r["status"], "done");
        assert_eq!(r["result"]["applied"], Value::Array(vec![]), "{r:#}");
    }
    assert_eq!(t.count(0, "items"), 1);
}

fn a_failing_tenant_is_named_and_the_others_go_on_or_stop(db: &TestDb) {
    let t = Tenants::new(db);
    t.migration("0001_items.yaml", ITEMS);
    t.migration("0002_seed.yaml", SEED);
    // The second tenant already has a table the first migration creates.
    t.execute(1, "CREATE TABLE items (id INTEGER)");
    let (code, report) = t.json(&["fleet", "up", "--parallel", "2", "--continue-on-error"]);
    assert_eq!(code, 1, "{report:#}");
    let failed = target(&report, &t.names[1]);
    assert_eq!(failed["status"], "failed", "{failed:#}");
    assert_eq!(failed["result"]["migration"], "0001_items");
    assert_eq!(failed["result"]["statement"], 1);
    assert!(
        failed["result"]["message"]
            .as_str()
            .unwrap()
            .contains("0001_items"),
        "{failed:#}"
    );
    for i in [0, 2, 3] {
        assert_eq!(t.count(i, "items"), 1, "tenant {i} was migrated");
    }
    assert_eq!(report["summary"]["failed"], 1);

    // Stopping on the first failure: one at a time, the tenants after it are not started.
    let t = Tenants::new_after(db, &t);
    t.migration("0001_items.yaml", ITEMS);
    t.execute(1, "CREATE TABLE items (id INTEGER)");
    let (code, out, _) = t.run(&["fleet", "up", "--parallel", "1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("skipped: not started after {} failed", t.names[1])),
        "{out}"
    );
    assert_eq!(t.count(0, "cairn_migrations"), 1);
    for i in [2, 3] {
        assert_eq!(t.count_history_or_zero(i), 0, "tenant {i} was not started");
    }
    // A canary that fails stops everything after it.
    let (code, report) = t.json(&["fleet", "up", "--canary", "2", "--continue-on-error"]);
    assert_eq!(code, 1);
    let skipped = target(&report, &t.names[3]);
    assert_eq!(skipped["status"], "skipped", "{skipped:#}");
    assert!(
        skipped["result"]["reason"]
            .as_str()
            .unwrap()
            .contains("canary"),
        "{skipped:#}"
    );
}

fn two_fleet_runs_at_once_apply_each_migration_once(db: &TestDb) {
    let t = Tenants::new(db);
    t.migration("0001_items.yaml", ITEMS);
    t.migration("0002_seed.yaml", SEED);
    let children: Vec<_> = (0..3)
        .map(|_| {
            t.cairn(&["fleet", "up", "--parallel", "4", "--format", "json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    for i in 0..TENANTS {
        assert_eq!(t.count(i, "cairn_migrations"), 2, "tenant {i}");
        assert_eq!(t.count(i, "items"), 1, "tenant {i}: the seed ran once");
    }
}

fn status_and_drift_find_the_tenant_that_differs(db: &TestDb) {
    let t = Tenants::new(db);
    t.migration("0001_items.yaml", ITEMS);
    let (code, out, err) = t.run(&["fleet", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = t.run(&["fleet", "drift"]);
    assert_eq!(code, 0, "{out}{err}");
    t.execute(2, "ALTER TABLE items ADD COLUMN extra INTEGER");
    let (code, report) = t.json(&["fleet", "drift"]);
    assert_eq!(code, 1, "{report:#}");
    let drifted = target(&report, &t.names[2]);
    assert_eq!(
        drifted["result"]["differences"].as_array().unwrap().len(),
        1,
        "{drifted:#}"
    );
    assert_eq!(
        target(&report, &t.names[0])["result"]["differences"],
        Value::Array(vec![])
    );

    let (code, _, _) = t.run(&["fleet", "status"]);
    assert_eq!(code, 0);
    t.migration("0002_seed.yaml", SEED);
    let (code, report) = t.json(&["fleet", "status"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        target(&report, &t.names[0])["result"]["pending"][0],
        "0002_seed"
    );
    // `--only` with a tag no tenant has: nothing to do.
    let (code, _, err) = t.run(&["fleet", "status", "--only", "region=mars"]);
    assert_eq!(code, 0);
    assert!(err.contains("no targets"), "{err}");
}

fn a_rollback_test_runs_once_per_server(db: &TestDb) {
    let t = Tenants::new(db);
    t.migration("0001_items.yaml", ITEMS);
    let (code, report) = t.json(&["fleet", "test"]);
    assert_eq!(code, 0, "{report:#}");
    let servers = report["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 1, "{report:#}");
    assert_eq!(servers[0]["targets"].as_array().unwrap().len(), TENANTS);
    t.migration("0002_seed.yaml", "depends_on: [0001_items]\nup: |\n  CREATE TABLE other (id INTEGER);\ndown: |\n  SELECT 1;\n");
    let (code, _) = t.json(&["fleet", "test"]);
    assert_eq!(code, 1, "a down that leaves a table fails the proof");
}

impl<'a> Tenants<'a> {
    /// Tenants of their own beside `before` (which keeps its own).
    fn new_after(db: &'a TestDb, before: &Tenants<'_>) -> Tenants<'a> {
        match db.kind {
            Kind::Sqlite => Tenants::new(db),
            _ => {
                // Same pattern, so drop the earlier scenario's tenants first.
                for n in &before.names {
                    match db.kind {
                        Kind::Postgres => db.execute(&format!("DROP SCHEMA {n} CASCADE")),
                        _ => db.execute(&format!("DROP DATABASE `{n}`")),
                    }
                }
                Tenants::new(db)
            }
        }
    }

    /// History rows in tenant `i`, 0 when it has no history table yet.
    fn count_history_or_zero(&self, i: usize) -> i64 {
        let name = &self.names[i];
        let sql = match self.db.kind {
            Kind::Sqlite => {
                let path = self.dir.path().join(format!("{name}.db"));
                if !path.exists() {
                    return 0;
                }
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'cairn_migrations'".to_string()
            }
            Kind::Postgres => format!(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{name}' AND table_name = 'cairn_migrations'"
            ),
            Kind::Mysql => format!(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{name}' AND table_name = 'cairn_migrations'"
            ),
        };
        let exists = match self.db.kind {
            Kind::Sqlite => {
                Conn::sqlite(&self.dir.path().join(format!("{name}.db"))).scalar_i64(&sql)
            }
            _ => self.db.scalar_i64(&sql),
        };
        if exists == 0 {
            0
        } else {
            self.count(i, "cairn_migrations")
        }
    }
}

/// `--targets-query`: the tenants a control table lists, URLs from a template.
fn targets_from_a_query(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/0001_items.yaml"), ITEMS).unwrap();
    let control = dir.path().join("control.db");
    let mut conn = Conn::sqlite(&control);
    conn.execute("CREATE TABLE tenants (name TEXT, url TEXT, tags TEXT)");
    conn.execute("INSERT INTO tenants VALUES ('a', NULL, 'region=eu'), ('b', NULL, 'region=us')");
    drop(conn);
    let template = format!("sqlite:{}/{{name}}.db", dir.path().display());
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .args(["--database-url", &format!("sqlite:{}", control.display())])
        .args([
            "fleet",
            "up",
            "--targets-query",
            "SELECT name, url, tags FROM tenants",
        ])
        .args(["--url-template", &template, "--only", "region=us"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("b.db").exists());
    assert!(
        !dir.path().join("a.db").exists(),
        "--only left tenant a alone"
    );
    let _ = db;
}

cairn_tests::on_every_backend!(
    up_migrates_every_tenant_and_a_rerun_is_a_no_op,
    a_failing_tenant_is_named_and_the_others_go_on_or_stop,
    two_fleet_runs_at_once_apply_each_migration_once,
    status_and_drift_find_the_tenant_that_differs,
    a_rollback_test_runs_once_per_server,
);

#[test]
fn targets_listed_by_a_query_on_a_control_database() {
    targets_from_a_query(&TestDb::new(Kind::Sqlite).unwrap());
}

#[test]
fn a_targets_file_error_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.toml"),
        "[[target]]\nname = \"a\"\nurl = \"sqlite:a.db\"\nport = 1\n",
    )
    .unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .args(["fleet", "up", "--targets", "t.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("t.toml:4: unknown field `port`"), "{err}");
}
