//! A PostgreSQL primary that crashes and comes back, under writers: scripts/test's durable
//! throwaway primary (`ANYTABLE_POSTGRES_PRIMARY_URL`, synchronous_commit on) and its control
//! script (`ANYTABLE_POSTGRES_PRIMARY_CTL stop|start`, an immediate shutdown and a restart on
//! the same port), reached through a URL listing it and its streaming replica as hosts with
//! `target_session_attrs=read-write` (libpq's failover list: the replica is refused as
//! read-only while the primary is down). Writers in transactions see retryable errors while it
//! is away, `transaction_with_retry` carries them through, and every acknowledged write is
//! there afterwards.
#![cfg(feature = "postgres")]

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anytable::{Database, OnConflict, Record};

/// The tests take turns: one crashes the server the other uses.
static SERVER: Mutex<()> = Mutex::new(());

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run through scripts/test, which starts a primary and a replica")
    })
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn address(url: &str) -> (String, String) {
    let rest = url.split_once('@').expect("user@").1;
    let authority = rest.split(['/', '?']).next().unwrap();
    let (host, port) = authority.rsplit_once(':').expect("host:port");
    (host.to_owned(), port.to_owned())
}

fn control(action: &str) {
    let status = Command::new(env("ANYTABLE_POSTGRES_PRIMARY_CTL"))
        .arg(action)
        .status()
        .unwrap();
    assert!(status.success(), "primary {action}: {status}");
}

#[derive(Record, Debug, Clone)]
struct Acknowledged {
    #[anytable(id)]
    id: i64,
    #[anytable(unique)]
    key: String,
}

#[test]
fn failover_a_crashed_primary_loses_no_acknowledged_write() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let primary = env("ANYTABLE_POSTGRES_PRIMARY_URL");
    let (host, primary_port) = address(&primary);
    let (_, replica_port) = address(&env("ANYTABLE_POSTGRES_REPLICA_URL"));
    let schema = format!("anytable_failover_{}", std::process::id());
    let url = format!(
        "postgres://anytable@/postgres?host={host},{host}&port={primary_port},{replica_port}\
         &target_session_attrs=read-write&schema={schema}&timeout=3"
    );
    let db = Database::open(&url).unwrap();
    db.table::<Acknowledged>().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    // The longest a write took, in milliseconds: one caught by the crash waits it out.
    let longest = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (db, stop) = (db.clone(), Arc::clone(&stop));
            let (acknowledged, failures) = (Arc::clone(&acknowledged), Arc::clone(&failures));
            let longest = Arc::clone(&longest);
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("{writer}-{n}");
                    // Idempotent: a rerun after a COMMIT whose answer was lost adds nothing.
                    let started = Instant::now();
                    let write = || {
                        db.transaction_with_retry(20, |tx| {
                            let mut row = Acknowledged {
                                id: 0,
                                key: key.clone(),
                            };
                            tx.table::<Acknowledged>()?.upsert(
                                &mut row,
                                OnConflict::column(Acknowledged::key()).do_nothing(),
                            )
                        })
                    };
                    // A COMMIT caught by the crash may have landed: anytable does not rerun
                    // it, the application does, because this write is idempotent.
                    let mut written = write();
                    for _ in 0..5 {
                        match &written {
                            Err(e) if e.kind() == anytable::ErrorKind::CommitOutcomeUnknown => {
                                written = write();
                            }
                            _ => break,
                        }
                    }
                    let took = started.elapsed().as_millis() as u64;
                    longest.fetch_max(took, Ordering::Relaxed);
                    match written {
                        Ok(_) => {
                            acknowledged.lock().unwrap().insert(key);
                        }
                        Err(e) => failures.lock().unwrap().push(e.to_string()),
                    }
                    n += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_secs(1));
    let before = acknowledged.lock().unwrap().len();
    control("stop");
    std::thread::sleep(Duration::from_secs(2));
    let during = acknowledged.lock().unwrap().len();
    control("start");
    let restarted = Instant::now();
    // Writes go on once the primary is back.
    while acknowledged.lock().unwrap().len() < during + 50 {
        assert!(
            restarted.elapsed() < Duration::from_secs(60),
            "writers did not resume within 60 s of the restart"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    assert!(before > 0, "nothing was written before the crash");
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "transaction_with_retry gave up {} times: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    let acknowledged = acknowledged.lock().unwrap();
    let present: BTreeSet<String> = db
        .table::<Acknowledged>()
        .unwrap()
        .select()
        .all()
        .unwrap()
        .into_iter()
        .map(|row| row.key)
        .collect();
    let longest = longest.load(Ordering::Relaxed);
    assert!(
        longest >= 1000,
        "no write waited out the 2 s crash (longest {longest} ms): it went unnoticed"
    );
    let lost: Vec<_> = acknowledged.difference(&present).collect();
    assert!(
        lost.is_empty(),
        "acknowledged writes lost in the crash: {lost:?}"
    );
    eprintln!(
        "failover: {} writes acknowledged ({before} before the crash, {} while it was down) \
         the longest in {longest} ms, all present",
        acknowledged.len(),
        during - before
    );
    drop(present);
    anytable::postgres::drop_schema(&primary, &schema).unwrap();
}

#[test]
fn failover_a_lost_session_is_retryable_and_a_refused_login_is_not() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let primary = env("ANYTABLE_POSTGRES_PRIMARY_URL");
    let db = Database::open(&primary).unwrap();
    let victim = db.connection().unwrap();
    drop(victim);
    // The server ends a session (as a failover or restart does): 57P01, retryable.
    let mut conn = db.connection().unwrap();
    use anytable::backend::Connection;
    let pid = {
        let mut row = Vec::new();
        conn.query_row(
            "SELECT pg_backend_pid()::bigint",
            &[],
            &[anytable::ValueType::I64],
            &mut row,
        )
        .unwrap();
        row[0].clone()
    };
    let killer = Database::open(&primary).unwrap();
    killer
        .execute("SELECT pg_terminate_backend(?::int)", &[pid])
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let err = conn.execute("SELECT 1", &[]).unwrap_err();
    assert_eq!(err.kind(), anytable::ErrorKind::Connection, "{err}");
    assert!(err.is_retryable(), "a lost session may be retried: {err}");
    drop(conn);
    // A login the server refuses: not retryable.
    let (host, port) = address(&primary);
    let err =
        Database::open(&format!("postgres://no_such_role@{host}:{port}/postgres")).unwrap_err();
    assert_eq!(err.kind(), anytable::ErrorKind::Connection, "{err}");
    assert!(!err.is_retryable(), "a refused login is not retried: {err}");
}
