//! Database URLs: `scheme://path?option=value`, `scheme::memory:`, `scheme:path`, and for
//! servers `scheme://user:password@host:port,host2/database?option=value`.
//!
//! One parser for every backend: file backends read [`DatabaseUrl::path`], server backends
//! [`DatabaseUrl::server`]; both are percent-decoded with the `percent-encoding` crate (after a
//! strict check that every `%` starts an escape), and options the same way.

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
    /// Between the scheme's `//` and the `?`, not decoded.
    location: String,
    /// Whether `//` followed the scheme, which a server's address needs.
    slashes: bool,
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
///
/// It errs on the side of hiding: everything from the first `:` of the user info (or the
/// scheme's own `:` when no `//` follows it) to the URL's last `@` is replaced, so a password
/// holding an unencoded `/`, `?` or `@` is hidden too, where the parser would split it into
/// other parts (and refuse the URL).
pub fn redact(url: &str) -> String {
    let out = redact_user_info(url);
    let Some((base, query)) = out.split_once('?') else {
        return out;
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// `url` with the text between the start of a possible password and the last `@` hidden.
fn redact_user_info(url: &str) -> String {
    let (Some(at), Some(colon)) = (url.rfind('@'), url.find(':')) else {
        return url.to_owned();
    };
    if colon > at {
        return url.to_owned();
    }
    let start = match url[colon + 1..].strip_prefix("//") {
        // `scheme:///path`: a file path, with no user info.
        Some(after) if after.starts_with('/') => return url.to_owned(),
        Some(_) => {
            let authority = colon + 3;
            match url[authority..at].find(':') {
                Some(i) => authority + i,
                // `user@host`: no password.
                None => return url.to_owned(),
            }
        }
        // `scheme:user:password@host` (or no scheme at all): hide from the first `:`.
        None => colon,
    };
    format!("{}:***{}", &url[..start], &url[at..])
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
        // A `?` in a password splits it into the options: refuse rather than guess (and
        // print only the redacted URL, which hides all of it).
        if let Some(q) = query {
            let authority = location.trim_start_matches('/');
            let user_info = !authority.contains('/') && authority.contains(':');
            if location != ":memory:" && user_info && q.contains('@') {
                return Err(Error::invalid_input(format!(
                    "database URL {shown:?} has an @ after its ?: percent-encode a ? in a \
                     password as %3F (and an @ in an option as %40)"
                )));
            }
        }
        let slashes = location.starts_with("//");
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
            location: location.to_owned(),
            slashes,
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

    /// The server a `scheme://user:password@host:port/database` URL names, each part
    /// percent-decoded; several hosts are separated by commas (`h1:5432,h2:5433`), an IPv6
    /// address is bracketed (`[::1]:5432`), and a host that decodes to a path
    /// (`%2Fvar%2Frun%2Fpostgresql`) is a Unix socket directory.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a port that is not a
    /// number from 1 to 65535, an empty host between commas, an unclosed `[`, or a bad escape.
    pub fn server(&self) -> Result<ServerAddress> {
        let shown = self.redacted();
        if !self.slashes {
            return Err(Error::invalid_input(format!(
                "database URL {shown:?} names a server without // after the scheme; write \
                 {}://user:password@host:port/database",
                self.scheme
            )));
        }
        // A `/` in a password would end the authority inside it: refuse rather than guess.
        if let (Some(slash), Some(at)) = (self.location.find('/'), self.location.rfind('@')) {
            if slash < at && self.location[..slash].contains(':') {
                return Err(Error::invalid_input(format!(
                    "database URL {shown:?} has a / before its last @: percent-encode a / in \
                     a password as %2F (or an @ in the database name as %40)"
                )));
            }
        }
        let (authority, database) = match self.location.split_once('/') {
            Some((authority, database)) => (authority, Some(database)),
            None => (self.location.as_str(), None),
        };
        let (user_info, hosts) = match authority.rsplit_once('@') {
            Some((user_info, hosts)) => (Some(user_info), hosts),
            None => (None, authority),
        };
        let (user, password) = match user_info.map(|u| u.split_once(':').unwrap_or((u, ""))) {
            Some((user, password)) => (
                Some(percent_decode(user, &shown)?).filter(|u| !u.is_empty()),
                Some(percent_decode(password, &shown)?).filter(|p| !p.is_empty()),
            ),
            None => (None, None),
        };
        let mut parsed = Vec::new();
        if !hosts.is_empty() {
            for host in hosts.split(',') {
                parsed.push(host_and_port(host, &shown)?);
            }
        }
        let database = match database {
            Some(d) if !d.is_empty() => Some(percent_decode(d, &shown)?),
            _ => None,
        };
        Ok(ServerAddress {
            user,
            password,
            hosts: parsed,
            database,
        })
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

/// The server part of a URL: who logs in, where, and which database; see
/// [`DatabaseUrl::server`].
#[derive(Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// The user name, if given.
    pub user: Option<String>,
    /// The password, if given (never shown by `Debug`).
    pub password: Option<String>,
    /// Each host with its port, in the order given; empty for the driver's default host.
    pub hosts: Vec<(String, Option<u16>)>,
    /// The database name, if given.
    pub database: Option<String>,
}

impl std::fmt::Debug for ServerAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerAddress")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("hosts", &self.hosts)
            .field("database", &self.database)
            .finish()
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, decoded.
fn host_and_port(text: &str, shown: &str) -> Result<(String, Option<u16>)> {
    let bad = |what: &str| Error::invalid_input(format!("database URL {shown:?} has {what}"));
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("an unclosed [ in a host"))?;
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(after.strip_prefix(':').ok_or_else(|| bad("text after ]"))?),
            ),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    if host.is_empty() {
        return Err(bad("an empty host (between commas, or before a port)"));
    }
    let port = match port {
        None => None,
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
            bad(
                "a port that is not a number from 1 to 65535 (a password holding /, ?, \
                         @ or : must be percent-encoded: %2F, %3F, %40, %3A)",
            )
        })?),
    };
    Ok((percent_decode(host, shown)?, port))
}

/// Decodes `%XX` escapes with the `percent-encoding` crate, after checking that each `%` starts
/// one (the crate passes a stray `%` through, which would hide a typo); errors show the whole
/// URL `shown` (already redacted), never the raw text, which may hold a password.
fn percent_decode(text: &str, shown: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let stray = bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if stray {
        return Err(Error::invalid_input(format!(
            "bad percent-escape (% not followed by two hex digits) in database URL {shown:?}; \
             write a literal % as %25"
        )));
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| {
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
    fn server_urls_split_into_their_parts() {
        let server = |url: &str| DatabaseUrl::parse(url).unwrap().server().unwrap();
        let s = server("postgres://ann:p%40ss@db.example:6543/app%20db?schema=x");
        assert_eq!(s.user.as_deref(), Some("ann"));
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert_eq!(s.hosts, [("db.example".to_owned(), Some(6543))]);
        assert_eq!(s.database.as_deref(), Some("app db"));
        assert!(!format!("{s:?}").contains("p@ss"));
        let s = server("postgresql://h1,h2:5433,[::1]:5434,[fe80::1]/db");
        assert_eq!(
            s.hosts,
            [
                ("h1".to_owned(), None),
                ("h2".to_owned(), Some(5433)),
                ("::1".to_owned(), Some(5434)),
                ("fe80::1".to_owned(), None),
            ]
        );
        assert_eq!((s.user, s.password), (None, None));
        let s = server("postgres://ann@%2Fvar%2Frun%2Fpostgresql/app");
        assert_eq!(s.hosts, [("/var/run/postgresql".to_owned(), None)]);
        let s = server("postgres://ann:p:w@rd@db/app");
        assert_eq!(s.password.as_deref(), Some("p:w@rd"));
        assert_eq!(server("postgres://").hosts, []);
        for bad in [
            "postgres://db:0/app",
            "postgres://db:99999/app",
            "postgres://db:port/app",
            "postgres://h1,,h2/app",
            "postgres://[::1/app",
            "postgres://ann:s3%zz@db/app",
        ] {
            let err = DatabaseUrl::parse(bad)
                .and_then(|u| u.server())
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
            assert!(!err.to_string().contains("s3"), "{bad}: {err}");
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
        // Every error path of a URL holding a password, each password written so that it
        // breaks the URL where the parser splits it: no error, and no Debug form, shows any
        // piece of it.
        for url in [
            "postgres:ann:s3cret@db/app",
            "postgres:ann:s3cret@db:x/app",
            "ann:s3cret@db/app",
            "postgres://ann:s3/cret@db/app",
            "postgres://ann:s3?cret@db/app",
            "postgres://ann:s3?c=ret@db/app",
            "postgres://ann:s3cret@db:99999/app",
            "postgres://ann:s3cret@db:x/app",
            "postgres://ann:s3cret@[::1/app",
            "postgres://ann:s3cret@db,/app",
            "postgres://ann:s3%zzcret@db/app",
            "postgres://ann:s3cret@db/app?timeout=x&count=0&bogus=1",
            "postgres://ann:s3cret@db/app?password=s3cret2",
            "post gres://ann:s3cret@db/app",
            "://ann:s3cret@db/app",
            "postgres://ann:s3:cr@et@db/app",
        ] {
            let mut shown = vec![redact(url)];
            match DatabaseUrl::parse(url) {
                Err(e) => shown.push(e.to_string()),
                Ok(parsed) => {
                    shown.push(format!("{parsed:?}"));
                    if let Err(e) = parsed.server() {
                        shown.push(e.to_string());
                    }
                    if let Ok(server) = parsed.server() {
                        shown.push(format!("{server:?}"));
                    }
                    for result in [
                        parsed.check_options(&["timeout", "count", "password"]),
                        parsed.seconds_option("timeout").map(drop),
                        parsed.count_option("count", 5).map(drop),
                    ] {
                        if let Err(e) = result {
                            shown.push(e.to_string());
                        }
                    }
                }
            }
            for text in shown {
                for piece in ["s3", "cret", "ret@", "cr@"] {
                    assert!(!text.contains(piece), "{url}: {text:?} shows {piece:?}");
                }
            }
        }
        assert!(DatabaseUrl::parse("postgres:ann:s3cret@db/app")
            .unwrap()
            .server()
            .is_err_and(|e| e.message().contains("without //")));
        for bad in [
            "postgres://ann:s3%zzcret@db/app",
            "postgres://ann:s3%ffcret@db/app",
        ] {
            let err = DatabaseUrl::parse(bad).unwrap_err();
            assert!(!err.to_string().contains("s3"), "{bad}: {err}");
        }
    }
}
