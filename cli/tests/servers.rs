//! The CLI against every backend: concurrent runners, the lock, and passwords kept out of
//! output. Servers come from `cargo xtask test` (see cairn-tests).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Command, Stdio};
use std::time::Duration;

use cairn_tests::TestDb;

fn cairn() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cairn"));
    cmd.env_remove("DATABASE_URL").env("NO_COLOR", "1");
    cmd
}

fn write_chain(dir: &std::path::Path, n: usize) {
    for i in 0..n {
        let deps = if i == 0 {
            "[]".to_string()
        } else {
            format!("[m{:02}]", i - 1)
        };
        std::fs::write(
            dir.join(format!("m{i:02}.yaml")),
            format!("depends_on: {deps}\nup: |\n  CREATE TABLE t{i} (id INTEGER);\n  INSERT INTO t{i} VALUES ({i});\ndown: DROP TABLE t{i};\n"),
        )
        .unwrap();
    }
}

/// Eight processes run `migrate up` on one database at once: every migration is applied
/// exactly once and no process fails.
fn eight_concurrent_runners(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), 20);
    let children: Vec<_> = (0..8)
        .map(|_| {
            cairn()
                .args(["--database-url", &db.url, "--dir"])
                .arg(dir.path())
                .args(["migrate", "up", "--format", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {stdout}{}",
            db.kind.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        applied += v["report"]["migrations"].as_array().unwrap().len();
    }
    assert_eq!(
        applied,
        20,
        "{}: each migration applied by exactly one runner",
        db.kind.name()
    );
    assert_eq!(db.history_ids().len(), 20);
    assert_eq!(db.scalar_i64("SELECT count(*) FROM t19"), 1);
}

/// While one runner holds the lock, another gives up after --lock-timeout and says who holds it.
fn lock_timeout_names_the_holder(db: &TestDb) {
    let mut registry = cairn::Registry::new();
    cairn_sqlite::register(&mut registry);
    cairn_postgres::register(&mut registry);
    cairn_mysql::register(&mut registry);
    let mut holder = registry.connect(&db.url).unwrap();
    holder.lock(Duration::from_secs(5)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_chain(dir.path(), 1);
    let out = cairn()
        .args(["--database-url", &db.url, "--lock-timeout", "1", "--dir"])
        .arg(dir.path())
        .args(["migrate", "up"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("waiting for the migration lock") && err.contains("held by"),
        "{}: {err}",
        db.kind.name()
    );
    holder.unlock().unwrap();
    assert!(db.history_ids().is_empty());
}

cairn_tests::on_every_backend!(eight_concurrent_runners, lock_timeout_names_the_holder);

/// A password in the URL never appears in any output, including connection errors.
#[test]
fn passwords_never_appear_in_output() {
    for (url, what) in [
        (
            "postgres://app:S3cretPw0rd@127.0.0.1:9/appdb",
            "cannot connect to PostgreSQL at 127.0.0.1:9",
        ),
        (
            "mysql://app:S3cretPw0rd@127.0.0.1:9/appdb",
            "cannot connect to MySQL at 127.0.0.1:9",
        ),
    ] {
        for args in [
            &["migrate", "status"][..],
            &["migrate", "up", "--format", "json"][..],
        ] {
            let out = cairn()
                .args(["--database-url", url])
                .args(args)
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .output()
                .unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.status.code(), Some(2), "{all}");
            assert!(!all.contains("S3cretPw0rd"), "password leaked: {all}");
            assert!(all.contains(what), "{all}");
            if args.len() == 2 {
                assert_eq!(
                    String::from_utf8_lossy(&out.stderr).trim().lines().count(),
                    1,
                    "one line, no driver dump: {all}"
                );
            }
        }
    }
}
