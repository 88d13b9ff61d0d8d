//! SARIF 2.1.0: one run whose `tool.driver` is Cairn with every rule a result may name, one
//! result per issue with its level, message and location (a path relative to the working
//! directory, `/`-separated, against `%SRCROOT%`), and a suppression for a finding a migration
//! allows. `automationDetails.id` names the command, so code scanning keeps the reports of
//! `drift` and `migrate lint` apart when a workflow uploads both.

use serde_json::{Map, Value, json};

use super::{Issue, Location, Suite};

/// Where the SARIF 2.1.0 schema is published (not fetched).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

/// The whole log.
pub fn render(suite: &Suite) -> Value {
    let rules: Vec<Value> = suite
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.description},
            })
        })
        .collect();
    let results: Vec<Value> = suite.issues().map(|i| result(suite, i)).collect();
    let properties: Map<String, Value> = suite
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut run = json!({
        "tool": {"driver": {
            "name": "cairn",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "rules": rules,
        }},
        "automationDetails": {"id": format!("{}/", suite.name.replace(' ', "/"))},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if !properties.is_empty() {
        run["properties"] = Value::Object(properties);
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    })
}

fn result(suite: &Suite, issue: &Issue) -> Value {
    let mut r = json!({
        "ruleId": issue.rule,
        "level": issue.level.name(),
        "message": {"text": issue.message},
    });
    if let Some(index) = suite.rules.iter().position(|r| r.id == issue.rule) {
        r["ruleIndex"] = json!(index);
    }
    if let Some(location) = &issue.location {
        r["locations"] = json!([{"physicalLocation": physical(location)}]);
    }
    if let Some(reason) = &issue.suppressed {
        r["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
    }
    r
}

fn physical(l: &Location) -> Value {
    let mut artifact = json!({"uri": uri(&l.file)});
    if !is_absolute(&l.file) {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut p = json!({"artifactLocation": artifact});
    if l.line > 0 {
        let mut region = json!({"startLine": l.line});
        if l.column > 0 {
            region["startColumn"] = json!(l.column);
        }
        p["region"] = region;
    }
    p
}

fn is_absolute(path: &str) -> bool {
    path.starts_with('/') || path.starts_with('\\') || path.get(1..3) == Some(":\\")
}

/// `path` as a URI reference: `/`-separated, `./` dropped, characters outside RFC 3986's
/// path set percent-encoded; an absolute path becomes a `file:` URI.
pub fn uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let mut trimmed = slashed.as_str();
    while let Some(rest) = trimmed.strip_prefix("./") {
        trimmed = rest;
    }
    let mut out = String::new();
    if is_absolute(path) {
        out.push_str(if trimmed.starts_with('/') {
            "file://"
        } else {
            "file:///"
        });
    }
    for b in trimmed.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{Case, Level};
    use super::*;

    fn issue(rule: &str, level: Level, file: &str, line: u32, column: u32) -> Issue {
        Issue {
            rule: rule.into(),
            level,
            message: format!("{rule} found"),
            location: Some(Location {
                file: file.into(),
                line,
                column,
            }),
            suppressed: None,
        }
    }

    fn suite() -> Suite {
        let mut s = Suite::new("migrate lint");
        s.rule("delete_without_where", "DELETE without WHERE");
        s.rule("update_without_where", "UPDATE without WHERE");
        s.rule("drop_table", "DROP TABLE");
        s.property("dialect", "postgres");
        let mut c = Case::new("0002_b", None);
        c.issues.push(issue(
            "delete_without_where",
            Level::Error,
            "migrations/0002_b.yaml",
            4,
            3,
        ));
        c.issues.push(issue(
            "update_without_where",
            Level::Warning,
            "migrations\\sub dir\\0002_b.yaml",
            5,
            0,
        ));
        let mut allowed = issue("drop_table", Level::Error, "./migrations/0003_c.yaml", 0, 0);
        allowed.suppressed = Some("a is replaced".into());
        c.issues.push(allowed);
        c.issues.push(Issue {
            location: None,
            ..issue("unknown_rule", Level::Note, "", 0, 0)
        });
        s.cases.push(c);
        s
    }

    /// The parts of the SARIF 2.1.0 schema that consumers (GitHub code scanning) require.
    fn check_shape(log: &Value) {
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(log["version"], "2.1.0");
        let runs = log["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1);
        let driver = &runs[0]["tool"]["driver"];
        assert_eq!(driver["name"], "cairn");
        assert!(driver["version"].is_string());
        let rules = driver["rules"].as_array().expect("rules");
        for rule in rules {
            assert!(rule["id"].is_string(), "{rule}");
            assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        }
        for r in runs[0]["results"].as_array().expect("results") {
            assert!(r["message"]["text"].is_string(), "{r}");
            assert!(
                ["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap_or("")),
                "{r}"
            );
            let id = r["ruleId"].as_str().expect("ruleId");
            if let Some(i) = r["ruleIndex"].as_u64() {
                assert_eq!(rules[usize::try_from(i).unwrap()]["id"], id);
            }
            for l in r["locations"].as_array().into_iter().flatten() {
                let p = &l["physicalLocation"];
                let uri = p["artifactLocation"]["uri"].as_str().expect("uri");
                assert!(!uri.contains('\\') && !uri.contains(' '), "{uri}");
                if let Some(region) = p.get("region") {
                    assert!(region["startLine"].as_u64().expect("startLine") >= 1);
                    if let Some(c) = region.get("startColumn") {
                        assert!(c.as_u64().expect("startColumn") >= 1);
                    }
                }
            }
        }
    }

    #[test]
    fn has_the_fields_sarif_consumers_need() {
        let log = render(&suite());
        check_shape(&log);
        let run = &log["runs"][0];
        assert_eq!(run["automationDetails"]["id"], "cairn/migrate/lint/");
        assert_eq!(run["properties"]["dialect"], "postgres");
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["id"],
            "delete_without_where"
        );
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["shortDescription"]["text"],
            "DELETE without WHERE"
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let first = &results[0];
        assert_eq!(first["ruleId"], "delete_without_where");
        assert_eq!(first["ruleIndex"], 0);
        assert_eq!(first["level"], "error");
        assert_eq!(first["message"]["text"], "delete_without_where found");
        let p = &first["locations"][0]["physicalLocation"];
        assert_eq!(p["artifactLocation"]["uri"], "migrations/0002_b.yaml");
        assert_eq!(p["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(p["region"], json!({"startLine": 4, "startColumn": 3}));
        let second = &results[1]["locations"][0]["physicalLocation"];
        assert_eq!(
            second["artifactLocation"]["uri"],
            "migrations/sub%20dir/0002_b.yaml"
        );
        assert_eq!(second["region"], json!({"startLine": 5}));
        assert_eq!(results[1]["level"], "warning");
        let third = &results[2];
        assert_eq!(
            third["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "migrations/0003_c.yaml"
        );
        assert!(
            third["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
        assert_eq!(third["suppressions"][0]["justification"], "a is replaced");
        assert!(results[3].get("locations").is_none());
        assert!(results[3].get("ruleIndex").is_none());
        assert_eq!(results[3]["level"], "note");
    }

    #[test]
    fn uris_are_relative_with_forward_slashes_or_file_uris() {
        assert_eq!(
            uri("migrations/a b#c%.yaml"),
            "migrations/a%20b%23c%25.yaml"
        );
        assert_eq!(uri("./x/y.sql"), "x/y.sql");
        assert_eq!(uri("/tmp/p/x.yaml"), "file:///tmp/p/x.yaml");
        assert_eq!(uri("C:\\p\\x.yaml"), "file:///C:/p/x.yaml");
        assert_eq!(uri("é.yaml"), "%C3%A9.yaml");
    }

    #[test]
    fn an_empty_run_is_valid() {
        let log = render(&Suite::new("drift"));
        check_shape(&log);
        assert_eq!(log["runs"][0]["results"], json!([]));
    }
}
