//! Helpers for CLI tests: a project folder with migrations and a SQLite database in it.
#![allow(
    dead_code,
    missing_docs,
    clippy::new_without_default,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A throwaway project: `migrations/` and `cairn.db` in a temp dir.
pub struct Project {
    pub dir: TempDir,
}

impl Project {
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("migrations")).unwrap();
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("cairn.db")
    }

    /// Creates the (empty) database file, for commands that read a database and, since they
    /// do not create one, refuse a missing file.
    pub fn empty_db(&self) -> &Self {
        std::fs::write(self.db(), "").unwrap();
        self
    }

    /// Writes `migrations/<rel>`.
    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.dir.path().join("migrations").join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join("migrations").join(rel)).unwrap();
    }

    /// `cairn ARGS` run in the project folder, as a user would, without colour.
    pub fn cairn(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("cairn").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env("NO_COLOR", "1")
            .args(args);
        cmd
    }

    /// Runs and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cairn(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }

    /// Runs `sql` on the database, as another client would.
    pub fn execute(&self, sql: &str) {
        self.conn().execute_batch(sql).unwrap();
    }

    /// User tables, without Cairn's history table and its audit log.
    pub fn tables(&self) -> Vec<String> {
        if !self.db().exists() {
            return Vec::new();
        }
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('cairn_migrations', 'cairn_migrations_log') ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// History rows as (id, status), by rank.
    pub fn history(&self) -> Vec<(String, String)> {
        if !self.db().exists() {
            return Vec::new();
        }
        let conn = self.conn();
        let exists: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'cairn_migrations'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if exists == 0 {
            return Vec::new();
        }
        let mut stmt = conn
            .prepare("SELECT id, status FROM cairn_migrations ORDER BY installed_rank")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    pub fn history_ids(&self) -> Vec<String> {
        self.history().into_iter().map(|(id, _)| id).collect()
    }
}

/// Three migrations: a <- b <- c, plus d independent.
pub fn chain(p: &Project) {
    p.write(
        "0001_a.yaml",
        "description: table a\nup: CREATE TABLE a (id INTEGER PRIMARY KEY);\ndown: DROP TABLE a;\n",
    );
    p.write("0002_b.yaml", "depends_on: [0001_a]\nup: CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));\ndown: DROP TABLE b;\n");
    p.write("0003_c.json", r#"{"depends_on": ["0002_b"], "up": "CREATE TABLE c (id INTEGER PRIMARY KEY);", "down": "DROP TABLE c;"}"#);
    p.write(
        "0004_d.yaml",
        "up: CREATE TABLE d (id INTEGER PRIMARY KEY);\ndown: DROP TABLE d;\n",
    );
}

/// Runs `cairn --database-url URL --dir DIR ARGS` (no `DATABASE_URL`, no colour) and returns
/// (exit code, stdout, stderr): a command against a server database, for tests that are not
/// about a [`Project`] folder.
pub fn cairn(url: &str, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .args(["--database-url", url, "--dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A temporary folder holding `files` (name, text): a migrations folder for [`cairn`].
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}
