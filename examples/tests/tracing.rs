//! `RUST_LOG=anytable=debug` on the quickstart prints one span per statement: exactly one
//! insert span per inserted row (100), each with its SQL, rows and duration, and no values.

mod common;

use std::process::Command;

#[test]
fn quickstart_shows_one_span_per_statement() {
    let output = Command::new(common::example("quickstart"))
        .env("RUST_LOG", "anytable=debug")
        .output()
        .expect("the quickstart runs");
    assert!(output.status.success(), "{output:?}");
    let log = String::from_utf8_lossy(&output.stderr);
    let closed: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("statement{") && l.contains("close"))
        .collect();
    let inserts: Vec<&str> = closed
        .iter()
        .copied()
        .filter(|l| l.contains(r#"sql="INSERT INTO"#))
        .collect();
    assert_eq!(inserts.len(), 100, "one span per inserted row:\n{log}");
    for line in &closed {
        assert!(line.contains(r#"backend="sqlite""#), "{line}");
        assert!(line.contains("sql="), "{line}");
        assert!(line.contains("duration_us="), "{line}");
        assert!(line.contains("rows="), "{line}");
        assert!(
            !line.contains("params="),
            "no bound values by default: {line}"
        );
    }
    assert!(
        inserts.iter().all(|l| l.contains("rows=1")),
        "each insert wrote one row"
    );
    assert!(
        closed.iter().any(|l| l.contains(r#"op="query""#)),
        "the final select is traced too"
    );
}
