//! Connecting: one-line errors without the password, TLS modes, a connection lost mid-run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cairn::Migrate;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use cairn::{AppliedMigration, BackendError, Dialect, Direction, Driver, HistoryStatus, Step};
use cairn_postgres::Postgres;
use common::{TestDb, admin_url, must_run_fully, random_hex, with_option, with_userinfo};

fn connection_error(url: &str) -> String {
    match Postgres::open(url) {
        Ok(_) => panic!("connected to {}", cairn::redact_url(url)),
        Err(BackendError::Connection(m)) => m,
        Err(other) => panic!("expected a connection error, got {other:?}"),
    }
}

#[test]
fn a_refused_port_is_one_clear_line() {
    // A port just freed is refused (nothing listens there any more).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let m = connection_error(&format!(
        "postgres://cairn:hunter2@127.0.0.1:{port}/shop?connect_timeout=5"
    ));
    assert_eq!(
        m,
        format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port} (database shop, user cairn): connection refused"
        )
    );
}

/// Drops the role when the test ends, pass or fail (roles outlive databases).
struct Role(String, String);

impl Drop for Role {
    fn drop(&mut self) {
        if let Ok(mut pg) = Postgres::open(&self.1) {
            let _ = pg
                .client()
                .batch_execute(&format!("DROP ROLE IF EXISTS {}", self.0));
        }
    }
}

#[test]
fn wrong_credentials_never_show_the_password() {
    let Some(db) = TestDb::create() else { return };
    let secret = format!("S3cr@t-{}", random_hex());
    let encoded = secret.replace('@', "%40");

    let nobody = format!("cairn_nobody_{}", random_hex());
    let m = connection_error(&with_userinfo(&db.url, &format!("{nobody}:{encoded}")));
    assert!(
        m.starts_with("cannot connect to PostgreSQL at ")
            && m.contains(&format!("(database {}, user {nobody}): ", db.name)),
        "{m}"
    );
    assert!(
        m.contains("does not exist") || m.contains("password authentication failed"),
        "{m}"
    );
    assert!(!m.contains(&secret) && !m.contains(&encoded), "{m}");
    assert!(!m.contains('\n') && !m.contains("DbError"), "{m}");

    // A real role with a password: the right one connects, and the URL's description hides it.
    let admin = admin_url().unwrap();
    let role = Role(format!("cairn_pw_{}", random_hex()), admin);
    let mut pg = db.open();
    pg.client()
        .batch_execute(&format!("CREATE ROLE {} LOGIN PASSWORD 'right-pw'", role.0))
        .unwrap();
    let ok = Postgres::open(&with_userinfo(&db.url, &format!("{}:right-pw", role.0))).unwrap();
    let described = ok.describe();
    assert!(
        described.contains(&format!("{}:***@", role.0)),
        "{described}"
    );
    assert!(!described.contains("right-pw"), "{described}");

    match Postgres::open(&with_userinfo(&db.url, &format!("{}:{encoded}", role.0))) {
        Err(BackendError::Connection(m)) => {
            assert!(m.contains("password authentication failed"), "{m}");
            assert!(!m.contains(&secret) && !m.contains(&encoded), "{m}");
            assert!(!m.contains('\n'), "{m}");
        }
        Err(other) => panic!("expected a connection error, got {other:?}"),
        // The server trusts this login: it never looked at the password. The test command's
        // server checks every password, so there this is a failure.
        Ok(_) if must_run_fully() => {
            panic!("the server accepted a wrong password: it must check passwords (scram-sha-256)")
        }
        Ok(_) => eprintln!("note: the server does not check passwords on this address"),
    }
}

fn server_has_tls(admin: &str) -> bool {
    let mut pg = Postgres::open(&with_option(admin, "sslmode=disable")).unwrap();
    let ssl: String = pg.client().query_one("SHOW ssl", &[]).unwrap().get(0);
    ssl == "on"
}

fn encrypted(pg: &mut Postgres) -> bool {
    pg.client()
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmodes_encrypt_as_libpq_would() {
    let Some(admin) = admin_url() else { return };
    let tls = server_has_tls(&admin);
    assert!(
        tls || !must_run_fully(),
        "the server offers no TLS: CI and `cargo xtask test` start it with TLS, so every sslmode is checked"
    );
    let mut plain = Postgres::open(&with_option(&admin, "sslmode=disable")).unwrap();
    assert!(!encrypted(&mut plain));
    let mut prefer = Postgres::open(&with_option(&admin, "sslmode=prefer")).unwrap();
    assert_eq!(encrypted(&mut prefer), tls);

    let other_ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/other-ca.pem");
    let untrusted = with_option(
        &admin,
        &format!("sslmode=verify-ca&sslrootcert={}", other_ca.display()),
    );
    if tls {
        let mut required = Postgres::open(&with_option(&admin, "sslmode=require")).unwrap();
        assert!(encrypted(&mut required));
        // No server certificate is signed by the test-only "Other CA".
        let m = connection_error(&untrusted);
        assert!(m.contains("invalid peer certificate"), "{m}");
    } else {
        let m = connection_error(&with_option(&admin, "sslmode=require"));
        assert!(m.contains("TLS"), "{m}");
        let m = connection_error(&untrusted);
        assert!(m.contains("TLS"), "{m}");
    }
}

/// Runs only where the server's certificate was signed by the CA in this variable (e.g.
/// `tests/fixtures/ca.pem` for a server using `tests/fixtures/server.pem`).
#[test]
fn verify_full_accepts_a_server_signed_by_the_given_ca() {
    let Some(admin) = admin_url() else { return };
    let Ok(ca) = std::env::var("CAIRN_TEST_POSTGRES_CA") else {
        assert!(
            !must_run_fully(),
            "CAIRN_TEST_POSTGRES_CA is not set: under CI the verify-full check must run"
        );
        eprintln!("note: CAIRN_TEST_POSTGRES_CA is not set; skipping the verify-full check");
        return;
    };
    for mode in ["verify-ca", "verify-full"] {
        let url = with_option(&admin, &format!("sslmode={mode}&sslrootcert={ca}"));
        let mut pg = Postgres::open(&url).unwrap();
        assert!(encrypted(&mut pg), "{mode}");
    }
}

#[test]
fn a_connection_lost_mid_run_is_a_connection_error() {
    let Some(db) = TestDb::create() else { return };
    let admin = admin_url().unwrap();
    let statements = cairn::split("SELECT 1;\nSELECT pg_sleep(600);", Dialect::Postgres).unwrap();
    let record = AppliedMigration {
        id: "001_slow".to_string(),
        checksum: "0".repeat(64),
        description: String::new(),
        applied_at: String::new(),
        execution_ms: 0,
        applied_by: "tester".to_string(),
        engine_version: cairn::ENGINE_VERSION.to_string(),
        up_sql: None,
        down_sql: None,
        depends_on: Vec::new(),
        status: HistoryStatus::Applied,
        rank: 1,
        failed_statement: None,
        error: None,
    };
    for transaction in [true, false] {
        let mut pg = db.open();
        pg.ensure_history().unwrap();
        let pid: i32 = pg
            .client()
            .query_one("SELECT pg_backend_pid()", &[])
            .unwrap()
            .get(0);
        let killer = {
            let admin = admin.clone();
            thread::spawn(move || terminate_when_sleeping(&admin, pid))
        };
        let start = Instant::now();
        let e = pg
            .apply(&Step::new(Direction::Up, &statements, transaction, &record))
            .unwrap_err();
        killer.join().unwrap();
        // A hang guard: the sleep would run for ten minutes unless the kill ended it.
        assert!(start.elapsed() < Duration::from_secs(300));
        match e {
            BackendError::Connection(m) => {
                assert!(
                    m.starts_with("lost the connection to PostgreSQL at "),
                    "{m}"
                );
                assert!(!m.contains('\n'), "{m}");
            }
            other => panic!("expected a connection error, got {other:?}"),
        }
        let history = db.open().history().unwrap();
        if transaction {
            assert!(history.is_empty(), "{history:?}");
        } else {
            // The runner died mid-way: the row says so, for the next run to report.
            assert_eq!(history[0].status, HistoryStatus::Running);
            db.open().forget("001_slow").unwrap();
        }
    }
}

fn terminate_when_sleeping(admin: &str, pid: i32) {
    let mut pg = Postgres::open(admin).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let row = pg
            .client()
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE pid = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
                &[&pid],
            )
            .unwrap();
        if row.get::<_, i64>(0) > 0 {
            pg.client()
                .execute("SELECT pg_terminate_backend($1)", &[&pid])
                .unwrap();
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("session {pid} never started sleeping");
}
