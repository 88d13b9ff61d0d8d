use super::*;

fn err(url: &str) -> String {
    match parse(url) {
        Ok(t) => panic!("{url} parsed as {t:?}"),
        Err(BackendError::Url(m)) => m,
        Err(other) => panic!("{url}: expected a URL error, got {other:?}"),
    }
}

#[test]
fn full_url_fills_every_field() {
    let t = parse("postgres://app:p%40ss@db.example:6543/shop?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=7&application_name=deploy&options=-c%20search_path%3Dapp").unwrap();
    assert_eq!(t.host, Host::Tcp("db.example".into()));
    assert_eq!(t.port, 6543);
    assert_eq!(t.user, "app");
    assert_eq!(t.password.as_deref(), Some("p@ss"));
    assert_eq!(t.dbname, "shop");
    assert_eq!(t.tls, TlsMode::VerifyFull);
    assert_eq!(t.root_cert, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(7)));
    assert_eq!(t.application_name, "deploy");
    assert_eq!(t.options.as_deref(), Some("-c search_path=app"));
    assert_eq!(t.address(), "db.example:6543");
}

#[test]
fn defaults_are_libpq_like_and_name_cairn() {
    let t = parse("postgresql://app@/").unwrap();
    assert_eq!(t.host, Host::Tcp("localhost".into()));
    assert_eq!(t.port, 5432);
    assert_eq!(t.dbname, "app", "the database defaults to the user name");
    assert_eq!(t.password, None);
    assert_eq!(t.tls, TlsMode::Prefer);
    assert_eq!(t.connect_timeout, None);
    assert_eq!(t.application_name, "cairn");
    assert_eq!(t.options, None);
    assert_eq!(
        parse("POSTGRES://app@h/d").unwrap().host,
        Host::Tcp("h".into())
    );
}

#[test]
fn user_falls_back_to_the_environment() {
    // Both branches are exercised depending on the environment; each is checked exactly.
    match std::env::var("USER") {
        Ok(user) => assert_eq!(parse("postgres://h/db").unwrap().user, user),
        Err(_) => assert!(err("postgres://h/db").contains("$USER")),
    }
}

#[test]
fn ipv6_socket_and_query_hosts() {
    let t = parse("postgres://u@[::1]:5433/d").unwrap();
    assert_eq!(t.host, Host::Tcp("::1".into()));
    assert_eq!(t.port, 5433);
    assert_eq!(t.address(), "[::1]:5433");

    let t = parse("postgres://u@%2Fvar%2Frun%2Fpostgresql/d").unwrap();
    assert_eq!(t.host, Host::Socket("/var/run/postgresql".into()));

    let t = parse("postgres://u@/d?host=/tmp/pg&port=6000").unwrap();
    assert_eq!(t.host, Host::Socket("/tmp/pg".into()));
    assert_eq!(t.address(), "/tmp/pg/.s.PGSQL.6000");

    let t = parse("postgres:///d?user=me&password=x%26y&dbname=other&host=h").unwrap();
    assert_eq!(
        (t.user.as_str(), t.password.as_deref(), t.dbname.as_str()),
        ("me", Some("x&y"), "other")
    );
    assert_eq!(t.host, Host::Tcp("h".into()));
}

#[test]
fn every_sslmode_is_understood() {
    for (text, mode) in [
        ("disable", TlsMode::Disable),
        ("prefer", TlsMode::Prefer),
        ("require", TlsMode::Require),
        ("verify-ca", TlsMode::VerifyCa),
        ("verify-full", TlsMode::VerifyFull),
    ] {
        let t = parse(&format!("postgres://u@h/d?sslmode={text}")).unwrap();
        assert_eq!(t.tls, mode);
    }
    assert!(err("postgres://u@h/d?sslmode=allow").contains("`allow`"));
}

#[test]
fn unknown_options_and_bad_values_are_named() {
    let m = err("postgres://u@h/d?sslmode=require&pool_size=5");
    assert!(m.contains("`pool_size`"), "{m}");
    assert!(m.contains("sslrootcert"), "lists what is supported: {m}");
    assert!(err("postgres://u@h:99999/d").contains("`99999`"));
    assert!(err("postgres://u@h:0/d").contains("`0`"));
    assert!(err("postgres://u@h/d?connect_timeout=soon").contains("`soon`"));
    assert!(err("postgres://u@h1,h2/d").contains("several hosts"));
    assert!(err("mysql://u@h/d").contains("not a postgres"));
    assert_eq!(
        parse("postgres://u@h/d?connect_timeout=0")
            .unwrap()
            .connect_timeout,
        None
    );
}

#[test]
fn errors_never_quote_the_password() {
    let m = err("postgres://u:sec%zzret@h/d");
    assert!(m.contains("password") && !m.contains("sec"), "{m}");
    let m = err("mysql://u:hunter2@h/d");
    assert!(!m.contains("hunter2"), "{m}");
    let m = err("postgres://u@h/d?password=hun%ZZter2");
    assert!(!m.contains("hun"), "{m}");
}

#[test]
fn scrub_and_debug_hide_the_password_in_both_spellings() {
    let t = parse("postgres://app:p%40ss%2Fword@h/d").unwrap();
    assert_eq!(t.password.as_deref(), Some("p@ss/word"));
    assert_eq!(
        t.scrub("got p@ss/word and p%40ss%2Fword"),
        "got *** and ***"
    );
    let debug = format!("{t:?}");
    assert!(
        !debug.contains("p@ss") && !debug.contains("p%40ss"),
        "{debug}"
    );
}

#[test]
fn config_is_built_from_the_fields() {
    let t = parse("postgres://app:pw@db:6543/shop?sslmode=verify-ca&connect_timeout=3").unwrap();
    let c = t.config();
    assert_eq!(c.get_user(), Some("app"));
    assert_eq!(c.get_password(), Some(&b"pw"[..]));
    assert_eq!(c.get_dbname(), Some("shop"));
    assert_eq!(c.get_ports(), &[6543]);
    assert_eq!(c.get_application_name(), Some("cairn"));
    assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(3)));
    assert_eq!(c.get_ssl_mode(), SslMode::Require);
    assert_eq!(
        parse("postgres://u@h/d?sslmode=disable")
            .unwrap()
            .config()
            .get_ssl_mode(),
        SslMode::Disable
    );
}
