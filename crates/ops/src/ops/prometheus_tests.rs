//! The renderer against the exposition format's rules, checked by a small validator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use super::render;
use crate::ops::health::{
    ConnectionHealth, ForeignKeyHealth, Health, IntegrityHealth, MigrationHealth, StorageHealth,
    TableHealth,
};
use crate::ops::indexes::{IndexAdvisory, UnindexedForeignKey};
use crate::ops::maintenance::ForeignKeyViolation;
use crate::ops::server_stats::{Connections, ServerStats};

fn sample_health() -> Health {
    Health {
        database: "postgres://app@db:5432/shop".into(),
        checked_at: "2026-05-20T09:30:00.125Z".into(),
        healthy: false,
        connection: ConnectionHealth {
            ok: true,
            latency_ms: 1.5,
            error: None,
        },
        integrity: IntegrityHealth {
            ok: true,
            problems: Vec::new(),
            error: None,
        },
        foreign_keys: ForeignKeyHealth {
            ok: false,
            violations: vec![ForeignKeyViolation {
                table: "odd \"name\"\\x\ny".into(),
                constraint: None,
                columns: vec!["a".into()],
                references: "parent".into(),
                rows: 3,
            }],
            error: None,
        },
        migrations: Some(MigrationHealth {
            ok: true,
            applied: 4,
            pending: 0,
            changed: 0,
            failed: 0,
            interrupted: 0,
            missing: 1,
            attention: Vec::new(),
            error: None,
        }),
        storage: StorageHealth {
            ok: true,
            database_bytes: Some(8_192_000),
            tables_checked: 2,
            total_rows: Some(12),
            tables: vec![
                TableHealth {
                    table: "orders".into(),
                    rows: Some(12),
                    bytes: Some(16384),
                    indexes: Some(3),
                },
                TableHealth {
                    table: "users".into(),
                    rows: None,
                    bytes: Some(8192),
                    indexes: None,
                },
            ],
            error: None,
        },
        server: Some(ServerStats {
            scope: "database".into(),
            connections: Some(Connections {
                active: 2,
                idle: 5,
                total: 8,
            }),
            cache_hit_ratio: Some(0.9875),
            slow_queries: None,
            cluster: None,
            replication: None,
            notes: vec!["pg_stat_statements not installed: no slow-query count".into()],
            error: None,
        }),
        advisory: IndexAdvisory {
            unindexed_foreign_keys: vec![UnindexedForeignKey {
                table: "orders".into(),
                constraint: Some("fk_orders_user_id".into()),
                columns: vec!["user_id".into()],
                references: "users".into(),
            }],
            note: None,
            error: None,
        },
        elapsed_ms: 42,
    }
}

/// One parsed sample: metric name, labels in order, value.
type Sample = (String, Vec<(String, String)>, f64);

/// Checks `text` against the text format's rules and returns its samples: HELP then TYPE once
/// per family before its samples, samples of a family contiguous, valid metric and label
/// names, quoted and correctly escaped label values, float values, a final newline.
fn validate(text: &str) -> Vec<Sample> {
    assert!(text.ends_with('\n'), "must end with a newline");
    let metric_name = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut typed: HashSet<String> = HashSet::new();
    let mut helped: HashSet<String> = HashSet::new();
    let mut current: Option<String> = None;
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(metric_name(name), "{line}");
            assert!(helped.insert(name.to_string()), "second HELP for {name}");
            assert!(!typed.contains(name), "HELP after TYPE for {name}");
            current = Some(name.to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert_eq!(current.as_deref(), Some(name), "{line}");
            assert!(["gauge", "counter", "untyped"].contains(&kind), "{line}");
            assert!(typed.insert(name.to_string()), "second TYPE for {name}");
            continue;
        }
        assert!(!line.starts_with('#'), "unknown comment {line}");
        let (name, rest) = line.split_at(line.find(['{', ' ']).unwrap());
        assert!(metric_name(name), "{line}");
        assert_eq!(
            current.as_deref(),
            Some(name),
            "sample outside its family: {line}"
        );
        let mut labels = Vec::new();
        let mut chars = rest.chars().peekable();
        if chars.peek() == Some(&'{') {
            chars.next();
            loop {
                let label: String = chars.by_ref().take_while(|c| *c != '=').collect();
                assert!(metric_name(&label) && !label.contains(':'), "{line}");
                assert_eq!(chars.next(), Some('"'), "{line}");
                let mut value = String::new();
                loop {
                    match chars.next().unwrap() {
                        '\\' => match chars.next().unwrap() {
                            'n' => value.push('\n'),
                            c @ ('\\' | '"') => value.push(c),
                            c => panic!("bad escape \\{c} in {line}"),
                        },
                        '"' => break,
                        '\n' => panic!("raw newline in {line}"),
                        c => value.push(c),
                    }
                }
                labels.push((label, value));
                match chars.next() {
                    Some(',') => {}
                    Some('}') => break,
                    other => panic!("unexpected {other:?} in {line}"),
                }
            }
        }
        assert_eq!(chars.next(), Some(' '), "{line}");
        let value: String = chars.collect();
        samples.push((name.to_string(), labels, value.parse::<f64>().unwrap()));
    }
    assert_eq!(typed, helped);
    samples
}

fn value(samples: &[Sample], name: &str, label: Option<(&str, &str)>) -> f64 {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name && label.is_none_or(|(k, v)| l.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .unwrap_or_else(|| panic!("no sample {name} {label:?}"))
        .2
}

#[test]
fn output_follows_the_exposition_format() {
    let health = sample_health();
    let samples = validate(&render(&health));
    assert!(
        samples
            .iter()
            .all(|(_, l, _)| l.first().map(|(k, v)| (k.as_str(), v.as_str()))
                == Some(("database", "postgres://app@db:5432/shop")))
    );
    assert_eq!(value(&samples, "cairn_db_healthy", None), 0.0);
    assert_eq!(value(&samples, "cairn_db_up", None), 1.0);
    assert_eq!(value(&samples, "cairn_db_latency_seconds", None), 0.0015);
    assert_eq!(
        value(
            &samples,
            "cairn_db_check_ok",
            Some(("check", "foreign_keys"))
        ),
        0.0
    );
    assert_eq!(
        value(&samples, "cairn_db_check_ok", Some(("check", "integrity"))),
        1.0
    );
    assert_eq!(
        value(
            &samples,
            "cairn_db_foreign_key_orphan_rows",
            Some(("table", "odd \"name\"\\x\ny"))
        ),
        3.0
    );
    assert_eq!(
        value(&samples, "cairn_db_migrations", Some(("state", "missing"))),
        1.0
    );
    assert_eq!(value(&samples, "cairn_db_size_bytes", None), 8_192_000.0);
    assert_eq!(
        value(&samples, "cairn_db_table_rows", Some(("table", "orders"))),
        12.0
    );
    assert_eq!(
        value(
            &samples,
            "cairn_db_table_size_bytes",
            Some(("table", "users"))
        ),
        8192.0
    );
    // A table whose rows are unknown gets no rows sample rather than a made-up value.
    assert!(
        !samples
            .iter()
            .any(|(n, l, _)| n == "cairn_db_table_rows" && l.iter().any(|(_, v)| v == "users"))
    );
    assert_eq!(
        value(&samples, "cairn_db_health_check_duration_seconds", None),
        0.042
    );
    // 2026-05-20T09:30:00.125Z: 20593 days after the epoch, then 9.5 hours.
    assert_eq!(
        value(&samples, "cairn_db_health_timestamp_seconds", None),
        20_593.0 * 86_400.0 + 34_200.125
    );
    assert_eq!(value(&samples, "cairn_db_tables", None), 2.0);
    assert_eq!(value(&samples, "cairn_db_rows", None), 12.0);
    assert_eq!(
        value(
            &samples,
            "cairn_db_table_indexes",
            Some(("table", "orders"))
        ),
        3.0
    );
    for (state, n) in [("active", 2.0), ("idle", 5.0), ("total", 8.0)] {
        assert_eq!(
            value(&samples, "cairn_db_connections", Some(("state", state))),
            n
        );
    }
    assert_eq!(value(&samples, "cairn_db_cache_hit_ratio", None), 0.9875);
    // Unknown (pg_stat_statements not installed): no sample rather than a made-up 0.
    assert!(!samples.iter().any(|(n, _, _)| n == "cairn_db_slow_queries"));
    assert_eq!(
        value(&samples, "cairn_db_unindexed_foreign_keys", None),
        1.0
    );
}

#[test]
fn timestamps_convert_to_unix_seconds() {
    assert_eq!(super::unix_seconds("1970-01-01T00:00:00.000Z"), Some(0.0));
    assert_eq!(
        super::unix_seconds("2000-03-01T00:00:01.500Z"),
        Some(951_868_801.5)
    );
    assert_eq!(super::unix_seconds("2000-03-01 00:00:01"), None);
    let (_, now) = crate::ops::manifest::utc_now();
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        (super::unix_seconds(&now).unwrap() - secs).abs() < 5.0,
        "{now}"
    );
}

#[test]
fn unreachable_database_still_renders_valid_families() {
    let health = Health::unreachable("mysql://app@db:3306/shop".into(), "refused".into());
    let text = render(&health);
    let samples = validate(&text);
    assert_eq!(value(&samples, "cairn_db_up", None), 0.0);
    assert_eq!(value(&samples, "cairn_db_healthy", None), 0.0);
    // No made-up readings: latency and sizes are absent, their families still declared.
    assert!(
        !samples
            .iter()
            .any(|(n, _, _)| n == "cairn_db_latency_seconds")
    );
    assert!(text.contains("# TYPE cairn_db_latency_seconds gauge\n"));
    assert!(!samples.iter().any(|(n, _, _)| n == "cairn_db_size_bytes"));
    for absent in [
        "cairn_db_tables",
        "cairn_db_rows",
        "cairn_db_connections",
        "cairn_db_unindexed_foreign_keys",
    ] {
        assert!(!samples.iter().any(|(n, _, _)| n == absent), "{absent}");
    }
    assert!(value(&samples, "cairn_db_health_timestamp_seconds", None) > 1.7e9);
}

#[test]
fn metric_names_carry_base_units() {
    for (name, _) in super::FAMILIES {
        assert!(name.starts_with("cairn_db_"), "{name}");
        assert!(
            !name.ends_with("_total"),
            "gauges never end in _total: {name}"
        );
        assert!(
            !name.contains("_ms") && !name.contains("millis") && !name.contains("kb"),
            "{name}"
        );
        if name.contains("latency") || name.contains("duration") {
            assert!(name.ends_with("_seconds"), "{name}");
        }
        if name.contains("size") {
            assert!(name.ends_with("_bytes"), "{name}");
        }
    }
}

#[test]
fn values_print_without_float_noise() {
    assert_eq!(super::number(0.000_235_586_000_000_000_03), "0.000236");
    assert_eq!(super::number(0.25), "0.25");
    assert_eq!(super::number(3.0), "3");
    assert_eq!(super::number(0.000_000_1), "0");
    assert_eq!(super::number(-1.5), "-1.5");
}
