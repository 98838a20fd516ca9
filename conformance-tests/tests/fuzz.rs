//! The differential fuzzer over every backend compiled in: SQLite and DuckDB in memory, and
//! PostgreSQL under both locales when `ANYTABLE_POSTGRES_URL` (and `ANYTABLE_POSTGRES_C_URL`)
//! name servers. Its budget is `ANYTABLE_FUZZ_SECONDS` (default 60);
//! `ANYTABLE_FUZZ_BACKENDS=sqlite,duckdb` keeps the backends whose names start so; see
//! `anytable_conformance::fuzz` for the other settings.

use anytable_conformance::fuzz::{self, FuzzConfig, Target};
use anytable_conformance::TestDb;

/// Whether `ANYTABLE_FUZZ_BACKENDS` (if set) keeps the backend called `name`.
fn wanted(name: &str) -> bool {
    match std::env::var("ANYTABLE_FUZZ_BACKENDS") {
        Ok(only) if !only.trim().is_empty() => only.split(',').any(|o| name.starts_with(o.trim())),
        _ => true,
    }
}

/// The backends to compare, each opening a fresh database per sequence: SQLite and DuckDB in
/// memory, a new schema on each PostgreSQL server (dropped when the sequence ends).
fn targets() -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut add = |name: &str, open: Box<dyn Fn() -> anytable::Result<TestDb>>| {
        if wanted(name) {
            out.push(Target {
                name: name.to_owned(),
                open,
            });
        }
    };
    #[cfg(feature = "sqlite")]
    add(
        "sqlite",
        Box::new(|| TestDb::open("sqlite::memory:?timeout=30".to_owned(), None)),
    );
    #[cfg(feature = "duckdb")]
    add(
        "duckdb",
        Box::new(|| TestDb::open("duckdb::memory:?timeout=30".to_owned(), None)),
    );
    #[cfg(feature = "postgres")]
    if std::env::var_os("ANYTABLE_SKIP_POSTGRES").is_none() && wanted("postgres") {
        let server = anytable_conformance::fixtures::postgres_server_url();
        add(
            "postgres",
            Box::new(move || anytable_conformance::fixtures::postgres_schema_on(&server)),
        );
        if let Some(c) = std::env::var("ANYTABLE_POSTGRES_C_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            add(
                "postgres C.UTF-8",
                Box::new(move || anytable_conformance::fixtures::postgres_schema_on(&c)),
            );
        }
    }
    let _ = &mut add;
    out
}

#[test]
fn backends_agree_on_generated_operations() {
    let config = FuzzConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let targets = targets();
    match fuzz::run(&targets, &config) {
        Ok(report) => println!("fuzz: {report} over {}", names(&targets)),
        Err(e) => panic!("{e}"),
    }
}

/// Every minimal sequence the fuzzer found before, replayed on every backend.
#[test]
fn fuzz_regressions_agree() {
    let targets = targets();
    for (what, ops) in anytable_conformance::fuzz::regressions::cases() {
        if let Err(e) = fuzz::replay(&targets, &ops) {
            panic!("regression case ({what}) differs again:\n{e}");
        }
    }
}

fn names(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
