//! One command that measures anytable against hand-written code on each raw driver.
//!
//! ```text
//! cargo run --release -p anytable-bench [--features duckdb,postgres] -- [--quick] [--json FILE]
//! ```
//!
//! Work in progress (issue 6): W1–W4 on SQLite and PostgreSQL so far.

use std::process::ExitCode;

use anytable_bench::report::{table, to_json, Measurement};
use anytable_bench::workloads::Settings;

fn main() -> ExitCode {
    let mut settings = Settings::full();
    let mut json = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => settings = Settings::quick(),
            "--json" => match args.next() {
                Some(file) => json = Some(file),
                None => {
                    eprintln!("--json needs a file name");
                    return ExitCode::from(2);
                }
            },
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => {
                eprintln!(
                    "unknown argument {other:?}; usage: anytable-bench [--quick] [--json FILE]"
                );
                return ExitCode::from(2);
            }
        }
    }
    if cfg!(debug_assertions) {
        eprintln!("note: a debug build measures nothing useful; run with --release");
    }
    let mut results: Vec<Measurement> = Vec::new();
    #[cfg(feature = "sqlite")]
    {
        let dir = tempfile::tempdir().expect("temp dir");
        results.extend(anytable_bench::workloads::sqlite::run(
            dir.path(),
            &settings,
        ));
    }
    #[cfg(feature = "postgres")]
    match std::env::var("ANYTABLE_POSTGRES_URL") {
        Ok(server) => results.extend(anytable_bench::workloads::postgres::run(&server, &settings)),
        Err(_) => eprintln!(
            "NOTE: PostgreSQL NOT measured: set ANYTABLE_POSTGRES_URL (scripts/postgres-server.sh starts a throwaway server)"
        ),
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
