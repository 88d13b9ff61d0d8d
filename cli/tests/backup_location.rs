//! Where backups go when no directory is given (issue: `--dir` of `db backup` shadowed the
//! global `--dir`, and automatic backups landed in the working tree): beside a SQLite file,
//! in the user's state directory for a server, in cairn.toml's `backup_dir` when set, and
//! never in a migrations folder.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use cairn_tests::{Kind, TestDb};

/// (exit code, stdout, stderr) of `cairn --database-url URL --dir mig ARGS` run in `cwd`,
/// with the user's state directory in `cwd/state`.
fn run(url: &str, cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("cairn"))
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", cwd.join("state"))
        .args(["--database-url", url, "--dir", "mig"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn project() -> tempfile::TempDir {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("mig")).unwrap();
    std::fs::write(
        cwd.path().join("mig/0001_t.yaml"),
        "up: CREATE TABLE t (id INTEGER);\ndown: DROP TABLE t;\n",
    )
    .unwrap();
    cwd
}

/// `cairn --dir mig db backup`: the global `--dir` names the migrations, and the backup goes
/// to the default place, never into `mig/` (whose manifests would break every `migrate`).
fn the_global_dir_is_never_where_a_backup_goes(db: &TestDb) {
    let cwd = project();
    let (code, out, err) = run(&db.url, cwd.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&db.url, cwd.path(), &["db", "backup"]);
    assert_eq!(code, 0, "{}: {out}{err}", db.kind.name());
    assert_eq!(files(&cwd.path().join("mig")), ["0001_t.yaml"]);
    assert!(
        !cwd.path().join("backups").exists(),
        "not in the working directory"
    );
    let expected = match db.kind {
        Kind::Sqlite => {
            let file = db.url.strip_prefix("sqlite:").unwrap();
            format!("{file}-backups")
        }
        _ => cwd.path().join("state/cairn/backups").display().to_string(),
    };
    assert!(out.contains(&format!(" to {expected}/")), "{out}");
    assert_eq!(
        files(Path::new(&expected)).len(),
        2,
        "the backup and its manifest"
    );
    let (code, out, err) = run(&db.url, cwd.path(), &["db", "backups"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&expected), "{out}");
    let (code, out, err) = run(&db.url, cwd.path(), &["migrate", "status"]);
    assert_eq!(code, 0, "{out}{err}");

    // A backup directory inside the migrations folder is refused.
    let (code, _, err) = run(
        &db.url,
        cwd.path(),
        &["db", "backup", "--backup-dir", "mig/b"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("backups cannot go into the migrations folder mig"),
        "{err}"
    );
    assert_eq!(files(&cwd.path().join("mig")), ["0001_t.yaml"]);
}

cairn_tests::on_every_backend!(the_global_dir_is_never_where_a_backup_goes);

/// The automatic backup before a destructive `migrate down` on SQLite goes beside the database
/// file, not into the working directory; cairn.toml's `backup_dir` moves it.
#[test]
fn automatic_backups_go_beside_the_sqlite_file_or_where_cairn_toml_says() {
    let cwd = project();
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("app.db").display());
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "down", "--all"]);
    assert_eq!(code, 0, "{out}{err}");
    let beside = data.path().join("app.db-backups");
    assert!(out.contains(&format!("to {}/", beside.display())), "{out}");
    assert_eq!(files(&beside).len(), 2);
    assert!(!cwd.path().join("backups").exists());

    std::fs::write(cwd.path().join("cairn.toml"), "backup_dir = \"kept\"\n").unwrap();
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "up"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&url, cwd.path(), &["migrate", "down", "--all"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(files(&cwd.path().join("kept")).len(), 2, "{out}");
    let (code, out, _) = run(&url, cwd.path(), &["config"]);
    assert_eq!(code, 0);
    assert!(out.contains("backup_dir"), "{out}");
}
