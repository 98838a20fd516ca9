//! libpq's connection parameters on `postgres://` URLs, against the server in
//! `ANYTABLE_POSTGRES_URL` (scripts/test starts a throwaway one): each with libpq's meaning, or
//! a typed error where it is not supported yet.
#![cfg(feature = "postgres")]

use std::time::{Duration, Instant};

use anytable::{Database, ErrorKind};

fn server() -> String {
    std::env::var("ANYTABLE_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("ANYTABLE_POSTGRES_URL is not set: run through scripts/test, which starts a server")
    })
}

/// The server URL with `params` added to its query.
fn with(params: &str) -> String {
    let url = server();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{params}")
}

fn scalar(db: &Database, sql: &str) -> Option<String> {
    db.query_scalar::<Option<String>>(sql, &[])
        .unwrap()
        .flatten()
}

#[test]
fn host_may_name_a_unix_socket_directory() {
    let tcp = Database::open(&server()).unwrap();
    let dir = scalar(&tcp, "SELECT current_setting('unix_socket_directories')")
        .expect("the server listens on a socket");
    let port = scalar(&tcp, "SELECT current_setting('port')").unwrap();
    let dir = dir.split(',').next().unwrap().trim().to_owned();
    let url = format!("postgres://anytable@/postgres?host={dir}&port={port}");
    let db = Database::open(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(
        scalar(&db, "SELECT inet_server_addr()::text"),
        None,
        "a Unix socket connection has no server address"
    );
}

#[test]
fn application_name_and_options_reach_the_session() {
    let db = Database::open(&with(
        "application_name=billing&options=-c%20work_mem%3D8MB",
    ))
    .unwrap();
    assert_eq!(
        scalar(&db, "SELECT current_setting('application_name')").as_deref(),
        Some("billing")
    );
    assert_eq!(scalar(&db, "SHOW work_mem").as_deref(), Some("8MB"));
}

#[test]
fn statement_timeout_cancels_a_long_statement_as_a_timeout() {
    let db = Database::open(&with("statement_timeout=200ms")).unwrap();
    let started = Instant::now();
    let err = db.execute("SELECT pg_sleep(5)", &[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.is_retryable(), "a timeout may be retried");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        db.query_scalar::<i64>("SELECT 1::bigint", &[]).unwrap(),
        Some(1),
        "the connection works afterwards"
    );
    for bad in [
        "statement_timeout=soon",
        "statement_timeout=5days",
        "statement_timeout=",
    ] {
        let err = Database::open(&with(bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
    }
}

#[test]
fn a_unix_socket_beside_tcp_hosts_needs_a_mode_that_allows_plain_text() {
    let tcp = Database::open(&server()).unwrap();
    let dir = scalar(&tcp, "SELECT current_setting('unix_socket_directories')").unwrap();
    let dir = dir.split(',').next().unwrap().trim().to_owned();
    let port = scalar(&tcp, "SELECT current_setting('port')").unwrap();
    let list = format!("postgres://anytable@/postgres?host={dir},127.0.0.1&port={port},{port}");
    // libpq would take the socket in plain text; one TLS mode for the list cannot.
    for mode in ["require", "verify-full&sslrootcert=system"] {
        let err = Database::open(&format!("{list}&sslmode={mode}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "sslmode={mode}: {err}");
        assert!(err.message().contains("Unix socket"), "{err}");
    }
    let db = Database::open(&format!("{list}&sslmode=prefer")).unwrap();
    assert_eq!(
        scalar(&db, "SELECT inet_server_addr()::text"),
        None,
        "the socket, first in the list, is used"
    );
}

#[test]
fn sslmode_and_timeouts_follow_libpq_or_say_why_not() {
    for mode in ["disable", "allow", "prefer"] {
        Database::open(&with(&format!("sslmode={mode}")))
            .unwrap_or_else(|e| panic!("sslmode={mode}: {e}"));
    }
    // Checking a certificate needs roots to check it against (more in postgres_tls.rs).
    for mode in ["verify-ca", "verify-full"] {
        let err =
            Database::open(&with(&format!("sslmode={mode}&sslrootcert=/nonexistent"))).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "sslmode={mode}: {err}");
        assert!(err.message().contains("/nonexistent"), "{err}");
    }
    for bad in [
        "sslmode=sometimes",
        "connect_timeout=soon",
        "connect_timeout=0",
        "target_session_attrs=whatever",
        "port=notaport",
    ] {
        let err = Database::open(&with(bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
    }
    let err = Database::open(&with("target_session_attrs=standby")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
}

#[test]
fn read_write_sessions_skip_a_host_that_is_down() {
    let tcp = Database::open(&server()).unwrap();
    let port = scalar(&tcp, "SELECT current_setting('port')").unwrap();
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let url = format!(
        "postgres://anytable@127.0.0.1:{dead_port},127.0.0.1:{port}/postgres?target_session_attrs=read-write&connect_timeout=5"
    );
    let db = Database::open(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
    assert_eq!(
        scalar(&db, "SELECT current_setting('transaction_read_only')").as_deref(),
        Some("off")
    );
}

#[test]
fn connect_timeout_bounds_the_wait_for_a_host_that_never_answers() {
    // TEST-NET-1 (RFC 5737): routed nowhere, so the connection attempt hangs or fails at once.
    let started = Instant::now();
    let err = Database::open("postgres://anytable@192.0.2.1:5432/postgres?connect_timeout=2")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
