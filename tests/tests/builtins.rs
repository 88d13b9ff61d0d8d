//! The built-in auth/audit/scan migrations on every backend: partial application, rollback
//! order, and data surviving upgrades with the declared foreign-key actions.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use cairn::{DownTarget, MigrationSet, Options, UpTarget};
use cairn_tests::{Kind, TestDb};

fn builtins(db: &TestDb) -> MigrationSet {
    let files = cairn::builtin_files(&["auth".into(), "audit".into(), "scan".into()]).unwrap();
    cairn::load_files(files, cairn_tests::registry().dialect(&db.url).unwrap()).unwrap()
}

fn up(db: &TestDb, set: &MigrationSet, target: UpTarget) -> Vec<String> {
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    cairn::up(
        conn.as_mut(),
        set,
        &target,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap()
    .migrations
    .into_iter()
    .map(|m| m.id)
    .collect()
}

fn tables(db: &TestDb) -> Vec<String> {
    db.tables()
        .into_iter()
        .filter(|t| t != "cairn_migrations" && t != "cairn_migrations_log")
        .collect()
}

fn partial_application_pulls_in_only_what_is_needed(db: &TestDb) {
    let set = builtins(db);
    assert_eq!(
        up(db, &set, UpTarget::To("scan/0001_scan_history".into())),
        ["auth/0001_companies_users", "scan/0001_scan_history"]
    );
    assert_eq!(
        tables(db),
        ["companies", "lightbox_scans", "users", "xasm_scans"]
    );
    up(db, &set, UpTarget::All);
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let report = cairn::down(
        conn.as_mut(),
        &set,
        &DownTarget::Including("auth/0001_companies_users".into()),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    let order: Vec<&str> = report.migrations.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        order.last(),
        Some(&"auth/0001_companies_users"),
        "{order:?}"
    );
    assert_eq!(
        order.len(),
        9,
        "everything but the independent ai_scan_cache: {order:?}"
    );
    // Reverse dependency (and application) order: each migration goes before what it needs.
    let applied = db.history_ids();
    assert_eq!(applied, ["scan/0002_ai_scan_cache"]);
    assert_eq!(tables(db), ["ai_scan_cache"]);
}

fn ts(kind: Kind) -> &'static str {
    match kind {
        Kind::Sqlite => "'2026-11-23T10:00:00.000Z'",
        Kind::Postgres => "'2026-11-23T10:00:00Z'",
        Kind::Mysql => "'2026-11-23 10:00:00'",
    }
}

fn data_survives_upgrades_and_foreign_keys_act_as_declared(db: &TestDb) {
    let set = builtins(db);
    // Everything except the later users.phone migration.
    for id in [
        "auth/0002_sessions",
        "auth/0003_api_keys",
        "audit/0001_login_attempts",
        "audit/0002_security_events",
        "audit/0003_audit_log",
        "audit/0004_user_id_indexes",
        "scan/0001_scan_history",
        "scan/0002_ai_scan_cache",
    ] {
        up(db, &set, UpTarget::To(id.into()));
    }
    assert!(
        !db.history_ids()
            .contains(&"auth/0004_users_phone".to_string())
    );
    let t = ts(db.kind);
    db.execute("INSERT INTO companies (id, name, domain) VALUES (1, 'Acme', 'acme.test')");
    db.execute("INSERT INTO users (id, email, password_hash, company_id, is_admin) VALUES (1, 'a@acme.test', '$2b$12$abcdefghijklmnopqrstuv', 1, TRUE)");
    db.execute(&format!("INSERT INTO sessions (user_id, token_hash, refresh_token_hash, ip_address, device_type, expires_at) VALUES (1, '{}', '{}', '2001:db8::1', 'mobile', {t})", "a".repeat(64), "b".repeat(64)));
    db.execute(&format!("INSERT INTO api_keys (user_id, name, key_prefix, key_hash, permissions) VALUES (1, 'ci', 'nrv_abcdefgh', '{}', '[\"scan:read\", \"scan:write\"]')", "c".repeat(64)));
    db.execute("INSERT INTO login_attempts (email, success, ip_address, user_id, failure_reason) VALUES ('a@acme.test', FALSE, '10.0.0.1', 1, 'bad_password')");
    db.execute("INSERT INTO security_events (event_type, severity, description, user_id, metadata) VALUES ('login_failed', 'medium', 'wrong password', 1, '{\"attempts\": 3}')");
    db.execute("INSERT INTO audit_log (operation, table_name, record_id, details, user_id) VALUES ('update', 'users', 1, '{\"field\": \"email\"}', 1)");
    db.execute("INSERT INTO xasm_scans (scan_id, target, results, user_id) VALUES ('x-1', 'acme.test', '{\"open_ports\": [443]}', 1)");
    db.execute("INSERT INTO lightbox_scans (scan_id, target, results, user_id) VALUES ('l-1', 'acme.test', '{\"score\": 91}', 1)");
    db.execute(&format!("INSERT INTO ai_scan_cache (company, scanner, results, expires_at) VALUES ('acme.test', 'xasm', '{{}}', {t})"));

    assert_eq!(up(db, &set, UpTarget::All), ["auth/0004_users_phone"]);
    for (table, n) in [
        ("companies", 1),
        ("users", 1),
        ("sessions", 1),
        ("api_keys", 1),
        ("login_attempts", 1),
        ("security_events", 1),
        ("audit_log", 1),
        ("xasm_scans", 1),
        ("lightbox_scans", 1),
        ("ai_scan_cache", 1),
    ] {
        assert_eq!(
            db.scalar_i64(&format!("SELECT count(*) FROM {table}")),
            n,
            "{table} after the upgrade"
        );
    }
    assert_eq!(db.scalar_i64("SELECT count(*) FROM users WHERE email = 'a@acme.test' AND phone IS NULL AND is_admin = TRUE"), 1);
    db.execute("UPDATE users SET phone = '+15550100' WHERE id = 1");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM sessions WHERE device_type = 'mobile' AND ip_address = '2001:db8::1'"), 1);

    // The checks hold where the dialect enforces them.
    let mut conn = db.connect();
    assert!(conn.try_execute(&format!("INSERT INTO sessions (user_id, token_hash, refresh_token_hash, ip_address, device_type, expires_at) VALUES (1, 'd', 'e', 'x', 'fax', {t})")).is_err(), "device_type CHECK");

    db.execute("DELETE FROM users WHERE id = 1");
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM sessions"),
        0,
        "sessions cascade"
    );
    assert_eq!(
        db.scalar_i64("SELECT count(*) FROM api_keys"),
        0,
        "api_keys cascade"
    );
    for table in [
        "login_attempts",
        "security_events",
        "audit_log",
        "xasm_scans",
        "lightbox_scans",
    ] {
        assert_eq!(
            db.scalar_i64(&format!(
                "SELECT count(*) FROM {table} WHERE user_id IS NULL"
            )),
            1,
            "{table}.user_id set null"
        );
    }
    db.execute("DELETE FROM companies WHERE id = 1");
    assert_eq!(db.scalar_i64("SELECT count(*) FROM companies"), 0);
}

/// `db health`'s advisory names the two keys of the built-ins that had no index until
/// audit/0004_user_id_indexes, and nothing once it is applied; rolled back, InnoDB's own
/// index is back (MySQL refuses to drop a key's only index), so the schema is as before.
fn the_builtins_leave_no_foreign_key_unindexed(db: &TestDb) {
    let set = builtins(db);
    up(db, &set, UpTarget::To("audit/0001_login_attempts".into()));
    up(db, &set, UpTarget::To("audit/0003_audit_log".into()));
    let advised = |db: &TestDb| -> Vec<String> {
        let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
        let h = cairn::ops::health(conn.as_mut(), None);
        assert!(h.healthy, "the advisory never makes it unhealthy: {h:#?}");
        assert!(h.advisory.error.is_none(), "{h:#?}");
        h.advisory
            .unindexed_foreign_keys
            .iter()
            .map(|k| format!("{}.{}", k.table, k.columns.join(",")))
            .collect()
    };
    let before = advised(db);
    if db.kind == Kind::Mysql {
        assert!(before.is_empty(), "InnoDB indexes every key: {before:?}");
    } else {
        assert_eq!(before, ["audit_log.user_id", "login_attempts.user_id"]);
    }
    let introspect = |db: &TestDb| {
        let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
        conn.as_introspect().unwrap().introspect().unwrap()
    };
    let schema_before = introspect(db);
    up(db, &set, UpTarget::All);
    assert_eq!(advised(db), Vec::<String>::new());
    let mut conn = cairn_tests::registry().connect(&db.url).unwrap();
    let back = cairn::down(
        conn.as_mut(),
        &set,
        &DownTarget::Including("audit/0004_user_id_indexes".into()),
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(back.migrations.len(), 1);
    assert_eq!(advised(db), before);
    let only_0004 = |s: &cairn::schema::Schema| -> Vec<cairn::schema::Table> {
        s.tables
            .iter()
            .filter(|t| t.name == "login_attempts" || t.name == "audit_log")
            .cloned()
            .collect()
    };
    assert_eq!(only_0004(&introspect(db)), only_0004(&schema_before));
}

cairn_tests::on_every_backend!(
    partial_application_pulls_in_only_what_is_needed,
    data_survives_upgrades_and_foreign_keys_act_as_declared,
    the_builtins_leave_no_foreign_key_unindexed
);
