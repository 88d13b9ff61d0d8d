//! Reading one cell of a [`Driver::query`] row, where every value is text and NULL is `None`:
//! the one place the maintenance code and the backends' catalog readers parse cells.
//!
//! [`Driver::query`]: crate::Driver::query

use std::str::FromStr;

/// Cell `i` of `row` as text; empty for NULL or a column the row does not have.
pub fn text_cell(row: &[Option<String>], i: usize) -> &str {
    row.get(i).and_then(Option::as_deref).unwrap_or("")
}

/// Cell `i` of `row` parsed as a `T` (a count, a size, an index); `None` for NULL, a column
/// the row does not have, or text that is not a `T`.
pub fn number_cell<T: FromStr>(row: &[Option<String>], i: usize) -> Option<T> {
    row.get(i)
        .and_then(Option::as_deref)
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_missing_and_malformed_cells_read_as_empty_or_none() {
        let row = vec![Some("7".to_string()), None, Some("x".to_string())];
        assert_eq!(text_cell(&row, 0), "7");
        assert_eq!(text_cell(&row, 1), "");
        assert_eq!(text_cell(&row, 9), "");
        assert_eq!(number_cell::<u64>(&row, 0), Some(7));
        assert_eq!(number_cell::<u64>(&row, 1), None);
        assert_eq!(number_cell::<u64>(&row, 2), None);
        assert_eq!(number_cell::<usize>(&row, 9), None);
    }
}
