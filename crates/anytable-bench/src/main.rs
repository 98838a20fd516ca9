//! One command that measures anytable against hand-written code on each raw driver.
//!
//! ```text
//! cargo run --release -p anytable-bench --features duckdb,postgres -- [--quick] [--json FILE]
//!     [--only W1,W2,W3,W4,W3s,W5,W6,W6p,W7,W8,W9,W10,A,A5] [--backends sqlite,duckdb,postgres]   (--help for more)
//! ```
//!
//! PostgreSQL is measured on the server in `ANYTABLE_POSTGRES_URL` (`scripts/bench` starts a
//! throwaway one); with `ANYTABLE_BENCH_POSTGRES_TLS_URL` or `ANYTABLE_BENCH_PGBOUNCER_URL`
//! (the same cluster over TLS, or through PgBouncer with `pooler=transaction`), anytable is
//! measured that way too, against the raw driver plain and direct (`scripts/bench
//! --postgres-variants` starts both). The bench re-executes itself for worker processes (`--worker ...`).

use std::process::ExitCode;

use anytable_bench::report::{table, to_json, Measurement, RunInfo};
use anytable_bench::workloads::{run_all, worker, Settings};
use clap::{Parser, ValueEnum};

/// The workloads `--only` can name.
const WORKLOADS: [&str; 15] = [
    "W1", "W2", "W3", "W4", "W3s", "W5", "W6", "W6p", "W7", "W8", "W9", "W10", "A", "A5", "A6",
];

/// anytable against hand-written code on each raw driver, in the same run, as ratios.
#[derive(Parser, Debug)]
#[command(name = "anytable-bench", version)]
struct Args {
    /// Small sizes: a few minutes in all, for before/after comparisons.
    #[arg(long, conflicts_with = "smoke")]
    quick: bool,
    /// Tiny sizes that only prove every workload runs (the test suite's mode).
    #[arg(long)]
    smoke: bool,
    /// Also write the results, with the commit, machine and mode, as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
    /// Only these workloads, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(WORKLOADS))]
    only: Option<Vec<String>>,
    /// Only these backends, comma-separated (those compiled in).
    #[arg(long, value_delimiter = ',', value_enum)]
    backends: Option<Vec<BackendName>>,
    /// What `cargo bench` passes to every bench target; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// A backend the bench knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BackendName {
    Sqlite,
    Duckdb,
    Postgres,
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    match raw.first().map(String::as_str) {
        Some("--worker") => return worker_main(&raw[1..]),
        Some("--peer") => return anytable_bench::peers::side::main(&raw[1..]),
        Some("peers") => return peers_main(PeersArgs::parse_from(&raw)),
        _ => {}
    }
    let args = Args::parse();
    let (settings, mode) = if args.smoke {
        (Settings::smoke(), "smoke")
    } else if args.quick {
        (Settings::quick(), "quick")
    } else {
        (Settings::full(), "full")
    };
    if cfg!(debug_assertions) && mode != "smoke" {
        eprintln!("note: a debug build measures nothing useful; run with --release");
    }
    let wanted = |name: BackendName| args.backends.as_ref().is_none_or(|b| b.contains(&name));
    let only = |name: &str| {
        args.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|x| x == name))
    };
    let info = RunInfo::collect(mode);
    eprintln!(
        "anytable-bench, {mode} mode, {}, commit {}",
        info.machine, info.commit
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut results: Vec<Measurement> = Vec::new();
    #[cfg(feature = "sqlite")]
    if wanted(BackendName::Sqlite) {
        let engine = anytable_bench::workloads::sqlite::SqliteEngine::new(dir.path());
        results.extend(run_all(&engine, &settings, &only));
    }
    #[cfg(feature = "duckdb")]
    if wanted(BackendName::Duckdb) {
        let engine = anytable_bench::workloads::duckdb::DuckDbEngine::new(dir.path());
        results.extend(run_all(&engine, &settings, &only));
    }
    #[cfg(feature = "postgres")]
    if wanted(BackendName::Postgres) {
        match std::env::var("ANYTABLE_POSTGRES_URL") {
            Ok(server) => {
                use anytable_bench::workloads::postgres::PostgresEngine;
                let engine = PostgresEngine::new(&server);
                results.extend(run_all(&engine, &settings, &only));
                // The same cluster over TLS and through PgBouncer, the raw driver still plain
                // and direct: the difference from the plain row is what each costs.
                for (variable, label) in [
                    ("ANYTABLE_BENCH_POSTGRES_TLS_URL", "postgres tls"),
                    ("ANYTABLE_BENCH_PGBOUNCER_URL", "postgres pgbouncer"),
                ] {
                    if let Ok(through) = std::env::var(variable) {
                        let engine = PostgresEngine::through(&server, &through, label);
                        results.extend(run_all(&engine, &settings, &only));
                    }
                }
            }
            Err(_) => eprintln!(
                "NOTE: PostgreSQL NOT measured: set ANYTABLE_POSTGRES_URL (scripts/bench starts a throwaway server)"
            ),
        }
    }
    if results.is_empty() {
        eprintln!("anytable-bench: nothing was measured (see --backends, --only and the features built in)");
        return ExitCode::FAILURE;
    }
    print!("{}", table(&results));
    if let Some(file) = &args.json {
        if let Err(e) = std::fs::write(file, to_json(&info, &results)) {
            eprintln!("cannot write {file}: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// `anytable-bench peers`: anytable against other libraries' bench programs, in one run.
#[derive(Parser, Debug)]
#[command(name = "anytable-bench peers")]
struct PeersArgs {
    /// Small sizes: a few minutes in all.
    #[arg(long, conflicts_with = "smoke")]
    quick: bool,
    /// Tiny sizes that only prove every program runs.
    #[arg(long)]
    smoke: bool,
    /// A library's bench program, as NAME=PATH (repeat; anytable's own is this binary).
    #[arg(long = "program", value_name = "NAME=PATH")]
    programs: Vec<String>,
    /// Only these workloads (W1..W6), comma-separated.
    #[arg(long, value_delimiter = ',')]
    only: Option<Vec<String>>,
    /// Only these backends, comma-separated.
    #[arg(long, value_delimiter = ',', value_enum)]
    backends: Option<Vec<BackendName>>,
    /// Also write the results, with the commit, machine and versions, as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<String>,
}

fn peers_main(args: PeersArgs) -> ExitCode {
    use anytable_bench::peers::kit::{Backend, Workload};
    use anytable_bench::peers::table::{self, Library, Sizes};
    let (sizes, mode) = if args.smoke {
        (Sizes::smoke(), "smoke")
    } else if args.quick {
        (Sizes::quick(), "quick")
    } else {
        (Sizes::full(), "full")
    };
    let me = std::env::current_exe().expect("the bench's own path");
    let mut libraries = vec![Library {
        name: "anytable".into(),
        argv: vec![me.display().to_string(), "--peer".into()],
    }];
    for program in &args.programs {
        let Some((name, path)) = program.split_once('=') else {
            eprintln!("--program takes NAME=PATH, not {program}");
            return ExitCode::from(2);
        };
        libraries.push(Library {
            name: name.into(),
            argv: vec![path.into()],
        });
    }
    let mut workloads = Vec::new();
    for w in Workload::ALL {
        if args
            .only
            .as_ref()
            .is_none_or(|o| o.iter().any(|x| x == w.name()))
        {
            workloads.push(w);
        }
    }
    let backends: Vec<Backend> = Backend::ALL
        .into_iter()
        .filter(|b| {
            let name = match b {
                Backend::Sqlite => BackendName::Sqlite,
                Backend::Duckdb => BackendName::Duckdb,
                Backend::Postgres => BackendName::Postgres,
            };
            args.backends.as_ref().is_none_or(|l| l.contains(&name))
        })
        .collect();
    let info = RunInfo::collect(mode);
    eprintln!(
        "anytable-bench peers, {mode} mode, {}, commit {}",
        info.machine, info.commit
    );
    let fixtures =
        anytable_bench::peers::fixture::Fixtures::new(std::env::var("ANYTABLE_POSTGRES_URL").ok());
    let lines = table::run(&libraries, &backends, &workloads, &sizes, &fixtures);
    println!("{}", table::markdown(&libraries, &lines));
    println!("{}", table::details(&libraries, &lines));
    let failed = lines
        .iter()
        .flat_map(|l| &l.cells)
        .any(|c| c.failure.is_some());
    if let Some(file) = &args.json {
        let doc = anytable::serde_json::json!({
            "commit": info.commit,
            "machine": info.machine,
            "mode": mode,
            "versions": anytable_bench::peers::versions(&libraries),
            "results": table::json_results(&libraries, &lines),
        });
        if let Err(e) = std::fs::write(
            file,
            anytable::serde_json::to_string_pretty(&doc).expect("json"),
        ) {
            eprintln!("cannot write {file}: {e}");
            return ExitCode::FAILURE;
        }
    }
    if failed {
        eprintln!("anytable-bench peers: some runs FAILED (above)");
        return ExitCode::FAILURE;
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
