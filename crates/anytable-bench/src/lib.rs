//! Benchmarks of anytable against hand-written code on the raw drivers, side by side in one
//! run; the command is `src/main.rs`, the workloads are in [`workloads`], results in [`report`].
//!
//! ```text
//! scripts/bench [--quick]                       # every backend, a throwaway PostgreSQL
//! cargo run --release -p anytable-bench --features duckdb,postgres -- --quick --json out.json
//! ```

use std::time::Duration;

pub mod peers;
pub mod report;
pub mod workloads;

/// The middle of the measured durations (the upper middle for an even count).
pub fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The middle of the measured rates (the upper middle for an even count).
pub fn median_rate(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

/// Rows per second.
pub fn rate(rows: usize, elapsed: Duration) -> f64 {
    rows as f64 / elapsed.as_secs_f64()
}
