//! Health checks and maintenance on MySQL/MariaDB: `CHECK TABLE ... QUICK`, orphan rows of
//! every declared key, sizes from `information_schema.TABLES`, `ANALYZE TABLE` and
//! `OPTIMIZE TABLE`. Each is one statement over all tables, whatever their number, and the
//! table list costs one query per call (the session remembers which size view works).

use cairn::ops::{
    ForeignKeyViolation, StorageSizes, TableAction, TableSize, number_cell, orphan_rows_of_catalog,
    text_cell,
};
use cairn::schema::ident;
use cairn::{BackendError, Dialect, Driver, Rows};

use crate::Mysql;

/// Base tables with their data and index bytes as `information_schema.TABLES` estimates them
/// (InnoDB's statistics, refreshed in the background and by `ANALYZE TABLE`).
const ESTIMATES: &str = "SELECT TABLE_NAME, COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0)
    FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
    ORDER BY TABLE_NAME";

/// Base tables with the size of their own InnoDB tablespace file (`innodb_file_per_table`,
/// the default): the bytes on disk now, which `OPTIMIZE TABLE` gives back and estimates
/// miss right after a big change. `{view}` is MariaDB's or MySQL 8's name for the view.
const FILE_SIZES: &str = "SELECT t.TABLE_NAME, COALESCE(s.FILE_SIZE,
        COALESCE(t.DATA_LENGTH, 0) + COALESCE(t.INDEX_LENGTH, 0))
    FROM information_schema.TABLES t
    LEFT JOIN information_schema.{view} s ON s.NAME = CONCAT(t.TABLE_SCHEMA, '/', t.TABLE_NAME)
    WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
    ORDER BY t.TABLE_NAME";

/// Every column of every foreign key of the current database, in key order: the catalog
/// [`orphan_rows_of_catalog`] reads, one query instead of an introspection of the schema.
const KEY_COLUMNS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME,
        REFERENCED_COLUMN_NAME
    FROM information_schema.KEY_COLUMN_USAGE
    WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_SCHEMA = DATABASE()
    ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// Which query lists the base tables with their bytes on this server: learnt on first use, so
/// a session asks for a view the server lacks (or hides) once, not on every call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum SizeSource {
    /// Not tried yet on this session.
    #[default]
    Unknown,
    /// [`FILE_SIZES`] over the tablespace view of this name is readable.
    Tablespaces(&'static str),
    /// Neither view is readable: the server's [`ESTIMATES`].
    Estimates,
}

/// MariaDB's and MySQL 8's names for the tablespace view, in the order tried.
const TABLESPACE_VIEWS: [&str; 2] = ["INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"];

/// Base tables and their bytes: tablespace file sizes where the server shows them (MariaDB's
/// `INNODB_SYS_TABLESPACES`, MySQL 8's `INNODB_TABLESPACES`; both need the `PROCESS`
/// privilege), else the server's estimates. One query once the session knows which works.
fn tables(db: &mut Mysql) -> Result<Vec<TableSize>, BackendError> {
    let rows = match db.size_source {
        SizeSource::Tablespaces(view) => db.query(&FILE_SIZES.replace("{view}", view))?,
        SizeSource::Estimates => db.query(ESTIMATES)?,
        SizeSource::Unknown => {
            let mut found = None;
            for view in TABLESPACE_VIEWS {
                if let Ok(rows) = db.query(&FILE_SIZES.replace("{view}", view)) {
                    found = Some((SizeSource::Tablespaces(view), rows));
                    break;
                }
            }
            // Remembered only once a query succeeded: a lost connection teaches nothing.
            let (source, rows) = match found {
                Some(f) => f,
                None => (SizeSource::Estimates, db.query(ESTIMATES)?),
            };
            db.size_source = source;
            rows
        }
    };
    Ok(rows
        .iter()
        .map(|row| TableSize {
            table: text_cell(row, 0).to_string(),
            bytes: number_cell(row, 1).unwrap_or(0),
        })
        .collect())
}

/// `<op> a, b, ... <suffix>` over every base table: its result rows (`Table`, `Op`,
/// `Msg_type`, `Msg_text`), or none when there is no table.
fn over_all_tables(
    db: &mut Mysql,
    op: &str,
    names: &[String],
    suffix: &str,
) -> Result<Rows, BackendError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = names.iter().map(|t| ident(t, Dialect::Mysql)).collect();
    db.query(&format!("{op} {}{suffix}", list.join(", ")))
}

/// `CHECK TABLE ... QUICK` (no row scan for InnoDB's deep checks, but index and page
/// consistency) over every base table: [`integrity_check_of`] after listing them.
pub fn integrity_check(db: &mut Mysql) -> Result<Vec<String>, BackendError> {
    let names: Vec<String> = tables(db)?.into_iter().map(|t| t.table).collect();
    integrity_check_of(db, &names)
}

/// `CHECK TABLE ... QUICK` over `names` in one statement: every error and warning, and every
/// final status other than `OK`.
pub fn integrity_check_of(db: &mut Mysql, names: &[String]) -> Result<Vec<String>, BackendError> {
    let rows = over_all_tables(db, "CHECK TABLE", names, " QUICK")?;
    Ok(rows
        .iter()
        .filter(|row| {
            let kind = text_cell(row, 2).to_ascii_lowercase();
            kind == "error"
                || kind == "warning"
                || (kind == "status" && !text_cell(row, 3).eq_ignore_ascii_case("ok"))
        })
        .map(|row| {
            format!(
                "{}: {} {}",
                text_cell(row, 0),
                text_cell(row, 2),
                text_cell(row, 3)
            )
        })
        .collect())
}

/// Orphan rows of every declared key (listed by one [`KEY_COLUMNS`] query; keys to tables of
/// other databases are left out) in one `UNION ALL` query. InnoDB enforces keys, but any
/// session may turn `foreign_key_checks` off (dump restores and bulk loads do) and the server
/// never re-checks rows written meanwhile, and the catalog cannot tell which keys were
/// affected; so every key is checked, each a semi-join on the parent's key index (InnoDB
/// requires one). Keys of non-InnoDB tables are parsed and dropped by the server, so they
/// are not in the catalog and not checked.
pub fn foreign_key_violations(db: &mut Mysql) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    let catalog = db.query(KEY_COLUMNS)?;
    orphan_rows_of_catalog(db, &catalog)
}

/// Each base table's data and index bytes, and their sum for the database.
pub fn table_sizes(db: &mut Mysql) -> Result<StorageSizes, BackendError> {
    let tables = tables(db)?;
    Ok(StorageSizes {
        database_bytes: tables.iter().map(|t| t.bytes).sum(),
        tables,
    })
}

/// `ANALYZE TABLE` over every table; with `rebuild`, first `OPTIMIZE TABLE` (InnoDB: a
/// rebuild of each table that returns free space to the file system when it has its own
/// tablespace, then an analyze). Each table's server messages are reported.
pub fn optimize(db: &mut Mysql, rebuild: bool) -> Result<Vec<TableAction>, BackendError> {
    let names: Vec<String> = tables(db)?.into_iter().map(|t| t.table).collect();
    let schema = db.url.database.clone();
    let mut actions: Vec<TableAction> = names
        .iter()
        .map(|table| TableAction {
            table: table.clone(),
            actions: Vec::new(),
            messages: Vec::new(),
        })
        .collect();
    let ops: &[(&str, &str)] = if rebuild {
        &[("OPTIMIZE TABLE", "optimize"), ("ANALYZE TABLE", "analyze")]
    } else {
        &[("ANALYZE TABLE", "analyze")]
    };
    for (statement, action) in ops {
        let rows = over_all_tables(db, statement, &names, "")?;
        for a in &mut actions {
            a.actions.push((*action).to_string());
            let qualified = format!("{schema}.{}", a.table);
            a.messages.extend(
                rows.iter()
                    .filter(|row| text_cell(row, 0) == qualified)
                    .map(|row| format!("{}: {}", text_cell(row, 2), text_cell(row, 3))),
            );
        }
    }
    Ok(actions)
}
