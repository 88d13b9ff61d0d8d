//! `mysql://` and `mariadb://` URLs.
//!
//! The URL is parsed here and handed to the driver field by field, never as a string: the
//! driver's own URL errors would echo the URL, password included.

use std::path::PathBuf;
use std::time::Duration;

use cairn::BackendError;

/// Default MySQL port.
pub const DEFAULT_PORT: u16 = 3306;

/// How the connection uses TLS (the `ssl-mode` option, with MySQL's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disabled,
    /// TLS without verification when the server offers it, else plain (the default).
    Preferred,
    /// TLS, certificate not verified.
    Required,
    /// TLS, certificate chain verified against `ssl-ca` (or public roots); host name not checked.
    VerifyCa,
    /// TLS, certificate chain and host name verified.
    VerifyIdentity,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        match value.to_ascii_uppercase().replace('-', "_").as_str() {
            "DISABLED" => Some(SslMode::Disabled),
            "PREFERRED" => Some(SslMode::Preferred),
            "REQUIRED" => Some(SslMode::Required),
            "VERIFY_CA" => Some(SslMode::VerifyCa),
            "VERIFY_IDENTITY" => Some(SslMode::VerifyIdentity),
            _ => None,
        }
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyIdentity)
    }
}

/// A parsed MySQL URL. Its `Debug` output hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct MysqlUrl {
    /// `mysql` or `mariadb`, as written.
    pub scheme: String,
    /// User name (percent-decoded).
    pub user: String,
    /// Password (percent-decoded), if the URL has one.
    pub password: Option<String>,
    /// Host as written (IPv6 in brackets); `localhost` when the URL names none.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Database (schema) name.
    pub database: String,
    /// TLS mode.
    pub ssl_mode: SslMode,
    /// PEM or DER file of the CA to trust (`ssl-ca`).
    pub ssl_ca: Option<PathBuf>,
    /// Limit on establishing the TCP connection (`connect-timeout`, seconds).
    pub connect_timeout: Option<Duration>,
    /// Unix socket to connect through instead of TCP (`socket`).
    pub socket: Option<PathBuf>,
    /// The migration lock's lease on a Galera cluster (`lock-lease`, seconds): how long a
    /// runner that stopped renewing keeps the lock before another takes it over.
    pub lock_lease: Duration,
}

/// The default `lock-lease`: long enough that a busy node or a short network hiccup never
/// costs a live holder its lock (it renews every third of it), short enough that a killed
/// runner delays the next deploy by half a minute at most.
pub const DEFAULT_LOCK_LEASE: Duration = Duration::from_secs(30);

impl std::fmt::Debug for MysqlUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlUrl")
            .field("url", &self.describe())
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_ca", &self.ssl_ca)
            .field("connect_timeout", &self.connect_timeout)
            .field("lock_lease", &self.lock_lease)
            .finish()
    }
}

impl MysqlUrl {
    /// The URL with the password replaced by `***`, in normal form (port always shown).
    pub fn describe(&self) -> String {
        let password = if self.password.is_some() { ":***" } else { "" };
        let socket = self
            .socket
            .as_ref()
            .map(|s| format!("?socket={}", s.display()))
            .unwrap_or_default();
        format!(
            "{}://{}{password}@{}:{}/{}{socket}",
            self.scheme, self.user, self.host, self.port, self.database
        )
    }

    /// Where the server is, for messages: `host:port` or `socket PATH`.
    pub fn address(&self) -> String {
        match &self.socket {
            Some(s) => format!("socket {}", s.display()),
            None => format!("{}:{}", self.host, self.port),
        }
    }
}

/// Parses `mysql://user[:password]@host[:port]/database[?options]` (or `mariadb://`).
///
/// Options: `ssl-mode` (also `sslmode`), `ssl-ca`, `connect-timeout`, `socket`, `lock-lease`
/// (seconds, Galera only); `_` may stand for `-`. Anything else is an error naming the option, so a typo never silently weakens TLS.
pub fn parse(url: &str) -> Result<MysqlUrl, BackendError> {
    let bad = |why: &str| BackendError::Url(format!("`{}`: {why}", cairn::redact_url(url)));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected mysql://user:password@host:port/database"))?;
    let scheme = scheme.to_ascii_lowercase();
    if !crate::SCHEMES.contains(&scheme.as_str()) {
        return Err(bad("not a mysql:// or mariadb:// URL"));
    }
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = authority
        .rsplit_once('@')
        .ok_or_else(|| bad("names no user (expected user@host)"))?;
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (
            u,
            Some(decode(p).map_err(|e| bad(&format!("password: {e}")))?),
        ),
        None => (userinfo, None),
    };
    let user = decode(user).map_err(|e| bad(&format!("user: {e}")))?;
    if user.is_empty() {
        return Err(bad("names no user (expected user@host)"));
    }
    let (host, port) = split_host_port(hostport).map_err(|e| bad(&e))?;
    let database =
        decode(path.trim_end_matches('/')).map_err(|e| bad(&format!("database: {e}")))?;
    if database.is_empty() || database.contains('/') {
        return Err(bad("names no database (expected .../database)"));
    }
    let mut parsed = MysqlUrl {
        scheme,
        user,
        password,
        host,
        port,
        database,
        ssl_mode: SslMode::Preferred,
        ssl_ca: None,
        connect_timeout: None,
        socket: None,
        lock_lease: DEFAULT_LOCK_LEASE,
    };
    let mut explicit_mode = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value).map_err(|e| bad(&format!("option `{key}`: {e}")))?;
        let need = |v: &str| {
            if v.is_empty() {
                Err(bad(&format!("option `{key}` needs a value")))
            } else {
                Ok(PathBuf::from(v))
            }
        };
        match key.to_ascii_lowercase().replace('_', "-").as_str() {
            "ssl-mode" | "sslmode" => {
                parsed.ssl_mode = SslMode::parse(&value).ok_or_else(|| {
                    bad(&format!(
                        "option `{key}`: `{value}` is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
                    ))
                })?;
                explicit_mode = true;
            }
            "ssl-ca" => parsed.ssl_ca = Some(need(&value)?),
            "socket" => parsed.socket = Some(need(&value)?),
            "connect-timeout" => parsed.connect_timeout = Some(seconds(key, &value, &bad)?),
            "lock-lease" => parsed.lock_lease = seconds(key, &value, &bad)?,
            _ => {
                return Err(bad(&format!(
                    "unknown option `{key}` (known: ssl-mode, ssl-ca, connect-timeout, socket, lock-lease)"
                )));
            }
        }
    }
    if parsed.ssl_ca.is_some() {
        // A CA file is only useful to verify against; naming one means verification is wanted.
        if !explicit_mode {
            parsed.ssl_mode = SslMode::VerifyCa;
        } else if !parsed.ssl_mode.verifies() {
            return Err(bad(
                "ssl-ca is only used with ssl-mode=VERIFY_CA or VERIFY_IDENTITY",
            ));
        }
    }
    Ok(parsed)
}

/// A positive, finite number of seconds (at most a year), for option `key`.
fn seconds(
    key: &str,
    value: &str,
    bad: &dyn Fn(&str) -> BackendError,
) -> Result<Duration, BackendError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 365.0 * 24.0 * 3600.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            bad(&format!(
                "option `{key}`: `{value}` is not a positive number of seconds"
            ))
        })
}

fn split_host_port(hostport: &str) -> Result<(String, u16), String> {
    let (host, port) = if let Some(end) = hostport.strip_prefix('[').and_then(|h| h.find(']')) {
        let host = &hostport[..end + 2];
        let after = &hostport[end + 2..];
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(format!("unexpected `{after}` after the host")),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("port `{p}` is not a number from 1 to 65535"))?,
    };
    let host = decode(host)?;
    let host = if host.is_empty() {
        "localhost".to_string()
    } else {
        host
    };
    Ok((host, port))
}

/// Percent-decodes `text` (a `+` stays a `+`: URLs here are not form data).
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a `%` not followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding that is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(url: &str) -> String {
        match parse(url) {
            Err(BackendError::Url(m)) => m,
            other => panic!("expected a URL error for {url}, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_part_and_decodes_the_password() {
        let u = parse("mysql://app:p%40ss@db.example:3307/shop?ssl-mode=verify_identity&ssl-ca=/etc/ca.pem&connect-timeout=2.5").unwrap();
        assert_eq!(u.scheme, "mysql");
        assert_eq!(u.user, "app");
        assert_eq!(u.password.as_deref(), Some("p@ss"));
        assert_eq!((u.host.as_str(), u.port), ("db.example", 3307));
        assert_eq!(u.database, "shop");
        assert_eq!(u.ssl_mode, SslMode::VerifyIdentity);
        assert_eq!(u.ssl_ca, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(u.connect_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(u.describe(), "mysql://app:***@db.example:3307/shop");
        assert!(!format!("{u:?}").contains("p@ss"));
    }

    #[test]
    fn defaults_port_tls_mode_and_accepts_mariadb_and_ipv6() {
        let u = parse("MariaDB://root@[::1]/cairn").unwrap();
        assert_eq!(u.scheme, "mariadb");
        assert_eq!((u.host.as_str(), u.port), ("[::1]", DEFAULT_PORT));
        assert_eq!(u.password, None);
        assert_eq!(u.ssl_mode, SslMode::Preferred);
        assert_eq!(u.describe(), "mariadb://root@[::1]:3306/cairn");
        assert_eq!(u.address(), "[::1]:3306");
        let u = parse("mysql://root:@127.0.0.1:53306/x").unwrap();
        assert_eq!(u.password.as_deref(), Some(""));
        assert_eq!(u.port, 53306);
    }

    #[test]
    fn ssl_mode_spellings_and_ca_implies_verification() {
        for (opt, mode) in [
            ("ssl-mode=DISABLED", SslMode::Disabled),
            ("sslmode=required", SslMode::Required),
            ("ssl_mode=Verify_CA", SslMode::VerifyCa),
            ("ssl-mode=preferred", SslMode::Preferred),
            ("ssl-ca=ca.pem", SslMode::VerifyCa),
        ] {
            assert_eq!(
                parse(&format!("mysql://u@h/d?{opt}")).unwrap().ssl_mode,
                mode
            );
        }
        assert!(err("mysql://u@h/d?ssl-mode=required&ssl-ca=ca.pem").contains("ssl-ca"));
        assert!(err("mysql://u@h/d?ssl-mode=sometimes").contains("sometimes"));
    }

    #[test]
    fn socket_replaces_the_address() {
        let u = parse("mysql://u:pw@/d?socket=%2Ftmp%2Fmy.sock").unwrap();
        assert_eq!(u.socket, Some(PathBuf::from("/tmp/my.sock")));
        assert_eq!(u.host, "localhost");
        assert_eq!(u.address(), "socket /tmp/my.sock");
        assert_eq!(
            u.describe(),
            "mysql://u:***@localhost:3306/d?socket=/tmp/my.sock"
        );
    }

    #[test]
    fn rejects_bad_urls_without_echoing_the_password() {
        let m = err("mysql://u:hunter2@h/d?sslmod=REQUIRED");
        assert!(m.contains("unknown option `sslmod`"), "{m}");
        assert!(!m.contains("hunter2"), "{m}");
        assert!(err("mysql://u:hunter2@h:3306").contains("database"));
        assert!(err("mysql://u:hunter2@h:3306/").contains("database"));
        assert!(err("mysql://h:3306/d").contains("user"));
        assert!(err("mysql://u@h:99999/d").contains("99999"));
        assert!(err("mysql://u@h:0/d").contains("port"));
        assert!(err("mysql://u:%zz@h/d").contains("password"));
        assert!(err("mysql://u@h/d?connect-timeout=-1").contains("connect-timeout"));
        assert!(err("mysql://u@h/d?socket=").contains("socket"));
        assert!(err("postgres://u@h/d").contains("mysql://"));
        assert!(err("mysql:u@h/d").contains("expected"));
    }
}
