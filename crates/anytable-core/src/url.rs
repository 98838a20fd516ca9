//! Database URLs: `scheme://path?option=value`, `scheme::memory:`, `scheme:path`.

use std::time::Duration;

use crate::error::{Error, Result};

/// A parsed database URL. Backends read their path and options from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    scheme: String,
    path: String,
    memory: bool,
    options: Vec<(String, String)>,
}

impl DatabaseUrl {
    /// Parses `url`; errors name what is wrong and show a valid example.
    pub fn parse(url: &str) -> Result<Self> {
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid_input(
                "empty database URL; expected e.g. \"sqlite://data.db\" or \"sqlite::memory:\"",
            ));
        }
        let Some(colon) = trimmed.find(':') else {
            return Err(Error::invalid_input(format!(
                "database URL {trimmed:?} has no scheme; expected e.g. \"sqlite://{trimmed}\""
            )));
        };
        let scheme = trimmed[..colon].to_ascii_lowercase();
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            return Err(Error::invalid_input(format!(
                "database URL {trimmed:?} has an invalid scheme {scheme:?}"
            )));
        }
        let rest = &trimmed[colon + 1..];
        let (location, query) = match rest.find('?') {
            Some(q) => (&rest[..q], Some(&rest[q + 1..])),
            None => (rest, None),
        };
        let location = location.strip_prefix("//").unwrap_or(location);
        let memory = matches!(location, ":memory:" | "memory:" | "");
        let path = if memory {
            String::new()
        } else {
            percent_decode(location)?
        };
        let mut options = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            options.push((
                percent_decode(key)?.to_ascii_lowercase(),
                percent_decode(value)?,
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

    /// Option `key` as seconds (fractions allowed), e.g. `timeout=15` or `timeout=0.5`.
    pub fn seconds_option(&self, key: &str) -> Result<Option<Duration>> {
        let Some(value) = self.option(key) else {
            return Ok(None);
        };
        value
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
            .map(|s| Some(Duration::from_secs_f64(s)))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "option {key}={value:?} must be a number of seconds, e.g. {key}=15"
                ))
            })
    }

    /// Option `key` as a positive integer.
    pub fn count_option(&self, key: &str) -> Result<Option<u32>> {
        let Some(value) = self.option(key) else {
            return Ok(None);
        };
        value
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "option {key}={value:?} must be a positive whole number"
                ))
            })
    }
}

fn percent_decode(text: &str) -> Result<String> {
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
                    "bad percent-escape in database URL near {:?}",
                    &text[i..]
                )));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| Error::invalid_input("database URL decodes to invalid UTF-8"))
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
}
