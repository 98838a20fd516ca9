//! W3s: streaming scans at two table sizes, each in a fresh process so its peak resident memory
//! is the scan's own: a stream that does not collect stays flat as the table grows.

use std::time::Instant;

use crate::median_rate;
use crate::report::{Measurement, Side};
use crate::workloads::basic::{filled, raw_client};
use crate::workloads::worker::{spawn, Side as Who};
use crate::workloads::{BenchRow, Engine, Mode, RawClient, Settings};

/// Two W3s measurements per size in `stream_rows`: anytable's `iter()` (rows read on a helper
/// thread) and `for_each` (on the caller's thread), each against the same raw runs. Rates are
/// medians, peak RSS the largest seen.
pub fn streaming<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let mut out = Vec::new();
    for rows in s.stream_rows {
        let target = filled(engine, rows);
        let [mut iter, mut for_each, mut raw] = [Vec::new(), Vec::new(), Vec::new()];
        for rep in 0..s.reps {
            // Rotate which goes first, as the other workloads alternate.
            let mut order = [Api::Iter, Api::ForEach, Api::Raw];
            order.rotate_left(rep % 3);
            for api in order {
                let who = if api == Api::Raw {
                    Who::Raw
                } else {
                    Who::Anytable
                };
                let report = spawn(
                    engine,
                    who,
                    &["stream", &target, &rows.to_string(), api.as_arg()],
                )
                .expect("the streaming worker runs");
                let run = parse(&report, rows);
                match api {
                    Api::Iter => iter.push(run),
                    Api::ForEach => for_each.push(run),
                    Api::Raw => raw.push(run),
                }
            }
        }
        engine.remove(&target);
        let theirs = summarize(raw);
        for (name, runs) in [("iter()", iter), ("for_each", for_each)] {
            out.push(Measurement {
                workload: format!("W3s {name} {} rows", short(rows)),
                backend: engine.label().to_owned(),
                anytable: summarize(runs),
                raw: theirs.clone(),
            });
        }
    }
    out
}

/// How a streaming worker reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// anytable's `Select::iter`.
    Iter,
    /// anytable's `Select::for_each`.
    ForEach,
    /// The raw driver's row iterator.
    Raw,
}

impl Api {
    fn as_arg(self) -> &'static str {
        match self {
            Api::Iter => "iter",
            Api::ForEach => "for_each",
            Api::Raw => "raw",
        }
    }

    /// The reading method named `arg` on a worker's command line.
    pub(crate) fn from_arg(arg: &str) -> Option<Api> {
        [Api::Iter, Api::ForEach, Api::Raw]
            .into_iter()
            .find(|api| api.as_arg() == arg)
    }
}

/// 1000000 as `1M`, 400000 as `400k`.
fn short(rows: usize) -> String {
    if rows >= 1_000_000 && rows.is_multiple_of(1_000_000) {
        format!("{}M", rows / 1_000_000)
    } else if rows >= 1_000 && rows.is_multiple_of(1_000) {
        format!("{}k", rows / 1_000)
    } else {
        rows.to_string()
    }
}

/// (rows per second, peak RSS in MiB) from a worker's `seconds=S peak_kib=K` line.
fn parse(report: &str, rows: usize) -> (f64, f64) {
    let field = |name: &str| -> f64 {
        report
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in the worker's report {report:?}"))
    };
    (rows as f64 / field("seconds"), field("peak_kib") / 1024.0)
}

fn summarize(runs: Vec<(f64, f64)>) -> Side {
    Side {
        rows_per_s: median_rate(runs.iter().map(|r| r.0).collect()),
        peak_rss_mib: runs.iter().map(|r| r.1).reduce(f64::max),
        ..Side::default()
    }
}

/// The worker's side: streams every row of `target` once and reports time and peak memory.
pub(crate) fn stream_worker<E: Engine>(engine: &E, api: Api, target: &str, rows: usize) -> String {
    let started = Instant::now();
    let mut seen = 0;
    match api {
        Api::Iter | Api::ForEach => {
            let db = engine.open(target, Mode::Threads(1));
            let table = db.table::<BenchRow>().expect("table");
            if api == Api::Iter {
                for r in table.select().iter().expect("streams") {
                    std::hint::black_box(r.expect("reads"));
                    seen += 1;
                }
            } else {
                table
                    .select()
                    .for_each(|r| {
                        std::hint::black_box(r);
                        seen += 1;
                        Ok(())
                    })
                    .expect("reads");
            }
        }
        Api::Raw => seen = raw_client(engine, target, Mode::Threads(1)).1.stream(),
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(seen, rows, "the stream saw every row once");
    format!("seconds={seconds} peak_kib={}", peak_rss_kib())
}

/// This process's peak resident set (VmHWM) in KiB, from /proc.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_reports_read_back() {
        assert_eq!(short(4_000_000), "4M");
        assert_eq!(short(400_000), "400k");
        assert_eq!(short(250), "250");
        let (rate, mib) = parse("seconds=2 peak_kib=2048", 100);
        assert_eq!((rate, mib), (50.0, 2.0));
        assert!(peak_rss_kib() > 0);
    }
}
