//! Database URLs: `scheme://path?option=value`, `scheme::memory:`, `scheme:path`.

use std::time::Duration;

use crate::error::{Error, Result};

/// The longest `timeout` any option accepts: a day. Longer waits are a mistake, not a plan,
/// and some engines cannot represent them (SQLite's busy timeout is an `i32` of milliseconds).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

/// A parsed database URL. Backends read their path and options from it.
///
/// Its `Debug` form and every error about it show the URL with the password replaced by `***`
/// (see [`redact`]).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    scheme: String,
    path: String,
    memory: bool,
    options: Vec<(String, String)>,
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

/// `url` with any password in it replaced by `***`: the `user:password@` part of a server URL
/// and `password=` options, so that a URL can be printed, logged or put in an error.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match base.split_once("://") {
        Some((scheme, rest)) => {
            // The authority ends at the first '/', and the password sits between the first ':'
            // of the user info and the last '@' of the authority.
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let authority = match authority.rsplit_once('@') {
                Some((user_info, host)) => match user_info.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{host}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

impl DatabaseUrl {
    /// The URL with its password replaced by `***`, for messages and logs.
    pub fn redacted(&self) -> String {
        redact(&self.raw)
    }

    /// Parses `url`; errors name what is wrong and show a valid example.
    pub fn parse(url: &str) -> Result<Self> {
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid_input(
                "empty database URL; expected e.g. \"sqlite://data.db\" or \"sqlite::memory:\"",
            ));
        }
        let shown = redact(trimmed);
        let Some(colon) = trimmed.find(':') else {
            return Err(Error::invalid_input(format!(
                "database URL {shown:?} has no scheme; expected e.g. \"sqlite://{shown}\""
            )));
        };
        let scheme = trimmed[..colon].to_ascii_lowercase();
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Err(Error::invalid_input(format!(
                "database URL {shown:?} has an invalid scheme {scheme:?}"
            )));
        }
        let rest = &trimmed[colon + 1..];
        let (location, query) = match rest.find('?') {
            Some(q) => (&rest[..q], Some(&rest[q + 1..])),
            None => (rest, None),
        };
        let location = location.strip_prefix("//").unwrap_or(location);
        // Only the explicit form means memory: an empty path (`sqlite://`, or
        // `format!("sqlite://{}", var)` with the variable unset) is an error of the backend's.
        let memory = location == ":memory:";
        let path = if memory {
            String::new()
        } else {
            percent_decode(location, &shown)?
        };
        let mut options = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            options.push((
                percent_decode(key, &shown)?.to_ascii_lowercase(),
                percent_decode(value, &shown)?,
            ));
        }
        Ok(DatabaseUrl {
            raw: trimmed.to_owned(),
            scheme,
            path,
            memory,
            options,
        })
    }

    /// The URL as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The scheme, lower-cased (`sqlite`, `postgres`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the URL names an in-memory database (`scheme::memory:`).
    pub fn is_memory(&self) -> bool {
        self.memory
    }

    /// The path (for file databases), percent-decoded; empty for in-memory ones.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of option `key`, if given.
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Fails on any option not in `known`, so a typo is an error rather than silently ignored.
    pub fn check_options(&self, known: &[&str]) -> Result<()> {
        match self
            .options
            .iter()
            .find(|(k, _)| !known.contains(&k.as_str()))
        {
            None => Ok(()),
            Some((key, _)) => Err(Error::invalid_input(format!(
                "unknown option {key:?} in {} URL; known options: {}",
                self.scheme,
                known.join(", ")
            ))),
        }
    }

    /// Option `key` as seconds (fractions allowed), e.g. `timeout=15` or `timeout=0.5`, from 0
    /// up to [`MAX_TIMEOUT`].
    pub fn seconds_option(&self, key: &str) -> Result<Option<Duration>> {
        let Some(value) = self.option(key) else {
            return Ok(None);
        };
        let max = MAX_TIMEOUT.as_secs_f64();
        value
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && (0.0..=max).contains(s))
            .map(|s| Some(Duration::from_secs_f64(s)))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "option {key}={value:?} must be a number of seconds from 0 to {max}, e.g. \
                     {key}=15"
                ))
            })
    }

    /// Option `key` as a whole number from 1 to `max`.
    pub fn count_option(&self, key: &str, max: u32) -> Result<Option<u32>> {
        let Some(value) = self.option(key) else {
            return Ok(None);
        };
        value
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .map(Some)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "option {key}={value:?} must be a whole number from 1 to {max}"
                ))
            })
    }
}

/// Decodes `%XX` escapes; errors show the whole URL `shown` (already redacted), never the raw
/// text, which may hold a password.
fn percent_decode(text: &str, shown: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(byte) = hex else {
                return Err(Error::invalid_input(format!(
                    "bad percent-escape (% not followed by two hex digits) in database URL \
                     {shown:?}; write a literal % as %25"
                )));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        Error::invalid_input(format!("database URL {shown:?} decodes to invalid UTF-8"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_the_supported_forms() {
        let u = DatabaseUrl::parse("sqlite://data/app.db?timeout=15").unwrap();
        assert_eq!(
            (u.scheme(), u.path(), u.is_memory()),
            ("sqlite", "data/app.db", false)
        );
        assert_eq!(
            u.seconds_option("timeout").unwrap(),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap().path(),
            "/tmp/x.db"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:rel.db").unwrap().path(),
            "rel.db"
        );
        assert!(DatabaseUrl::parse("sqlite::memory:").unwrap().is_memory());
        assert!(DatabaseUrl::parse("sqlite://:memory:").unwrap().is_memory());
        for empty in [
            "sqlite://",
            "sqlite:",
            "duckdb://?timeout=5",
            "sqlite:memory:",
        ] {
            let u = DatabaseUrl::parse(empty).unwrap();
            assert!(!u.is_memory(), "{empty:?} is not an in-memory database");
        }
        assert_eq!(
            DatabaseUrl::parse("sqlite://a%20b.db").unwrap().path(),
            "a b.db"
        );
    }

    #[test]
    fn rejects_bad_urls_with_invalid_input() {
        for bad in ["", "   ", "data.db", "://x", "sqlite://x%zz"] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}: {err}");
        }
        let u = DatabaseUrl::parse("sqlite://x.db?timout=3&timeout=abc").unwrap();
        assert_eq!(
            u.check_options(&["timeout"]).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            u.seconds_option("timeout").unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn options_out_of_range_are_invalid_input() {
        for value in ["-1", "NaN", "inf", "86401", "1e12"] {
            let u = DatabaseUrl::parse(&format!("sqlite://x.db?timeout={value}")).unwrap();
            assert!(u.seconds_option("timeout").is_err(), "timeout={value}");
        }
        let u = DatabaseUrl::parse("sqlite://x.db?timeout=86400").unwrap();
        assert_eq!(u.seconds_option("timeout").unwrap(), Some(MAX_TIMEOUT));
        for value in ["0", "-3", "1025", "4294967296"] {
            let u = DatabaseUrl::parse(&format!("sqlite://x.db?pool_size={value}")).unwrap();
            assert!(
                u.count_option("pool_size", 1024).is_err(),
                "pool_size={value}"
            );
        }
    }

    #[test]
    fn passwords_never_show() {
        for (url, shown) in [
            (
                "postgres://ann:s3cret@db:5432/app?schema=x",
                "postgres://ann:***@db:5432/app?schema=x",
            ),
            (
                "postgres://ann:p@ss:w@rd@db/app",
                "postgres://ann:***@db/app",
            ),
            (
                "postgres://ann@db/app?password=s3cret",
                "postgres://ann@db/app?password=***",
            ),
            ("postgres://db/app", "postgres://db/app"),
            ("sqlite:///tmp/a:b@c.db", "sqlite:///tmp/a:b@c.db"),
        ] {
            assert_eq!(redact(url), shown);
        }
        let parsed = DatabaseUrl::parse("postgres://ann:s3cret@db/app").unwrap();
        assert!(!format!("{parsed:?}").contains("s3cret"));
        for bad in [
            "postgres://ann:s3%zzcret@db/app",
            "postgres://ann:s3%ffcret@db/app",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert!(!err.to_string().contains("s3"), "{bad}: {err}");
        }
    }
}
