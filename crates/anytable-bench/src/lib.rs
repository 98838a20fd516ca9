//! Benchmarks of anytable against the raw drivers; the programs are in `benches/`.
//!
//! ```text
//! cargo bench -p anytable-bench --bench sqlite_vs_rusqlite
//! cargo bench -p anytable-bench --features duckdb --bench duckdb_vs_appender
//! ```

use std::time::Duration;

pub mod report;
pub mod workloads;

/// The middle of the measured durations (the upper middle for an even count).
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// Rows per second.
pub fn rate(rows: usize, elapsed: Duration) -> f64 {
    rows as f64 / elapsed.as_secs_f64()
}
