//! Linting a long plan on a few threads: parsing every statement is most of a lint gate's
//! time before a large `up`, and migrations are linted independently of each other.

use super::LintReport;
use crate::model::Migration;

/// Below this many migrations per thread, starting threads costs more than it saves.
const PER_THREAD: usize = 64;

/// `lint` of `migrations`, cut into consecutive chunks linted at once and merged in order:
/// the same report as `lint(migrations)`.
pub(super) fn in_chunks(
    migrations: &[&Migration],
    lint: impl Fn(&[&Migration]) -> LintReport + Sync,
) -> LintReport {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4)
        .min(migrations.len() / PER_THREAD)
        .max(1);
    if threads == 1 {
        return lint(migrations);
    }
    let size = migrations.len().div_ceil(threads);
    let lint = &lint;
    let reports: Vec<LintReport> = std::thread::scope(|scope| {
        let running: Vec<_> = migrations
            .chunks(size)
            .map(|chunk| scope.spawn(move || lint(chunk)))
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e))
            })
            .collect()
    });
    merge(reports)
}

/// Reports of consecutive chunks as one; `Created::before` counts the findings of the chunks
/// before too.
fn merge(reports: Vec<LintReport>) -> LintReport {
    let mut all = LintReport::default();
    for mut report in reports {
        let before = all.findings.len();
        for created in &mut report.created {
            created.before += before;
        }
        all.findings.append(&mut report.findings);
        all.migrations += report.migrations;
        all.statements += report.statements;
        all.unparsed += report.unparsed;
        all.skipped.append(&mut report.skipped);
        all.created.append(&mut report.created);
    }
    all
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::PathBuf;

    use super::super::{Linter, Policy};
    use crate::Dialect;
    use crate::load::load_files;
    use crate::source::SourceFile;

    #[test]
    fn a_long_plan_linted_on_threads_gives_the_report_of_one_thread() {
        // Findings in some migrations only, a table created early and dropped late (the
        // judge's `Created` positions), and one migration with lint off.
        let files: Vec<SourceFile> = (1..=300)
            .map(|i| {
                let up = match i % 7 {
                    0 => format!("DROP TABLE t{};", i - 6),
                    3 => format!("UPDATE t{} SET x = 1;", i - 2),
                    _ => format!("CREATE TABLE t{i} (x INT);"),
                };
                let lint = if i == 150 { "lint: off\n" } else { "" };
                let depends = if i > 1 {
                    format!("depends_on: [m{:04}]\n", i - 1)
                } else {
                    String::new()
                };
                SourceFile {
                    path: PathBuf::from(format!("migrations/m{i:04}.yaml")),
                    default_id: format!("m{i:04}"),
                    text: format!("{depends}{lint}up: {up}\n"),
                }
            })
            .collect();
        let set = load_files(files, Dialect::Postgres).unwrap();
        let linter = Linter::new();
        let policy = Policy::default();
        let threaded = linter.lint(set.iter(), set.dialect(), &policy);
        let single = linter.lint_chunk(set.iter(), set.dialect(), &policy);
        assert!(threaded.findings.len() > 80, "{}", threaded.findings.len());
        assert_eq!(threaded, single);
        assert_eq!(threaded.created.len(), single.created.len());
        for (a, b) in threaded.created.iter().zip(&single.created) {
            assert_eq!(
                (&a.migration, &a.tables, a.before),
                (&b.migration, &b.tables, b.before)
            );
        }
    }
}
