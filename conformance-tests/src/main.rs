//! Runs the whole conformance suite against live databases given by URL and prints a table of
//! case × result; `--markdown FILE` also writes the support matrix.
//!
//! ```text
//! anytable-conformance [--markdown FILE] [--threads N] [--rows N] [--processes N]
//!                      [--scale N] [--only TEXT] URL...
//! ```
//!
//! Each case gets a fresh database like the URL's: a new file next to the named one, the same
//! in-memory URL, or a new schema on the named Postgres server (dropped afterwards).

use std::process::ExitCode;
use std::time::Instant;

use anytable_conformance::cases::processes::{worker_entry, WORKER_ENV};
use anytable_conformance::fixtures::{describe, fresh};
use anytable_conformance::matrix::{markdown, Column};
use anytable_conformance::{cases, run_case, Outcome};

const USAGE: &str = "usage: anytable-conformance [--markdown FILE] [--threads N] [--rows N] \
                     [--processes N] [--scale N] [--only TEXT] URL...";

fn main() -> ExitCode {
    if std::env::var_os(WORKER_ENV).is_some() {
        // A child process of a multi-process case, started by re-executing this binary.
        worker_entry();
        return ExitCode::SUCCESS;
    }
    // Cases that panic on purpose (and failing ones) are reported in the table, with their
    // message; the default hook would print each one with a backtrace in between.
    std::panic::set_hook(Box::new(|_| {}));
    match run(std::env::args().skip(1).collect()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("anytable-conformance: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Runs the suite on every URL in `args`; `Ok(false)` if any case failed.
fn run(args: Vec<String>) -> Result<bool, String> {
    let mut urls = Vec::new();
    let (mut markdown_file, mut only) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--markdown" => markdown_file = Some(value("--markdown")?),
            "--only" => only = Some(value("--only")?),
            "--threads" | "--rows" | "--processes" | "--scale" => {
                let n = value(&arg)?;
                n.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("{arg} needs a positive number, not {n:?}"))?;
                let var = format!("ANYTABLE_CONFORMANCE_{}", arg[2..].to_uppercase());
                // SAFETY: no other thread exists yet; child processes inherit the setting.
                unsafe { std::env::set_var(var, n) };
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(true);
            }
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}")),
            _ => urls.push(arg),
        }
    }
    if urls.is_empty() {
        return Err("give at least one database URL".into());
    }
    let selected: Vec<_> = cases()
        .into_iter()
        .filter(|c| {
            only.as_deref()
                .is_none_or(|o| format!("{}::{}", c.group, c.name).contains(o))
        })
        .collect();
    let mut columns = Vec::new();
    let mut totals = Vec::new();
    for url in &urls {
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
        let (mut full, mut restricted, mut failed) = (0, 0, 0);
        for case in &selected {
            let report = run_case(case, &|| fresh(url));
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
            println!(
                "{word:<10} {:<60} {:>7.2}s  {detail}",
                format!("{}::{}", case.group, case.name),
                report.elapsed.as_secs_f64()
            );
            for note in &report.notes {
                println!("{:<10} {note}", "");
            }
            outcomes.push((*case, report.outcome));
        }
        let line = format!(
            "{name}: {} cases, {full} passed in full, {restricted} restricted, {failed} failed ({:.1}s)",
            selected.len(),
            started.elapsed().as_secs_f64()
        );
        println!("{line}");
        totals.push((line, failed));
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
    if let Some(file) = markdown_file {
        std::fs::write(&file, markdown(&columns))
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        println!("wrote {file}");
    }
    Ok(totals.iter().all(|(_, failed)| *failed == 0))
}
