//! Database URLs: the same server, another database.

/// `url` (`scheme://[user[:password]@]host[:port][/database][?query]`) naming `database`
/// instead; the query string is kept.
pub fn with_database(url: &str, database: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (before_query, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    // The password may hold a `/`: the path starts after the last `@`.
    let host_start = before_query.rfind('@').map_or(0, |i| i + 1);
    let path_start = before_query[host_start..]
        .find('/')
        .map_or(before_query.len(), |i| host_start + i);
    let authority = &before_query[..path_start];
    Some(format!("{scheme}://{authority}/{database}{query}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_database_of_a_url_is_replaced_and_the_rest_kept() {
        for (url, want) in [
            (
                "postgres://u:p@127.0.0.1:5432/app?sslmode=disable",
                "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable",
            ),
            ("mysql://root@localhost", "mysql://root@localhost/t1"),
            ("mysql://u:a/b@h:3306/db", "mysql://u:a/b@h:3306/t1"),
            (
                "postgres:///app?host=/run/postgresql",
                "postgres:///t1?host=/run/postgresql",
            ),
        ] {
            assert_eq!(with_database(url, "t1").unwrap(), want);
        }
        assert_eq!(with_database("host=h dbname=x", "t1"), None);
    }
}
