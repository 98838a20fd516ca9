//! PostgreSQL read replicas (`replicas=`), against the throwaway primary and streaming replica
//! scripts/test starts (`ANYTABLE_POSTGRES_REPLICATED_URL`: the primary's URL naming the
//! replica; `ANYTABLE_POSTGRES_REPLICA_URL`: the replica itself). The conformance case
//! `replicas::reads_go_to_a_replica_and_writes_to_the_primary` runs there as well; these check
//! what only PostgreSQL can show: the replica refuses writes itself, and one that lags more
//! than `max_replica_lag` is not read from until it catches up.
#![cfg(feature = "postgres")]

use std::time::{Duration, Instant};

use anytable::backend::Connection;
use anytable::{Database, ErrorKind, Record};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run through scripts/test, which starts a primary and a replica")
    })
}

#[derive(Record, Debug, Clone, PartialEq)]
struct Lagged {
    #[anytable(id)]
    id: i64,
    note: String,
}

/// The tests that pause the replica's replay take turns.
static REPLAY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Waits until `done` holds, for at most 30 s.
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{what}: not within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn replica_refuses_writes_itself() {
    let replica = Database::open(&env("ANYTABLE_POSTGRES_REPLICA_URL")).unwrap();
    assert!(replica.read_connection().unwrap().on_replica().unwrap());
    assert!(replica.connection().unwrap().on_replica().unwrap());
    let err = replica
        .execute("CREATE TABLE anytable_refused (x int)", &[])
        .unwrap_err();
    assert_eq!(err.code(), Some("25006"), "{err}");
    assert!(
        !err.is_retryable(),
        "a write to a replica never succeeds: {err}"
    );
    // Without replicas= the primary's own URL serves every read itself.
    let primary = Database::open(&env("ANYTABLE_POSTGRES_PRIMARY_URL")).unwrap();
    assert!(!primary.capabilities().replica_reads);
    assert!(!primary.read_connection().unwrap().on_replica().unwrap());
}

#[test]
fn replica_lagging_past_its_limit_is_not_read_from() {
    let _turn = REPLAY.lock().unwrap_or_else(|e| e.into_inner());
    let schema = format!("anytable_lag_{}", std::process::id());
    let url = format!(
        "{}&schema={schema}&max_replica_lag=1",
        env("ANYTABLE_POSTGRES_REPLICATED_URL")
    );
    let db = Database::open(&url).unwrap();
    assert!(db.capabilities().replica_reads);
    let rows = db.table::<Lagged>().unwrap();
    eventually("reads go to the replica once it has the table", || {
        db.read_connection().unwrap().on_replica().unwrap()
    });
    assert_eq!(rows.count().unwrap(), 0);

    let replica = Database::open(&env("ANYTABLE_POSTGRES_REPLICA_URL")).unwrap();
    replica
        .execute("SELECT pg_wal_replay_pause()", &[])
        .unwrap();
    // Another writer (not this pool, whose reads would then stay on the primary anyway).
    let other = Database::open(&format!(
        "{}?schema={schema}",
        env("ANYTABLE_POSTGRES_PRIMARY_URL")
    ))
    .unwrap();
    let mut row = Lagged {
        id: 0,
        note: "while paused".into(),
    };
    other.table::<Lagged>().unwrap().insert(&mut row).unwrap();
    // The replica falls behind: once measured past a second, reads are the primary's.
    eventually("a lagging replica is skipped", || {
        !db.read_connection().unwrap().on_replica().unwrap()
    });
    assert_eq!(rows.count().unwrap(), 1, "the primary serves the read");

    replica
        .execute("SELECT pg_wal_replay_resume()", &[])
        .unwrap();
    eventually("the replica is read from again once it caught up", || {
        db.read_connection().unwrap().on_replica().unwrap()
    });
    assert_eq!(rows.count().unwrap(), 1, "the replica has replayed the row");
    drop((rows, db, other));
    anytable::postgres::drop_schema(&env("ANYTABLE_POSTGRES_PRIMARY_URL"), &schema).unwrap();
}

/// `max_replica_lag=0` means no read ever misses a write the primary committed before it
/// began: the replica is read from only when it has replayed everything the primary had
/// written when the read began, measured for each read (a cached measurement, or one taken
/// against what the replica itself had received, let such reads through).
#[test]
fn replica_lag_zero_never_serves_a_stale_read() {
    let _turn = REPLAY.lock().unwrap_or_else(|e| e.into_inner());
    let schema = format!("anytable_lag0_{}", std::process::id());
    let url = format!(
        "{}&schema={schema}&max_replica_lag=0",
        env("ANYTABLE_POSTGRES_REPLICATED_URL")
    );
    let db = Database::open(&url).unwrap();
    let rows = db.table::<Lagged>().unwrap();
    eventually("reads go to the replica once it has the table", || {
        db.read_connection().unwrap().on_replica().unwrap()
    });
    let replica = Database::open(&env("ANYTABLE_POSTGRES_REPLICA_URL")).unwrap();
    let other = Database::open(&format!(
        "{}?schema={schema}",
        env("ANYTABLE_POSTGRES_PRIMARY_URL")
    ))
    .unwrap();
    let written = other.table::<Lagged>().unwrap();
    for n in 1..=5 {
        replica
            .execute("SELECT pg_wal_replay_pause()", &[])
            .unwrap();
        // Another writer's row, committed on the primary before the read below begins.
        let mut row = Lagged {
            id: 0,
            note: format!("while paused {n}"),
        };
        written.insert(&mut row).unwrap();
        assert_eq!(rows.count().unwrap(), n, "read {n} saw every committed row");
        replica
            .execute("SELECT pg_wal_replay_resume()", &[])
            .unwrap();
        eventually("the replica is read from again once it caught up", || {
            db.read_connection().unwrap().on_replica().unwrap()
        });
        assert_eq!(rows.count().unwrap(), n, "the caught-up replica has it");
    }
    drop((rows, db, written, other));
    anytable::postgres::drop_schema(&env("ANYTABLE_POSTGRES_PRIMARY_URL"), &schema).unwrap();
}

#[test]
fn replica_options_are_checked() {
    let primary = env("ANYTABLE_POSTGRES_PRIMARY_URL");
    for bad in [
        "replicas=",
        "replicas=127.0.0.1:notaport",
        "replicas=127.0.0.1:5432&max_replica_lag=soon",
        "replicas=127.0.0.1:5432&max_replica_lag=-1",
        "max_replica_lag=5",
    ] {
        let err = Database::open(&format!("{primary}?{bad}")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}: {err}");
    }
    // A replica that cannot be reached is not an error: the primary serves the reads.
    let db = Database::open(&format!("{primary}?replicas=127.0.0.1:1&timeout=2")).unwrap();
    assert!(!db.read_connection().unwrap().on_replica().unwrap());
    assert_eq!(db.query_scalar::<i64>("SELECT 1", &[]).unwrap(), Some(1));
}

/// A query that takes a lock or changes state that only the primary's matters for (an
/// advisory lock, a row lock, a sequence draw) goes to the primary even outside a
/// transaction: an advisory lock taken on a replica guards nothing.
#[test]
fn replica_locks_are_taken_on_the_primary() {
    let db = Database::open(&env("ANYTABLE_POSTGRES_REPLICATED_URL")).unwrap();
    eventually("reads go to the replica", || {
        db.read_connection().unwrap().on_replica().unwrap()
    });
    let plain = db
        .query_scalar::<bool>("SELECT pg_is_in_recovery()", &[])
        .unwrap();
    assert_eq!(plain, Some(true), "a plain read goes to the replica");
    for sql in [
        "SELECT pg_try_advisory_xact_lock(42), pg_is_in_recovery()",
        "select SET_CONFIG('application_name', 'x', true) = 'x', pg_is_in_recovery()",
    ] {
        let got = db.query_one::<(bool, bool)>(sql, &[]).unwrap();
        assert_eq!(got, Some((true, false)), "{sql}: on the primary");
    }
}
