//! The optional roles the PostgreSQL driver offers: introspection, maintenance, backups
//! (`pg_dump`/`pg_restore`) and scratch databases.

use cairn::schema::Schema;
use cairn::{BackendError, Backup, ConnectOptions, Driver, Introspect, Maintain, ScratchDatabases};

use crate::{Postgres, backup, errors, introspect, maintenance};

impl Backup for Postgres {
    fn backup(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::backup(&self.target, path)
    }

    fn restore(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::restore(&self.target, path)
    }
}

impl ScratchDatabases for Postgres {
    fn scratch(&mut self) -> Result<Box<dyn Driver>, BackendError> {
        let name = cairn::scratch_name();
        self.client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| {
                if e.code() == Some(&postgres::error::SqlState::READ_ONLY_SQL_TRANSACTION) {
                    BackendError::Other(format!(
                        "{} takes no writes (a read-only replica, or read-only by default), so \
                         it cannot hold the scratch database the migrations are replayed into: \
                         pass --scratch-url (or scratch_url in cairn.toml) naming an empty \
                         database on a writable server, such as the primary",
                        self.description
                    ))
                } else {
                    errors::other(&self.target, &e)
                }
            })?;
        let mut target = self.target.clone();
        target.dbname.clone_from(&name);
        let admin = self.target.clone();
        let drop_it = move || {
            // Best effort: what could be left behind is an empty cairn_scratch_* database.
            if let Ok(mut a) = Postgres::connect_to(admin, String::new(), ConnectOptions::default())
            {
                let _ = a
                    .client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        };
        cairn::Scratch::opened(
            Postgres::connect_to(
                target,
                format!("a scratch database beside {}", self.description),
                self.options.clone(),
            ),
            drop_it,
        )
    }
}

impl Introspect for Postgres {
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        let mut schema = introspect::read(&mut self.client, &mut self.introspection_queries)
            .map_err(|e| errors::other(&self.target, &e))?;
        schema
            .tables
            .retain(|t| t.name != self.options.history_table);
        Ok(schema)
    }
}

impl Maintain for Postgres {
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check(self)
    }

    fn foreign_key_violations(
        &mut self,
    ) -> Result<Vec<cairn::ops::ForeignKeyViolation>, BackendError> {
        maintenance::foreign_key_violations(self)
    }

    fn table_sizes(&mut self) -> Result<cairn::ops::StorageSizes, BackendError> {
        maintenance::table_sizes(self)
    }

    fn optimize(&mut self, vacuum: bool) -> Result<Vec<cairn::ops::TableAction>, BackendError> {
        maintenance::optimize(self, vacuum)
    }
}
