//! The generated migration set, written once in each tool's own folder convention, and the
//! raw clients' scripts of the same SQL.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use cairn::layout::Layout;

use super::Backend;

/// Where each tool's copy of the set lives.
pub struct Folders {
    /// `<version>_<name>.up.sql` + `.down.sql`: sqlx's reversible layout, which Cairn also
    /// reads natively (`--layout sqlx`), so the two run the very same files.
    pub sqlx: PathBuf,
    /// `<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down` sections.
    pub dbmate: PathBuf,
    /// `V<n>__<name>.sql`, up only (refinery has no down scripts).
    pub refinery: PathBuf,
}

impl Folders {
    /// Writes the three folders under `work`.
    pub fn write(work: &Path, scripts: &[String]) -> Result<Folders> {
        let folders = Folders {
            sqlx: work.join("sqlx"),
            dbmate: work.join("dbmate"),
            refinery: work.join("refinery"),
        };
        // The `--layout` benchmark's writer, so the peers read exactly what Cairn's own
        // layout benchmark loads.
        super::super::layout::write(&folders.sqlx, Layout::Sqlx, scripts)?;
        super::super::layout::write(&folders.dbmate, Layout::Dbmate, scripts)?;
        super::super::layout::write(&folders.refinery, Layout::Refinery, scripts)?;
        Ok(folders)
    }
}

/// The raw client's script: every migration in a transaction of its own, or (`one`) all of
/// them in one. PostgreSQL's single transaction comes from `psql -1` instead, so that script
/// has no BEGIN/COMMIT at all.
pub fn raw_script(backend: Backend, scripts: &[String], one: bool) -> String {
    let (begin, commit) = match backend {
        Backend::Mysql => ("START TRANSACTION;\n", "COMMIT;\n"),
        Backend::Sqlite | Backend::Postgres => ("BEGIN;\n", "COMMIT;\n"),
    };
    let mut out = String::new();
    if backend == Backend::Sqlite {
        // Stop at the first error like the tools do, and journal the way Cairn does (WAL), so
        // the floor is not slowed by a rollback journal no migration tool here would pick.
        out.push_str(".bail on\nPRAGMA journal_mode = WAL;\n");
    }
    let wrap_all = one && backend != Backend::Postgres;
    if wrap_all {
        out.push_str(begin);
    }
    for sql in scripts {
        if one {
            out.push_str(sql);
        } else {
            out.push_str(begin);
            out.push_str(sql);
            out.push_str(commit);
        }
    }
    if wrap_all {
        out.push_str(commit);
    }
    out
}

/// Writes the raw client's two scripts for `backend` under `work`: (one transaction per
/// migration, one transaction for all).
pub fn write_raw(work: &Path, backend: Backend, scripts: &[String]) -> Result<(PathBuf, PathBuf)> {
    let each = work.join(format!("raw-{}-each.sql", backend.name()));
    let one = work.join(format!("raw-{}-one.sql", backend.name()));
    fs::write(&each, raw_script(backend, scripts, false))?;
    fs::write(&one, raw_script(backend, scripts, true))?;
    Ok((each, one))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn each_tool_gets_its_own_file_names_and_sections() {
        let work = tempfile::tempdir().unwrap();
        let scripts: Vec<String> = (0..2).map(crate::bench::script).collect();
        let f = Folders::write(work.path(), &scripts).unwrap();
        assert_eq!(
            listing(&f.sqlx),
            [
                "00000000000001_create_t0.down.sql",
                "00000000000001_create_t0.up.sql",
                "00000000000002_create_t1.down.sql",
                "00000000000002_create_t1.up.sql",
            ]
        );
        assert_eq!(
            fs::read_to_string(f.sqlx.join("00000000000002_create_t1.up.sql")).unwrap(),
            scripts[1]
        );
        assert_eq!(
            fs::read_to_string(f.sqlx.join("00000000000001_create_t0.down.sql")).unwrap(),
            "DROP TABLE t0;\n"
        );
        assert_eq!(
            listing(&f.dbmate),
            [
                "00000000000001_create_t0.sql",
                "00000000000002_create_t1.sql"
            ]
        );
        assert_eq!(
            fs::read_to_string(f.dbmate.join("00000000000001_create_t0.sql")).unwrap(),
            format!(
                "-- migrate:up\n{}\n-- migrate:down\nDROP TABLE t0;\n",
                scripts[0]
            )
        );
        assert_eq!(
            listing(&f.refinery),
            ["V1__create_t0.sql", "V2__create_t1.sql"]
        );
        assert_eq!(
            fs::read_to_string(f.refinery.join("V2__create_t1.sql")).unwrap(),
            scripts[1]
        );
        // Cairn reads the sqlx folder as the same two migrations.
        let set = cairn::layout::load(&f.sqlx, Layout::Sqlx, cairn::Dialect::Sqlite).unwrap();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn raw_scripts_wrap_each_migration_or_all_of_them() {
        let scripts = vec!["A;\n".to_string(), "B;\n".to_string()];
        assert_eq!(
            raw_script(Backend::Postgres, &scripts, false),
            "BEGIN;\nA;\nCOMMIT;\nBEGIN;\nB;\nCOMMIT;\n"
        );
        assert_eq!(raw_script(Backend::Postgres, &scripts, true), "A;\nB;\n");
        assert_eq!(
            raw_script(Backend::Mysql, &scripts, false),
            "START TRANSACTION;\nA;\nCOMMIT;\nSTART TRANSACTION;\nB;\nCOMMIT;\n"
        );
        assert_eq!(
            raw_script(Backend::Sqlite, &scripts, true),
            ".bail on\nPRAGMA journal_mode = WAL;\nBEGIN;\nA;\nB;\nCOMMIT;\n"
        );
    }
}
