//! The backends a test can run against.

use std::fmt;

/// A database backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// SQLite, a file in a temporary directory: always available.
    Sqlite,
    /// PostgreSQL at `CAIRN_TEST_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB at `CAIRN_TEST_MYSQL_URL`.
    Mysql,
}

impl Kind {
    /// Every backend, in a fixed order.
    pub const ALL: [Kind; 3] = [Kind::Sqlite, Kind::Postgres, Kind::Mysql];

    /// Lower-case name: `sqlite`, `postgres`, `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
            Kind::Mysql => "mysql",
        }
    }

    /// The environment variable holding the server URL (`None` for SQLite).
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Kind::Sqlite => None,
            Kind::Postgres => Some("CAIRN_TEST_POSTGRES_URL"),
            Kind::Mysql => Some("CAIRN_TEST_MYSQL_URL"),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
