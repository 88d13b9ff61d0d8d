//! `cairn completions SHELL` and `cairn man` (issue 17 item 6): generated from the clap
//! definition, printed without reading settings or touching a database.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::Project;

#[test]
fn bash_completions_know_the_commands_and_flags() {
    let p = Project::new();
    let (code, out, err) = p.run(&["completions", "bash"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("_cairn()"), "{out}");
    for word in [
        "migrate",
        "drift",
        "--database-url",
        "--history-table",
        "completions",
    ] {
        assert!(out.contains(word), "{word} missing from the bash script");
    }
    // Subcommands of subcommands too.
    assert!(
        out.contains("cairn__subcmd__migrate__subcmd__up"),
        "no `migrate up` in the script"
    );
}

#[test]
fn every_shell_gets_a_script_of_its_own() {
    let p = Project::new();
    for (shell, marker) in [
        ("zsh", "#compdef cairn"),
        ("fish", "complete -c cairn"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[cairn]"),
    ] {
        let (code, out, err) = p.run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell}: no {marker:?}");
        assert!(out.contains("migrate"), "{shell}: no migrate");
    }
    let (code, _, err) = p.run(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn the_man_page_is_roff_and_lists_the_subcommands() {
    let p = Project::new();
    let (code, out, err) = p.run(&["man"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(".TH cairn 1"), "{out}");
    assert!(out.contains(".SH SYNOPSIS"), "{out}");
    assert!(out.contains(".SH SUBCOMMANDS"), "{out}");
    for sub in [
        "cairn\\-migrate(1)",
        "cairn\\-drift(1)",
        "cairn\\-db(1)",
        "cairn\\-man(1)",
    ] {
        assert!(out.contains(sub), "{sub} missing");
    }
    assert!(
        out.contains("DATABASE_URL"),
        "the environment variable is not documented"
    );
}

#[test]
fn man_out_dir_writes_a_page_per_subcommand() {
    let p = Project::new();
    let dir = p.path().join("man1");
    let (code, out, err) = p.run(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("man pages"), "{out}");
    for page in [
        "cairn.1",
        "cairn-migrate.1",
        "cairn-migrate-up.1",
        "cairn-db-backup.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(
            text.starts_with(".ie") && text.contains(".TH "),
            "{page}: {text}"
        );
    }
    assert!(
        !dir.join("cairn-help.1").exists(),
        "clap's help subcommand got a page"
    );
}

#[test]
fn neither_reads_settings_nor_creates_a_database() {
    let p = Project::new();
    // A broken cairn.toml and an unreachable database do not matter to them.
    std::fs::write(p.path().join("cairn.toml"), "this is not toml = = =").unwrap();
    for args in [
        &["completions", "fish"][..],
        &["man"],
        &[
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "man",
        ],
    ] {
        let (code, _, err) = p.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    assert!(!p.db().exists(), "a database file was created");
    assert_eq!(
        std::fs::read_dir(p.path().join("migrations"))
            .unwrap()
            .count(),
        0
    );
}
