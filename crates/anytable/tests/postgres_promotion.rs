//! Failover as production has it: a pg_auto_failover formation (scripts/postgres-autofailover.sh:
//! a monitor, a primary and a synchronous secondary) whose primary is killed hard under eight
//! writers while the monitor promotes the secondary. The writers reach the formation through one
//! URL listing both nodes with `target_session_attrs=read-write`, as applications do. What must
//! hold: every acknowledged write is on the new primary, none twice (a COMMIT whose answer was
//! lost is reported as such and never rerun by anytable: the application looks for its key),
//! writers resume within a bound, and afterwards, with the crashed node back as a read-only
//! secondary, no pooled session is to it.
#![cfg(feature = "postgres")]

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anytable::{Database, ErrorKind, Record};

const WRITERS: usize = 8;

/// How long writers may take to resume after the primary dies: the monitor's promotion takes
/// 3-5 s with scripts/postgres-autofailover.sh's health-check settings.
const RESUME_BOUND: Duration = Duration::from_secs(30);

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run through scripts/test, which starts a pg_auto_failover formation")
    })
}

/// Runs the formation's control script and returns what it printed.
fn control(args: &[&str]) -> String {
    let out = Command::new(env("ANYTABLE_AUTOFAILOVER_CTL"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "formation {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Not unique on purpose: a COMMIT run twice would show as a key written twice.
#[derive(Record, Debug, Clone)]
struct Written {
    #[anytable(id)]
    id: i64,
    key: String,
}

/// What became of one write.
#[derive(Debug)]
enum Outcome {
    /// Acknowledged; started and finished at these instants.
    Acknowledged(Instant, Instant),
    /// Its COMMIT's answer was lost; the key was then found present or absent (and written
    /// again, acknowledged).
    Unknown { found: bool },
    /// Failed with this error, which says nothing was committed.
    Failed(String),
}

fn insert(db: &Database, key: &str) -> anytable::Result<()> {
    db.transaction_with_retry(30, |tx| {
        let mut row = Written {
            id: 0,
            key: key.to_owned(),
        };
        tx.table::<Written>()?.insert(&mut row).map(drop)
    })
}

/// One write as an application following the error's advice does it.
fn write(db: &Database, key: &str) -> Outcome {
    let started = Instant::now();
    match insert(db, key) {
        Ok(()) => Outcome::Acknowledged(started, Instant::now()),
        Err(e) if e.kind() == ErrorKind::CommitOutcomeUnknown => {
            let count = db.transaction_with_retry(30, |tx| {
                tx.table::<Written>()?
                    .filter(Written::key().eq(key))
                    .count()
            });
            match count {
                Ok(0) => match insert(db, key) {
                    Ok(()) => Outcome::Unknown { found: false },
                    Err(e) => Outcome::Failed(format!("the rewrite after an unknown COMMIT: {e}")),
                },
                Ok(_) => Outcome::Unknown { found: true },
                Err(e) => Outcome::Failed(format!("looking for an unknown COMMIT's key: {e}")),
            }
        }
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

#[test]
fn promotion_of_the_secondary_loses_and_duplicates_no_acknowledged_write() {
    let schema = format!("anytable_promotion_{}", std::process::id());
    let url = format!(
        "{}&schema={schema}&timeout=3",
        env("ANYTABLE_AUTOFAILOVER_URL")
    );
    let db = Database::open(&url).unwrap();
    db.table::<Written>().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(BTreeMap::new()));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (db, stop, outcomes) = (db.clone(), Arc::clone(&stop), Arc::clone(&outcomes));
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let key = format!("{writer}-{n}");
                    let outcome = write(&db, &key);
                    outcomes.lock().unwrap().insert(key, (writer, outcome));
                    n += 1;
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        })
        .collect();
    let acknowledged = |outcomes: &Mutex<BTreeMap<String, (usize, Outcome)>>| {
        outcomes
            .lock()
            .unwrap()
            .values()
            .filter(|(_, o)| matches!(o, Outcome::Acknowledged(..)))
            .count()
    };

    std::thread::sleep(Duration::from_secs(1));
    let before = acknowledged(&outcomes);
    let crashed = control(&["crash-primary"]);
    // Once the script returns the primary is gone: what starts from here can only be
    // acknowledged by the promoted node.
    let crash = Instant::now();
    let (crashed_name, crashed_port) = crashed.trim().split_once(' ').unwrap();
    let url_ports = url
        .split("port=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let promoted_port = url_ports
        .split(',')
        .find(|port| *port != crashed_port)
        .unwrap()
        .to_owned();
    control(&["wait-primary", &promoted_port]);
    let promoted = crash.elapsed();

    // Every writer has had a write acknowledged that it began after the crash.
    let resumed = loop {
        let firsts: BTreeMap<usize, Duration> = outcomes
            .lock()
            .unwrap()
            .values()
            .filter_map(|(writer, o)| match o {
                Outcome::Acknowledged(start, end) if *start > crash => {
                    Some((*writer, *end - crash))
                }
                _ => None,
            })
            .fold(BTreeMap::new(), |mut firsts, (writer, at)| {
                let first = firsts.entry(writer).or_insert(at);
                *first = (*first).min(at);
                firsts
            });
        if firsts.len() == WRITERS {
            break firsts.into_values().max().unwrap();
        }
        assert!(
            crash.elapsed() < RESUME_BOUND,
            "only {} of {WRITERS} writers resumed within {RESUME_BOUND:?} of the crash",
            firsts.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    };

    // The crashed node comes back as the new primary's secondary (pg_rewind), read-only.
    control(&["rejoin", crashed_name]);
    let rejoined = acknowledged(&outcomes);
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let outcomes = Arc::try_unwrap(outcomes).unwrap().into_inner().unwrap();
    let after_rejoin = outcomes
        .values()
        .filter(|(_, o)| matches!(o, Outcome::Acknowledged(..)))
        .count()
        - rejoined;
    assert!(
        after_rejoin > 0,
        "nothing was written after the node rejoined"
    );

    // No pooled session is to the demoted node: each of as many sessions as there were writers
    // (held at once, so the pool hands out every idle one) is on the promoted primary.
    use anytable::backend::Connection;
    let mut sessions: Vec<_> = (0..WRITERS).map(|_| db.connection().unwrap()).collect();
    for session in &mut sessions {
        let mut row = Vec::new();
        session
            .query_row(
                "SELECT inet_server_port()::bigint, pg_is_in_recovery()",
                &[],
                &[anytable::ValueType::I64, anytable::ValueType::Bool],
                &mut row,
            )
            .unwrap();
        assert_eq!(
            row,
            vec![
                anytable::Value::I64(promoted_port.parse().unwrap()),
                anytable::Value::Bool(false)
            ],
            "a pooled session is not on the promoted primary (port {promoted_port})"
        );
    }
    drop(sessions);

    let mut present: BTreeMap<String, usize> = BTreeMap::new();
    for row in db.table::<Written>().unwrap().select().all().unwrap() {
        *present.entry(row.key).or_default() += 1;
    }
    let mut problems = Vec::new();
    let (mut unknown, mut found) = (0, 0);
    for (key, (_, outcome)) in &outcomes {
        let copies = present.get(key).copied().unwrap_or(0);
        match outcome {
            Outcome::Acknowledged(..) if copies != 1 => {
                problems.push(format!("{key}: acknowledged, present {copies} times"))
            }
            Outcome::Unknown { found: was } => {
                unknown += 1;
                found += usize::from(*was);
                if copies != 1 {
                    problems.push(format!("{key}: unknown COMMIT, present {copies} times"));
                }
            }
            Outcome::Failed(e) => {
                problems.push(format!("{key}: failed ({e}), present {copies} times"))
            }
            Outcome::Acknowledged(..) => {}
        }
    }
    let strays: Vec<_> = present
        .keys()
        .filter(|k| !outcomes.contains_key(*k))
        .collect();
    assert!(strays.is_empty(), "rows no writer wrote: {strays:?}");
    assert!(
        problems.is_empty(),
        "{} writes went wrong: {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    assert!(before > 0, "nothing was written before the crash");
    let longest = outcomes
        .values()
        .filter_map(|(_, o)| match o {
            Outcome::Acknowledged(start, end) => Some(*end - *start),
            _ => None,
        })
        .max()
        .unwrap();
    eprintln!(
        "promotion: {} writes from {WRITERS} writers ({before} before the crash), all present \
         once; {unknown} COMMITs of unknown outcome ({found} had landed); the secondary took \
         writes {:.1} s after the crash, every writer had resumed after {:.1} s, the longest \
         write took {:.1} s; {after_rejoin} writes after {crashed_name} rejoined as a secondary",
        outcomes.len(),
        promoted.as_secs_f64(),
        resumed.as_secs_f64(),
        longest.as_secs_f64()
    );
    drop(db);
    let primary = format!("postgres://anytable@127.0.0.1:{promoted_port}/postgres");
    anytable::postgres::drop_schema(&primary, &schema).unwrap();
}
