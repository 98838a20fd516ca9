//! The comparison run: every workload on every backend through every library, alternately,
//! each run checked, and the table of rates with each library's ratio to anytable.

use std::process::Command;

use super::fixture::Fixtures;
use super::kit::{self, Args, Backend, Workload};

/// One library's bench program.
#[derive(Debug, Clone)]
pub struct Library {
    /// The column name: `anytable`, `raw`, `sqlx`, ...
    pub name: String,
    /// The program and the arguments before the workload's.
    pub argv: Vec<String>,
}

/// How much work each workload does, and how often it repeats.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// W1 rows.
    pub single: usize,
    /// W2 rows, and the rows W3 reads and W4 looks up among.
    pub bulk: usize,
    /// W4 lookups.
    pub lookups: usize,
    /// W5 seconds, and the rows its table starts with.
    pub mixed_seconds: f64,
    /// Rows in W5's table before it starts.
    pub mixed_prefill: usize,
    /// W6 rows per writer and counts per reader.
    pub seed_rows: usize,
    /// Repetitions per library; medians are reported.
    pub reps: usize,
}

impl Sizes {
    /// The sizes.
    pub fn full() -> Sizes {
        Sizes {
            single: 100_000,
            bulk: 1_000_000,
            lookups: 100_000,
            mixed_seconds: 10.0,
            mixed_prefill: 100_000,
            seed_rows: 100,
            reps: 3,
        }
    }

    /// Small sizes for a run of a few minutes.
    pub fn quick() -> Sizes {
        Sizes {
            single: 2_000,
            bulk: 100_000,
            lookups: 5_000,
            mixed_seconds: 1.5,
            mixed_prefill: 10_000,
            seed_rows: 5,
            reps: 1,
        }
    }

    /// Tiny sizes that only prove everything runs.
    pub fn smoke() -> Sizes {
        Sizes {
            single: 20,
            bulk: 200,
            lookups: 20,
            mixed_seconds: 0.2,
            mixed_prefill: 50,
            seed_rows: 1,
            reps: 1,
        }
    }
}

/// What one library did on one workload and backend over the repetitions.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// Operations per second of each repetition.
    pub rates: Vec<f64>,
    /// Median and 99th percentile latencies of each repetition (W5, W6), µs.
    pub p50_us: Vec<u64>,
    /// See `p50_us`.
    pub p99_us: Vec<u64>,
    /// Peak resident memory of each repetition's process, KiB.
    pub peak_rss_kib: Vec<u64>,
    /// Why the library cannot run this at all.
    pub unsupported: Option<String>,
    /// What went wrong, if a run failed or wrote or read the wrong rows.
    pub failure: Option<String>,
}

impl Cell {
    /// The median rate, if the library ran.
    pub fn rate(&self) -> Option<f64> {
        median(&self.rates)
    }
}

fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().filter(|_| !v.is_empty())
}

fn median_u64(values: &[u64]) -> Option<u64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

/// One row of the table: a workload on a backend, a cell per library.
#[derive(Debug, Clone)]
pub struct Line {
    /// The workload.
    pub workload: Workload,
    /// The backend.
    pub backend: Backend,
    /// In the order of the libraries.
    pub cells: Vec<Cell>,
}

/// The line's label, e.g. `W1 single inserts`.
pub fn label(w: Workload) -> &'static str {
    match w {
        Workload::Single => "W1 single inserts",
        Workload::Bulk => "W2 bulk insert",
        Workload::Scan => "W3 full read",
        Workload::Lookups => "W4 point lookups",
        Workload::Mixed => "W5 16 threads mixed",
        Workload::Seed => "W6 DuckDB seed 50w+5r",
    }
}

/// Runs `workloads` on `backends` through `libraries`, each `sizes.reps` times, the order of
/// the libraries rotating each repetition.
pub fn run(
    libraries: &[Library],
    backends: &[Backend],
    workloads: &[Workload],
    sizes: &Sizes,
    fixtures: &Fixtures,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for &backend in backends {
        if !fixtures.has(backend) {
            eprintln!(
                "NOTE: {} NOT measured (no server: set ANYTABLE_POSTGRES_URL)",
                backend.name()
            );
            continue;
        }
        // W3 and W4 only read: one filled database serves every library and repetition.
        let mut shared: Option<String> = None;
        for &workload in workloads {
            eprintln!("  {} {}...", backend.name(), label(workload));
            let mut cells = vec![Cell::default(); libraries.len()];
            for rep in 0..sizes.reps {
                for k in 0..libraries.len() {
                    let i = (k + rep) % libraries.len();
                    if cells[i].unsupported.is_some() || cells[i].failure.is_some() {
                        continue;
                    }
                    let reads = matches!(workload, Workload::Scan | Workload::Lookups);
                    if reads && shared.is_none() {
                        shared = Some(fixtures.fresh(backend, sizes.bulk));
                    }
                    one_run(
                        &libraries[i],
                        workload,
                        backend,
                        sizes,
                        fixtures,
                        shared.as_deref().filter(|_| reads),
                        &mut cells[i],
                    );
                }
            }
            lines.push(Line {
                workload,
                backend,
                cells,
            });
        }
        if let Some(target) = shared {
            fixtures.remove(backend, &target);
        }
    }
    lines
}

/// The command line of `workload` at `sizes` on `target`.
fn args_of(workload: Workload, backend: Backend, target: String, sizes: &Sizes) -> Args {
    let mut args = Args {
        workload,
        backend,
        target,
        rows: 0,
        table_rows: 0,
        seconds: 0.0,
        writers: 0,
        readers: 0,
    };
    match workload {
        Workload::Single => args.rows = sizes.single,
        Workload::Bulk => args.rows = sizes.bulk,
        Workload::Scan => args.table_rows = sizes.bulk,
        Workload::Lookups => (args.rows, args.table_rows) = (sizes.lookups, sizes.bulk),
        Workload::Mixed => {
            (args.table_rows, args.seconds) = (sizes.mixed_prefill, sizes.mixed_seconds);
            (args.writers, args.readers) = (8, 8);
        }
        Workload::Seed => (args.rows, args.writers, args.readers) = (sizes.seed_rows, 50, 5),
    }
    args
}

fn one_run(
    library: &Library,
    workload: Workload,
    backend: Backend,
    sizes: &Sizes,
    fixtures: &Fixtures,
    // The filled database of a read-only workload, kept for the next run; `None`: a fresh one.
    shared: Option<&str>,
    cell: &mut Cell,
) {
    let target = match shared {
        Some(t) => t.to_owned(),
        None => {
            let fill = if workload == Workload::Mixed {
                sizes.mixed_prefill
            } else {
                0
            };
            fixtures.fresh(backend, fill)
        }
    };
    let args = args_of(workload, backend, target.clone(), sizes);
    let result = execute(library, &args).and_then(|r| {
        if r.unsupported.is_none() {
            check(&args, &r, || fixtures.count(backend, &target))?;
        }
        Ok(r)
    });
    if shared.is_none() {
        fixtures.remove(backend, &target);
    }
    match result {
        Ok(r) if r.unsupported.is_some() => cell.unsupported = r.unsupported,
        Ok(r) => {
            eprintln!("    {}: {:.0}/s", library.name, r.ops as f64 / r.seconds);
            cell.rates.push(r.ops as f64 / r.seconds);
            cell.p50_us.extend(r.p50_us);
            cell.p99_us.extend(r.p99_us);
            cell.peak_rss_kib.push(r.peak_rss_kib);
        }
        Err(why) => {
            eprintln!("    {} FAILED: {why}", library.name);
            cell.failure = Some(why);
        }
    }
}

/// A program's `RESULT` line.
#[derive(Debug, Default)]
struct Reported {
    ops: u64,
    seconds: f64,
    checksum: i64,
    p50_us: Option<u64>,
    p99_us: Option<u64>,
    writes: Option<u64>,
    peak_rss_kib: u64,
    unsupported: Option<String>,
}

fn execute(library: &Library, args: &Args) -> Result<Reported, String> {
    let output = Command::new(&library.argv[0])
        .args(&library.argv[1..])
        .args(args.to_words())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", library.argv[0]))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("exited with {}", output.status));
    }
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or("printed no RESULT line")?;
    parse(line)
}

fn parse(line: &str) -> Result<Reported, String> {
    let mut r = Reported::default();
    for pair in line.split_whitespace() {
        let (key, value) = pair
            .split_once('=')
            .ok_or(format!("bad RESULT field {pair}"))?;
        let int = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("bad RESULT field {pair}"))
        };
        match key {
            "ops" => r.ops = int()?,
            "seconds" => {
                r.seconds = value
                    .parse()
                    .map_err(|_| format!("bad RESULT field {pair}"))?
            }
            "checksum" => {
                r.checksum = value
                    .parse()
                    .map_err(|_| format!("bad RESULT field {pair}"))?
            }
            "p50_us" => r.p50_us = Some(int()?),
            "p99_us" => r.p99_us = Some(int()?),
            "writes" => r.writes = Some(int()?),
            "peak_rss_kib" => r.peak_rss_kib = int()?,
            "unsupported" => r.unsupported = Some(value.replace('_', " ")),
            _ => {}
        }
    }
    Ok(r)
}

/// Whether the run did the work it was given: the rows it wrote are in the table, the rows it
/// read are the table's, the ids it was handed back are the new rows'.
fn check(args: &Args, r: &Reported, count: impl FnOnce() -> u64) -> Result<(), String> {
    let expect = |what: &str, got: i64, want: i64| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what}: {got}, expected {want}"))
        }
    };
    match args.workload {
        Workload::Single => {
            let n = args.rows as i64;
            expect("rows reported", r.ops as i64, n)?;
            expect("sum of the ids handed back", r.checksum, n * (n + 1) / 2)?;
            expect("rows in the table", count() as i64, n)
        }
        Workload::Bulk => {
            expect("rows reported", r.ops as i64, args.rows as i64)?;
            expect("rows in the table", count() as i64, args.rows as i64)
        }
        Workload::Scan => {
            let n = args.table_rows as i64;
            expect("rows read", r.ops as i64, n)?;
            expect("sum of the numbers read", r.checksum, n * (n - 1) / 2)
        }
        Workload::Lookups => {
            expect("lookups", r.ops as i64, args.rows as i64)?;
            expect(
                "sum of the numbers found",
                r.checksum,
                kit::lookups_checksum(args.rows, args.table_rows),
            )
        }
        Workload::Mixed => {
            let writes = r.writes.ok_or("no writes= in the RESULT")? as i64;
            expect(
                "rows in the table",
                count() as i64,
                args.table_rows as i64 + writes,
            )
        }
        Workload::Seed => {
            let n = (args.writers * args.rows) as i64;
            expect("rows written", r.ops as i64, n)?;
            expect("rows in the table", count() as i64, n)
        }
    }
}

fn thousands(v: f64) -> String {
    let s = format!("{:.0}", v);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The table in Markdown: rates, each library's ratio to anytable, and anytable's place among
/// the libraries (the raw drivers are the ceiling, not a library).
pub fn markdown(libraries: &[Library], lines: &[Line]) -> String {
    let anytable = libraries.iter().position(|l| l.name == "anytable");
    let mut out = String::from("| workload | backend |");
    for l in libraries {
        out += &format!(" {} |", l.name);
    }
    out += " anytable's place |\n|---|---|";
    out += &"---:|".repeat(libraries.len());
    out += "---|\n";
    for line in lines {
        let base = anytable.and_then(|a| line.cells[a].rate());
        out += &format!("| {} | {} |", label(line.workload), line.backend.name());
        for (i, cell) in line.cells.iter().enumerate() {
            let text = match (&cell.failure, &cell.unsupported, cell.rate()) {
                (Some(_), _, _) => "FAILED".to_owned(),
                (_, Some(_), _) => "—".to_owned(),
                (_, _, Some(rate)) => match base {
                    Some(b) if Some(i) != anytable => {
                        format!("{} ({:.2})", thousands(rate), rate / b)
                    }
                    _ => thousands(rate),
                },
                _ => "?".to_owned(),
            };
            out += &format!(" {text} |");
        }
        out += &format!(" {} |\n", place(libraries, line, anytable));
    }
    out
}

/// anytable's rank among the libraries that ran, and how far behind the fastest it is.
fn place(libraries: &[Library], line: &Line, anytable: Option<usize>) -> String {
    let Some(a) = anytable else {
        return String::new();
    };
    let Some(mine) = line.cells[a].rate() else {
        return "did not run".into();
    };
    let mut others: Vec<(f64, &str)> = line
        .cells
        .iter()
        .zip(libraries)
        .enumerate()
        .filter(|(i, (_, l))| *i != a && l.name != "raw")
        .filter_map(|(_, (c, l))| c.rate().map(|r| (r, l.name.as_str())))
        .collect();
    others.sort_by(|x, y| y.0.total_cmp(&x.0));
    let rank = 1 + others.iter().filter(|(r, _)| *r > mine).count();
    match others.first() {
        Some((best, who)) if *best > mine => {
            let ratio = mine / best;
            let mark = if ratio >= 0.95 { "within 5%" } else { "BEHIND" };
            format!(
                "{rank} of {}: {ratio:.2} of {who} ({mark})",
                others.len() + 1
            )
        }
        _ => format!("1 of {}", others.len() + 1),
    }
}

/// Latency (W5, W6) and peak memory (W3) per library, medians of the repetitions.
pub fn details(libraries: &[Library], lines: &[Line]) -> String {
    let mut out = String::from("| workload | backend | library | p50 µs | p99 µs | peak RSS MiB |\n|---|---|---|---:|---:|---:|\n");
    for line in lines {
        if !matches!(
            line.workload,
            Workload::Scan | Workload::Mixed | Workload::Seed
        ) {
            continue;
        }
        for (cell, l) in line.cells.iter().zip(libraries) {
            if cell.rates.is_empty() {
                continue;
            }
            let show = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
            let rss = median_u64(&cell.peak_rss_kib)
                .map_or(String::new(), |k| format!("{:.0}", k as f64 / 1024.0));
            out += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                label(line.workload),
                line.backend.name(),
                l.name,
                show(median_u64(&cell.p50_us)),
                show(median_u64(&cell.p99_us)),
                rss
            );
        }
    }
    out
}

/// Every cell as JSON objects: workload, backend, library, rate, ratio to anytable, latencies,
/// memory, and why it did not run where it did not.
pub fn json_results(libraries: &[Library], lines: &[Line]) -> Vec<anytable::serde_json::Value> {
    let anytable = libraries.iter().position(|l| l.name == "anytable");
    let mut out = Vec::new();
    for line in lines {
        let base = anytable.and_then(|a| line.cells[a].rate());
        for (cell, l) in line.cells.iter().zip(libraries) {
            out.push(anytable::serde_json::json!({
                "workload": label(line.workload),
                "backend": line.backend.name(),
                "library": l.name,
                "rows_per_s": cell.rate(),
                "ratio_to_anytable": cell.rate().zip(base).map(|(r, b)| r / b),
                "p50_us": median_u64(&cell.p50_us),
                "p99_us": median_u64(&cell.p99_us),
                "peak_rss_kib": median_u64(&cell.peak_rss_kib),
                "unsupported": cell.unsupported,
                "failure": cell.failure,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_line_is_read_back() {
        let r = parse("ops=10 seconds=0.5 checksum=55 p50_us=3 p99_us=9 writes=4 peak_rss_kib=100")
            .unwrap();
        assert_eq!(
            (r.ops, r.checksum, r.p50_us, r.writes, r.peak_rss_kib),
            (10, 55, Some(3), Some(4), 100)
        );
        assert_eq!(
            parse("unsupported=no_DuckDB_driver")
                .unwrap()
                .unsupported
                .as_deref(),
            Some("no DuckDB driver")
        );
    }

    #[test]
    fn lost_rows_fail_the_check() {
        let args = args_of(
            Workload::Single,
            Backend::Sqlite,
            "x".into(),
            &Sizes::smoke(),
        );
        let good = Reported {
            ops: 20,
            checksum: 210,
            ..Reported::default()
        };
        assert!(check(&args, &good, || 20).is_ok());
        assert!(check(&args, &good, || 19)
            .unwrap_err()
            .contains("rows in the table"));
        let wrong_ids = Reported {
            ops: 20,
            checksum: 200,
            ..Reported::default()
        };
        assert!(check(&args, &wrong_ids, || 20).is_err());
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
