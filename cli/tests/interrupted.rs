//! A run that stopped part-way, as a user meets it through the CLI: `validate` reports it,
//! `migrate up` finishes it and says what it found, `repair --from` records what the user
//! checked by hand.

mod common;

use common::Project;

const THREE: &str = "transaction: false\nup: |\n  CREATE TABLE a (id INTEGER);\n  INSERT INTO a VALUES (1);\n  CREATE TABLE b (id INTEGER);\n";

/// The state a runner killed after statement 1 leaves: statement 1's table, the row `running`
/// with statement 2 next.
fn stopped_after_statement_1(project: &Project) {
    project.write("001_a.yaml", THREE);
    let (code, _, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    project.execute("DELETE FROM a");
    project.execute("DROP TABLE b");
    project.execute(
        "UPDATE cairn_migrations SET status = 'running', failed_statement = 2 WHERE id = '001_a'",
    );
}

#[test]
fn validate_reports_an_interrupted_run_and_up_finishes_it() {
    let project = Project::new();
    stopped_after_statement_1(&project);
    let (code, out, err) = project.run(&["migrate", "validate"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("migration 001_a was interrupted (applying) when an earlier run stopped: statement 1 of it took effect; `migrate up` resumes it from there"),
        "{out}"
    );
    let (code, out, _) = project.run(&["migrate", "status"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("interrupted 001_a")
            && out.contains("1 interrupted (`migrate up` finishes them)"),
        "{out}"
    );
    let (code, out, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("recovered: migration 001_a was interrupted while applying when an earlier run stopped: statement 1 of 3 had taken effect; finished it"),
        "{err}"
    );
    assert!(out.contains("Applied 1 migration"), "{out}");
    assert_eq!(project.tables(), ["a", "b"]);
    assert_eq!(
        project.history(),
        [("001_a".to_string(), "applied".to_string())]
    );
    let (code, _, err) = project.run(&["migrate", "validate"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_json_report_lists_what_was_recovered() {
    let project = Project::new();
    stopped_after_statement_1(&project);
    let (code, out, err) = project.run(&["migrate", "up", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v["report"]["recovered"][0];
    assert_eq!(r["id"], "001_a");
    assert_eq!(r["done"], 1);
    assert_eq!(r["statements"], 3);
    assert_eq!(v["report"]["migrations"][0]["statements"], 2);
}

#[test]
fn repair_from_records_what_took_effect_and_resume_goes_on_from_there() {
    let project = Project::new();
    project.write(
        "001_a.yaml",
        &THREE.replace("INSERT INTO a", "INSERT INTO missing"),
    );
    let (code, _, err) = project.run(&["migrate", "up"]);
    assert_eq!(code, 2, "{err}");
    // The user inserted the row by hand instead: statements 1 and 2 took effect.
    project.execute("INSERT INTO a VALUES (5)");
    let (code, _, err) = project.run(&["migrate", "repair", "001_a", "--from", "9"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("migration 001_a's script has 3 statements: `--from` takes 1 to 4"),
        "{err}"
    );
    let (code, out, err) = project.run(&["migrate", "repair", "001_a", "--from", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Recorded that statements before 3 of 001_a took effect; `migrate up --resume` runs it from statement 3."),
        "{out}"
    );
    let (code, _, err) = project.run(&["migrate", "up", "--resume"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(project.tables(), ["a", "b"]);
    assert_eq!(
        project.history(),
        [("001_a".to_string(), "applied".to_string())]
    );
}
