//! The workloads for a library with a blocking API, over [`Client`]: one client per thread.

use std::time::Instant;

use super::protocol::{self, Args, Latencies, Outcome, Workload};

/// One connection of a blocking library, doing each workload the library's way.
pub trait Client {
    /// The library's struct for a row.
    type Row;
    /// Row `i` (the id left for the database).
    fn make(i: usize) -> Self::Row;
    /// W1: `rows` single inserts of rows `0..rows` in one transaction, each handing back its id
    /// and the timestamp the database filled in (checked with [`protocol::check_created`]);
    /// returns the sum of the ids.
    fn single_inserts(&mut self, rows: usize) -> i64;
    /// W2: every row through the library's bulk API, in one transaction.
    fn bulk_insert(&mut self, rows: &[Self::Row]);
    /// W3: every row of the table into structs, collected; returns how many and the sum of
    /// their `number`.
    fn read_all(&mut self) -> (usize, i64);
    /// The row with this id (it exists); returns its `number`.
    fn get(&mut self, id: i64) -> i64;
    /// Inserts row `i` on its own.
    fn insert(&mut self, i: usize);
    /// How many rows the table holds.
    fn count(&mut self) -> i64;
}

/// Runs `args`' workload; `connect` opens a client (one per thread of W5 and W6).
pub fn run<C: Client>(args: &Args, connect: impl Fn() -> C + Sync) -> Outcome {
    match args.workload {
        Workload::Single => {
            let mut c = connect();
            let started = Instant::now();
            let ids = c.single_inserts(args.rows);
            Outcome::new(args.rows, started.elapsed(), ids)
        }
        Workload::Bulk => {
            let mut c = connect();
            let rows: Vec<C::Row> = (0..args.rows).map(C::make).collect();
            let started = Instant::now();
            c.bulk_insert(&rows);
            Outcome::new(args.rows, started.elapsed(), args.rows as i64)
        }
        Workload::Scan => {
            let mut c = connect();
            let started = Instant::now();
            let (n, sum) = c.read_all();
            Outcome::new(n, started.elapsed(), sum)
        }
        Workload::Lookups => {
            let mut c = connect();
            let started = Instant::now();
            let sum = (0..args.rows)
                .map(|k| c.get(protocol::lookup_id(k, args.table_rows)))
                .sum();
            Outcome::new(args.rows, started.elapsed(), sum)
        }
        Workload::Mixed | Workload::Seed => {
            let seed = args.workload == Workload::Seed;
            let go_on = |started: Instant, n: usize| {
                if seed {
                    n < args.rows
                } else {
                    started.elapsed() < args.duration()
                }
            };
            let (results, elapsed) = protocol::threads(
                args.writers,
                args.readers,
                |w, barrier| {
                    let mut c = connect();
                    barrier.wait();
                    let (started, mut lat, mut n) = (Instant::now(), Latencies::default(), 0);
                    while go_on(started, n) {
                        let op = Instant::now();
                        c.insert(w * 1_000_000 + n);
                        lat.record(op);
                        n += 1;
                    }
                    (n, lat)
                },
                |r, barrier| {
                    let mut c = connect();
                    barrier.wait();
                    let (started, mut lat, mut n) = (Instant::now(), Latencies::default(), 0);
                    while go_on(started, n) {
                        let op = Instant::now();
                        if seed {
                            std::hint::black_box(c.count());
                        } else {
                            std::hint::black_box(
                                c.get(protocol::lookup_id(r * 7 + n, args.table_rows)),
                            );
                        }
                        lat.record(op);
                        n += 1;
                    }
                    (n, lat)
                },
            );
            protocol::load_outcome(args, results, elapsed)
        }
    }
}
