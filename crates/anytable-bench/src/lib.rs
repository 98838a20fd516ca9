//! Benchmarks of anytable against the raw drivers; the programs are in `benches/`.
//!
//! ```text
//! cargo bench -p anytable-bench --bench sqlite_vs_rusqlite
//! cargo bench -p anytable-bench --features duckdb --bench duckdb_vs_appender
//! ```
