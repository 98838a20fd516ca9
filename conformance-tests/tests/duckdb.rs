//! The whole conformance suite on DuckDB: a file held by this process, memory, and a file
//! opened per transaction so several processes can write it.
#![cfg(feature = "duckdb")]

anytable_conformance::conformance_tests!(duckdb_file, anytable_conformance::fixtures::duckdb_file);
anytable_conformance::conformance_tests!(
    duckdb_memory,
    anytable_conformance::fixtures::duckdb_memory
);
anytable_conformance::conformance_tests!(
    duckdb_file_per_transaction,
    anytable_conformance::fixtures::duckdb_file_per_transaction
);
anytable_conformance::worker_entry!();
