//! `postgres://` URLs, parsed into the driver's settings one field at a time.
//!
//! The raw URL never reaches the driver: its own parser would put the URL (password included)
//! into some of its messages, and it accepts options Cairn does not document.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use cairn::BackendError;
use postgres::config::SslMode;

const DEFAULT_PORT: u16 = 5432;
const DEFAULT_HOST: &str = "localhost";
/// Set unless the URL names another, so `pg_stat_activity` shows who holds the lock.
const DEFAULT_APPLICATION: &str = "cairn";
const OPTIONS: &str = "sslmode, sslrootcert, connect_timeout, application_name, options, host, \
                       port, user, password, dbname";

/// Where the server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or IP address.
    Tcp(String),
    /// The directory holding the server's Unix socket.
    Socket(PathBuf),
}

/// The `sslmode` option, with libpq's meanings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain connection.
    Disable,
    /// TLS when the server offers it, unverified; plain otherwise.
    Prefer,
    /// TLS; the certificate is verified only when `sslrootcert` is given (as libpq does).
    Require,
    /// TLS with the chain verified; the host name is not checked.
    VerifyCa,
    /// TLS with the chain and the host name verified.
    VerifyFull,
}

/// Everything a `postgres://` URL says, with defaults filled in.
#[derive(Clone, PartialEq, Eq)]
pub struct Target {
    /// Server host or socket directory.
    pub host: Host,
    /// Server port (also names the Unix socket file).
    pub port: u16,
    /// Role to log in as.
    pub user: String,
    /// Password, percent-decoded.
    pub password: Option<String>,
    /// Database name.
    pub dbname: String,
    /// TLS mode.
    pub tls: TlsMode,
    /// PEM file of trusted CA certificates.
    pub root_cert: Option<PathBuf>,
    /// How long to wait for the connection (none when absent or 0).
    pub connect_timeout: Option<Duration>,
    /// Shown in `pg_stat_activity`.
    pub application_name: String,
    /// Command-line options for the server (e.g. `-c search_path=app`).
    pub options: Option<String>,
    /// The password as decoded and as written in the URL, for scrubbing messages.
    secrets: Vec<String>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("dbname", &self.dbname)
            .field("tls", &self.tls)
            .field("root_cert", &self.root_cert)
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .field("options", &self.options)
            .finish()
    }
}

impl Target {
    /// The driver's configuration, set field by field.
    pub fn config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        match &self.host {
            Host::Tcp(host) => config.host(host),
            Host::Socket(dir) => config.host_path(dir),
        };
        config
            .port(self.port)
            .user(&self.user)
            .dbname(&self.dbname)
            .application_name(&self.application_name)
            .ssl_mode(match self.tls {
                TlsMode::Disable => SslMode::Disable,
                TlsMode::Prefer => SslMode::Prefer,
                TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
            });
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(options) = &self.options {
            config.options(options);
        }
        if let Some(timeout) = self.connect_timeout {
            config.connect_timeout(timeout);
        }
        config
    }

    /// `host:port`, or the socket file, for messages.
    pub fn address(&self) -> String {
        match &self.host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]:{}", self.port),
            Host::Tcp(h) => format!("{h}:{}", self.port),
            Host::Socket(dir) => format!("{}/.s.PGSQL.{}", dir.display(), self.port),
        }
    }

    /// `text` without the password, in any form the URL spelled it.
    pub fn scrub(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_string(), |t, secret| cairn::scrub(&t, secret))
    }
}

/// Parses a `postgres://` or `postgresql://` URL. Unknown options are an error.
pub fn parse(url: &str) -> Result<Target, BackendError> {
    let rest = strip_scheme(url)?;
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = main.split_once('/').unwrap_or((main, ""));
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
        None => (None, authority),
    };

    let mut user = None;
    let mut password = None;
    let mut secrets = Vec::new();
    if let Some(info) = userinfo {
        let (u, p) = match info.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (info, None),
        };
        user = Some(decode(u, "user name")?).filter(|u| !u.is_empty());
        if let Some(p) = p {
            secrets.push(p.to_string());
            password = Some(decode(p, "password")?);
        }
    }
    let (mut host, mut port) = parse_hostport(hostport)?;
    let mut dbname = Some(decode(path, "database name")?).filter(|d| !d.is_empty());

    let mut tls = TlsMode::Prefer;
    let mut root_cert = None;
    let mut connect_timeout = None;
    let mut application_name = DEFAULT_APPLICATION.to_string();
    let mut options = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, "option name")?;
        if key == "password" {
            secrets.push(value.to_string());
            password = Some(decode(value, "password")?);
            continue;
        }
        let value = decode(value, &format!("value of option `{key}`"))?;
        match key.as_str() {
            "sslmode" => tls = parse_tls(&value)?,
            "sslrootcert" => root_cert = Some(PathBuf::from(value)),
            "connect_timeout" => connect_timeout = parse_timeout(&value)?,
            "application_name" => application_name = value,
            "options" => options = Some(value),
            "host" => host = Some(parse_host(value)?),
            "port" => port = Some(parse_port(&value)?),
            "user" => user = Some(value),
            "dbname" => dbname = Some(value),
            _ => {
                return Err(BackendError::Url(format!(
                    "unknown option `{key}` (supported: {OPTIONS})"
                )));
            }
        }
    }

    let user = match user {
        Some(u) => u,
        None => std::env::var("USER").map_err(|_| {
            BackendError::Url("no user name in the URL and $USER is not set".to_string())
        })?,
    };
    secrets.extend(password.clone());
    secrets.retain(|s| !s.is_empty());
    Ok(Target {
        host: host.unwrap_or_else(|| Host::Tcp(DEFAULT_HOST.to_string())),
        port: port.unwrap_or(DEFAULT_PORT),
        // As libpq: the database defaults to the user's name.
        dbname: dbname.unwrap_or_else(|| user.clone()),
        user,
        password,
        tls,
        root_cert,
        connect_timeout,
        application_name,
        options,
        secrets,
    })
}

fn strip_scheme(url: &str) -> Result<&str, BackendError> {
    ["postgres://", "postgresql://"]
        .iter()
        .find_map(|scheme| {
            url.get(..scheme.len())
                .filter(|head| head.eq_ignore_ascii_case(scheme))
                .map(|_| &url[scheme.len()..])
        })
        .ok_or_else(|| {
            BackendError::Url(format!(
                "`{}` is not a postgres:// or postgresql:// URL",
                cairn::redact_url(url)
            ))
        })
}

fn parse_hostport(text: &str) -> Result<(Option<Host>, Option<u16>), BackendError> {
    if text.contains(',') {
        return Err(BackendError::Url(format!(
            "several hosts (`{text}`) are not supported: name one"
        )));
    }
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let (h, after) = inner
            .split_once(']')
            .ok_or_else(|| BackendError::Url(format!("unclosed `[` in host `{text}`")))?;
        match after {
            "" => (h, None),
            _ => match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return Err(BackendError::Url(format!("invalid host `{text}`"))),
            },
        }
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (text, None),
        }
    };
    let host = match decode(host, "host")? {
        h if h.is_empty() => None,
        h => Some(parse_host(h)?),
    };
    let port = match port {
        Some(p) if !p.is_empty() => Some(parse_port(p)?),
        _ => None,
    };
    Ok((host, port))
}

fn parse_host(host: String) -> Result<Host, BackendError> {
    if host.is_empty() {
        Err(BackendError::Url("empty host".to_string()))
    } else if host.starts_with('/') {
        Ok(Host::Socket(PathBuf::from(host)))
    } else {
        Ok(Host::Tcp(host))
    }
}

fn parse_port(text: &str) -> Result<u16, BackendError> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| BackendError::Url(format!("invalid port `{text}` (expected 1-65535)")))
}

fn parse_tls(value: &str) -> Result<TlsMode, BackendError> {
    match value {
        "disable" => Ok(TlsMode::Disable),
        "prefer" => Ok(TlsMode::Prefer),
        "require" => Ok(TlsMode::Require),
        "verify-ca" => Ok(TlsMode::VerifyCa),
        "verify-full" => Ok(TlsMode::VerifyFull),
        other => Err(BackendError::Url(format!(
            "unsupported sslmode `{other}` (expected disable, prefer, require, verify-ca or verify-full)"
        ))),
    }
}

fn parse_timeout(value: &str) -> Result<Option<Duration>, BackendError> {
    match value.parse::<u64>() {
        // As libpq: 0 means wait indefinitely.
        Ok(0) => Ok(None),
        Ok(secs) => Ok(Some(Duration::from_secs(secs))),
        Err(_) => Err(BackendError::Url(format!(
            "invalid connect_timeout `{value}` (expected whole seconds)"
        ))),
    }
}

/// Percent-decodes `text`; `what` names it in errors, which never quote the text itself (it
/// may be the password).
fn decode(text: &str, what: &str) -> Result<String, BackendError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    BackendError::Url(format!("invalid percent-escape in the {what}"))
                })?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| BackendError::Url(format!("the {what} is not UTF-8 once percent-decoded")))
}

#[cfg(test)]
mod tests;
