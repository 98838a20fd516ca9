//! Runs the whole conformance suite against live databases given by URL and prints a table of
//! case × result; `--markdown FILE` also writes the support matrix, `--json FILE` the results
//! as data. `--help` lists every flag.
//!
//! Each case gets a fresh database like the URL's: a new file next to the named one, the same
//! in-memory URL, or a new schema on the named Postgres server (dropped afterwards).

use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anytable::serde_json::{self, json};
use anytable_conformance::cases::processes::{worker_entry, WORKER_ENV};
use anytable_conformance::fixtures::{describe, fresh};
use anytable_conformance::matrix::{markdown, Column};
use anytable_conformance::runner::Report;
use anytable_conformance::{cases, run_case, Case, Outcome};
use clap::Parser;

/// The anytable conformance suite against live databases: every case on a fresh database
/// like each URL's.
#[derive(Parser, Debug)]
#[command(name = "anytable-conformance", version)]
struct Args {
    /// Database URLs, e.g. `sqlite://dir/x.db`, `duckdb::memory:`, `postgres://user@host/db`.
    #[arg(required_unless_present = "list")]
    urls: Vec<String>,
    /// Print every case (group::name) and exit.
    #[arg(long)]
    list: bool,
    /// Run only the cases whose group::name contains this text (an error if none does).
    #[arg(long, value_name = "TEXT")]
    only: Option<String>,
    /// Write the support matrix (capabilities and cases × backends) to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<String>,
    /// Write every outcome, with capabilities and timings, as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// A case still running after this many seconds fails, and the run goes on.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    case_timeout: u64,
    /// Writer threads of the scaled concurrency cases.
    #[arg(long, env = "ANYTABLE_CONFORMANCE_THREADS", value_parser = positive())]
    threads: Option<u64>,
    /// Rows each writer inserts.
    #[arg(long, env = "ANYTABLE_CONFORMANCE_ROWS", value_parser = positive())]
    rows: Option<u64>,
    /// Writer processes of the scaled multi-process case.
    #[arg(long, env = "ANYTABLE_CONFORMANCE_PROCESSES", value_parser = positive())]
    processes: Option<u64>,
    /// Multiplier for the seed scenarios' thread counts.
    #[arg(long, env = "ANYTABLE_CONFORMANCE_SCALE", value_parser = positive())]
    scale: Option<u64>,
}

fn positive() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(1..)
}

fn main() -> ExitCode {
    if std::env::var_os(WORKER_ENV).is_some() {
        // A child process of a multi-process case, started by re-executing this binary.
        worker_entry();
        return ExitCode::SUCCESS;
    }
    let args = Args::parse();
    // The cases and their worker processes read the sizes from the environment.
    for (var, value) in [
        ("ANYTABLE_CONFORMANCE_THREADS", args.threads),
        ("ANYTABLE_CONFORMANCE_ROWS", args.rows),
        ("ANYTABLE_CONFORMANCE_PROCESSES", args.processes),
        ("ANYTABLE_CONFORMANCE_SCALE", args.scale),
    ] {
        if let Some(n) = value {
            // SAFETY: no other thread exists yet; child processes inherit the setting.
            unsafe { std::env::set_var(var, n.to_string()) };
        }
    }
    // Cases that panic on purpose (and failing ones) are reported in the table, with their
    // message; the default hook would print each one with a backtrace in between.
    std::panic::set_hook(Box::new(|_| {}));
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("anytable-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the selected cases on every URL; `Ok(false)` if any case failed.
fn run(args: &Args) -> Result<bool, String> {
    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| {
            args.only
                .as_deref()
                .is_none_or(|o| format!("{}::{}", c.group, c.name).contains(o))
        })
        .collect();
    if args.list {
        for case in &selected {
            println!("{}::{}", case.group, case.name);
        }
        return Ok(true);
    }
    if selected.is_empty() {
        return Err(format!(
            "no case matches --only {:?} (--list shows them)",
            args.only.as_deref().unwrap_or_default()
        ));
    }
    let timeout = Duration::from_secs(args.case_timeout);
    let mut columns = Vec::new();
    let mut totals = Vec::new();
    let mut results = Vec::new();
    for url in &args.urls {
        let probe = fresh(url)?;
        let name = describe(&probe);
        println!("\n== {name}: {}", anytable::url::redact(url));
        let capabilities = probe.db.capabilities().clone();
        drop(probe);
        let caps: Vec<String> = capabilities
            .entries()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        println!("capabilities: {}", caps.join(" "));
        let started = Instant::now();
        let mut outcomes = Vec::new();
        let mut cases_json = Vec::new();
        let (mut full, mut restricted, mut failed) = (0, 0, 0);
        for case in &selected {
            let report = run_with_timeout(*case, url, timeout);
            let (word, detail) = match &report.outcome {
                Outcome::Passed => {
                    full += 1;
                    ("pass", String::new())
                }
                Outcome::Restricted(why) => {
                    restricted += 1;
                    ("restricted", why.join("; "))
                }
                Outcome::Failed(e) => {
                    failed += 1;
                    ("FAIL", e.clone())
                }
            };
            let case_name = format!("{}::{}", case.group, case.name);
            println!(
                "{word:<10} {case_name:<60} {:>7.2}s  {detail}",
                report.elapsed.as_secs_f64()
            );
            for note in &report.notes {
                println!("{:<10} {note}", "");
            }
            cases_json.push(json!({
                "case": case_name,
                "outcome": word.to_ascii_lowercase(),
                "detail": detail,
                "seconds": report.elapsed.as_secs_f64(),
                "notes": report.notes,
            }));
            outcomes.push((*case, report.outcome));
        }
        let line = format!(
            "{name}: {} cases, {full} passed in full, {restricted} restricted, {failed} failed ({:.1}s)",
            selected.len(),
            started.elapsed().as_secs_f64()
        );
        println!("{line}");
        totals.push((line, failed));
        let capabilities_json: serde_json::Map<String, serde_json::Value> = capabilities
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), json!(v)))
            .collect();
        results.push(json!({
            "backend": name,
            "url": anytable::url::redact(url),
            "capabilities": capabilities_json,
            "passed": full,
            "restricted": restricted,
            "failed": failed,
            "cases": cases_json,
        }));
        columns.push(Column {
            label: name,
            capabilities,
            outcomes,
        });
    }
    println!("\n== summary");
    for (line, _) in &totals {
        println!("{line}");
    }
    if let Some(file) = &args.markdown {
        std::fs::write(file, markdown(&columns))
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        println!("wrote {file}");
    }
    if let Some(file) = &args.json {
        let document = json!({ "case_timeout_seconds": args.case_timeout, "runs": results });
        let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
        std::fs::write(file, text).map_err(|e| format!("cannot write {file}: {e}"))?;
        println!("wrote {file}");
    }
    Ok(totals.iter().all(|(_, failed)| *failed == 0))
}

/// Runs `case` on a thread of its own and waits at most `timeout` for it. A case that hangs
/// fails with a message saying so; its thread (and database) are left behind, since a
/// blocked driver call cannot be stopped from outside, and the run goes on.
fn run_with_timeout(case: Case, url: &str, timeout: Duration) -> Report {
    let (done, report) = mpsc::channel();
    let url = url.to_owned();
    let started = Instant::now();
    std::thread::spawn(move || {
        let _ = done.send(run_case(&case, &|| fresh(&url)));
    });
    report.recv_timeout(timeout).unwrap_or_else(|_| Report {
        outcome: Outcome::Failed(format!(
            "timed out: still running after {} s (--case-timeout)",
            timeout.as_secs()
        )),
        notes: Vec::new(),
        elapsed: started.elapsed(),
    })
}
