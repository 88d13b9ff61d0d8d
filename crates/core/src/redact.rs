//! Keeping passwords out of every message.

/// `url` with its password (in the user-info part or a `password=` query option) replaced by
/// `***`.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let auth_start = scheme_end + 3;
        let auth_end = out[auth_start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| auth_start + i);
        if let Some(at) = out[auth_start..auth_end].rfind('@') {
            let userinfo = auth_start..auth_start + at;
            if let Some(colon) = out[userinfo.clone()].find(':') {
                out.replace_range(userinfo.start + colon + 1..userinfo.end, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _))
                    if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("pass") =>
                {
                    format!("{k}=***")
                }
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

/// Replaces every occurrence of `secret` in `text` (for driver messages that echo a URL).
pub fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_everywhere_they_can_be() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("mysql://root:p@ss@h/db?ssl-mode=required"),
            "mysql://root:***@h/db?ssl-mode=required"
        );
        assert_eq!(
            redact_url("postgres://h/db?user=a&password=zz"),
            "postgres://h/db?user=a&password=***"
        );
        assert_eq!(
            redact_url("postgres://h/db?password=zz&sslmode=require"),
            "postgres://h/db?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("mysql://u@h/db?PASS=zz"),
            "mysql://u@h/db?PASS=***"
        );
        assert_eq!(redact_url("sqlite:cairn.db"), "sqlite:cairn.db");
        assert_eq!(redact_url("postgres://app@h/db"), "postgres://app@h/db");
        assert_eq!(
            scrub("failed for pw hunter2", "hunter2"),
            "failed for pw ***"
        );
    }
}
