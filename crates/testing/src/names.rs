//! Names of templates and test databases, and URLs of databases beside the server URL.

use std::sync::atomic::{AtomicU64, Ordering};

use cairn_core::ENGINE_VERSION;
use cairn_load::MigrationSet;

/// A stable fingerprint of what the template holds: the engine version, the dialect, the
/// history table and each migration's id and checksum, in order (FNV-1a, 64 bits; the same
/// on every platform and Rust version, so a later run finds the template again).
pub fn fingerprint(set: &MigrationSet, history_table: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |text: &str| {
        for byte in text.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(ENGINE_VERSION);
    feed(set.dialect().name());
    feed(history_table);
    for m in set.iter() {
        feed(&m.id);
        feed(&m.checksum.to_hex());
    }
    hash
}

/// The template's name: `cairn_tpl_<fingerprint>`.
pub fn template(fingerprint: u64) -> String {
    format!("cairn_tpl_{fingerprint:016x}")
}

/// The name a template is built under before it is renamed to `template`:
/// `<template>_b<pid>_<nanos>`.
pub fn building(template: &str) -> String {
    format!("{template}_b{}_{}", std::process::id(), nanos())
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
}

/// A new test database's name, unique in this process and across processes:
/// `cairn_test_<pid>_<counter>_<nanos>`.
pub fn test_database() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("cairn_test_{}_{n}_{}", std::process::id(), nanos())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn test_database_names_differ_and_fit_an_identifier() {
        let (a, b) = (test_database(), test_database());
        assert_ne!(a, b);
        let building = building(&template(u64::MAX));
        for name in [a, building] {
            assert!(name.len() <= 63, "{name}");
            assert!(name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
        }
    }
}
