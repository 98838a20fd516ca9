//! One command that measures anytable against hand-written code on each raw driver.
//!
//! ```text
//! cargo run --release -p anytable-bench --features duckdb,postgres -- [--quick] [--json FILE]
//!     [--only W1,W2,W3,W4,W3s,W5,W6,W6p,A] [--backends sqlite,duckdb,postgres]
//! ```
//!
//! PostgreSQL is measured on the server in `ANYTABLE_POSTGRES_URL` (`scripts/bench` starts a
//! throwaway one). The bench re-executes itself for worker processes (`--worker ...`).

use std::process::ExitCode;

use anytable_bench::report::{table, to_json, Measurement};
use anytable_bench::workloads::{run_all, worker, Settings};

const USAGE: &str = "usage: anytable-bench [--quick] [--json FILE] [--only W1,W2,...] [--backends sqlite,duckdb,postgres]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return worker_main(&args[1..]);
    }
    let mut settings = Settings::full();
    let mut mode = "full";
    let mut json = None;
    let mut only: Option<Vec<String>> = None;
    let mut backends: Option<Vec<String>> = None;
    let mut args = args.into_iter();
    let list = |value: Option<String>| -> Option<Vec<String>> {
        Some(value?.split(',').map(str::to_owned).collect())
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {
                settings = Settings::quick();
                mode = "quick";
            }
            "--smoke" => {
                settings = Settings::smoke();
                mode = "smoke";
            }
            "--json" => json = args.next(),
            "--only" => only = list(args.next()),
            "--backends" => backends = list(args.next()),
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => {
                eprintln!("unknown argument {other:?}; {USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if cfg!(debug_assertions) && mode != "smoke" {
        eprintln!("note: a debug build measures nothing useful; run with --release");
    }
    let wanted = |name: &str| {
        backends
            .as_ref()
            .is_none_or(|b| b.iter().any(|x| x == name))
    };
    let only = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == name));
    eprintln!("anytable-bench, {mode} mode, {}", machine());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut results: Vec<Measurement> = Vec::new();
    #[cfg(feature = "sqlite")]
    if wanted("sqlite") {
        let engine = anytable_bench::workloads::sqlite::SqliteEngine::new(dir.path());
        results.extend(run_all(&engine, &settings, &only));
    }
    #[cfg(feature = "duckdb")]
    if wanted("duckdb") {
        let engine = anytable_bench::workloads::duckdb::DuckDbEngine::new(dir.path());
        results.extend(run_all(&engine, &settings, &only));
    }
    #[cfg(feature = "postgres")]
    if wanted("postgres") {
        match std::env::var("ANYTABLE_POSTGRES_URL") {
            Ok(server) => {
                let engine = anytable_bench::workloads::postgres::PostgresEngine::new(&server);
                results.extend(run_all(&engine, &settings, &only));
            }
            Err(_) => eprintln!(
                "NOTE: PostgreSQL NOT measured: set ANYTABLE_POSTGRES_URL (scripts/bench starts a throwaway server)"
            ),
        }
    }
    print!("{}", table(&results));
    if let Some(file) = json {
        if let Err(e) = std::fs::write(&file, to_json(&results)) {
            eprintln!("cannot write {file}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// `--worker ENGINE SIDE KIND ARGS...`: one worker process's work; its report goes to stdout.
fn worker_main(args: &[String]) -> ExitCode {
    let Some(who) = args.get(1).and_then(|a| worker::Side::from_arg(a)) else {
        eprintln!("--worker ENGINE anytable|raw KIND ARGS...");
        return ExitCode::from(2);
    };
    let rest = &args[2..];
    let result = match args[0].as_str() {
        #[cfg(feature = "sqlite")]
        "sqlite" => worker::run(
            &anytable_bench::workloads::sqlite::SqliteEngine::new(std::path::Path::new(".")),
            who,
            rest,
        ),
        #[cfg(feature = "duckdb")]
        "duckdb" => worker::run(
            &anytable_bench::workloads::duckdb::DuckDbEngine::new(std::path::Path::new(".")),
            who,
            rest,
        ),
        #[cfg(feature = "postgres")]
        "postgres" => match std::env::var("ANYTABLE_POSTGRES_URL") {
            Ok(server) => worker::run(
                &anytable_bench::workloads::postgres::PostgresEngine::new(&server),
                who,
                rest,
            ),
            Err(_) => Err("ANYTABLE_POSTGRES_URL is not set".to_owned()),
        },
        other => Err(format!("no engine {other:?} in this build")),
    };
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("worker failed: {e}");
            ExitCode::FAILURE
        }
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
