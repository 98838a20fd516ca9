//! `anytable-bench peers` runs anytable's side of every workload on every backend in the build
//! and checks what each library's program did: a program that loses rows or hands back wrong
//! ids is reported FAILED (and the command fails), one that cannot run a backend is shown as
//! such. The peers' own programs are release builds of other workspaces (scripts/bench-peers);
//! here stand-ins play them. (Rates at smoke sizes mean nothing; none is asserted.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anytable::serde_json::{self, Value};

const EXE: &str = env!("CARGO_BIN_EXE_anytable-bench");

fn backends() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "sqlite") {
        names.push("sqlite");
    }
    if cfg!(feature = "duckdb") {
        names.push("duckdb");
    }
    if cfg!(feature = "postgres") && std::env::var_os("ANYTABLE_POSTGRES_URL").is_some() {
        names.push("postgres");
    }
    names
}

/// A stand-in peer program: a shell script that prints `line` whatever it is asked.
fn stand_in(dir: &Path, name: &str, line: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\necho '{line}'\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn peers(args: &[&str], programs: &[(&str, &Path)], json: &Path) -> (Output, Value) {
    let mut command = Command::new(EXE);
    command
        .args(["peers", "--smoke", "--json"])
        .arg(json)
        .args(args);
    for (name, path) in programs {
        command
            .arg("--program")
            .arg(format!("{name}={}", path.display()));
    }
    let output = command.output().unwrap();
    let document = std::fs::read_to_string(json)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    (output, document)
}

fn results(document: &Value) -> Vec<Value> {
    serde_json::from_value(document["results"].clone()).unwrap()
}

#[test]
fn anytable_runs_every_workload_on_every_backend_and_each_run_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (output, document) = peers(&[], &[], &dir.path().join("out.json"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(document["mode"], "smoke");
    assert!(
        document["versions"]["anytable"]["rusqlite"].is_string(),
        "{document}"
    );
    let results = results(&document);
    for backend in backends() {
        for workload in ["W1 ", "W2 ", "W3 ", "W4 ", "W5 ", "W6 "] {
            let found = results.iter().find(|r| {
                r["backend"] == backend
                    && r["library"] == "anytable"
                    && r["workload"].as_str().unwrap().starts_with(workload)
            });
            let found = found.unwrap_or_else(|| panic!("no {workload}on {backend}: {document}"));
            assert!(found["rows_per_s"].as_f64().unwrap() > 0.0, "{found}");
            assert!(found["failure"].is_null(), "{found}");
            assert_eq!(found["ratio_to_anytable"].as_f64(), Some(1.0), "{found}");
        }
    }
}

#[test]
fn a_program_that_loses_rows_fails_and_one_without_the_backend_is_marked() {
    let dir = tempfile::tempdir().unwrap();
    // Claims W1's 20 rows but wrote none and handed back no ids.
    let liar = stand_in(
        dir.path(),
        "liar",
        "RESULT ops=20 seconds=0.1 checksum=0 peak_rss_kib=1",
    );
    let absent = stand_in(dir.path(), "absent", "RESULT unsupported=no_driver_here");
    let (output, document) = peers(
        &["--only", "W1", "--backends", "sqlite"],
        &[("liar", &liar), ("absent", &absent)],
        &dir.path().join("out.json"),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    let results = results(&document);
    let of = |library: &str| {
        results
            .iter()
            .find(|r| r["library"] == library)
            .unwrap()
            .clone()
    };
    let liar = of("liar");
    assert!(
        liar["failure"]
            .as_str()
            .unwrap()
            .contains("sum of the ids handed back"),
        "{liar}"
    );
    assert!(liar["rows_per_s"].is_null(), "{liar}");
    assert_eq!(of("absent")["unsupported"], "no driver here");
    assert!(of("anytable")["failure"].is_null());
    assert!(
        stdout.contains("| W1 single inserts | sqlite |"),
        "{stdout}"
    );
    assert!(stdout.contains("FAILED"), "{stdout}");
}
