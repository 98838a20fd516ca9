//! Results of a benchmark run: one measurement per workload and backend, both sides in the same
//! run, printed as a table and written as JSON for comparing versions.

use std::time::Duration;

use anytable::serde_json::{self, json};

use crate::{median, rate};

/// One side of a measurement: anytable's or the raw driver's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Side {
    /// Rows (or operations) per second, the median of the repetitions.
    pub rows_per_s: f64,
    /// Median latency of one operation in microseconds, where operations were timed one by one.
    pub p50_us: Option<f64>,
    /// 99th-percentile latency of one operation in microseconds.
    pub p99_us: Option<f64>,
    /// Operations that failed (load workloads count them instead of stopping).
    pub errors: u64,
    /// Peak resident memory of the process that ran it, in MiB.
    pub peak_rss_mib: Option<f64>,
    /// Wall time of one run in seconds (the median), for whole scenarios.
    pub wall_s: Option<f64>,
}

impl Side {
    /// A side measured only by its rate.
    pub fn rate(rows_per_s: f64) -> Side {
        Side {
            rows_per_s,
            ..Side::default()
        }
    }
}

/// One workload on one backend: anytable and hand-written code on the raw driver.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The workload's short name, e.g. `W1 single inserts`.
    pub workload: String,
    /// The backend configuration, e.g. `sqlite file`.
    pub backend: String,
    /// Through anytable.
    pub anytable: Side,
    /// Through hand-written code on the raw driver.
    pub raw: Side,
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
            anytable: Side::rate(rate(rows, median(anytable))),
            raw: Side::rate(rate(rows, median(raw))),
        }
    }

    /// anytable's rate over the raw driver's: 1.0 means the abstraction costs nothing.
    pub fn ratio(&self) -> f64 {
        self.anytable.rows_per_s / self.raw.rows_per_s
    }

    /// The extra facts of both sides as one short text (latency, errors, memory, wall time).
    pub fn details(&self) -> String {
        let mut parts = Vec::new();
        let pair = |a: Option<f64>, r: Option<f64>| match (a, r) {
            (Some(a), Some(r)) => Some(format!("{a:.0}/{r:.0}")),
            _ => None,
        };
        if let Some(p) = pair(self.anytable.p50_us, self.raw.p50_us) {
            parts.push(format!("p50 {p} us"));
        }
        if let Some(p) = pair(self.anytable.p99_us, self.raw.p99_us) {
            parts.push(format!("p99 {p} us"));
        }
        if let Some(p) = pair(self.anytable.peak_rss_mib, self.raw.peak_rss_mib) {
            parts.push(format!("peak RSS {p} MiB"));
        }
        if let (Some(a), Some(r)) = (self.anytable.wall_s, self.raw.wall_s) {
            parts.push(format!("wall {a:.2}/{r:.2} s"));
        }
        if self.anytable.errors + self.raw.errors > 0 || self.anytable.p50_us.is_some() {
            parts.push(format!(
                "errors {}/{}",
                self.anytable.errors, self.raw.errors
            ));
        }
        parts.join(", ")
    }
}

/// The value at quantile `q` (0.0 to 1.0) of `samples`, which it sorts; `None` when empty.
pub fn percentile(samples: &mut [Duration], q: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let index = ((samples.len() - 1) as f64 * q).round() as usize;
    Some(samples[index])
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

/// The measurements as an aligned text table; the last column is anytable/raw for each extra.
pub fn table(measurements: &[Measurement]) -> String {
    let mut out = format!(
        "{:<26} {:<24} {:>12} {:>12} {:>6}  {}\n",
        "workload", "backend", "anytable/s", "raw/s", "ratio", "details (anytable/raw)"
    );
    for m in measurements {
        out.push_str(&format!(
            "{:<26} {:<24} {:>12.0} {:>12.0} {:>6.3}  {}\n",
            m.workload,
            m.backend,
            m.anytable.rows_per_s,
            m.raw.rows_per_s,
            m.ratio(),
            m.details()
        ));
    }
    out
}

/// The measurements as a JSON array of objects with `workload`, `backend`,
/// `anytable_rows_per_s`, `raw_rows_per_s` and `ratio`, plus `anytable_*` / `raw_*` latency,
/// error, memory and wall-time fields where the workload measures them.
pub fn to_json(info: &RunInfo, measurements: &[Measurement]) -> String {
    let list: Vec<serde_json::Value> = measurements
        .iter()
        .map(|m| {
            let mut object = json!({
                "workload": m.workload,
                "backend": m.backend,
                "anytable_rows_per_s": m.anytable.rows_per_s,
                "raw_rows_per_s": m.raw.rows_per_s,
                "ratio": m.ratio(),
            });
            for (prefix, side) in [("anytable", &m.anytable), ("raw", &m.raw)] {
                let fields = [
                    ("p50_us", side.p50_us),
                    ("p99_us", side.p99_us),
                    ("peak_rss_mib", side.peak_rss_mib),
                    ("wall_s", side.wall_s),
                ];
                for (name, value) in fields {
                    if let Some(v) = value {
                        object[format!("{prefix}_{name}")] = json!(v);
                    }
                }
                if side.p50_us.is_some() || side.errors > 0 {
                    object[format!("{prefix}_errors")] = json!(side.errors);
                }
            }
            object
        })
        .collect();
    let document = json!({
        "commit": info.commit,
        "machine": info.machine,
        "mode": info.mode,
        "started": info.started,
        "results": list,
    });
    serde_json::to_string_pretty(&document).expect("plain numbers and strings serialize")
}

/// What makes two runs comparable: the code, the machine and the sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// The commit measured: `git rev-parse HEAD` of the source tree the bench was built from
    /// (`+dirty` with uncommitted changes), or `unknown` outside a git checkout.
    pub commit: String,
    /// CPU model, cores and memory.
    pub machine: String,
    /// `full`, `quick` or `smoke`.
    pub mode: String,
    /// When the run started, seconds since the Unix epoch.
    pub started: u64,
}

impl RunInfo {
    /// Reads the commit, the machine and the clock now.
    pub fn collect(mode: &str) -> RunInfo {
        RunInfo {
            commit: commit(),
            machine: machine(),
            mode: mode.to_owned(),
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

fn commit() -> String {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(head) if !head.is_empty() => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{head}+dirty")
            } else {
                head
            }
        }
        _ => "unknown".to_owned(),
    }
}

/// The machine in one line: CPU model, cores and memory, from /proc.
fn machine() -> String {
    let read = |file| std::fs::read_to_string(file).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split(':')
                .nth(1)
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory_kib: u64 = read("/proc/meminfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpu}, {cores} cores, {:.0} GiB",
        memory_kib as f64 / 1024.0 / 1024.0
    )
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
        assert_eq!(m.anytable.rows_per_s, 5000.0);
        assert_eq!(m.raw.rows_per_s, 10000.0);
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
        let info = RunInfo::collect("quick");
        let document: serde_json::Value = serde_json::from_str(&to_json(&info, &[m])).unwrap();
        assert_eq!(document["mode"], "quick");
        assert_eq!(document["commit"], info.commit.as_str());
        let parsed = &document["results"];
        assert_eq!(parsed[0]["workload"], "W3");
        assert_eq!(parsed[0]["ratio"], 2.0);
        assert!(parsed[0].get("anytable_p50_us").is_none());
        assert!(table(&[]).starts_with("workload"));
    }

    #[test]
    fn json_and_table_carry_latency_memory_and_errors() {
        let mut m = Measurement::from_runs("W5", "sqlite file", 10, vec![ms(10)], vec![ms(10)]);
        m.anytable.p50_us = Some(12.0);
        m.raw.p50_us = Some(10.0);
        m.anytable.p99_us = Some(120.0);
        m.raw.p99_us = Some(100.0);
        m.raw.errors = 3;
        m.anytable.peak_rss_mib = Some(20.0);
        m.raw.peak_rss_mib = Some(21.0);
        let document: serde_json::Value =
            serde_json::from_str(&to_json(&RunInfo::collect("full"), &[m.clone()])).unwrap();
        let parsed = &document["results"];
        assert_eq!(parsed[0]["anytable_p99_us"], 120.0);
        assert_eq!(parsed[0]["raw_errors"], 3);
        assert_eq!(parsed[0]["anytable_errors"], 0);
        assert_eq!(parsed[0]["raw_peak_rss_mib"], 21.0);
        let details = m.details();
        assert!(details.contains("p50 12/10 us"), "{details}");
        assert!(details.contains("errors 0/3"), "{details}");
        assert!(details.contains("peak RSS 20/21 MiB"), "{details}");
    }

    #[test]
    fn percentiles_of_samples() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(ms).collect();
        assert_eq!(percentile(&mut samples, 0.5), Some(ms(51)));
        assert_eq!(percentile(&mut samples, 0.99), Some(ms(99)));
        assert_eq!(percentile(&mut samples, 0.0), Some(ms(1)));
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
