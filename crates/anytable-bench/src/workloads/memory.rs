//! W3s: streaming scans at two table sizes, each in a fresh process so its peak resident memory
//! is the scan's own: a stream that does not collect stays flat as the table grows.

use std::time::Instant;

use crate::report::{Measurement, Side};
use crate::workloads::basic::{filled, raw_client};
use crate::workloads::worker::{spawn, Side as Who};
use crate::workloads::{BenchRow, Engine, Mode, RawClient, Settings};

/// One W3s measurement per size in `stream_rows`; rates are medians, peak RSS the largest seen.
pub fn streaming<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let mut out = Vec::new();
    for rows in s.stream_rows {
        let target = filled(engine, rows);
        let mut sides = [Vec::new(), Vec::new()];
        for rep in 0..s.reps {
            // Alternate which side goes first, as the other workloads do.
            let order = if rep % 2 == 0 {
                [Who::Anytable, Who::Raw]
            } else {
                [Who::Raw, Who::Anytable]
            };
            for who in order {
                let report = spawn(engine, who, &["stream", &target, &rows.to_string()])
                    .expect("the streaming worker runs");
                sides[who as usize].push(parse(&report, rows));
            }
        }
        engine.remove(&target);
        let [ours, theirs] = sides.map(summarize);
        out.push(Measurement {
            workload: format!("W3s stream {} rows", short(rows)),
            backend: engine.label().to_owned(),
            anytable: ours,
            raw: theirs,
        });
    }
    out
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
    let mut rates: Vec<f64> = runs.iter().map(|r| r.0).collect();
    rates.sort_by(f64::total_cmp);
    Side {
        rows_per_s: rates[rates.len() / 2],
        peak_rss_mib: runs.iter().map(|r| r.1).reduce(f64::max),
        ..Side::default()
    }
}

/// The worker's side: streams every row of `target` once and reports time and peak memory.
pub(crate) fn stream_worker<E: Engine>(engine: &E, who: Who, target: &str, rows: usize) -> String {
    let started = Instant::now();
    let seen = match who {
        Who::Anytable => {
            let db = engine.open(target, Mode::Threads(1));
            let table = db.table::<BenchRow>().expect("table");
            let mut seen = 0;
            for r in table.select().iter().expect("streams") {
                std::hint::black_box(r.expect("reads"));
                seen += 1;
            }
            seen
        }
        Who::Raw => raw_client(engine, target, Mode::Threads(1)).1.stream(),
    };
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
