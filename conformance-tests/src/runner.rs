//! Running cases outside `cargo test`: the case list, one case with its outcome, and a whole
//! suite against a database URL (what the `anytable-conformance` binary does).

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use crate::{CaseResult, TestDb};

/// One case of the suite.
#[derive(Clone, Copy)]
pub struct Case {
    /// What it proves: `crud`, `types`, `errors`, `schema`, `transactions`, `concurrency`, `processes`.
    pub group: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// The case itself.
    pub run: fn(&TestDb) -> CaseResult,
}

/// Every case of the suite, in the order [`for_each_case!`](crate::for_each_case) lists them.
pub fn cases() -> Vec<Case> {
    let mut list = Vec::new();
    crate::for_each_case!(crate::__push_cases, list);
    list
}

/// How one case ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Ran in full and passed.
    Passed,
    /// Passed in the restricted form the backend's capabilities call for, for these reasons.
    Restricted(Vec<String>),
    /// Failed (or panicked), with the message.
    Failed(String),
}

impl Outcome {
    /// Whether the case passed, in full or restricted.
    pub fn passed(&self) -> bool {
        !matches!(self, Outcome::Failed(_))
    }
}

/// A case's outcome, its notes and how long it took.
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// Measurements the case recorded (see [`TestDb::note`]).
    pub notes: Vec<String>,
    /// Wall time, database setup included.
    pub elapsed: Duration,
}

/// Runs `case` on the database `fresh` makes, catching panics so one case cannot stop a run.
pub fn run_case(case: &Case, fresh: &dyn Fn() -> Result<TestDb, String>) -> Report {
    let started = Instant::now();
    let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let db = fresh()?;
        let result = (case.run)(&db).map_err(|e| e.to_string());
        Ok::<_, String>((result, db.restrictions(), db.notes()))
    }));
    let (outcome, notes) = match ran {
        Err(panic) => (
            Outcome::Failed(format!("panicked: {}", panic_message(&panic))),
            vec![],
        ),
        Ok(Err(setup)) => (Outcome::Failed(format!("no database: {setup}")), vec![]),
        Ok(Ok((Err(e), _, notes))) => (Outcome::Failed(e), notes),
        Ok(Ok((Ok(()), restrictions, notes))) if restrictions.is_empty() => {
            (Outcome::Passed, notes)
        }
        Ok(Ok((Ok(()), restrictions, notes))) => (Outcome::Restricted(restrictions), notes),
    };
    Report {
        outcome,
        notes,
        elapsed: started.elapsed(),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// Prints why a case ran restricted, past `cargo test`'s output capture, so a restricted case
/// is never mistaken for a full pass.
pub fn report_restrictions(test: &str, db: &TestDb) {
    let mut err = std::io::stderr().lock();
    for why in db.restrictions() {
        // Written to the file descriptor, not through eprintln!, which the test harness captures.
        let _ = writeln!(err, "note: {test} ran restricted: {why}");
    }
}
