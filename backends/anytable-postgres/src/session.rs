//! The settings every session of a pool runs with (`lock_timeout`, `search_path`,
//! `statement_timeout`, the caller's `options`), and how they reach the server: as startup
//! parameters on a direct connection, or as `set_config(.., true)` (`SET LOCAL`) at the start of every transaction
//! behind a pooler in transaction mode, which neither forwards startup options nor keeps a
//! client on one server session between transactions.

use std::time::Duration;

use anytable_core::sql::quote_identifier;
use anytable_core::{DatabaseUrl, Error, Result};

/// How a pool's connections carry their settings and statements.
#[derive(Debug)]
pub(crate) struct Session {
    /// What starts a transaction: BEGIN with the isolation level, then, behind a pooler, the
    /// settings (one round trip: a simple query of several statements).
    pub(crate) begin: String,
    /// Behind a pooler: what starts the transaction anytable wraps around a statement run
    /// outside one (the server's default isolation, as autocommit has); `None` otherwise.
    pub(crate) implicit_begin: Option<String>,
    /// The `options` startup parameter on a direct connection; `None` behind a pooler.
    pub(crate) startup_options: Option<String>,
    /// Behind a pooler: what applies the settings to a transaction begun by SQL the caller
    /// sent (`BEGIN`); `None` otherwise.
    pub(crate) settings: Option<String>,
    /// `target_session_attrs=read-write`: a new session goes to a host that takes writes, so
    /// a write refused as read-only (a demoted primary) may succeed when retried.
    pub(crate) seeks_writable: bool,
}

impl Session {
    /// Whether the server side is a pooler in transaction mode (`pooler=transaction`):
    /// statements are not cached across transactions and nothing runs outside one.
    pub(crate) fn pooled(&self) -> bool {
        self.implicit_begin.is_some()
    }
}

/// The settings `url` asks for, with `lock_timeout` = `timeout`.
/// The setting a direct session is started with to show that its startup options arrived:
/// a custom (dotted) setting, which nothing else sets.
pub(crate) const STARTED_MARK: (&str, &str) = ("anytable.started", "on");

pub(crate) fn from_url(url: &DatabaseUrl, timeout: Duration) -> Result<Session> {
    let begin = match url.option("isolation") {
        None | Some("repeatable_read") => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        Some("serializable") => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        Some("read_committed") => "BEGIN ISOLATION LEVEL READ COMMITTED",
        Some(other) => {
            return Err(Error::invalid_input(format!(
                "option isolation={other:?} must be repeatable_read, serializable or read_committed"
            )))
        }
    };
    let pooled = match url.option("pooler") {
        None | Some("none") | Some("session") => false,
        Some("transaction") => true,
        Some("statement") => {
            return Err(Error::unsupported(
                "pooler=statement: a pooler in statement mode cannot run transactions, which \
                 every write of anytable's is; use transaction or session mode",
            ))
        }
        Some(other) => {
            return Err(Error::invalid_input(format!(
                "option pooler={other:?} must be none, session or transaction"
            )))
        }
    };
    // A blocked write gives up after `timeout` instead of waiting forever.
    let mut settings = vec![(
        "lock_timeout".to_owned(),
        timeout.as_millis().max(1).to_string(),
    )];
    if let Some(schema) = url.option("schema") {
        if schema.is_empty() {
            return Err(Error::invalid_input("option schema= names no schema"));
        }
        settings.push(("search_path".to_owned(), quote_identifier(schema)));
    }
    if let Some(limit) = statement_timeout(url)? {
        // A statement running longer is cancelled by the server: `Timeout`.
        settings.push(("statement_timeout".to_owned(), limit));
    }
    let theirs = url.option("options").filter(|o| !o.trim().is_empty());
    let seeks_writable = url.option("target_session_attrs") == Some("read-write");
    if !pooled {
        // A marker only a startup option sets: a session without it went through something
        // that dropped the options (a pooler's ignore_startup_parameters), see `STARTED_MARK`.
        settings.push((STARTED_MARK.0.to_owned(), STARTED_MARK.1.to_owned()));
        let mut options: Vec<String> = settings
            .iter()
            .map(|(name, value)| format!("-c {name}={}", startup_escape(value)))
            .collect();
        if let Some(theirs) = theirs {
            // After anytable's, so that the caller's settings win.
            options.push(theirs.to_owned());
        }
        return Ok(Session {
            begin: begin.to_owned(),
            implicit_begin: None,
            startup_options: Some(options.join(" ")),
            settings: None,
            seeks_writable,
        });
    }
    if let Some(theirs) = theirs {
        settings.extend(parse_options(theirs)?);
    }
    // set_config(..., true) is SET LOCAL with the value read as a startup option reads it
    // (SET would take a quoted search_path as one literal name, quotes and all).
    let calls: Vec<String> = settings
        .iter()
        .map(|(name, value)| format!("set_config({}, {}, true)", literal(name), literal(value)))
        .collect();
    let settings = format!("SELECT {}", calls.join(", "));
    Ok(Session {
        begin: format!("{begin}; {settings}"),
        implicit_begin: Some(format!("BEGIN; {settings}")),
        startup_options: None,
        settings: Some(settings),
        seeks_writable,
    })
}

/// `statement_timeout=` as PostgreSQL's setting takes it: milliseconds, or a number with
/// `ms`, `s`, `min` or `h`.
fn statement_timeout(url: &DatabaseUrl) -> Result<Option<String>> {
    let Some(value) = url.option("statement_timeout") else {
        return Ok(None);
    };
    let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &value[digits.len()..];
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !matches!(unit, "" | "ms" | "s" | "min" | "h")
    {
        return Err(Error::invalid_input(format!(
            "statement_timeout={value:?} must be milliseconds or a number with ms, s, min or h"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// A value inside the `options` startup parameter, where a space separates arguments.
fn startup_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace(' ', "\\ ")
}

/// A SQL string literal (a simple query, as BEGIN is sent, takes no parameters).
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The settings in libpq's `options` (`-c name=value`, `-cname=value` or `--name=value`,
/// separated by spaces, `\` escaping a space), which behind a pooler become settings of the transaction.
fn parse_options(options: &str) -> Result<Vec<(String, String)>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            ' ' | '\t' => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut settings = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let setting = if word == "-c" {
            words.next().unwrap_or_default()
        } else if let Some(rest) = word.strip_prefix("-c").or(word.strip_prefix("--")) {
            rest.to_owned()
        } else {
            String::new()
        };
        let Some((name, value)) = setting.split_once('=') else {
            return Err(Error::invalid_input(format!(
                "options={options:?}: behind a pooler (pooler=transaction) each option must \
                 be a setting, -c name=value, which anytable sets in every transaction"
            )));
        };
        settings.push((name.replace('-', "_"), value.to_owned()));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(query: &str) -> Result<Session> {
        let url = DatabaseUrl::parse(&format!("postgres://u@h/db?{query}")).unwrap();
        from_url(&url, Duration::from_secs(5))
    }

    #[test]
    fn a_direct_connection_carries_settings_as_startup_options() {
        let s =
            session("schema=my%20schema&statement_timeout=2s&options=-c%20work_mem%3D8MB").unwrap();
        assert!(!s.pooled());
        assert_eq!(s.begin, "BEGIN ISOLATION LEVEL REPEATABLE READ");
        assert_eq!(
            s.startup_options.as_deref(),
            Some(
                "-c lock_timeout=5000 -c search_path=\"my\\ schema\" -c statement_timeout=2s \
                 -c anytable.started=on -c work_mem=8MB"
            )
        );
    }

    #[test]
    fn behind_a_pooler_every_transaction_sets_them_locally() {
        let s = session(
            "pooler=transaction&schema=it's&isolation=serializable&options=-c%20work_mem%3D8MB%20--geqo%3Doff",
        )
        .unwrap();
        assert!(s.pooled());
        assert_eq!(s.startup_options, None);
        let sets = "; SELECT set_config('lock_timeout', '5000', true), \
                    set_config('search_path', '\"it''s\"', true), \
                    set_config('work_mem', '8MB', true), set_config('geqo', 'off', true)";
        assert_eq!(s.begin, format!("BEGIN ISOLATION LEVEL SERIALIZABLE{sets}"));
        assert_eq!(s.implicit_begin, Some(format!("BEGIN{sets}")));
    }

    #[test]
    fn bad_pooler_settings_say_why() {
        for (query, kind) in [
            ("pooler=sometimes", anytable_core::ErrorKind::InvalidInput),
            ("pooler=statement", anytable_core::ErrorKind::Unsupported),
            (
                "pooler=transaction&options=-f%20s",
                anytable_core::ErrorKind::InvalidInput,
            ),
        ] {
            let err = session(query).unwrap_err();
            assert_eq!(err.kind(), kind, "{query}: {err}");
        }
    }
}
