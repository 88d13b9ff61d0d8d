//! `examples/user-project`, a user's own workspace (an `app` that embeds its migrations and
//! migrates itself at start-up, an `xtask` whose commands are Cairn's), built and run as its
//! user would, on every backend (issue 17): `cargo xtask migrate up`, `cargo xtask migrate
//! status` from a subfolder (cairn.toml found from the workspace root), the service starting
//! on a migrated and on an empty database, and the app's own tests.
//!
//! The example is its own workspace with its own lock file, built into
//! `target/user-project` (its `xtask` must not overwrite this repository's `target/debug/xtask`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cairn_tests::TestDb;

fn example() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/user-project"
    ))
    .to_path_buf()
}

/// `cargo`, building into `target/user-project` without debug info or incremental caches:
/// the example compiles Cairn and its dependencies a second time, and with both it took
/// 8 GB of the disk CI runs on (about 1 GB without), for a build no one debugs.
fn example_cargo() -> Command {
    let target = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/user-project"
    ));
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .env("CARGO_PROFILE_DEV_DEBUG", "0");
    cmd
}

/// `cargo ARGS` in the example (or its `sub` folder) with `DATABASE_URL`: (exit code, stdout,
/// stderr).
fn cargo(sub: &str, url: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let mut cmd = example_cargo();
    cmd.current_dir(example().join(sub))
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .args(args);
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds the example once for all backends (the first build compiles Cairn again, into its
/// own target folder).
fn built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let (code, out, err) = cargo(
            ".",
            None,
            &["build", "--quiet", "--workspace", "--all-targets"],
        );
        assert_eq!(code, 0, "the example does not build:\n{out}{err}");
    });
}

fn the_example_project_migrates_runs_and_tests(db: &TestDb) {
    built();
    let url = db.url.as_str();
    let (code, out, err) = cargo(".", Some(url), &["xtask", "migrate", "up"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert!(out.contains("Applied 2 migrations"), "{out}");
    // From a subfolder: the workspace's cairn.toml names the migrations.
    let (code, out, err) = cargo("app", Some(url), &["xtask", "migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 applied, 0 pending"), "{out}");
    let (code, out, err) = cargo(".", Some(url), &["xtask", "drift"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());

    // The service on the migrated database has nothing to apply.
    let (code, out, err) = cargo(".", Some(url), &["run", "--quiet", "-p", "app"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "app: 0 migration(s) applied at start-up; 1 note(s)"
    );
    // On an empty database it migrates itself from its binary, and the CLI agrees.
    let empty = TestDb::new(db.kind).expect("a second database");
    let (code, out, err) = cargo(".", Some(&empty.url), &["run", "--quiet", "-p", "app"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert_eq!(
        out.trim(),
        "app: 2 migration(s) applied at start-up; 1 note(s)"
    );
    let (code, out, _) = cargo(".", Some(&empty.url), &["xtask", "migrate", "status"]);
    assert_eq!(code, 0);
    assert!(out.contains("2 applied, 0 pending, 0 changed"), "{out}");
}

cairn_tests::on_every_backend!(
    the_example_project_migrates_runs_and_tests,
    the_example_projects_own_tests_pass
);

/// The app's tests, each on its own copy of a migrated template, against this backend.
fn the_example_projects_own_tests_pass(db: &TestDb) {
    built();
    let out = example_cargo()
        .current_dir(example())
        .env("TEST_DATABASE_URL", &db.url)
        .args(["test", "--quiet", "-p", "app", "--test", "notes"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {text}", db.kind.name());
    assert!(text.contains("3 passed"), "{text}");
}
