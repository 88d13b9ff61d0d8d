//! Server URL manipulation.

/// `url` (`scheme://[user[:password]@]host[:port][/database][?query]`) with its database
/// replaced by `database`; the query string is kept.
///
/// ```
/// assert_eq!(
///     cairn_tests::with_database("mysql://u:p@127.0.0.1:3306/mysql?ssl=false", "t1"),
///     "mysql://u:p@127.0.0.1:3306/t1?ssl=false"
/// );
/// ```
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url
        .split_once("://")
        .unwrap_or_else(|| panic!("not a URL of the form scheme://host/database: {url}"));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |i| &after[i..]);
    format!("{scheme}://{authority}/{database}{query}")
}
