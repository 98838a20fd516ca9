//! W5: a mixed load. Writer threads insert single rows and reader threads look rows up by id,
//! all at once for a fixed time; both sides report operations per second, the latency of each
//! operation (p50, p99) and the errors they met.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::report::{percentile, Measurement, Side};
use crate::workloads::basic::filled;
use crate::workloads::worker::Side as Who;
use crate::workloads::{row, BenchRow, Engine, Mode, RawClient, RawDriver, Settings};
use crate::{median_rate, rate};

/// Writer threads of the mixed load.
pub const WRITERS: usize = 8;
/// Reader threads of the mixed load.
pub const READERS: usize = 4;

/// What one side did in one run.
#[derive(Default)]
struct Load {
    writes: Vec<Duration>,
    reads: Vec<Duration>,
    write_errors: u64,
    read_errors: u64,
    elapsed: Duration,
}

/// One operation of a thread; its argument counts the thread's operations.
type Op<'a> = Box<dyn FnMut(u64) -> Result<(), String> + 'a>;

/// W5 on `engine`: a measurement for the writes and one for the reads.
pub fn mixed<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let seconds = Duration::from_secs_f64(s.mixed_seconds);
    let mode = Mode::Threads(WRITERS + READERS);
    let mut runs: [Vec<Load>; 2] = [Vec::new(), Vec::new()];
    for rep in 0..s.reps {
        let order = if rep % 2 == 0 {
            [Who::Anytable, Who::Raw]
        } else {
            [Who::Raw, Who::Anytable]
        };
        for who in order {
            let target = filled(engine, s.mixed_prefill);
            let prefill = s.mixed_prefill as u64;
            let load = match who {
                Who::Anytable => {
                    let db = engine.open(&target, mode);
                    let table = db.table::<BenchRow>().expect("table");
                    let table = &table;
                    run(
                        seconds,
                        || -> Op<'_> {
                            Box::new(move |n| {
                                table
                                    .insert(&mut row(n as usize))
                                    .map(drop)
                                    .map_err(|e| e.to_string())
                            })
                        },
                        |thread| -> Op<'_> {
                            Box::new(move |n| match table.get(pick(thread, n, prefill)) {
                                Ok(Some(r)) => {
                                    std::hint::black_box(r);
                                    Ok(())
                                }
                                Ok(None) => Err("a prefilled row is missing".into()),
                                Err(e) => Err(e.to_string()),
                            })
                        },
                    )
                }
                Who::Raw => {
                    let driver = engine.driver(&target, mode);
                    let driver = &driver;
                    run(
                        seconds,
                        || -> Op<'_> {
                            let mut client = driver.connect().expect("the raw driver connects");
                            Box::new(move |n| client.insert(&row(n as usize)).map(drop))
                        },
                        |thread| -> Op<'_> {
                            let mut client = driver.connect().expect("the raw driver connects");
                            Box::new(move |n| match client.get(pick(thread, n, prefill)) {
                                Ok(Some(r)) => {
                                    std::hint::black_box(r);
                                    Ok(())
                                }
                                Ok(None) => Err("a prefilled row is missing".into()),
                                Err(e) => Err(e),
                            })
                        },
                    )
                }
            };
            engine.remove(&target);
            runs[who as usize].push(load);
        }
    }
    let [ours, theirs] = runs;
    let label = format!("W5 mixed {WRITERS}w+{READERS}r");
    vec![
        Measurement {
            workload: format!("{label} writes"),
            backend: engine.label().to_owned(),
            anytable: summarize(&ours, |l| (&l.writes, l.write_errors)),
            raw: summarize(&theirs, |l| (&l.writes, l.write_errors)),
        },
        Measurement {
            workload: format!("{label} reads"),
            backend: engine.label().to_owned(),
            anytable: summarize(&ours, |l| (&l.reads, l.read_errors)),
            raw: summarize(&theirs, |l| (&l.reads, l.read_errors)),
        },
    ]
}

/// A pseudo-random id in `1..=rows`, different for each thread and operation.
fn pick(thread: usize, n: u64, rows: u64) -> i64 {
    let mut x = (thread as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x % rows) as i64 + 1
}

/// Runs the writer and reader threads together for `seconds`; each makes its operation in its
/// own thread (so a raw connection is opened where it is used) before the clock starts.
fn run<'a>(
    seconds: Duration,
    writer: impl Fn() -> Op<'a> + Sync,
    reader: impl Fn(usize) -> Op<'a> + Sync,
) -> Load {
    let start = Barrier::new(WRITERS + READERS + 1);
    std::thread::scope(|scope| {
        let (start, writer, reader) = (&start, &writer, &reader);
        let writers: Vec<_> = (0..WRITERS)
            .map(|thread| {
                scope.spawn(move || {
                    // Rows numbered apart per thread, so every row is distinct.
                    let first = (thread as u64 + 1) << 32;
                    timed_loop(start, seconds, writer(), first)
                })
            })
            .collect();
        let readers: Vec<_> = (0..READERS)
            .map(|thread| scope.spawn(move || timed_loop(start, seconds, reader(thread), 0)))
            .collect();
        start.wait();
        let started = Instant::now();
        let mut load = Load::default();
        for handle in writers {
            let (latencies, errors) = handle.join().expect("writer thread");
            load.writes.extend(latencies);
            load.write_errors += errors;
        }
        for handle in readers {
            let (latencies, errors) = handle.join().expect("reader thread");
            load.reads.extend(latencies);
            load.read_errors += errors;
        }
        load.elapsed = started.elapsed();
        load
    })
}

/// Repeats `op` from the common start until `seconds` have passed; the latency of every
/// operation that succeeded, and how many failed.
fn timed_loop(
    start: &Barrier,
    seconds: Duration,
    mut op: Op<'_>,
    first: u64,
) -> (Vec<Duration>, u64) {
    start.wait();
    let deadline = Instant::now() + seconds;
    let (mut latencies, mut errors) = (Vec::new(), 0);
    let mut n = first;
    loop {
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        match op(n) {
            Ok(()) => latencies.push(began.elapsed()),
            Err(e) => {
                if errors == 0 {
                    eprintln!("    first error in the mixed load: {e}");
                }
                errors += 1;
            }
        }
        n += 1;
    }
    (latencies, errors)
}

/// One side over every run: the median rate, latency percentiles over all operations, the sum
/// of errors.
fn summarize(runs: &[Load], part: impl Fn(&Load) -> (&Vec<Duration>, u64)) -> Side {
    let rates = runs
        .iter()
        .map(|l| rate(part(l).0.len(), l.elapsed))
        .collect();
    let mut all: Vec<Duration> = runs
        .iter()
        .flat_map(|l| part(l).0.iter().copied())
        .collect();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    Side {
        rows_per_s: median_rate(rates),
        p50_us: percentile(&mut all, 0.5).map(micros),
        p99_us: percentile(&mut all, 0.99).map(micros),
        errors: runs.iter().map(|l| part(l).1).sum(),
        ..Side::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picked_ids_stay_in_range_and_spread() {
        let ids: Vec<i64> = (0..1000).map(|n| pick(3, n, 50)).collect();
        assert!(ids.iter().all(|id| (1..=50).contains(id)));
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert!(distinct.len() > 40, "{} distinct ids", distinct.len());
    }
}
