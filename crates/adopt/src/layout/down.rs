//! Reading, after an up-side read (`read_up`), the down files of the migrations a run is
//! about to apply: their history rows keep the down SQL, and the rest of the folder's down
//! files stay unread.

use std::path::Path;
use std::sync::Arc;

use super::entry::{Section, script};
use crate::error::LoadErrors;
use crate::load::MigrationSet;

/// Reads the down file of each of `ids` that was left unread by [`super::read_up`] (the ids
/// of [`crate::Error::DownNotRead`]), several at once, and gives the migrations their down
/// SQL. Migrations whose down SQL is known are left as they are. Every file that cannot be
/// read is reported, and then no migration is changed.
pub fn read_down(set: &mut MigrationSet, ids: &[String]) -> Result<(), LoadErrors> {
    let unread: Vec<(&str, &Path)> = ids
        .iter()
        .filter_map(|id| set.get(id))
        .filter(|m| m.down.is_none())
        .filter_map(|m| m.down_file.as_deref().map(|file| (m.id.as_str(), file)))
        .collect();
    let paths: Vec<&Path> = unread.iter().map(|(_, path)| *path).collect();
    let texts = crate::source::read_texts::<Arc<str>>(&paths);
    let mut problems = Vec::new();
    let mut scripts = Vec::with_capacity(texts.len());
    for ((id, path), text) in unread.iter().zip(texts) {
        match text {
            Ok(text) => scripts.push((
                id.to_string(),
                script(Section::whole(path, &text), set.dialect()),
            )),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(LoadErrors(problems));
    }
    for (id, down) in scripts {
        set.fill_down(&id, down);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::fs;

    use super::super::tests::folder;
    use super::super::{Layout, read, read_up};
    use super::*;
    use crate::Dialect;
    use crate::load::load_sources;

    fn downs(set: &MigrationSet) -> Vec<Option<String>> {
        set.iter()
            .map(|m| m.down.as_ref().map(|d| d.sql.clone()))
            .collect()
    }

    #[test]
    fn only_the_named_down_files_are_read_and_they_equal_a_whole_read() {
        for (layout, files) in [
            (
                Layout::Sqlx,
                vec![
                    ("1_a.up.sql", "CREATE TABLE a (x INT);\n"),
                    ("1_a.down.sql", "DROP TABLE a;\n"),
                    ("2_b.up.sql", "CREATE TABLE b (x INT);\n"),
                    ("2_b.down.sql", "DROP TABLE b;\n"),
                ],
            ),
            (
                Layout::GolangMigrate,
                vec![
                    ("1_a.up.sql", "CREATE TABLE a (x INT);\n"),
                    ("1_a.down.sql", "DROP TABLE a;\n"),
                    ("2_b.up.sql", "CREATE TABLE b (x INT);\n"),
                    ("2_b.down.sql", "DROP TABLE b;\n"),
                    // A down file alone: the version's only file, read as its source.
                    ("3_c.down.sql", "DROP TABLE c;\n"),
                ],
            ),
            (
                Layout::Diesel,
                vec![
                    ("2019-01-01-000000_a/up.sql", "CREATE TABLE a (x INT);\n"),
                    ("2019-01-01-000000_a/down.sql", "DROP TABLE a;\n"),
                    ("2019-01-02-000000_b/up.sql", "CREATE TABLE b (x INT);\n"),
                    ("2019-01-02-000000_b/down.sql", "DROP TABLE b;\n"),
                ],
            ),
        ] {
            let dir = folder(&files);
            let whole = load_sources(
                Vec::new(),
                read(dir.path(), layout, Dialect::Sqlite).unwrap(),
                Dialect::Sqlite,
            )
            .unwrap();
            let up = read_up(dir.path(), layout, Dialect::Sqlite).unwrap();
            let mut set = load_sources(Vec::new(), up, Dialect::Sqlite).unwrap();
            let second = set.iter().nth(1).unwrap().id.clone();
            let wanted = downs(&whole);
            // Up-side only: every down that has a file of its own is unknown; golang-migrate's
            // down-only version has its down, as a whole read does.
            let before = downs(&set);
            assert_eq!(before[..2], [None, None], "{layout}");
            assert_eq!(before[2..], wanted[2..], "{layout}");
            read_down(&mut set, std::slice::from_ref(&second)).unwrap();
            let after = downs(&set);
            assert_eq!(after[0], None, "{layout}: not asked for, still unread");
            assert_eq!(after[1..], wanted[1..], "{layout}");
            let statements = set.get(&second).unwrap().down.as_ref().unwrap();
            let statements = statements.statements().unwrap();
            assert_eq!(statements[0].sql, "DROP TABLE b", "{layout}");
            assert_eq!(statements[0].line, 1, "{layout}");
        }
    }

    #[test]
    fn a_down_file_that_cannot_be_read_is_named_and_nothing_changes() {
        let dir = folder(&[
            ("1_a.up.sql", "CREATE TABLE a (x INT);\n"),
            ("1_a.down.sql", "DROP TABLE a;\n"),
            ("2_b.up.sql", "CREATE TABLE b (x INT);\n"),
            ("2_b.down.sql", "DROP TABLE b;\n"),
        ]);
        let up = read_up(dir.path(), Layout::Sqlx, Dialect::Sqlite).unwrap();
        let mut set = load_sources(Vec::new(), up, Dialect::Sqlite).unwrap();
        fs::write(dir.path().join("2_b.down.sql"), b"SELECT '\xff';\n").unwrap();
        let ids: Vec<String> = set.iter().map(|m| m.id.clone()).collect();
        let err = read_down(&mut set, &ids).unwrap_err().to_string();
        assert!(
            err.contains("2_b.down.sql") && err.contains("not UTF-8"),
            "{err}"
        );
        assert_eq!(
            downs(&set),
            [None, None],
            "the readable one is not given either"
        );
    }
}
