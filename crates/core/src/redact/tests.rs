use proptest::prelude::*;

use super::*;

#[test]
fn passwords_are_masked_everywhere_they_can_be() {
    for (url, redacted) in [
        (
            "postgres://app:s3cr%40t@db:5432/x",
            "postgres://app:***@db:5432/x",
        ),
        (
            "mysql://root:p@ss@h/db?ssl-mode=required",
            "mysql://root:***@h/db?ssl-mode=required",
        ),
        (
            "postgres://h/db?user=a&password=zz",
            "postgres://h/db?user=a&password=***",
        ),
        (
            "postgres://h/db?password=zz&sslmode=require",
            "postgres://h/db?password=***&sslmode=require",
        ),
        ("mysql://u@h/db?PASS=zz", "mysql://u@h/db?PASS=***"),
        ("sqlite:cairn.db", "sqlite:cairn.db"),
        ("postgres://app@h/db", "postgres://app@h/db"),
    ] {
        assert_eq!(redact_url(url), redacted, "{url}");
    }
    assert_eq!(
        scrub("failed for pw hunter2", "hunter2"),
        "failed for pw ***"
    );
}

#[test]
fn malformed_urls_keep_their_password_hidden() {
    for (url, redacted) in [
        // One slash, none, or three after the scheme.
        (
            "postgres:/user:S3cr3t@host/db",
            "postgres:/user:***@host/db",
        ),
        ("postgres:user:S3cr3t@host/db", "postgres:user:***@host/db"),
        ("mysql:///root:S3cr3t@h/db", "mysql:///root:***@h/db"),
        // No scheme at all, or a misspelt one.
        ("user:S3cr3t@host/db", "user:***@host/db"),
        ("postgress://u:S3cr3t@h/db", "postgress://u:***@h/db"),
        // Characters a URL would need encoded.
        ("postgres://u:pa/ss@h/db", "postgres://u:***@h/db"),
        ("postgres://u:p?ss@h/db", "postgres://u:***@h/db"),
        ("postgres://u:p#ss@h/db", "postgres://u:***@h/db"),
        ("postgres://:S3cr3t@h/db", "postgres://:***@h/db"),
        (":a:/b:c@h", ":***@h"),
        // A space in the password of text that is the URL itself.
        ("postgres://u:p ss@h/db", "postgres://u:***@h/db"),
        ("postgres://u:a:/b@h", "postgres://u:***@h"),
        // Inside a message, or JSON text (where more than the password is hidden: the colon
        // after the key comes first).
        (
            "cannot connect to 'postgres://u:S3cr3t@h/db': refused",
            "cannot connect to 'postgres://u:***@h/db': refused",
        ),
        (
            r#"{"database":"postgres://u:S3cr3t@h/db"}"#,
            r#"{"database":***@h/db"}"#,
        ),
        // libpq keyword strings and environment assignments.
        (
            "host=db password=S3cr3t dbname=app",
            "host=db password=*** dbname=app",
        ),
        (
            "host=db password = 'S3 cr\\'et' dbname=app",
            "host=db password = '***' dbname=app",
        ),
        (
            "MYSQL_PWD=S3cr3t mariadb-dump",
            "MYSQL_PWD=*** mariadb-dump",
        ),
        ("sslpassword=\"S3cr3t\"", "sslpassword=\"***\""),
        // Spaces on one side of `=` only, and a quote never closed.
        ("password= 'S3cr3t' x=1", "password= '***' x=1"),
        ("password ='S3cr3t' x=1", "password ='***' x=1"),
        ("password='S3cr3t", "password='***"),
    ] {
        assert_eq!(redact_url(url), redacted, "{url}");
    }
}

#[test]
fn every_credential_of_a_text_is_hidden_and_nothing_between_them() {
    assert_eq!(
        redact_url("from postgres://u:p1@h1/a to mysql://v:p2@h2/b with password=p3 done"),
        "from postgres://u:***@h1/a to mysql://v:***@h2/b with password=*** done"
    );
}

#[test]
fn text_without_credentials_is_unchanged() {
    for text in [
        "sqlite:/var/lib/app.db",
        "sqlite::memory:",
        "mail bob@example.com at 12:30",
        "note: mail bob@example.com",
        "postgres://h:5432/db?sslmode=require&application_name=x",
        "compass=north",
        "bypass_mode=on",
        "a = b",
        "",
        "é@ü:",
    ] {
        assert_eq!(redact_url(text), text);
    }
}

/// A password as a user might type one: no space, at least one character a URL would need
/// encoded now and then, and a marker that appears nowhere else in the generated text.
fn password() -> impl Strategy<Value = String> {
    "[A-Za-z0-9@:/?#%!$&'()*+,;=._~-]{1,12}".prop_map(|p| format!("Pw{p}Zq"))
}

fn scheme() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("postgres:".to_string()),
        Just("postgresql:".to_string()),
        Just("mysql:".to_string()),
        Just("mariadb:".to_string()),
        "[a-z][a-z0-9+.-]{0,8}:",
    ]
}

proptest! {
    #[test]
    fn no_generated_url_shows_its_password(
        scheme in scheme(),
        slashes in 0usize..4,
        user in "[A-Za-z0-9._-]{0,8}",
        pass in password(),
        host in "[a-z0-9.-]{1,10}(:[0-9]{1,5})?",
        path in "(/[a-z0-9_]{0,8})?",
        query in "(\\?[a-z_]{1,8}=[a-z0-9]{1,6}(&[a-z_]{1,8}=[a-z0-9]{1,6})?)?",
        before in "(|error: |cannot connect to |'|\"|`|\\(|url=)",
        after in "(|'|\"|`|\\)|: refused|, retrying)",
    ) {
        let slashes = if scheme.is_empty() { String::new() } else { "/".repeat(slashes) };
        let text = format!("{before}{scheme}{slashes}{user}:{pass}@{host}{path}{query}{after}");
        let out = redact_url(&text);
        prop_assert!(!out.contains(&pass), "{text} -> {out}");
        if !pass.contains('=') {
            prop_assert!(out.contains(&host), "{text} -> {out}");
        }
    }

    #[test]
    fn no_generated_key_value_shows_its_secret(
        key in "(password|PASSWORD|pass|passwd|pwd|sslpassword|PGPASSWORD|db_password|MYSQL_PWD|secret|api-token)",
        pass in "[A-Za-z0-9@:/?#%!$()*+,;._~-]{1,12}".prop_map(|p| format!("Pw{p}Zq")),
        quote in "(|'|\")",
        spaces in "( ?)",
        others in "([a-z]{1,6}=[a-z0-9]{1,6} ){0,3}",
        sep in "( |&)",
    ) {
        let text = format!("{others}{key}{spaces}={spaces}{quote}{pass}{quote}{sep}dbname=app");
        let out = redact_url(&text);
        prop_assert!(!out.contains(&pass), "{text} -> {out}");
        prop_assert!(out.ends_with("dbname=app"), "{text} -> {out}");
    }

    #[test]
    fn any_text_is_redacted_without_panicking(text in "\\PC{0,60}") {
        let out = redact_url(&text);
        prop_assert!(out.len() <= text.len() + 3 * text.matches(['@', '=']).count());
    }
}
