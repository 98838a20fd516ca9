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

/// The databases to compare, kept open (a PostgreSQL schema is dropped with its `TestDb`).
fn targets() -> Vec<(String, TestDb)> {
    let mut out: Vec<(String, TestDb)> = Vec::new();
    #[cfg(feature = "sqlite")]
    if wanted("sqlite") {
        out.push((
            "sqlite".into(),
            anytable_conformance::fixtures::sqlite_memory(),
        ));
    }
    #[cfg(feature = "duckdb")]
    if wanted("duckdb") {
        out.push((
            "duckdb".into(),
            anytable_conformance::fixtures::duckdb_memory(),
        ));
    }
    #[cfg(feature = "postgres")]
    if std::env::var_os("ANYTABLE_SKIP_POSTGRES").is_none() {
        if wanted("postgres") {
            out.push((
                "postgres".into(),
                anytable_conformance::fixtures::postgres(),
            ));
        }
        let c_url = std::env::var("ANYTABLE_POSTGRES_C_URL")
            .ok()
            .filter(|u| !u.is_empty());
        if let Some(c) = c_url.filter(|_| wanted("postgres C.UTF-8")) {
            let db = anytable_conformance::fixtures::postgres_schema_on(&c)
                .unwrap_or_else(|e| panic!("cannot open a schema on the C-locale server: {e}"));
            out.push(("postgres C.UTF-8".into(), db));
        }
    }
    out
}

#[test]
fn backends_agree_on_generated_operations() {
    let config = FuzzConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
    let kept = targets();
    let targets: Vec<Target> = kept
        .iter()
        .map(|(name, t)| Target {
            name: name.clone(),
            db: t.db.clone(),
        })
        .collect();
    match fuzz::run(&targets, &config) {
        Ok(report) => println!("fuzz: {report} over {}", names(&targets)),
        Err(e) => panic!("{e}"),
    }
}

fn names(targets: &[Target]) -> String {
    targets
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
