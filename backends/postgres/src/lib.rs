//! PostgreSQL backend for Cairn (skeleton: being implemented).

use cairn::{Backend, BackendError, Dialect, Registry};

/// URL schemes this backend registers.
pub const SCHEMES: &[&str] = &["postgres", "postgresql"];

/// Registers this backend for [`SCHEMES`].
pub fn register(registry: &mut Registry) {
    registry.register(SCHEMES, Dialect::Postgres, connect);
}

/// Opens `url` as a boxed [`Backend`].
pub fn connect(_url: &str) -> Result<Box<dyn Backend>, BackendError> {
    Err(BackendError::Other(
        "the PostgreSQL backend is not implemented yet".to_string(),
    ))
}
