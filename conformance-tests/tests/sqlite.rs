//! The whole conformance suite on SQLite, file and in-memory.
#![cfg(feature = "sqlite")]

anytable_conformance::conformance_tests!(sqlite_file, anytable_conformance::fixtures::sqlite_file);
anytable_conformance::conformance_tests!(
    sqlite_memory,
    anytable_conformance::fixtures::sqlite_memory
);
anytable_conformance::worker_entry!();
