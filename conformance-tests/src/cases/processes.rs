//! Several OS processes writing one database.
//!
//! Workers are real child processes: the test binary re-executes itself, running only the
//! `anytable_worker_entry` test that [`conformance_tests!`](crate::conformance_tests) adds, with
//! the work to do in the `ANYTABLE_CONFORMANCE_WORKER` environment variable. A backend whose
//! capabilities deny several writing processes must refuse a second process with `Locked`.

use std::collections::HashMap;
use std::io::BufRead;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use anytable::{Database, Error, ErrorKind};

use crate::cases::{every_row_once, note_rate};
use crate::params::{processes, rows, scale};
use crate::records::{Counter, SimpleRow};
use crate::{ensure, CaseResult, TestDb};

/// The environment variable that turns the test binary into a worker.
pub const WORKER_ENV: &str = "ANYTABLE_CONFORMANCE_WORKER";
const ERROR_PREFIX: &str = "anytable-worker-error:";
const DONE_MARKER: &str = "anytable-worker-done";
const HOLDING_MARKER: &str = "anytable-worker-holding";

/// The body of the `anytable_worker_entry` test: does nothing unless this process is a worker.
pub fn worker_entry() {
    let Ok(spec) = std::env::var(WORKER_ENV) else {
        return;
    };
    match run_worker(&spec) {
        Ok(()) => println!("{DONE_MARKER}"),
        Err(e) => {
            println!("{ERROR_PREFIX}{:?}:{e}", e.kind());
            panic!("worker failed: {e}");
        }
    }
}

/// Runs one worker job:
/// - `insert|url|tag|from|to` inserts `from..to` one row at a time, tagged `tag`;
/// - `batches|url|tag|rows|batch` inserts `0..rows` in transactions of `batch` rows;
/// - `watch|url|expected|batch` polls the row count until it is `expected`, failing if it ever
///   goes down or is not a whole number of batches;
/// - `increment|url|counter id|times` adds 1 to a counter `times` times, each a read-modify-write
///   transaction retried on conflicts;
/// - `migrate|url` migrates the journal table to version 2 and opens it;
/// - `hold|url|tag|counter id` writes 10 rows and the counter in a transaction, says so on
///   stdout, and waits (to be killed) without committing.
fn run_worker(spec: &str) -> anytable::Result<()> {
    let parts: Vec<&str> = spec.split('|').collect();
    let number = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| anytable::Error::invalid_input(format!("bad number {s:?} in {spec:?}")))
    };
    match parts[..] {
        ["insert", url, tag, from, to] => {
            let db = Database::open(url)?;
            let rows = db.table::<SimpleRow>()?;
            for number in number(from)?..number(to)? {
                rows.insert(&mut SimpleRow::new(tag, number))?;
            }
            Ok(())
        }
        ["batches", url, tag, rows, batch] => {
            let db = Database::open(url)?;
            let (rows, batch) = (number(rows)?, number(batch)?);
            for start in (0..rows).step_by(batch.max(1) as usize) {
                db.transaction_with_retry(1000, |tx| {
                    let table = tx.table::<SimpleRow>()?;
                    for n in start..(start + batch).min(rows) {
                        table.insert(&mut SimpleRow::new(tag, n))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        }
        ["watch", url, expected, batch] => {
            let db = Database::open(url)?;
            let (expected, batch) = (number(expected)? as u64, number(batch)? as u64);
            watch(&db, expected, batch)
        }
        ["hold", url, tag, id] => {
            let db = Database::open(url)?;
            let id = number(id)?;
            db.transaction(|tx| {
                let rows = tx.table::<SimpleRow>()?;
                for n in 0..10 {
                    rows.insert(&mut SimpleRow::new(tag, n))?;
                }
                tx.table::<Counter>()?
                    .update(Counter::id().eq(id), [Counter::value().set(100)])?;
                println!("{HOLDING_MARKER}");
                std::thread::sleep(Duration::from_secs(120));
                Err(Error::new(
                    ErrorKind::Timeout,
                    "nobody killed this worker within 120 s",
                ))
            })
        }
        ["migrate", url] => {
            let db = Database::open(url)?;
            db.migrate::<crate::records::JournalV2>()?;
            db.table::<crate::records::JournalV2>().map(drop)
        }
        ["increment", url, id, times] => {
            let db = Database::open(url)?;
            let id = number(id)?;
            for _ in 0..number(times)? {
                db.transaction_with_retry(1000, |tx| increment(&tx.table::<Counter>()?, id))?;
            }
            Ok(())
        }
        _ => Err(anytable::Error::invalid_input(format!(
            "bad worker spec {spec:?}"
        ))),
    }
}

/// Polls the count of `SimpleRow`s until it reaches `expected`, checking each count.
fn watch(db: &Database, expected: u64, batch: u64) -> anytable::Result<()> {
    let rows = db.table::<SimpleRow>()?;
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut last = 0;
    loop {
        let n = match rows.count() {
            Err(e) if e.is_retryable() && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            n => n?,
        };
        if n < last || !n.is_multiple_of(batch) || n > expected {
            return Err(Error::new(
                ErrorKind::Other,
                format!(
                    "a reader saw {n} rows after {last} (batches of {batch}, {expected} in all)"
                ),
            ));
        }
        if n == expected {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::new(
                ErrorKind::Timeout,
                format!("stuck at {n} of {expected} rows"),
            ));
        }
        last = n;
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads a counter and writes it back one higher, inside the caller's transaction.
fn increment(counters: &anytable::TableHandle<'_, Counter>, id: i64) -> anytable::Result<()> {
    let current = counters
        .get(id)?
        .ok_or_else(|| anytable::Error::new(ErrorKind::NotFound, format!("counter {id}")))?
        .value;
    counters.update(Counter::id().eq(id), [Counter::value().set(current + 1)])?;
    Ok(())
}

pub(crate) fn spawn_worker(job: &str) -> std::io::Result<std::process::Child> {
    Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "anytable_worker_entry",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(WORKER_ENV, job)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
}

/// The error kind a failed worker reported, if any.
fn worker_error(output: &Output) -> Option<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.split_once(ERROR_PREFIX).map(|(_, rest)| rest.to_owned()))
}

/// The doctable seed: 5 processes each insert their chunk of 0..100 with their tag; every
/// number is then present exactly once, with the right tag.
///
/// Without `multi_process_writers`, a persistent backend must refuse the second process with
/// `Locked` at once; an in-memory one cannot be shared across processes at all.
pub fn doctable_seed_processes(t: &TestDb) -> CaseResult {
    let caps = t.db.capabilities();
    if !caps.persistent {
        ensure!(
            !caps.multi_process_writers,
            "an in-memory database cannot claim multi-process writers"
        );
        t.restricted(IN_MEMORY);
        return Ok(());
    }
    t.db.table::<SimpleRow>()?;
    if !caps.multi_process_writers {
        return second_process_is_refused(t);
    }
    // The parent lets go of the file, as the seed's parent did after creating the table.
    let url = t.url.clone();
    let tags = ["AA", "BB", "CC", "DD", "EE"];
    let children = tags
        .iter()
        .enumerate()
        .map(|(i, tag)| spawn_worker(&format!("insert|{url}|{tag}|{}|{}", i * 20, (i + 1) * 20)))
        .collect::<std::io::Result<Vec<_>>>()?;
    wait_for_workers(children)?;
    let rows = t.db.table::<SimpleRow>()?.select().all()?;
    ensure!(rows.len() == 100, "{} rows", rows.len());
    let by_number: HashMap<i64, &str> = rows
        .iter()
        .map(|r| (r.number, r.process.as_str()))
        .collect();
    for n in 0..100 {
        let expected = tags[(n / 20) as usize];
        ensure!(
            by_number.get(&n) == Some(&expected),
            "number {n} tagged {expected}: {:?}",
            by_number.get(&n)
        );
    }
    Ok(())
}

/// Several processes increment one counter in read-modify-write transactions, retrying on
/// conflicts and lock timeouts: no increment is lost.
///
/// Backends without `multi_process_writers` must refuse the second process as in
/// [`doctable_seed_processes`].
pub fn processes_increment_one_counter(t: &TestDb) -> CaseResult {
    let caps = t.db.capabilities();
    let counters = t.db.table::<Counter>()?;
    if !caps.persistent {
        t.restricted(IN_MEMORY);
        return Ok(());
    }
    if !caps.multi_process_writers {
        return second_process_is_refused(t);
    }
    let (workers, times) = (4, 10 * scale());
    let id = counters.insert(&mut Counter {
        id: 0,
        name: "shared".into(),
        value: 0,
    })?;
    let children = (0..workers)
        .map(|_| spawn_worker(&format!("increment|{}|{id}|{times}", t.url)))
        .collect::<std::io::Result<Vec<_>>>()?;
    wait_for_workers(children)?;
    let value = counters.get(id)?.ok_or("the counter is still there")?.value;
    let expected = (workers * times) as i64;
    ensure!(value == expected, "counter is {value}, expected {expected}");
    Ok(())
}

/// [`processes`] writer processes (4) each insert 5 × [`rows`] rows (500) in transactions of 50
/// while 2 reader processes poll the count: every row arrives exactly once, and no reader ever
/// sees part of a transaction or the count go down.
pub fn processes_write_while_others_read(t: &TestDb) -> CaseResult {
    const BATCH: usize = 50;
    let caps = t.db.capabilities();
    if !caps.persistent {
        t.restricted(IN_MEMORY);
        return Ok(());
    }
    let table = t.db.table::<SimpleRow>()?;
    if !caps.multi_process_writers {
        return second_process_is_refused(t);
    }
    let (writers, per_writer) = (processes(), 5 * rows());
    let total = writers * per_writer.div_ceil(BATCH) * BATCH;
    let started = Instant::now();
    let mut children = Workers::default();
    for w in 0..writers {
        children.spawn(&format!("batches|{}|P{w}|{per_writer}|{BATCH}", t.url))?;
    }
    for _ in 0..2 {
        children.spawn(&format!("watch|{}|{total}|{BATCH}", t.url))?;
    }
    children.wait_all()?;
    let all = table.select().all()?;
    every_row_once(&all, writers * per_writer)?;
    let what = format!("{writers} processes x {per_writer} rows with 2 reader processes");
    note_rate(t, &what, all.len(), started);
    Ok(())
}

/// A process killed (SIGKILL) inside a write transaction leaves none of its rows, and the
/// others can write right after it dies, without waiting out a lock.
pub fn killed_process_leaves_no_partial_rows(t: &TestDb) -> CaseResult {
    let caps = t.db.capabilities();
    if !caps.persistent {
        t.restricted(IN_MEMORY);
        return Ok(());
    }
    let rows = t.db.table::<SimpleRow>()?;
    let counters = t.db.table::<Counter>()?;
    if !caps.multi_process_writers {
        return second_process_is_refused(t);
    }
    let id = counters.insert(&mut Counter {
        id: 0,
        name: "killed".into(),
        value: 0,
    })?;
    let mut child = spawn_worker(&format!("hold|{}|KILLED|{id}", t.url))?;
    let stdout = child.stdout.take().ok_or("the worker's stdout")?;
    let (held_tx, held) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains(HOLDING_MARKER) {
                let _ = held_tx.send(());
            }
        }
    });
    let holding = held.recv_timeout(Duration::from_secs(60));
    child.kill()?;
    let output = child.wait_with_output()?;
    if holding.is_err() {
        return Err(format!(
            "the worker never reported its open transaction: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let started = Instant::now();
    t.db.transaction(|tx| {
        tx.table::<Counter>()?
            .update(Counter::id().eq(id), [Counter::value().set(1)])?;
        tx.table::<SimpleRow>()?
            .insert(&mut SimpleRow::new("AFTER", 0))
    })?;
    let waited = started.elapsed();
    ensure!(
        waited < Duration::from_secs(20),
        "the next writer waited {waited:?}"
    );
    let all = rows.select().all()?;
    ensure!(
        all.len() == 1 && all[0].process == "AFTER",
        "no row of the killed transaction: {:?}",
        all.iter().map(|r| &r.process).collect::<Vec<_>>()
    );
    let value = counters.get(id)?.ok_or("counter")?.value;
    ensure!(
        value == 1,
        "the killed transaction's update is gone: {value}"
    );
    Ok(())
}

/// Child processes that are killed if the case ends early, so none outlives a failed case.
#[derive(Default)]
struct Workers(Vec<Child>);

impl Workers {
    fn spawn(&mut self, job: &str) -> std::io::Result<()> {
        self.0.push(spawn_worker(job)?);
        Ok(())
    }

    /// Waits for every worker in turn; the first failure ends the wait (and kills the rest).
    fn wait_all(mut self) -> CaseResult {
        while !self.0.is_empty() {
            let child = self.0.remove(0);
            wait_for_workers(vec![child])?;
        }
        Ok(())
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Why a case cannot use other processes on an in-memory database.
pub(crate) const IN_MEMORY: &str = "in memory: no other process can open it";

/// A second process opening the database gets `Locked`, quickly.
pub(crate) fn second_process_is_refused(t: &TestDb) -> CaseResult {
    t.restricted(
        "one writing process at a time: a second process is refused with Locked (asserted)",
    );
    let started = std::time::Instant::now();
    let output = spawn_worker(&format!("insert|{}|XX|0|1", t.url))?.wait_with_output()?;
    let elapsed = started.elapsed();
    ensure!(!output.status.success(), "a second process must be refused");
    let error = worker_error(&output).ok_or("the worker reported no error")?;
    ensure!(
        error.starts_with(&format!("{:?}:", ErrorKind::Locked)),
        "the refusal is Locked: {error}"
    );
    ensure!(
        elapsed.as_secs() < 20,
        "refused quickly, not after a wait: {elapsed:?}"
    );
    Ok(())
}

/// Waits for every worker and checks that each one did its work.
pub(crate) fn wait_for_workers(children: Vec<std::process::Child>) -> CaseResult {
    for child in children {
        let output = child.wait_with_output()?;
        ensure!(
            output.status.success(),
            "worker failed: {:?}\n{}",
            worker_error(&output),
            String::from_utf8_lossy(&output.stderr)
        );
        ensure!(
            String::from_utf8_lossy(&output.stdout).contains(DONE_MARKER),
            "the worker did no work: add anytable_conformance::worker_entry!() to this test file"
        );
    }
    Ok(())
}
