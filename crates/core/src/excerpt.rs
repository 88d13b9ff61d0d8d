//! A statement cut to what a message can show.

/// See [`crate::StatementFailure::excerpt`].
pub(crate) fn excerpt(sql: &str) -> String {
    const FIRST: usize = 120;
    const LAST: usize = 80;
    let cut = |line: &str, max: usize| match line.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    };
    let sql = sql.trim();
    let mut lines = sql.lines();
    let first = lines.next().unwrap_or_default();
    let count = 1 + lines.clone().count();
    let last = lines.last();
    if count == 1 && first.chars().count() <= FIRST {
        return first.to_string();
    }
    let size = match sql.len() {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / f64::from(1 << 10)),
        n => format!("{n} bytes"),
    };
    let lines = if count == 1 {
        "1 line".to_string()
    } else {
        format!("{count} lines")
    };
    match last {
        Some(last) => format!(
            "{} … {} ({lines}, {size})",
            cut(first, FIRST),
            cut(last.trim(), LAST)
        ),
        None => format!("{} ({lines}, {size})", cut(first, FIRST)),
    }
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn a_short_statement_is_shown_whole() {
        assert_eq!(
            excerpt("  CREATE TABLE t (id INT)\n"),
            "CREATE TABLE t (id INT)"
        );
    }

    #[test]
    fn a_long_statement_shows_its_ends_and_its_size() {
        let rows: Vec<String> = (0..200_000).map(|i| format!("({i}, 'row {i}')")).collect();
        let sql = format!(
            "INSERT INTO t (id, name) VALUES\n{},\n(0, 'last');",
            rows.join(",\n")
        );
        let shown = excerpt(&sql);
        assert!(shown.len() < 300, "{} bytes", shown.len());
        assert!(
            shown.starts_with("INSERT INTO t (id, name) VALUES … (0, 'last'); (200002 lines, "),
            "{shown}"
        );
        assert!(shown.ends_with(" MB)"), "{shown}");

        let one_line = format!("INSERT INTO t VALUES {}", rows.join(", "));
        let shown = excerpt(&one_line);
        assert!(
            shown.starts_with("INSERT INTO t VALUES (0, 'row 0'), "),
            "{shown}"
        );
        assert!(shown.contains("… (1 line, "), "{shown}");
        assert!(shown.chars().count() < 150, "{shown}");
    }
}
