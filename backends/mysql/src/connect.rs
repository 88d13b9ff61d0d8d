//! Opening a session: TLS attempts per `ssl-mode`, driver options, and the project's
//! `init_sql`.

use cairn::{BackendError, ConnectOptions, Dialect, scrub};
use mysql::prelude::Queryable;
use mysql::{Conn, DriverError, OptsBuilder, SslOpts};

use crate::url::MysqlUrl;
use crate::{errors, tls};

/// Runs `options.init_sql` on a new session.
pub fn init_session(conn: &mut Conn, options: &ConnectOptions) -> Result<(), BackendError> {
    for (i, sql) in options.init_statements(Dialect::Mysql).iter().enumerate() {
        conn.query_drop(sql)
            .map_err(|e| options.init_failed(i, sql, &errors::cause(&e)))?;
    }
    Ok(())
}

/// Connects, trying each TLS setting of the URL's `ssl-mode` in turn.
pub fn open_conn(url: &MysqlUrl) -> Result<Conn, BackendError> {
    let fail = |cause: String| {
        BackendError::Connection(scrub(
            &format!(
                "cannot connect to MySQL at {} (database {}, user {}): {cause}",
                url.address(),
                url.database,
                url.user
            ),
            url.password.as_deref().unwrap_or(""),
        ))
    };
    if let Some(ca) = &url.ssl_ca
        && let Err(e) = std::fs::metadata(ca)
    {
        return Err(fail(format!("cannot read ssl-ca {}: {e}", ca.display())));
    }
    let mut attempts = tls::attempts(url).into_iter().peekable();
    while let Some(ssl) = attempts.next() {
        match mysql::Conn::new(opts(url, ssl)) {
            Ok(conn) => return Ok(conn),
            Err(mysql::Error::DriverError(DriverError::TlsNotSupported))
                if attempts.peek().is_some() => {}
            Err(e) => return Err(fail(errors::cause(&e))),
        }
    }
    Err(fail("no connection attempt was made".to_string()))
}

fn opts(url: &MysqlUrl, ssl: Option<SslOpts>) -> OptsBuilder {
    OptsBuilder::new()
        .ip_or_hostname(Some(url.host.clone()))
        .tcp_port(url.port)
        .socket(url.socket.as_ref().map(|s| s.display().to_string()))
        // The driver would otherwise switch a loopback TCP connection to the server's socket,
        // which can log in as a different account ('u'@'localhost' rather than 'u'@'%').
        .prefer_socket(false)
        .user(Some(url.user.clone()))
        .pass(url.password.clone())
        .db_name(Some(url.database.clone()))
        .tcp_connect_timeout(url.connect_timeout)
        .ssl_opts(ssl)
}
