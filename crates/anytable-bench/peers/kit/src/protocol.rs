//! The protocol between `anytable-bench peers` (the orchestrator) and one bench program per
//! library: the command line a program is given, the rows it writes, and the one `RESULT` line
//! it prints. Each program runs one workload once, in a process of its own, so that its peak
//! resident memory is its own and no library inherits another's caches.
//!
//! ```text
//! PROGRAM WORKLOAD BACKEND TARGET [rows=N] [table_rows=N] [seconds=S] [writers=N] [readers=N]
//! RESULT ops=N seconds=S checksum=N [p50_us=N p99_us=N] [writes=N] peak_rss_kib=N
//! RESULT unsupported=why
//! ```
//!
//! TARGET is a file path (SQLite, DuckDB) or a `postgres://` URL of a database of its own, which
//! already holds the table `peer_rows` (id, name, number, score, created), created by anytable's
//! DDL so every library works on the same table, and filled with rows `0..table_rows` for the
//! workloads that read.

use std::time::{Duration, Instant};

/// What one run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// W1: `rows` single inserts in one transaction, each handing back its id and the
    /// timestamp the database filled in.
    Single,
    /// W2: `rows` rows through the library's bulk API, all or nothing.
    Bulk,
    /// W3: every row of the table into structs, collected.
    Scan,
    /// W4: `rows` point lookups by id.
    Lookups,
    /// W5: `writers` threads of single inserts and `readers` threads of point lookups for
    /// `seconds`, with the latency of every operation.
    Mixed,
    /// W6: DuckDB's seed: `writers` threads each insert `rows` rows one at a time while `readers`
    /// threads each count the table `rows` times, each thread with a connection of its own.
    Seed,
}

impl Workload {
    /// Every workload, in the order the table prints them.
    pub const ALL: [Workload; 6] = [
        Workload::Single,
        Workload::Bulk,
        Workload::Scan,
        Workload::Lookups,
        Workload::Mixed,
        Workload::Seed,
    ];

    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Single => "W1",
            Workload::Bulk => "W2",
            Workload::Scan => "W3",
            Workload::Lookups => "W4",
            Workload::Mixed => "W5",
            Workload::Seed => "W6",
        }
    }

    /// The workload a command-line name means.
    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }
}

/// Which engine TARGET is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file in WAL mode.
    Sqlite,
    /// A DuckDB file.
    Duckdb,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Duckdb, Backend::Postgres];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Duckdb => "duckdb",
            Backend::Postgres => "postgres",
        }
    }

    /// The backend a command-line name means.
    pub fn parse(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// A program's command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// What to run.
    pub workload: Workload,
    /// Where.
    pub backend: Backend,
    /// The file or URL.
    pub target: String,
    /// Rows to write, or lookups to make.
    pub rows: usize,
    /// Rows the table holds before the run (ids `1..=table_rows`).
    pub table_rows: usize,
    /// How long W5 runs.
    pub seconds: f64,
    /// Writer threads (W5, W6).
    pub writers: usize,
    /// Reader threads (W5, W6).
    pub readers: usize,
}

impl Args {
    /// The command line of this process; exits with a usage message on a bad one.
    pub fn from_env() -> Args {
        let words: Vec<String> = std::env::args().skip(1).collect();
        Args::parse(&words).unwrap_or_else(|why| {
            eprintln!("{why}\nusage: PROGRAM W1..W6 sqlite|duckdb|postgres TARGET [rows=N] [table_rows=N] [seconds=S] [writers=N] [readers=N]");
            std::process::exit(2)
        })
    }

    /// Parses `words` (the arguments after the program's name).
    pub fn parse(words: &[String]) -> Result<Args, String> {
        let [workload, backend, target, options @ ..] = words else {
            return Err("expected WORKLOAD BACKEND TARGET".into());
        };
        let mut args = Args {
            workload: Workload::parse(workload).ok_or(format!("unknown workload {workload}"))?,
            backend: Backend::parse(backend).ok_or(format!("unknown backend {backend}"))?,
            target: target.clone(),
            rows: 0,
            table_rows: 0,
            seconds: 0.0,
            writers: 0,
            readers: 0,
        };
        for option in options {
            let (key, value) = option
                .split_once('=')
                .ok_or(format!("expected key=value, got {option}"))?;
            let bad = |_| format!("bad value in {option}");
            match key {
                "rows" => args.rows = value.parse().map_err(bad)?,
                "table_rows" => args.table_rows = value.parse().map_err(bad)?,
                "writers" => args.writers = value.parse().map_err(bad)?,
                "readers" => args.readers = value.parse().map_err(bad)?,
                "seconds" => {
                    args.seconds = value
                        .parse()
                        .map_err(|_| format!("bad value in {option}"))?
                }
                _ => return Err(format!("unknown option {key}")),
            }
        }
        Ok(args)
    }

    /// The words that make this command line again.
    pub fn to_words(&self) -> Vec<String> {
        vec![
            self.workload.name().to_owned(),
            self.backend.name().to_owned(),
            self.target.clone(),
            format!("rows={}", self.rows),
            format!("table_rows={}", self.table_rows),
            format!("seconds={}", self.seconds),
            format!("writers={}", self.writers),
            format!("readers={}", self.readers),
        ]
    }

    /// How long W5 runs.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.seconds)
    }
}

/// Column `name` of row `i`.
pub fn name(i: usize) -> String {
    format!("row number {i}")
}

/// Column `number` of row `i`.
pub fn number(i: usize) -> i64 {
    i as i64
}

/// Column `score` of row `i`.
pub fn score(i: usize) -> f64 {
    i as f64 * 0.5
}

/// The id the `k`-th lookup asks for: every id of a table of `table_rows` rows is hit in a
/// scattered order (7919 is prime, so the step visits them all).
pub fn lookup_id(k: usize, table_rows: usize) -> i64 {
    ((k * 7919) % table_rows.max(1)) as i64 + 1
}

/// The checksum of W4's `rows` lookups on rows `0..table_rows`: the sum of the found rows'
/// `number` (row `i` has id `i + 1`).
pub fn lookups_checksum(rows: usize, table_rows: usize) -> i64 {
    (0..rows).map(|k| lookup_id(k, table_rows) - 1).sum()
}

/// Panics unless `created` (seconds since the epoch, as the library read it back) is a time
/// of this run: the database filled it in and the library handed it back.
pub fn check_created(created_unix_seconds: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    assert!(
        (now - created_unix_seconds).abs() < 3600,
        "the database-filled timestamp read back is {created_unix_seconds}, not near {now}"
    );
}

/// The latencies of one thread's operations, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies(pub Vec<u32>);

impl Latencies {
    /// Notes an operation that started at `started` and has just ended.
    pub fn record(&mut self, started: Instant) {
        self.0
            .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
    }

    /// Every thread's latencies in one.
    pub fn merge(all: impl IntoIterator<Item = Latencies>) -> Latencies {
        Latencies(all.into_iter().flat_map(|l| l.0).collect())
    }

    /// The `q`-th quantile (0..=1) in microseconds; 0 for none.
    pub fn quantile(&self, q: f64) -> u32 {
        let mut sorted = self.0.clone();
        sorted.sort_unstable();
        match sorted.len() {
            0 => 0,
            n => sorted[((n as f64 * q) as usize).min(n - 1)],
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Operations (rows written, rows read, lookups) in `seconds`.
    pub ops: usize,
    /// The measured time.
    pub seconds: f64,
    /// A number derived from what was read or handed back, equal for every library that did
    /// the same work (see each workload).
    pub checksum: i64,
    /// Per-operation latencies (W5, W6).
    pub latencies: Option<Latencies>,
    /// Of `ops`, the writes (W5).
    pub writes: Option<usize>,
}

impl Outcome {
    /// `ops` operations in `elapsed`.
    pub fn new(ops: usize, elapsed: Duration, checksum: i64) -> Outcome {
        Outcome {
            ops,
            seconds: elapsed.as_secs_f64(),
            checksum,
            ..Outcome::default()
        }
    }

    /// Prints the `RESULT` line, with this process's peak resident memory.
    pub fn report(&self) {
        let mut line = format!(
            "RESULT ops={} seconds={:.6} checksum={}",
            self.ops, self.seconds, self.checksum
        );
        if let Some(l) = &self.latencies {
            line += &format!(" p50_us={} p99_us={}", l.quantile(0.50), l.quantile(0.99));
        }
        if let Some(w) = self.writes {
            line += &format!(" writes={w}");
        }
        line += &format!(" peak_rss_kib={}", peak_rss_kib());
        println!("{line}");
    }
}

/// Says the library has no way to run this workload on this backend, and why.
pub fn unsupported(why: &str) -> ! {
    println!("RESULT unsupported={}", why.replace(' ', "_"));
    std::process::exit(0)
}

/// This process's peak resident set (`VmHWM`), in KiB; 0 where /proc has none.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs `writer` on `writers` threads and `reader` on `readers` threads, all started together,
/// until each returns; hands back their latencies and the time from the start to the last end.
/// Each closure gets its thread's index and opens its own connection before the start.
pub fn threads<W, R>(
    writers: usize,
    readers: usize,
    writer: W,
    reader: R,
) -> (Vec<(usize, Latencies)>, Duration)
where
    W: Fn(usize, &std::sync::Barrier) -> (usize, Latencies) + Sync,
    R: Fn(usize, &std::sync::Barrier) -> (usize, Latencies) + Sync,
{
    let barrier = std::sync::Barrier::new(writers + readers + 1);
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for i in 0..writers {
            let (w, b) = (&writer, &barrier);
            handles.push(scope.spawn(move || w(i, b)));
        }
        for i in 0..readers {
            let (r, b) = (&reader, &barrier);
            handles.push(scope.spawn(move || r(i, b)));
        }
        barrier.wait();
        let started = Instant::now();
        let results: Vec<(usize, Latencies)> = handles
            .into_iter()
            .map(|h| h.join().expect("a bench thread panicked"))
            .collect();
        (results, started.elapsed())
    })
}

/// The outcome of W5 or W6 from [`threads`]' results: the first `writers` are the writers.
pub fn load_outcome(args: &Args, results: Vec<(usize, Latencies)>, elapsed: Duration) -> Outcome {
    let writes: usize = results[..args.writers].iter().map(|r| r.0).sum();
    let ops: usize = results.iter().map(|r| r.0).sum();
    let latencies = Latencies::merge(results.into_iter().map(|r| r.1));
    match args.workload {
        // W6 is measured as rows written per second, as DuckDB's example counts it.
        Workload::Seed => Outcome {
            ops: writes,
            seconds: elapsed.as_secs_f64(),
            checksum: writes as i64,
            latencies: Some(latencies),
            writes: Some(writes),
        },
        _ => Outcome {
            ops,
            seconds: elapsed.as_secs_f64(),
            checksum: 0,
            latencies: Some(latencies),
            writes: Some(writes),
        },
    }
}
