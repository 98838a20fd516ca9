//! The workloads, one module per backend, each side by side with hand-written driver code.
//!
//! - W1: single-row inserts, one transaction.
//! - W2: bulk insert (`insert_many` against the driver's fastest path).
//! - W3: full scan into structs.
//! - W4: point lookups by id.

use std::time::{Duration, Instant};

use anytable::{Database, Record, Table};

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
    /// Repetitions per side; medians are reported.
    pub reps: usize,
}

impl Settings {
    /// The sizes.
    pub fn full() -> Settings {
        Settings {
            single_rows: 100_000,
            bulk_rows: 1_000_000,
            lookups: 100_000,
            reps: 5,
        }
    }

    /// A tenth of the sizes and three repetitions, for a run of a few minutes.
    pub fn quick() -> Settings {
        Settings {
            single_rows: 10_000,
            bulk_rows: 100_000,
            lookups: 10_000,
            reps: 3,
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

/// How long `f` takes.
pub(crate) fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// Ids spread over a table of `rows` rows in a fixed pseudo-random order, the same for both
/// sides.
pub(crate) fn lookup_ids(s: &Settings) -> Vec<i64> {
    (0..s.lookups)
        .map(|i| (i as i64 * 7919) % s.bulk_rows as i64 + 1)
        .collect()
}

/// W1 through anytable: `rows` single inserts in one transaction, ids handed back.
pub(crate) fn anytable_single_inserts(db: &Database, rows: usize) -> Duration {
    timed(|| {
        db.transaction(|tx| {
            let t = tx.table::<BenchRow>()?;
            for i in 0..rows {
                let mut r = row(i);
                t.insert(&mut r)?;
                std::hint::black_box(&r);
            }
            Ok(())
        })
        .expect("inserts")
    })
}

/// W3 through anytable: every row into a struct.
pub(crate) fn anytable_scan(table: &Table<'_, BenchRow>, rows: usize) -> Duration {
    timed(|| {
        let all = table.select().all().expect("reads");
        assert_eq!(all.len(), rows);
        std::hint::black_box(all);
    })
}

/// W4 through anytable: one `get` per id.
pub(crate) fn anytable_lookups(table: &Table<'_, BenchRow>, ids: &[i64]) -> Duration {
    timed(|| {
        for id in ids {
            std::hint::black_box(table.get(*id).expect("reads").expect("exists"));
        }
    })
}
