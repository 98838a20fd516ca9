//! The bench command runs every workload on every backend in the build and writes the JSON the
//! issue specifies: a tiny run (`--smoke`), so the bench cannot rot between measurements.
//! (Rates from a debug build at these sizes mean nothing; none is asserted.)

use std::process::Command;

use anytable::serde_json::{self, Value};

const EXE: &str = env!("CARGO_BIN_EXE_anytable-bench");

fn backends() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "sqlite") {
        names.push("sqlite file");
    }
    if cfg!(feature = "duckdb") {
        names.push("duckdb file");
    }
    if cfg!(feature = "postgres") && std::env::var_os("ANYTABLE_POSTGRES_URL").is_some() {
        names.push("postgres");
    }
    names
}

/// The async_service example that A6 loads, where this build has it (cargo builds the
/// examples of the workspace for its tests, next to this executable).
fn service_example() -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(EXE)
        .parent()?
        .join("examples")
        .join(format!("async_service{}", std::env::consts::EXE_SUFFIX));
    path.exists().then_some(path)
}

#[test]
fn every_workload_runs_on_every_backend_and_writes_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let mut command = Command::new(EXE);
    command
        .args(["--smoke", "--json"])
        .arg(&json)
        // Worker processes are this same executable.
        .env("ANYTABLE_BENCH_EXE", EXE);
    let service = service_example();
    if let Some(service) = &service {
        command.env("ANYTABLE_SERVICE_BIN", service);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(document["mode"], "smoke");
    assert!(
        document["machine"]
            .as_str()
            .is_some_and(|m| m.contains("cores")),
        "{document}"
    );
    assert!(
        document["commit"].as_str().is_some_and(|c| !c.is_empty()),
        "{document}"
    );
    let results: Vec<Value> = serde_json::from_value(document["results"].clone()).unwrap();

    for backend in backends() {
        let of_backend: Vec<&Value> = results.iter().filter(|r| r["backend"] == backend).collect();
        let names: Vec<&str> = of_backend
            .iter()
            .map(|r| r["workload"].as_str().unwrap())
            .collect();
        for prefix in [
            "W1 ",
            "W2 ",
            "W3 ",
            "W4 ",
            "W3s iter() 100 rows",
            "W3s for_each 100 rows",
            "W3s iter() 200 rows",
            "W3s for_each 200 rows",
            "W5 mixed 8w+4r writes",
            "W5 mixed 8w+4r reads",
            "W6 seed 50w+5r",
            "W6p seed 5 processes",
        ] {
            assert!(
                names.iter().any(|n| n.starts_with(prefix)),
                "{backend}: no {prefix:?} in {names:?}"
            );
        }
        if backend == "postgres" && service.is_some() {
            assert!(
                names.iter().any(|n| n.starts_with("A6 service")),
                "postgres: no A6 in {names:?}"
            );
        }
        for r in of_backend {
            let what = format!("{backend} {}", r["workload"]);
            for side in ["anytable_rows_per_s", "raw_rows_per_s", "ratio"] {
                let v = r[side].as_f64().unwrap_or(f64::NAN);
                assert!(v.is_finite() && v > 0.0, "{what}: {side} = {v}");
            }
            // anytable never fails an operation of the load workloads.
            if let Some(errors) = r.get("anytable_errors") {
                assert_eq!(errors, 0, "{what}");
            }
            let name = r["workload"].as_str().unwrap();
            if name.starts_with("W3s") {
                assert!(r["anytable_peak_rss_mib"].as_f64().unwrap() > 1.0, "{what}");
                assert!(r["raw_peak_rss_mib"].as_f64().unwrap() > 1.0, "{what}");
            }
            if name.starts_with("W5") {
                let (p50, p99) = (&r["anytable_p50_us"], &r["anytable_p99_us"]);
                assert!(p50.as_f64().unwrap() <= p99.as_f64().unwrap(), "{what}");
            }
            if name.starts_with("W6") {
                assert!(r["anytable_wall_s"].as_f64().unwrap() > 0.0, "{what}");
            }
        }
    }
    // The text table went to stdout with a line per measurement.
    assert_eq!(stdout.lines().count(), results.len() + 1, "{stdout}");
}

#[test]
fn unknown_arguments_and_names_are_refused() {
    for args in [
        &["--fast"][..],
        &["--only", "w1"],
        &["--backends", "oracle"],
        &["--json"],
    ] {
        let output = Command::new(EXE).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--help"),
            "{args:?}"
        );
    }
    let help = Command::new(EXE).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--backends"));
}
