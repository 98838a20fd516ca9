//! The cases, grouped by what they prove. Each takes a fresh, empty [`TestDb`](crate::TestDb).

pub mod arrow;
pub mod async_api;
pub mod concurrency;
pub mod crud;
pub mod errors;
pub mod migrations;
pub mod processes;
pub mod queries;
pub mod replicas;
pub mod sameness;
pub mod schema;
pub mod semantics;
pub mod timeouts;
pub mod transactions;
pub mod types;

use std::collections::HashSet;
use std::time::Instant;

use crate::records::SimpleRow;
use crate::{ensure, CaseResult, TestDb};

/// What concurrent writers left: exactly `expected` rows, unique ids, each (writer, number) once.
pub(crate) fn every_row_once(all: &[SimpleRow], expected: usize) -> CaseResult {
    ensure!(
        all.len() == expected,
        "{} rows, expected {expected}",
        all.len()
    );
    let ids: HashSet<i64> = all.iter().map(|r| r.id).collect();
    ensure!(ids.len() == all.len(), "ids are unique");
    let pairs: HashSet<(&str, i64)> = all.iter().map(|r| (r.process.as_str(), r.number)).collect();
    ensure!(
        pairs.len() == all.len(),
        "every (writer, number) exactly once"
    );
    Ok(())
}

/// Notes `rows` written since `started` as a rate, for the runner's report.
pub(crate) fn note_rate(t: &TestDb, what: &str, rows: usize, started: Instant) {
    t.note(format!(
        "{what}: {:.0} rows/s",
        rows as f64 / started.elapsed().as_secs_f64()
    ));
}
