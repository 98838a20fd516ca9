//! Results of a benchmark run: one measurement per workload and backend, both sides in the same
//! run, printed as a table and written as JSON for comparing versions.

use std::time::Duration;

use anytable::serde_json::{self, json};

use crate::{median, rate};

/// One workload on one backend: anytable and hand-written code on the raw driver.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The workload's short name, e.g. `W1 single inserts`.
    pub workload: String,
    /// The backend configuration, e.g. `sqlite file`.
    pub backend: String,
    /// Rows per second through anytable (median of the repetitions).
    pub anytable_rows_per_s: f64,
    /// Rows per second through the raw driver (median of the repetitions).
    pub raw_rows_per_s: f64,
}

impl Measurement {
    /// Both sides' medians of `rows` rows each run, from the durations of every repetition.
    pub fn from_runs(
        workload: &str,
        backend: &str,
        rows: usize,
        anytable: Vec<Duration>,
        raw: Vec<Duration>,
    ) -> Measurement {
        Measurement {
            workload: workload.to_owned(),
            backend: backend.to_owned(),
            anytable_rows_per_s: rate(rows, median(anytable)),
            raw_rows_per_s: rate(rows, median(raw)),
        }
    }

    /// anytable's rate over the raw driver's: 1.0 means the abstraction costs nothing.
    pub fn ratio(&self) -> f64 {
        self.anytable_rows_per_s / self.raw_rows_per_s
    }
}

/// Runs `anytable` and `raw` `reps` times each, alternating which goes first so neither side
/// always runs on a warmer cache; returns their durations in that order.
pub fn alternate(
    reps: usize,
    mut anytable: impl FnMut() -> Duration,
    mut raw: impl FnMut() -> Duration,
) -> (Vec<Duration>, Vec<Duration>) {
    let (mut ours, mut theirs) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    for rep in 0..reps {
        if rep % 2 == 0 {
            ours.push(anytable());
            theirs.push(raw());
        } else {
            theirs.push(raw());
            ours.push(anytable());
        }
    }
    (ours, theirs)
}

/// The measurements as an aligned text table.
pub fn table(measurements: &[Measurement]) -> String {
    let mut out = format!(
        "{:<28} {:<30} {:>14} {:>14} {:>7}\n",
        "workload", "backend", "anytable/s", "raw/s", "ratio"
    );
    for m in measurements {
        out.push_str(&format!(
            "{:<28} {:<30} {:>14.0} {:>14.0} {:>7.3}\n",
            m.workload,
            m.backend,
            m.anytable_rows_per_s,
            m.raw_rows_per_s,
            m.ratio()
        ));
    }
    out
}

/// The measurements as a JSON array of objects with `workload`, `backend`,
/// `anytable_rows_per_s`, `raw_rows_per_s` and `ratio`.
pub fn to_json(measurements: &[Measurement]) -> String {
    let list: Vec<serde_json::Value> = measurements
        .iter()
        .map(|m| {
            json!({
                "workload": m.workload,
                "backend": m.backend,
                "anytable_rows_per_s": m.anytable_rows_per_s,
                "raw_rows_per_s": m.raw_rows_per_s,
                "ratio": m.ratio(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).expect("plain numbers and strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn medians_and_ratio() {
        let m = Measurement::from_runs(
            "W1",
            "sqlite file",
            1000,
            vec![ms(100), ms(300), ms(200)],
            vec![ms(100), ms(100), ms(900)],
        );
        assert_eq!(m.anytable_rows_per_s, 5000.0);
        assert_eq!(m.raw_rows_per_s, 10000.0);
        assert_eq!(m.ratio(), 0.5);
    }

    #[test]
    fn sides_alternate_which_goes_first() {
        let order = std::cell::RefCell::new(Vec::new());
        let (a, r) = alternate(
            3,
            || {
                order.borrow_mut().push('a');
                ms(1)
            },
            || {
                order.borrow_mut().push('r');
                ms(2)
            },
        );
        assert_eq!(order.into_inner(), vec!['a', 'r', 'r', 'a', 'a', 'r']);
        assert_eq!((a.len(), r.len()), (3, 3));
    }

    #[test]
    fn json_has_one_object_per_measurement() {
        let m = Measurement::from_runs("W3", "postgres", 10, vec![ms(10)], vec![ms(20)]);
        let parsed: serde_json::Value = serde_json::from_str(&to_json(&[m])).unwrap();
        assert_eq!(parsed[0]["workload"], "W3");
        assert_eq!(parsed[0]["ratio"], 2.0);
        assert!(table(&[]).starts_with("workload"));
    }
}
