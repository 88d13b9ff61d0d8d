//! TLS settings for each `ssl-mode`, on the driver's rustls support.
//!
//! The driver either requires TLS (when given [`SslOpts`]) or never uses it; it has no
//! "use TLS if offered" mode. `PREFERRED` is therefore two attempts: TLS first, and plain only
//! when the server says it has no TLS at all (the driver's `TlsNotSupported`). A failed TLS
//! handshake is not retried in plain text, as with MySQL's own client.
//!
//! Unix socket connections are local and the driver never encrypts them, whatever the mode.

use mysql::SslOpts;

use crate::url::{MysqlUrl, SslMode};

/// The TLS settings to try, in order; `None` means a plain connection.
pub fn attempts(url: &MysqlUrl) -> Vec<Option<SslOpts>> {
    let unverified = || {
        SslOpts::default()
            .with_danger_accept_invalid_certs(true)
            .with_danger_skip_domain_validation(true)
    };
    let verified = || SslOpts::default().with_root_cert_path(url.ssl_ca.clone());
    match url.ssl_mode {
        SslMode::Disabled => vec![None],
        SslMode::Preferred => vec![Some(unverified()), None],
        SslMode::Required => vec![Some(unverified())],
        SslMode::VerifyCa => vec![Some(verified().with_danger_skip_domain_validation(true))],
        SslMode::VerifyIdentity => vec![Some(verified())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::parse;

    fn modes(url: &str) -> Vec<Option<(bool, bool, bool)>> {
        attempts(&parse(url).unwrap())
            .into_iter()
            .map(|o| {
                o.map(|s| {
                    (
                        s.accept_invalid_certs(),
                        s.skip_domain_validation(),
                        s.root_cert_path().is_some(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn each_mode_verifies_exactly_what_it_promises() {
        assert_eq!(modes("mysql://u@h/d?ssl-mode=disabled"), [None]);
        assert_eq!(
            modes("mysql://u@h/d"),
            [Some((true, true, false)), None],
            "PREFERRED tries TLS, then plain"
        );
        assert_eq!(
            modes("mysql://u@h/d?ssl-mode=required"),
            [Some((true, true, false))]
        );
        assert_eq!(
            modes("mysql://u@h/d?ssl-mode=verify_ca&ssl-ca=ca.pem"),
            [Some((false, true, true))]
        );
        assert_eq!(
            modes("mysql://u@h/d?ssl-mode=verify_identity"),
            [Some((false, false, false))]
        );
    }
}
