//! The whole conformance suite on PostgreSQL, each test in a schema of its own on the server
//! named by `ANYTABLE_POSTGRES_URL` (scripts/test starts a throwaway one).
#![cfg(feature = "postgres")]

anytable_conformance::conformance_tests!(postgres, anytable_conformance::fixtures::postgres);
anytable_conformance::worker_entry!();
