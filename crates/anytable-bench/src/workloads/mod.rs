//! The workloads, one module per backend, each side by side with hand-written driver code.
//!
//! - W1: single-row inserts, one transaction.
//! - W2: bulk insert (`insert_many` against the driver's fastest path).
//! - W3: full scan into structs.
//! - W4: point lookups by id.

use anytable::Record;

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
