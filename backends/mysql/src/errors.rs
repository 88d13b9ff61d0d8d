//! Driver errors as one-line messages.
//!
//! The driver's `Display` wraps everything in `IoError { ... }`-style debug text; users get the
//! server's own words (`ERROR 1146 (42S02): Table 'x.nope' doesn't exist`) or the OS's.

use mysql::{DriverError, Error};

/// Server error codes that mean the session is gone: server shutdown (1053), MariaDB's
/// "connection was killed" (1927), MySQL's idle-disconnect notice (4031).
const SESSION_ENDED: &[u16] = &[1053, 1927, 4031];

/// The server's error number (`1050` for a table that exists), when the server answered.
pub fn code(e: &Error) -> Option<String> {
    match e {
        Error::MySqlError(e) => Some(e.code.to_string()),
        _ => None,
    }
}

/// The short cause of `e`, on one line.
pub fn cause(e: &Error) -> String {
    let text = match e {
        Error::MySqlError(e) => e.to_string(),
        Error::IoError(e) => e.to_string(),
        Error::DriverError(DriverError::CouldNotConnect(Some((_, desc, _)))) => desc.clone(),
        Error::DriverError(DriverError::ConnectTimeout) => "connection timed out".to_string(),
        Error::DriverError(DriverError::TlsNotSupported) => {
            "the server does not support TLS, which the ssl-mode requires".to_string()
        }
        Error::DriverError(e) => e.to_string(),
        Error::TlsError(e) => format!("TLS: {e}"),
        // The codec wraps socket and TLS errors as "IO error: `...'"; the inside is the cause.
        Error::CodecError(e) => {
            let text = e.to_string();
            text.strip_prefix("IO error: `")
                .and_then(|t| t.strip_suffix('\''))
                .map_or_else(|| text.clone(), str::to_string)
        }
        Error::UrlError(e) => e.to_string(),
        Error::FromValueError(v) => format!("unexpected value {v:?} in a result"),
        Error::FromRowError(_) => "unexpected row in a result".to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `e` means the connection is unusable (as opposed to a refused statement).
pub fn is_lost(e: &Error) -> bool {
    match e {
        Error::IoError(_) | Error::CodecError(_) | Error::TlsError(_) => true,
        Error::DriverError(d) => matches!(
            d,
            DriverError::ConnectTimeout
                | DriverError::CouldNotConnect(_)
                | DriverError::PacketOutOfSync
                | DriverError::UnexpectedPacket
                | DriverError::Timeout
        ),
        Error::MySqlError(e) => SESSION_ENDED.contains(&e.code),
        Error::UrlError(_) | Error::FromValueError(_) | Error::FromRowError(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_short_cause_on_one_line() {
        let server = Error::MySqlError(mysql::MySqlError {
            state: "42S02".to_string(),
            message: "Table 'x.nope' doesn't exist".to_string(),
            code: 1146,
        });
        assert_eq!(
            cause(&server),
            "ERROR 1146 (42S02): Table 'x.nope' doesn't exist"
        );
        assert!(!is_lost(&server));
        let refused = Error::DriverError(DriverError::CouldNotConnect(Some((
            "127.0.0.1:1".to_string(),
            "Connection refused\n(os error 111)".to_string(),
            std::io::ErrorKind::ConnectionRefused,
        ))));
        assert_eq!(cause(&refused), "Connection refused (os error 111)");
        assert!(is_lost(&refused));
        let killed = Error::MySqlError(mysql::MySqlError {
            state: "70100".to_string(),
            message: "Connection was killed".to_string(),
            code: 1927,
        });
        assert!(is_lost(&killed));
    }
}
