//! CHECK constraints round-trip through every backend: the built-in migrations create them,
//! introspection reads them back with their names and expressions, the DDL generated from what
//! was read (as `schema dump --format sql` and `schema diff --format sql` print it) is accepted
//! by a fresh database and reads back the same, the constraints still hold, and drift against
//! the declared schemas reports no CHECK difference.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;

use cairn::schema::{
    Check, Difference, Schema, canonical_expression, diff, load_schema, migration_sql, schema_sql,
};
use cairn::{Dialect, Expected, Options, UpTarget};
use cairn_tests::TestDb;

fn dialect(db: &TestDb) -> Dialect {
    cairn_tests::registry().dialect(&db.url).unwrap()
}

fn introspect(db: &TestDb) -> Schema {
    cairn_tests::registry()
        .connect(&db.url)
        .unwrap()
        .as_introspect()
        .unwrap()
        .introspect()
        .unwrap()
}

fn repository(dir: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir)
}

/// Every check of `s` as `(table, name, canonical expression)`, sorted.
fn checks(s: &Schema, d: Dialect) -> Vec<(String, Option<String>, String)> {
    let mut out: Vec<_> = s
        .tables
        .iter()
        .flat_map(|t| {
            t.checks.iter().map(|c: &Check| {
                let expression = canonical_expression(&c.expression, d);
                (t.name.clone(), c.name.clone(), expression)
            })
        })
        .collect();
    out.sort();
    out
}

/// Runs `statements` on a fresh database of `db`'s kind (each must be accepted) and returns
/// what it reads back.
fn apply_elsewhere(db: &TestDb, statements: &[String]) -> Schema {
    let copy = TestDb::new(db.kind).unwrap();
    let mut conn = copy.connect();
    for sql in statements {
        if let Err(e) = conn.try_execute(sql) {
            panic!("{}: generated DDL refused: {e}\n{sql}", db.kind.name());
        }
    }
    let schema = introspect(&copy);
    // The checks are real constraints, not only text: a value outside the list is refused.
    let bad = "INSERT INTO ai_scan_cache (company, scanner, results, created_at, expires_at) \
               VALUES ('acme', 'bogus', '{}', '2024-01-01 00:00:00', '2024-01-02 00:00:00')";
    assert!(
        conn.try_execute(bad).is_err(),
        "{}: ck_ai_scan_cache_scanner does not hold",
        db.kind.name()
    );
    schema
}

fn no_check_differences(found: &[Difference], what: &str) {
    let checks: Vec<String> = found
        .iter()
        .filter(|x| {
            matches!(
                x,
                Difference::CheckAdded { .. } | Difference::CheckRemoved { .. }
            )
        })
        .map(Difference::describe)
        .collect();
    assert!(checks.is_empty(), "{what}: {checks:#?}");
}

fn builtin_checks_round_trip_with_names_and_expressions(db: &TestDb) {
    let d = dialect(db);
    let set = cairn::load_dir(&repository("migrations"), d).unwrap();
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        &set,
        &UpTarget::All,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let declared = load_schema(&repository("schemas")).unwrap();
    let want = checks(&declared, d);
    assert_eq!(
        want.len(),
        3,
        "the built-ins declare three checks: {want:?}"
    );
    assert!(want.iter().all(|(_, name, _)| name.is_some()), "{want:?}");

    // Read back under their names, each expression the declared one.
    let live = introspect(db);
    assert_eq!(checks(&live, d), want, "{}: introspected", db.kind.name());

    // Drift against the declared schemas: nothing at all, so no CHECK difference.
    let report = cairn::drift(conn.as_mut(), Expected::Declared(declared.clone()), &[]).unwrap();
    no_check_differences(&report.differences, "drift");
    assert!(report.differences.is_empty(), "{:#?}", report.differences);

    // The DDL of what was read, raw and canonical, and the statements `schema diff --format
    // sql` prints from an empty database: accepted, and read back the same.
    let canonical = live.canonical(d);
    for (what, statements) in [
        ("schema_sql(introspected)", schema_sql(&live, d).unwrap()),
        ("schema_sql(canonical)", schema_sql(&canonical, d).unwrap()),
        (
            "migration_sql(empty -> introspected)",
            migration_sql(&Schema::default(), &live, d).unwrap(),
        ),
    ] {
        let text = statements.join(";\n");
        for (_, name, expression) in &want {
            let name = name.as_deref().unwrap();
            let clause = format!("CONSTRAINT {name} CHECK ({expression})");
            assert!(text.contains(&clause), "{what}: no `{clause}` in\n{text}");
        }
        let again = apply_elsewhere(db, &statements);
        assert_eq!(checks(&again, d), want, "{}: {what}", db.kind.name());
        no_check_differences(&diff(&declared, &again, d), what);
        no_check_differences(&diff(&live, &again, d), what);
    }
}

cairn_tests::on_every_backend!(builtin_checks_round_trip_with_names_and_expressions);
