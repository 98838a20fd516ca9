//! The workloads, each run through anytable and through hand-written code on the raw driver.
//!
//! - W1: single-row inserts, one transaction, ids handed back.
//! - W2: bulk insert (`insert_many` against the driver's fastest path).
//! - W3: full scan into structs; W3s: streaming scans at two sizes with peak resident memory.
//! - W4: point lookups by id.
//! - W5: mixed load, writer and reader threads for a fixed time, with latency percentiles.
//! - W6: the two seed scenarios, scaled up: writer and reader threads, and writer processes.
//! - W7: GROUP BY with COUNT, SUM and AVG over the bulk rows, in 100 groups.
//! - W8: `copy_from` an SQLite file, against `all()` plus `insert_many` by hand.
//! - W9: `arrow()` of the bulk rows against `all()` (and on DuckDB against duckdb-rs's
//!   `query_arrow`); W10: `insert_arrow` against `insert_many` (see [`frames`]).
//! - A1/A4: the async API against the sync API ([`asyncs`]); A5: lookups and inserts from 16 to
//!   1,024 tasks on a pool of 16 ([`many_tasks`]); A6: the axum example under load from 64 HTTP
//!   clients, PostgreSQL's native async path against its pooled one ([`service`]).
//!
//! The workloads are written once ([`basic`], [`memory`], [`mixed`], [`seeds`]) against two
//! small traits: [`Engine`] makes fresh databases of one backend, and [`RawDriver`] /
//! [`RawClient`] are the hand-written side, one module per driver.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anytable::{Database, Record};

use crate::report::Measurement;

pub mod analytics;
pub mod asyncs;
pub mod basic;
pub mod copy;
pub mod frames;
pub mod many_tasks;
pub mod memory;
pub mod mixed;
pub mod seeds;
pub mod service;
pub mod worker;

#[cfg(feature = "duckdb")]
pub mod duckdb;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

/// How much work each workload does, and how often it is repeated.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Rows inserted one at a time (W1).
    pub single_rows: usize,
    /// Rows bulk-inserted and then scanned (W2, W3).
    pub bulk_rows: usize,
    /// Lookups by id (W4).
    pub lookups: usize,
    /// Table sizes of the streaming memory check (W3s): the small and the large one.
    pub stream_rows: [usize; 2],
    /// Seconds each side of the mixed load runs (W5).
    pub mixed_seconds: f64,
    /// Rows in the table before the mixed load starts, for its readers to look up (W5).
    pub mixed_prefill: usize,
    /// How many times the seeds' sizes the seed scenarios run (W6).
    pub seed_scale: usize,
    /// Repetitions per side; medians are reported.
    pub reps: usize,
    /// Repetitions per side of the seed scenarios, which are long at full scale.
    pub seed_reps: usize,
}

impl Settings {
    /// The sizes.
    pub fn full() -> Settings {
        Settings {
            single_rows: 100_000,
            bulk_rows: 1_000_000,
            lookups: 100_000,
            stream_rows: [1_000_000, 4_000_000],
            mixed_seconds: 10.0,
            mixed_prefill: 100_000,
            seed_scale: 100,
            reps: 3,
            seed_reps: 1,
        }
    }

    /// Small sizes, for a run of all backends in under three minutes.
    pub fn quick() -> Settings {
        Settings {
            single_rows: 2_000,
            bulk_rows: 100_000,
            lookups: 5_000,
            stream_rows: [100_000, 400_000],
            mixed_seconds: 1.5,
            mixed_prefill: 10_000,
            seed_scale: 1,
            reps: 3,
            seed_reps: 1,
        }
    }

    /// Tiny sizes that only prove every workload runs (tests).
    pub fn smoke() -> Settings {
        Settings {
            single_rows: 20,
            bulk_rows: 200,
            lookups: 20,
            stream_rows: [100, 200],
            mixed_seconds: 0.2,
            mixed_prefill: 50,
            seed_scale: 1,
            reps: 1,
            seed_reps: 1,
        }
    }
}

/// The row every workload writes and reads.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "bench_rows")]
pub struct BenchRow {
    /// Filled in by the database.
    #[anytable(id)]
    pub id: i64,
    /// Some text.
    pub name: String,
    /// A number.
    pub number: i64,
    /// A float.
    pub score: f64,
}

/// Row `i` of a workload (the id is the database's to fill in).
pub fn row(i: usize) -> BenchRow {
    BenchRow {
        id: 0,
        name: format!("row number {i}"),
        number: i as i64,
        score: i as f64 * 0.5,
    }
}

/// New file names in one directory, for the engines whose databases are files.
pub struct FileNames {
    dir: PathBuf,
    next: AtomicUsize,
}

impl FileNames {
    /// Names files in `dir`.
    pub fn new(dir: &Path) -> FileNames {
        FileNames {
            dir: dir.to_owned(),
            next: AtomicUsize::new(0),
        }
    }

    /// A name no earlier call gave, ending in `.extension`.
    pub fn next(&self, extension: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir
            .join(format!("bench-{n}.{extension}"))
            .display()
            .to_string()
    }

    /// Deletes `target` and its companion files (`target` + each of `suffixes`).
    pub fn remove(target: &str, suffixes: &[&str]) {
        for suffix in std::iter::once(&"").chain(suffixes) {
            let _ = std::fs::remove_file(format!("{target}{suffix}"));
        }
    }
}

/// How a database will be used, which decides the options of its URL and raw connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One process; `threads` threads at once at most.
    Threads(usize),
    /// Several processes write at once.
    Processes,
}

impl Mode {
    /// The anytable pool size that gives every thread its own connection, as the raw side has.
    pub fn pool_size(self) -> usize {
        match self {
            Mode::Threads(n) => n.max(1),
            Mode::Processes => 1,
        }
    }
}

/// One backend configuration: makes fresh databases holding the bench table, and opens them
/// through anytable and through the raw driver.
///
/// A database is named by a `target` string (a file path, a schema) so that worker processes
/// can be handed it on their command line.
pub trait Engine: Sync {
    /// The raw driver's side.
    type Driver: RawDriver;
    /// The name worker processes are given to find this engine again (`sqlite`, ...).
    fn name(&self) -> &'static str;
    /// The backend column of the report, e.g. `sqlite file`.
    fn label(&self) -> &'static str;
    /// A name for a new, empty database (a file path, a schema).
    fn new_target(&self) -> String;
    /// The anytable URL of `target` for `mode`.
    fn url(&self, target: &str, mode: Mode) -> String;
    /// The raw driver on `target` for `mode`.
    fn driver(&self, target: &str, mode: Mode) -> Self::Driver;
    /// Deletes the database `target`.
    fn remove(&self, target: &str);
    /// Where sqlx reaches `target` (a server URL and the schema to search), where sqlx has a
    /// driver for the engine and the bench was built with it (feature `sqlx`).
    fn sqlx_target(&self, target: &str) -> Option<(String, String)> {
        let _ = target;
        None
    }

    /// A new database with the (empty) bench table, created through anytable and closed again
    /// (so the raw side, or another process, can open it).
    fn fresh(&self) -> String {
        let target = self.new_target();
        self.open(&target, Mode::Threads(1))
            .table::<BenchRow>()
            .expect("creates the table");
        target
    }

    /// Opens `target` through anytable.
    fn open(&self, target: &str, mode: Mode) -> Database {
        Database::open(&self.url(target, mode)).expect("anytable opens the bench database")
    }
}

/// Hand-written code on one raw driver connection: what a careful user of that driver writes.
///
/// Operations that can fail under contention return the driver's error as text, so the load
/// workloads can count errors; the rest panic, as a bench should on a broken setup.
pub trait RawClient {
    /// Inserts `rows` one at a time in one transaction through one prepared statement, handing
    /// each new id back into its struct (W1).
    fn single_inserts(&mut self, rows: &mut dyn Iterator<Item = BenchRow>);
    /// Looks up each id in turn through one prepared statement (W4); panics if one is missing.
    fn lookups(&mut self, ids: &[i64]);
    /// Inserts one row and returns its new id.
    fn insert(&mut self, row: &BenchRow) -> Result<i64, String>;
    /// Inserts every row by the driver's fastest path, all or nothing.
    fn bulk(&mut self, rows: &[BenchRow]);
    /// Reads every row into structs.
    fn scan(&mut self) -> Vec<BenchRow>;
    /// Reads every row into a struct one at a time, keeping none; returns how many.
    fn stream(&mut self) -> usize;
    /// The row with this id.
    fn get(&mut self, id: i64) -> Result<Option<BenchRow>, String>;
    /// How many rows the table holds.
    fn count(&mut self) -> Result<i64, String>;
    /// Reads every row through the driver's own Arrow path, if it has one (DuckDB's
    /// `query_arrow`), and says how many (W9d).
    fn arrow_scan(&mut self) -> Option<usize> {
        None
    }
    /// W7's query on `group_rows`, written for this driver: each group's key, rows, integer
    /// sum and float mean, in key order (code point order, as anytable sorts).
    fn group_totals(&mut self) -> Vec<analytics::GroupTotal>;
}

/// Opens raw connections to one database, one per thread.
pub trait RawDriver: Sync {
    /// A connection with the hand-written operations.
    type Client: RawClient;
    /// A new connection (or a clone of the shared instance, where that is the driver's way).
    fn connect(&self) -> Result<Self::Client, String>;
}

/// Every workload on `engine` that `only` selects (by name: `W1` ... `W6p`, and `A` for the
/// async API against the sync one), one measurement
/// each (W5 gives two: writes and reads).
pub fn run_all<E: Engine>(
    engine: &E,
    s: &Settings,
    only: &dyn Fn(&str) -> bool,
) -> Vec<Measurement> {
    let mut out = Vec::new();
    let announce = |name: &str| eprintln!("  {} {name}...", engine.label());
    if only("W1") {
        announce("W1");
        out.push(basic::single_inserts(engine, s));
    }
    if only("W2") {
        announce("W2");
        out.push(basic::bulk_insert(engine, s));
    }
    let (scan, lookups) = (only("W3"), only("W4"));
    if scan || lookups {
        announce("W3/W4");
        out.extend(basic::scan_and_lookups(engine, s, scan, lookups));
    }
    if only("W3s") {
        announce("W3s");
        out.extend(memory::streaming(engine, s));
    }
    if only("W5") {
        announce("W5");
        out.extend(mixed::mixed(engine, s));
    }
    if only("W6") {
        announce("W6");
        out.push(seeds::seed_threads(engine, s));
    }
    if only("W6p") {
        announce("W6p");
        out.push(seeds::seed_processes(engine, s));
    }
    if only("W7") {
        announce("W7");
        out.push(analytics::group_by(engine, s));
    }
    if only("W8") {
        announce("W8");
        let dir = tempfile::tempdir().expect("temp dir");
        out.push(copy::copy_from(engine, s, dir.path()));
    }
    if only("W9") {
        announce("W9");
        out.extend(frames::arrow_reads(engine, s));
    }
    if only("W10") {
        announce("W10");
        out.push(frames::arrow_writes(engine, s));
    }
    if only("A") {
        announce("A1/A4 (async against sync)");
        out.extend(asyncs::async_vs_sync(engine, s));
    }
    if only("A5") {
        announce("A5 (many tasks on a pool of 16)");
        out.extend(many_tasks::many_tasks(engine, s));
    }
    if only("A6") {
        announce("A6 (the axum example under load)");
        out.extend(service::service(engine, s));
    }
    out
}
