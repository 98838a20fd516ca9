//! Bounded waits on PostgreSQL: a peer that accepts the TCP connection and never answers (a
//! stalled TLS handshake or authentication), and a session whose server process stopped
//! (SIGSTOP), must cost at most `connect_timeout`, never an unbounded wait. The second needs
//! the plain server scripts/test starts (`ANYTABLE_POSTGRES_URL`), and to signal its process.
#![cfg(feature = "postgres")]

use std::net::TcpListener;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anytable::{Database, ErrorKind};

/// Runs `f` on its own thread and waits at most `limit` for it: an unbounded wait fails the
/// test instead of hanging it.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("still waiting after {limit:?}: the wait is unbounded"))
}

/// A listener on 127.0.0.1 that accepts connections and never says a word.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    port
}

#[test]
fn stall_a_silent_server_fails_the_open_within_connect_timeout() {
    let port = silent_server();
    for sslmode in ["disable", "require"] {
        let url = format!(
            "postgres://anytable:pw@127.0.0.1:{port}/postgres?connect_timeout=2&sslmode={sslmode}"
        );
        let started = Instant::now();
        let result = within(Duration::from_secs(30), move || {
            Database::open(&url).map(drop)
        });
        let took = started.elapsed();
        let err = result.expect_err("nothing answered");
        assert_eq!(err.kind(), ErrorKind::Connection, "{sslmode}: {err}");
        assert!(err.is_retryable(), "{sslmode}: {err}");
        assert!(
            took < Duration::from_secs(8),
            "{sslmode}: bounded by connect_timeout=2, took {took:?}"
        );
        assert!(
            err.message().contains("did not finish"),
            "{sslmode}: the error says what stalled: {err}"
        );
    }
}

/// `url` with `option` added to its query string.
fn with_option(url: &str, option: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{option}")
}

/// Resumes a stopped process when dropped, however the test ends.
struct Stopped(i32);

impl Stopped {
    fn stop(pid: i32) -> Stopped {
        let status = std::process::Command::new("kill")
            .args(["-STOP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -STOP {pid}");
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-CONT", &self.0.to_string()])
            .status();
    }
}

#[test]
fn stall_a_stopped_session_is_replaced_not_waited_for() {
    let server = std::env::var("ANYTABLE_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("ANYTABLE_POSTGRES_URL is not set: run through scripts/test, which starts a server")
    });
    let url = with_option(&with_option(&server, "pool_size=1"), "connect_timeout=2");
    let db = Database::open(&url).unwrap();
    let pid = db
        .query_scalar::<i32>("SELECT pg_backend_pid()", &[])
        .unwrap()
        .unwrap();
    let stopped = Stopped::stop(pid);
    // Idle past the pool's check-before-use age, so the next call pings the stopped session.
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let next = within(Duration::from_secs(30), move || {
        db.query_scalar::<i32>("SELECT pg_backend_pid()", &[])
    });
    let took = started.elapsed();
    drop(stopped);
    let next = next.expect("a fresh session serves the call").unwrap();
    assert_ne!(next, pid, "the stopped session was replaced");
    assert!(
        took < Duration::from_secs(8),
        "the ping is bounded by connect_timeout=2, took {took:?}"
    );
}

/// A replica that accepts and never answers costs one read its `connect_timeout`, then is
/// left alone (10 s, doubling to a minute) instead of costing a read every second; reads go on
/// on the primary meanwhile.
#[test]
fn stall_a_silent_replica_costs_one_read_not_one_a_second() {
    let server = std::env::var("ANYTABLE_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("ANYTABLE_POSTGRES_URL is not set: run through scripts/test, which starts a server")
    });
    let port = silent_server();
    let url = with_option(
        &with_option(&server, "connect_timeout=1"),
        &format!("replicas=127.0.0.1:{port}"),
    );
    let db = Database::open(&url).unwrap();
    let mut slow = 0;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        let db = db.clone();
        let read = Instant::now();
        let one = within(Duration::from_secs(30), move || {
            db.query_scalar::<i32>("SELECT 1", &[])
        });
        assert_eq!(one.unwrap(), Some(1), "the primary serves the read");
        // A read that paid the replica's connect_timeout (2 s, libpq's least) took at least
        // that long; a busy machine's plain read stays far below it.
        if read.elapsed() > Duration::from_millis(1500) {
            slow += 1;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        slow, 1,
        "one read paid the silent replica's connect_timeout"
    );
}
