//! MySQL/MariaDB: a test's database copied table by table from the template, faster than
//! applying the migrations again. Read once: each table's `SHOW CREATE TABLE` (with its
//! foreign keys, indexes and `AUTO_INCREMENT` counter) and, for tables with rows, the columns
//! to copy (generated columns are computed, not copied).

use cairn_core::{Driver, Error};

use crate::server::first;

/// How to copy the template: its character set and collation, and its tables.
pub(crate) struct CopyPlan {
    charset: String,
    collation: String,
    tables: Vec<TableCopy>,
}

struct TableCopy {
    name: String,
    ddl: String,
    /// The stored columns, quoted and joined, when the template's table has rows.
    columns: Option<String>,
}

impl CopyPlan {
    /// Reads the plan from the template database `template`; `None` when it holds views,
    /// triggers, routines or events, whose definitions name the template (the caller then
    /// applies the migrations instead).
    pub fn read(admin: &mut dyn Driver, template: &str) -> Result<Option<CopyPlan>, Error> {
        let others = format!(
            "SELECT (SELECT COUNT(*) FROM information_schema.views WHERE table_schema = '{template}') \
             + (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = '{template}') \
             + (SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = '{template}') \
             + (SELECT COUNT(*) FROM information_schema.events WHERE event_schema = '{template}')"
        );
        if first(&admin.query(&others)?).as_deref() != Some("0") {
            return Ok(None);
        }
        let schema = admin.query(&format!(
            "SELECT default_character_set_name, default_collation_name \
             FROM information_schema.schemata WHERE schema_name = '{template}'"
        ))?;
        let cell = |i: usize| {
            schema
                .first()
                .and_then(|r| r.get(i).cloned().flatten())
                .unwrap_or_default()
        };
        let (charset, collation) = (cell(0), cell(1));
        let names = admin.query(&format!(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = '{template}' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ))?;
        let mut tables = Vec::new();
        for name in names
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
        {
            let qualified = format!("{}.{}", quote(template), quote(&name));
            let created = admin.query(&format!("SHOW CREATE TABLE {qualified}"))?;
            let ddl = created
                .first()
                .and_then(|r| r.get(1).cloned().flatten())
                .unwrap_or_default();
            let has_rows = !admin
                .query(&format!("SELECT 1 FROM {qualified} LIMIT 1"))?
                .is_empty();
            let columns = if has_rows {
                let cols = admin.query(&format!(
                    "SELECT column_name FROM information_schema.columns \
                     WHERE table_schema = '{template}' AND table_name = '{}' \
                     AND extra NOT LIKE '%GENERATED%' ORDER BY ordinal_position",
                    name.replace('\'', "''")
                ))?;
                Some(
                    cols.into_iter()
                        .filter_map(|r| r.into_iter().next().flatten())
                        .map(|c| quote(&c))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            } else {
                None
            };
            tables.push(TableCopy { name, ddl, columns });
        }
        Ok(Some(CopyPlan {
            charset,
            collation,
            tables,
        }))
    }

    /// `CREATE DATABASE` for a copy, with the template's character set and collation.
    pub fn create_database(&self, name: &str) -> String {
        let mut sql = format!("CREATE DATABASE {}", quote(name));
        if !self.charset.is_empty() {
            sql.push_str(&format!(" CHARACTER SET {}", self.charset));
        }
        if !self.collation.is_empty() {
            sql.push_str(&format!(" COLLATE {}", self.collation));
        }
        sql
    }

    /// Creates the template's tables in `db` (connected to the new, empty database) and copies
    /// their rows from `template`, with foreign key checks off and an explicit 0 kept in an
    /// `AUTO_INCREMENT` column; the session's settings are put back after.
    pub fn copy_into(&self, db: &mut dyn Driver, template: &str) -> Result<(), Error> {
        db.execute(
            "SET @cairn_fkc = @@SESSION.foreign_key_checks, @cairn_mode = @@SESSION.sql_mode",
        )?;
        db.execute(
            "SET SESSION foreign_key_checks = 0, \
             SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO')",
        )?;
        for table in &self.tables {
            db.execute(&table.ddl)?;
        }
        for table in &self.tables {
            if let Some(columns) = &table.columns {
                db.execute(&format!(
                    "INSERT INTO {name} ({columns}) SELECT {columns} FROM {}.{name}",
                    quote(template),
                    name = quote(&table.name),
                ))?;
            }
        }
        db.execute("SET SESSION foreign_key_checks = @cairn_fkc, SESSION sql_mode = @cairn_mode")?;
        Ok(())
    }
}

/// `name` as a MySQL identifier in backquotes.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}
