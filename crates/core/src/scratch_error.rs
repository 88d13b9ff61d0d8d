//! Why a scratch database cannot be used ([`ScratchError`]): a leaf module (it needs only
//! [`Dialect`]), so that [`crate::Error`] can carry it without depending on `cairn::Scratch`.

use crate::Dialect;

/// Why a scratch database cannot be used; nothing was replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScratchError {
    /// The scratch database holds tables or history (a wrong URL, say the live database).
    #[error(
        "the scratch database {database} is not empty ({tables} tables, {rows} history rows): give an empty database"
    )]
    NotEmpty {
        /// The scratch database, described without password.
        database: String,
        /// Its tables (other tools' history tables not counted).
        tables: usize,
        /// Its Cairn history rows.
        rows: usize,
    },
    /// The scratch database is of another dialect than the migrations or the live database.
    #[error("the scratch database {database} is {found}, but {expected} is needed")]
    WrongDialect {
        /// The scratch database, described without password.
        database: String,
        /// Its dialect.
        found: Dialect,
        /// The dialect the migrations were loaded for (or the live database's).
        expected: Dialect,
    },
}
