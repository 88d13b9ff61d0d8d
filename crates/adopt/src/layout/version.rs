//! Versions in other tools' file names, and their order.
//!
//! Versions are compared as numbers of any length, part by part, without parsing them into a
//! fixed-width integer (20-digit versions exist). Timestamps spelled with separators
//! (`2019-01-01-000000`, `2019_01_01_000000`) compare by their digits, so they sort by time
//! together with `20190101000000` in one folder.

use std::cmp::Ordering;

/// The order of a version. Numeric versions are compared part by part as numbers, missing
/// trailing parts counting as zero (`1.0` equals `1`, as in Flyway); text versions (diesel's)
/// byte by byte, as their tool compares them. A folder has versions of one kind only.
#[derive(Debug, Clone)]
pub(crate) enum VersionKey {
    /// Numeric parts, each without leading zeros.
    Parts(Vec<String>),
    /// A string compared as a string.
    Text(String),
}

impl PartialEq for VersionKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for VersionKey {}

impl VersionKey {
    /// One number: the digits of `spelled`, separators dropped.
    pub fn number(spelled: &str) -> VersionKey {
        VersionKey::Parts(vec![trim_zeros(
            &spelled
                .chars()
                .filter(char::is_ascii_digit)
                .collect::<String>(),
        )])
    }

    /// Dotted parts (`1.2`, `1_10`, `2.0.3`): `.` and `_` both separate parts, as in Flyway.
    pub fn dotted(spelled: &str) -> VersionKey {
        VersionKey::Parts(spelled.split(['.', '_']).map(trim_zeros).collect())
    }

    /// A version its tool compares as a string (diesel: `20240313` sorts after
    /// `20240312120000`).
    pub fn text(spelled: &str) -> VersionKey {
        VersionKey::Text(spelled.to_string())
    }
}

fn trim_zeros(digits: &str) -> String {
    digits.trim_start_matches('0').to_string()
}

/// Compares two digit strings without leading zeros as numbers.
fn cmp_number(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Ord for VersionKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (VersionKey::Text(a), VersionKey::Text(b)) => a.cmp(b),
            (VersionKey::Parts(_), VersionKey::Text(_)) => Ordering::Less,
            (VersionKey::Text(_), VersionKey::Parts(_)) => Ordering::Greater,
            (VersionKey::Parts(a), VersionKey::Parts(b)) => {
                let n = a.len().max(b.len());
                for i in 0..n {
                    let x = a.get(i).map_or("", String::as_str);
                    let y = b.get(i).map_or("", String::as_str);
                    match cmp_number(x, y) {
                        Ordering::Equal => {}
                        other => return other,
                    }
                }
                Ordering::Equal
            }
        }
    }
}

impl PartialOrd for VersionKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Splits a `<version>_<name>` stem into the version as spelled and the name. The version is a
/// timestamp with separators (`2019-01-01-000000`, `2019_01_01_000000`, `2019-01-01-00-00-00`)
/// or a run of digits; the name follows one `_` (and may be empty).
pub(crate) fn split_version(stem: &str) -> Option<(&str, &str)> {
    let len = timestamp_len(stem).or_else(|| {
        let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0).then_some(digits)
    })?;
    let (version, rest) = stem.split_at(len);
    if rest.is_empty() {
        return Some((version, ""));
    }
    rest.strip_prefix('_').map(|name| (version, name))
}

/// Length of a separated timestamp at the start of `s`: `YYYY?MM?DD?HHMMSS` or
/// `YYYY?MM?DD?HH?MM?SS` where `?` is one `-` or `_`, used consistently, followed by `_` or the
/// end. Timestamps without separators are plain digit runs and need no special case.
fn timestamp_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let sep = *b.get(4)?;
    if sep != b'-' && sep != b'_' {
        return None;
    }
    let shapes: [&[usize]; 2] = [&[4, 2, 2, 6], &[4, 2, 2, 2, 2, 2]];
    shapes.iter().find_map(|groups| {
        let mut at = 0;
        for (i, g) in groups.iter().enumerate() {
            if i > 0 {
                if b.get(at) != Some(&sep) {
                    return None;
                }
                at += 1;
            }
            let digits = b.get(at..at + g)?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            at += g;
        }
        matches!(b.get(at), None | Some(b'_')).then_some(at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_versions_compare_part_by_part_as_numbers() {
        let mut v = ["1_10", "1_9", "2.0.3", "1.2", "1", "10", "1.2.1"];
        v.sort_by_key(|s| VersionKey::dotted(s));
        assert_eq!(v, ["1", "1.2", "1.2.1", "1_9", "1_10", "2.0.3", "10"]);
        assert_eq!(VersionKey::dotted("1.0"), VersionKey::dotted("1"));
        assert_eq!(VersionKey::dotted("01.2"), VersionKey::dotted("1_2"));
    }

    #[test]
    fn twenty_digit_versions_order_as_numbers() {
        let big = "18446744073709551616"; // u64::MAX + 1
        let bigger = "99999999999999999999";
        let mut v = [bigger, "9", big, "18446744073709551615"];
        v.sort_by_key(|s| VersionKey::number(s));
        assert_eq!(v, ["9", "18446744073709551615", big, bigger]);
        assert!(VersionKey::dotted(bigger) > VersionKey::dotted(big));
    }

    #[test]
    fn mixed_timestamp_spellings_order_by_time() {
        let names = [
            "2019_01_02_000000_c",
            "20190101120000_b",
            "2019-01-01-000000_a",
            "2018-12-31-23-59-59_z",
        ];
        let mut parsed: Vec<(&str, &str)> =
            names.iter().map(|n| split_version(n).unwrap()).collect();
        parsed.sort_by_key(|(v, _)| VersionKey::number(v));
        let order: Vec<&str> = parsed.iter().map(|(_, n)| *n).collect();
        assert_eq!(order, ["z", "a", "b", "c"]);
        assert_eq!(
            split_version("2019_01_01_000000_create_users"),
            Some(("2019_01_01_000000", "create_users"))
        );
        assert_eq!(
            VersionKey::number("2019-01-01-000000"),
            VersionKey::number("20190101000000")
        );
    }

    #[test]
    fn text_versions_compare_as_strings() {
        let mut v = ["20240313", "20240312120000", "202511190914440000", "2024"];
        v.sort_by_key(|s| VersionKey::text(s));
        assert_eq!(
            v,
            ["2024", "20240312120000", "20240313", "202511190914440000"]
        );
        assert_ne!(VersionKey::text("01"), VersionKey::text("1"));
    }

    #[test]
    fn plain_versions_split_at_the_first_underscore() {
        assert_eq!(split_version("0001_init"), Some(("0001", "init")));
        assert_eq!(split_version("42"), Some(("42", "")));
        assert_eq!(split_version("1_10_x"), Some(("1", "10_x")));
        assert_eq!(split_version("init"), None);
        assert_eq!(split_version("12abc_x"), None);
    }
}
