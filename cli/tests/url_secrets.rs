//! A password in a mistyped URL never reaches the output: every command that reports, in text
//! and JSON, on stdout and stderr, for PostgreSQL and MySQL URL shapes and libpq keyword
//! strings. The URLs point at no server (port 1, or no host), so each command fails the way a
//! user's typo makes it fail.

mod common;

use common::Project;

const SECRET: &str = "S3cr3t";

/// URLs as users mistype them, each holding `SECRET`.
const URLS: [&str; 11] = [
    "postgres:/user:S3cr3t@host/db",
    "postgres:user:S3cr3t@host/db",
    "postgres://u:S3/cr3t@127.0.0.1:1/db",
    "postgres://u:S3cr3t@127.0.0.1:1/db?sslmode=bogus",
    "postgresql://u:p S3cr3t@127.0.0.1:1/db",
    "host=127.0.0.1 port=1 password=S3cr3t dbname=x",
    "HOST=h PASSWORD='S3cr3t' DBNAME=x",
    "mysql:/root:S3cr3t@h/db",
    "mysql://root:S3cr3t@127.0.0.1:1/db?ssl-mode=bogus",
    "mysql://root@127.0.0.1:1/db?password=S3cr3t",
    "mariadb://root:S3cr3t@127.0.0.1:1/db",
];

/// Every command that reports the database or connects to it.
const COMMANDS: [&[&str]; 7] = [
    &["config", "--format", "text"],
    &["config", "--format", "json"],
    &["migrate", "status"],
    &["migrate", "status", "--format", "json"],
    &["db", "health"],
    &["db", "health", "--format", "json"],
    &["migrate", "up"],
];

#[test]
fn no_command_prints_the_password_of_a_malformed_url() {
    let project = Project::new();
    project.write("001_a.yaml", "up: CREATE TABLE a (id INT);\n");
    let mut failures = Vec::new();
    for url in URLS {
        for args in COMMANDS {
            let mut all = vec!["--database-url", url];
            all.extend_from_slice(args);
            let (code, out, err) = project.run(&all);
            let lower = SECRET.to_ascii_lowercase();
            if out.contains(SECRET) || err.contains(SECRET) || err.contains(&lower) {
                failures.push(format!("{url} {args:?} (exit {code}):\n{out}{err}"));
            }
            // Nothing connects: each command either reports the setting, reports the database
            // unhealthy (exit 1), or fails with an error (exit 2, on stdout as JSON with
            // `--format json`).
            let text = format!("{out}{err}").to_ascii_lowercase();
            match args[..2] {
                ["config", ..] => assert_eq!(code, 0, "{url} {args:?}:\n{out}{err}"),
                ["db", "health"] => assert!(
                    (code == 1 && text.contains("no connection"))
                        || (code == 2 && text.contains("error")),
                    "{url} {args:?}:\n{out}{err}"
                ),
                _ => assert!(
                    code == 2 && text.contains("error"),
                    "{url} {args:?}:\n{out}{err}"
                ),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_keyword_string_is_named_as_no_url_and_shown_redacted() {
    let project = Project::new();
    let (code, _, err) = project.run(&[
        "--database-url",
        "host=db password=S3cr3t dbname=app",
        "migrate",
        "status",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`host=db password=*** dbname=app` is not a database URL")
            && err.contains("sqlite")
            && err.contains("postgres"),
        "{err}"
    );
}

#[test]
fn the_config_command_shows_a_malformed_url_with_its_password_masked() {
    let project = Project::new();
    let (code, out, err) =
        project.run(&["--database-url", "postgres:/user:S3cr3t@host/db", "config"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("postgres:/user:***@host/db"), "{out}");
}
