//! The workloads for a tokio-based library, over [`Client`]: W1-W4 awaited in one task, W5 and
//! W6 as tasks on a multi-threaded runtime, one client each, as such libraries' docs show.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use crate::protocol::{self, Args, Latencies, Outcome, Workload};

/// One connection (or pool handle) of an async library, doing each workload its way.
pub trait Client: Send + 'static {
    /// The library's struct for a row.
    type Row: Send + Sync + 'static;
    /// Row `i` (the id left for the database).
    fn make(i: usize) -> Self::Row;
    /// W1, as [`crate::sync_run::Client::single_inserts`].
    fn single_inserts(&mut self, rows: usize) -> impl Future<Output = i64> + Send;
    /// W2: every row through the library's bulk API, in one transaction.
    fn bulk_insert(&mut self, rows: &[Self::Row]) -> impl Future<Output = ()> + Send;
    /// W3: every row into structs, collected; how many and the sum of their `number`.
    fn read_all(&mut self) -> impl Future<Output = (usize, i64)> + Send;
    /// The row with this id (it exists); its `number`.
    fn get(&mut self, id: i64) -> impl Future<Output = i64> + Send;
    /// Inserts row `i` on its own.
    fn insert(&mut self, i: usize) -> impl Future<Output = ()> + Send;
    /// How many rows the table holds.
    fn count(&mut self) -> impl Future<Output = i64> + Send;
}

/// A multi-threaded runtime as `#[tokio::main]` makes it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime")
}

/// Runs `args`' workload; `connect` makes a client (one per task of W5 and W6).
pub async fn run<C, F>(args: &Args, connect: impl Fn() -> F) -> Outcome
where
    C: Client,
    F: Future<Output = C>,
{
    match args.workload {
        Workload::Single => {
            let mut c = connect().await;
            let started = Instant::now();
            let ids = c.single_inserts(args.rows).await;
            Outcome::new(args.rows, started.elapsed(), ids)
        }
        Workload::Bulk => {
            let mut c = connect().await;
            let rows: Vec<C::Row> = (0..args.rows).map(C::make).collect();
            let started = Instant::now();
            c.bulk_insert(&rows).await;
            Outcome::new(args.rows, started.elapsed(), args.rows as i64)
        }
        Workload::Scan => {
            let mut c = connect().await;
            let started = Instant::now();
            let (n, sum) = c.read_all().await;
            Outcome::new(n, started.elapsed(), sum)
        }
        Workload::Lookups => {
            let mut c = connect().await;
            let started = Instant::now();
            let mut sum = 0;
            for k in 0..args.rows {
                sum += c.get(protocol::lookup_id(k, args.table_rows)).await;
            }
            Outcome::new(args.rows, started.elapsed(), sum)
        }
        Workload::Mixed | Workload::Seed => {
            let barrier = Arc::new(tokio::sync::Barrier::new(args.writers + args.readers + 1));
            let mut tasks = Vec::new();
            for t in 0..args.writers + args.readers {
                let mut c = connect().await;
                let (barrier, args) = (barrier.clone(), args.clone());
                let writer = t < args.writers;
                tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    let seed = args.workload == Workload::Seed;
                    let (started, mut lat, mut n) = (Instant::now(), Latencies::default(), 0);
                    while if seed { n < args.rows } else { started.elapsed() < args.duration() } {
                        let op = Instant::now();
                        if writer {
                            c.insert(t * 1_000_000 + n).await;
                        } else if seed {
                            std::hint::black_box(c.count().await);
                        } else {
                            let id = protocol::lookup_id((t - args.writers) * 7 + n, args.table_rows);
                            std::hint::black_box(c.get(id).await);
                        }
                        lat.record(op);
                        n += 1;
                    }
                    (n, lat)
                }));
            }
            barrier.wait().await;
            let started = Instant::now();
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("a bench task panicked"));
            }
            protocol::load_outcome(args, results, started.elapsed())
        }
    }
}
