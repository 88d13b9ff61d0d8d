//! The optional roles the MySQL/MariaDB driver offers: introspection, maintenance, backups
//! (`mariadb-dump`/`mysqldump`) and scratch databases.

use cairn::schema::Schema;
use cairn::{BackendError, Backup, Driver, Introspect, Maintain, ScratchDatabases};
use mysql::prelude::Queryable;

use crate::connect::{init_session, open_conn};
use crate::{Mysql, backup, introspect, lock_name, maintenance};

impl Backup for Mysql {
    fn backup(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::backup(&self.url, path)
    }

    fn restore(&mut self, path: &std::path::Path) -> Result<(), BackendError> {
        backup::restore(&self.url, path)
    }
}

impl ScratchDatabases for Mysql {
    fn scratch(&mut self) -> Result<Box<dyn Driver>, BackendError> {
        let name = cairn::scratch_name();
        self.conn
            .query_drop(format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            .map_err(|e| self.db_error(&e))?;
        let mut url = self.url.clone();
        url.database.clone_from(&name);
        let admin = self.url.clone();
        let drop_it = move || {
            // Best effort: what could be left behind is an empty cairn_scratch_* database.
            if let Ok(mut c) = open_conn(&admin) {
                let _ = c.query_drop(format!("DROP DATABASE IF EXISTS {name}"));
            }
        };
        let connected = open_conn(&url).and_then(|mut conn| {
            init_session(&mut conn, &self.options)?;
            Ok(Mysql {
                conn,
                lock_name: lock_name(&url.database, &self.options.history_table),
                options: self.options.clone(),
                url,
                locked: false,
                galera: None,
                cluster_lock: None,
                introspection_queries: 0,
                size_source: maintenance::SizeSource::default(),
            })
        });
        cairn::Scratch::opened(connected, drop_it)
    }
}

impl Introspect for Mysql {
    fn introspect(&mut self) -> Result<Schema, BackendError> {
        let mut schema = introspect::read(&mut self.conn, &mut self.introspection_queries)
            .map_err(|e| self.db_error(&e))?;
        schema
            .tables
            .retain(|t| t.name != self.options.history_table);
        Ok(schema)
    }
}

impl Maintain for Mysql {
    fn integrity_check(&mut self) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check(self)
    }

    fn integrity_check_of(&mut self, tables: &[String]) -> Result<Vec<String>, BackendError> {
        maintenance::integrity_check_of(self, tables)
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
