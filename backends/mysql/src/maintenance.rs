//! Health checks and maintenance on MySQL/MariaDB: `CHECK TABLE ... QUICK`, orphan rows of
//! every declared key, sizes from `information_schema.TABLES`, `ANALYZE TABLE` and
//! `OPTIMIZE TABLE`. Each is one statement over all tables, whatever their number.

use cairn::ops::{
    DeclaredForeignKey, ForeignKeyViolation, StorageSizes, TableAction, TableSize, orphan_rows,
};
use cairn::schema::ident;
use cairn::{Backend, BackendError, Dialect, Rows};

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

/// Base tables and their bytes: tablespace file sizes where the server shows them (MariaDB's
/// `INNODB_SYS_TABLESPACES`, MySQL 8's `INNODB_TABLESPACES`; both need the `PROCESS`
/// privilege), else the server's estimates. One query when the first form is readable.
fn tables(db: &mut Mysql) -> Result<Vec<TableSize>, BackendError> {
    let mut rows = None;
    for view in ["INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"] {
        if let Ok(r) = db.query(&FILE_SIZES.replace("{view}", view)) {
            rows = Some(r);
            break;
        }
    }
    let rows = match rows {
        Some(r) => r,
        None => db.query(ESTIMATES)?,
    };
    Ok(rows
        .iter()
        .map(|row| TableSize {
            table: text(row, 0),
            bytes: text(row, 1).parse().unwrap_or(0),
        })
        .collect())
}

/// `<op> a, b, ... <suffix>` over every base table: its result rows (`Table`, `Op`,
/// `Msg_type`, `Msg_text`), or none when there is no table.
fn over_all_tables(
    db: &mut Mysql,
    op: &str,
    names: &[TableSize],
    suffix: &str,
) -> Result<Rows, BackendError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = names
        .iter()
        .map(|t| ident(&t.table, Dialect::Mysql))
        .collect();
    db.query(&format!("{op} {}{suffix}", list.join(", ")))
}

/// `CHECK TABLE ... QUICK` (no row scan for InnoDB's deep checks, but index and page
/// consistency): every error and warning, and every final status other than `OK`.
pub fn integrity_check(db: &mut Mysql) -> Result<Vec<String>, BackendError> {
    let names = tables(db)?;
    let rows = over_all_tables(db, "CHECK TABLE", &names, " QUICK")?;
    Ok(rows
        .iter()
        .filter(|row| {
            let kind = text(row, 2).to_ascii_lowercase();
            let message = text(row, 3);
            kind == "error"
                || kind == "warning"
                || (kind == "status" && !message.eq_ignore_ascii_case("ok"))
        })
        .map(|row| format!("{}: {} {}", text(row, 0), text(row, 2), text(row, 3)))
        .collect())
}

/// Orphan rows of every declared key in one `UNION ALL` query. InnoDB enforces keys, but any
/// session may turn `foreign_key_checks` off (dump restores and bulk loads do) and the server
/// never re-checks rows written meanwhile, and the catalog cannot tell which keys were
/// affected; so every key is checked, each a semi-join on the parent's key index (InnoDB
/// requires one). Keys of non-InnoDB tables are parsed and dropped by the server, so they
/// are not in the catalog and not checked.
pub fn foreign_key_violations(db: &mut Mysql) -> Result<Vec<ForeignKeyViolation>, BackendError> {
    let schema = db.introspect()?;
    let keys: Vec<DeclaredForeignKey<'_>> = schema
        .tables
        .iter()
        .flat_map(|t| {
            t.foreign_keys.iter().map(move |key| DeclaredForeignKey {
                table: &t.name,
                key,
            })
        })
        .collect();
    orphan_rows(db, &keys)
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
    let names = tables(db)?;
    let schema = db.url.database.clone();
    let mut actions: Vec<TableAction> = names
        .iter()
        .map(|t| TableAction {
            table: t.table.clone(),
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
                    .filter(|row| text(row, 0) == qualified)
                    .map(|row| format!("{}: {}", text(row, 2), text(row, 3))),
            );
        }
    }
    Ok(actions)
}

fn text(row: &[Option<String>], i: usize) -> String {
    row.get(i).cloned().flatten().unwrap_or_default()
}
