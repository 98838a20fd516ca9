//! The runner's command line: help, the case list, and arguments that are refused rather than
//! silently running nothing.

use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_anytable-conformance");

#[test]
fn list_prints_every_case_and_help_every_flag() {
    let list = Command::new(EXE).arg("--list").output().unwrap();
    assert!(list.status.success());
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let cases: Vec<String> = anytable_conformance::cases()
        .iter()
        .map(|c| format!("{}::{}", c.group, c.name))
        .collect();
    assert_eq!(names, cases);
    let help = Command::new(EXE).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--list",
        "--only",
        "--markdown",
        "--json",
        "--case-timeout",
        "--threads",
    ] {
        assert!(text.contains(flag), "{flag} in {text}");
    }
}

#[test]
fn bad_arguments_exit_2_and_say_why() {
    for (args, says) in [
        (
            &["--only", "no_case_is_called_this", "sqlite::memory:"][..],
            "no case matches",
        ),
        (&["--threads", "0", "sqlite::memory:"], "--threads"),
        (&["--json"], "--json"),
        (&[], "URLS"),
        (&["--frobnicate", "sqlite::memory:"], "--frobnicate"),
    ] {
        let output = Command::new(EXE).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
