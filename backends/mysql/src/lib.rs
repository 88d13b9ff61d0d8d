//! MySQL and MariaDB backend for Cairn (skeleton: being implemented).

use cairn::{Backend, BackendError, Dialect, Registry};

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["mysql", "mariadb"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Mysql, connect);
}

/// Opens `url` as a boxed [`Backend`].
pub fn connect(_url: &str) -> Result<Box<dyn Backend>, BackendError> {
    Err(BackendError::Other(
        "the MySQL backend is not implemented yet".to_string(),
    ))
}
