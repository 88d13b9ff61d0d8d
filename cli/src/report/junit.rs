//! JUnit XML: one `<testsuite>` per command inside `<testsuites>`, one `<testcase>` per
//! migration, rollback proof or table. A case with an error gets one `<failure>` whose message
//! is the first error and whose text lists every issue with its `file:line:column` (parsers
//! such as Jenkins' read only the first `<failure>` of a case); warnings and notes of a case
//! that passes go to `<system-out>`. Written by hand: attributes and text are escaped, and
//! characters XML 1.0 cannot carry are written as `\u{..}`.

use super::{Case, Suite};

/// The whole document.
pub fn render(suite: &Suite) -> String {
    let tests = suite.cases.len();
    let failures = suite.cases.iter().filter(|c| c.failed()).count();
    let skipped = suite
        .cases
        .iter()
        .filter(|c| c.skipped.is_some() && !c.failed())
        .count();
    let time = seconds(suite.cases.iter().filter_map(|c| c.time_ms).sum());
    let counts = format!(
        "tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time}\""
    );
    let name = attr(&suite.name);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"{name}\" {counts}>\n"));
    out.push_str(&format!("  <testsuite name=\"{name}\" {counts}>\n"));
    if !suite.properties.is_empty() {
        out.push_str("    <properties>\n");
        for (k, v) in &suite.properties {
            out.push_str(&format!(
                "      <property name=\"{}\" value=\"{}\"/>\n",
                attr(k),
                attr(v)
            ));
        }
        out.push_str("    </properties>\n");
    }
    let classname = attr(&suite.name.replace(' ', "."));
    for case in &suite.cases {
        out.push_str(&testcase(case, &classname));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(case: &Case, classname: &str) -> String {
    let mut open = format!(
        "    <testcase name=\"{}\" classname=\"{classname}\"",
        attr(&case.name)
    );
    if let Some(file) = &case.file {
        open.push_str(&format!(" file=\"{}\"", attr(file)));
    }
    if let Some(ms) = case.time_ms {
        open.push_str(&format!(" time=\"{}\"", seconds(ms)));
    }
    let all: Vec<String> = case.issues.iter().map(super::Issue::text).collect();
    let mut body = String::new();
    if let Some(first) = case.issues.iter().find(|i| i.fails()) {
        let message = first.message.lines().next().unwrap_or_default();
        let at = first
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!(" at {}", l.text()));
        body.push_str(&format!(
            "      <failure message=\"{}{}\" type=\"{}\">{}</failure>\n",
            attr(message),
            attr(&at),
            attr(&first.rule),
            text(&all.join("\n"))
        ));
    } else {
        if let Some(reason) = &case.skipped {
            body.push_str(&format!("      <skipped message=\"{}\"/>\n", attr(reason)));
        }
        if !all.is_empty() {
            body.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                text(&all.join("\n"))
            ));
        }
    }
    if body.is_empty() {
        format!("{open}/>\n")
    } else {
        format!("{open}>\n{body}    </testcase>\n")
    }
}

/// Milliseconds as JUnit's seconds.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Escapes element text: `&`, `<`, `>`, and characters XML 1.0 does not allow.
pub fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (double-quoted): also `"` and `'`, and line breaks and tabs as
/// character references so that they survive attribute normalization.
pub fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if allowed(c) => out.push(c),
            c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    out
}

/// Whether XML 1.0 allows `c` in a document (its `Char` production, less what `escape`
/// handles).
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::super::xml_check::parse;
    use super::super::{Case, Issue, Level, Location, Suite};
    use super::*;

    fn issue(rule: &str, level: Level, message: &str, line: u32) -> Issue {
        Issue {
            rule: rule.into(),
            level,
            message: message.into(),
            location: Some(Location {
                file: "migrations/0002 <b>.yaml".into(),
                line,
                column: 3,
            }),
            suppressed: None,
        }
    }

    fn suite() -> Suite {
        let mut s = Suite::new("migrate lint");
        s.property("dialect", "sqlite & \"friends\"");
        s.cases.push(Case::new("0001_a", None));
        let mut b = Case::new(
            "0002_b",
            Some(std::path::Path::new("migrations/0002 <b>.yaml")),
        );
        b.issues.push(issue(
            "update_without_where",
            Level::Warning,
            "UPDATE a < b",
            5,
        ));
        b.issues.push(issue(
            "delete_without_where",
            Level::Error,
            "DELETE & <gone> \"quoted\" 'single'\x1b[0m\u{1}\nsecond line\ttab",
            4,
        ));
        b.time_ms = Some(1234);
        s.cases.push(b);
        let mut c = Case::new("0003_c", None);
        c.skipped = Some("lint: off".into());
        c.issues.push(issue("drop_table", Level::Note, "note", 1));
        s.cases.push(c);
        s
    }

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            attr("a&b<c>\"d'\ne\tf\u{1b}"),
            "a&amp;b&lt;c&gt;&quot;d&apos;&#10;e&#9;f\\u{1b}"
        );
        assert_eq!(
            text("x < y && \"z\"\n\u{0}"),
            "x &lt; y &amp;&amp; \"z\"\n\\u{0}"
        );
        assert_eq!(text("\u{FFFE}\r"), "\\u{fffe}&#13;");
    }

    #[test]
    fn one_suite_one_case_per_item_failure_with_every_finding() {
        let xml = render(&suite());
        let root = parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(root.name, "testsuites");
        assert_eq!(root.all("testsuite").count(), 1);
        let ts = root.child("testsuite").unwrap();
        assert_eq!(ts.attr("name"), "cairn migrate lint");
        assert_eq!(
            (
                ts.attr("tests"),
                ts.attr("failures"),
                ts.attr("skipped"),
                ts.attr("errors")
            ),
            ("3", "1", "1", "0")
        );
        assert_eq!(ts.attr("time"), "1.234");
        let prop = ts.child("properties").unwrap().child("property").unwrap();
        assert_eq!(prop.attr("value"), "sqlite & \"friends\"");
        let cases: Vec<_> = ts.all("testcase").collect();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].attr("name"), "0001_a");
        assert_eq!(cases[0].attr("classname"), "cairn.migrate.lint");
        assert!(cases[0].children.is_empty());
        let failure = cases[1].child("failure").unwrap();
        assert_eq!(cases[1].attr("file"), "migrations/0002 <b>.yaml");
        assert_eq!(failure.attr("type"), "delete_without_where");
        assert_eq!(
            failure.attr("message"),
            "DELETE & <gone> \"quoted\" 'single'\\u{1b}[0m\\u{1} at migrations/0002 <b>.yaml:4:3"
        );
        assert!(
            failure.text.contains(
                "migrations/0002 <b>.yaml:5:3: warning [update_without_where] UPDATE a < b"
            ),
            "{}",
            failure.text
        );
        assert!(
            failure
                .text
                .contains("migrations/0002 <b>.yaml:4:3: error [delete_without_where] DELETE &"),
            "{}",
            failure.text
        );
        assert!(failure.text.contains("\nsecond line\ttab"));
        assert_eq!(
            cases[2].child("skipped").unwrap().attr("message"),
            "lint: off"
        );
        assert!(
            cases[2]
                .child("system-out")
                .unwrap()
                .text
                .contains("note [drop_table] note")
        );
    }

    #[test]
    fn an_empty_suite_is_a_document_too() {
        let xml = render(&Suite::new("drift"));
        let root = parse(&xml).unwrap();
        assert_eq!(root.child("testsuite").unwrap().attr("tests"), "0");
    }

    #[test]
    fn the_checker_refuses_what_is_not_well_formed() {
        for bad in [
            "<a>",
            "<a></b>",
            "<a x=\"1\" x=\"2\"/>",
            "<a>&nbsp;</a>",
            "<a>x & y</a>",
            "<a>\u{1b}</a>",
            "<a x=1/>",
            "<a/><b/>",
            "<a x=\"<\"/>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse("<?xml version=\"1.0\"?>\n<a x=\"&amp;\"><b>&#10;</b></a>\n").is_ok());
    }
}
