//! Positions in a source text: byte offsets to line/column, and a fallback that finds a JSON
//! key or string by text when the parser kept no positions.

/// 1-based (line, column in characters) of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (u32, u32) {
    let at = floor_char_boundary(text, at.min(text.len()));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (to_u32(line), to_u32(column))
}

/// The text of 1-based line `line`, without its line ending.
pub fn line_text(text: &str, line: u32) -> Option<&str> {
    let idx = usize::try_from(line).ok()?.checked_sub(1)?;
    text.split('\n').nth(idx).map(|l| l.trim_end_matches('\r'))
}

/// Byte offset of the first JSON string literal equal to `needle` at or after `from`.
pub fn find_json_string(text: &str, needle: &str, from: usize) -> Option<usize> {
    let quoted = serde_json::to_string(needle).ok()?;
    let from = floor_char_boundary(text, from.min(text.len()));
    text[from..].find(&quoted).map(|i| from + i)
}

pub fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

pub fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "ab\nçd\"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        let x = find_json_string(text, "x", 0).unwrap();
        assert_eq!(line_col(text, x), (2, 3));
        assert_eq!(line_text(text, 2), Some("çd\"x\""));
        assert_eq!(line_text(text, 9), None);
    }
}
