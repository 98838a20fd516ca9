//! anytable's DuckDB bulk path versus hand-written Appender code, in the same run.
//!
//! `cargo bench -p anytable-bench --features duckdb --bench duckdb_vs_appender [-- ROWS REPS SINGLE]`
//!
//! Bulk: ROWS rows (id from the sequence, timestamp, text, integer, float) through
//! `insert_many` and through the raw Appender, alternating, REPS times each, on fresh files.
//! Single: SINGLE rows inserted one statement at a time in one transaction through anytable, to
//! report how much faster the bulk path is, next to the same inserts hand-written on duckdb-rs.
//! Medians are reported.

use std::time::{Duration, Instant};

use anytable::chrono::{DateTime, TimeZone, Utc};
use anytable::{Database, Record};
use anytable_bench::{median, rate};
use duckdb::types::{TimeUnit, Value as DuckValue};

#[derive(Record, Debug, Clone)]
#[anytable(table = "bench_rows")]
struct BenchRow {
    #[anytable(id)]
    id: i64,
    at: DateTime<Utc>,
    name: String,
    number: i64,
    score: f64,
}

fn rows(n: usize) -> Vec<BenchRow> {
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    (0..n as i64)
        .map(|i| BenchRow {
            id: 0,
            at: base + anytable::chrono::Duration::microseconds(i),
            name: format!("row number {i}"),
            number: i,
            score: i as f64 * 0.5,
        })
        .collect()
}

fn anytable_bulk(url: &str, data: &[BenchRow]) -> Duration {
    let db = Database::open(url).unwrap();
    let table = db.table::<BenchRow>().unwrap();
    let start = Instant::now();
    let n = table.insert_many(data).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(n as usize, data.len());
    assert_eq!(table.count().unwrap() as usize, data.len());
    elapsed
}

fn raw_appender(path: &str, data: &[BenchRow]) -> Duration {
    // The table anytable creates, so both sides write the same schema (sequence default included).
    Database::open(&format!("duckdb://{path}"))
        .unwrap()
        .table::<BenchRow>()
        .unwrap();
    let conn = duckdb::Connection::open(path).unwrap();
    let start = Instant::now();
    {
        let mut app = conn
            .appender_with_columns("bench_rows", &["at", "name", "number", "score"])
            .unwrap();
        for r in data {
            let at = DuckValue::Timestamp(TimeUnit::Microsecond, r.at.timestamp_micros());
            app.append_row(duckdb::params![at, r.name, r.number, r.score])
                .unwrap();
        }
        app.flush().unwrap();
    }
    let elapsed = start.elapsed();
    let count: i64 = conn
        .query_row("SELECT count(*) FROM bench_rows", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count as usize, data.len());
    elapsed
}

fn anytable_single(url: &str, data: &[BenchRow]) -> Duration {
    let db = Database::open(url).unwrap();
    db.table::<BenchRow>().unwrap();
    let start = Instant::now();
    db.transaction(|tx| {
        let table = tx.table::<BenchRow>()?;
        for r in data {
            table.insert(&mut r.clone())?;
        }
        Ok(())
    })
    .unwrap();
    start.elapsed()
}

/// The same single inserts hand-written: one prepared `INSERT ... RETURNING id`, one transaction.
fn raw_single(path: &str, data: &[BenchRow]) -> Duration {
    Database::open(&format!("duckdb://{path}"))
        .unwrap()
        .table::<BenchRow>()
        .unwrap();
    let mut conn = duckdb::Connection::open(path).unwrap();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                r#"INSERT INTO bench_rows ("at", name, number, score) VALUES (?, ?, ?, ?) RETURNING id"#,
            )
            .unwrap();
        for r in data {
            let at = DuckValue::Timestamp(TimeUnit::Microsecond, r.at.timestamp_micros());
            let id: i64 = insert
                .query_row(duckdb::params![at, r.name, r.number, r.score], |row| {
                    row.get(0)
                })
                .unwrap();
            assert!(id > 0);
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

/// Autocommit single inserts, each its own transaction: what `access=per_transaction` costs.
fn autocommit_inserts(url: &str, data: &[BenchRow]) -> Duration {
    let db = Database::open(url).unwrap();
    let table = db.table::<BenchRow>().unwrap();
    let start = Instant::now();
    for r in data {
        table.insert(&mut r.clone()).unwrap();
    }
    start.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let single_n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let data = rows(n);
    let dir = tempfile::tempdir().unwrap();
    let (mut ours, mut raw, mut single, mut single_raw) = (vec![], vec![], vec![], vec![]);
    for rep in 0..reps {
        let path = |side: &str| {
            dir.path()
                .join(format!("{side}-{rep}.duckdb"))
                .display()
                .to_string()
        };
        ours.push(anytable_bulk(
            &format!("duckdb://{}", path("anytable")),
            &data,
        ));
        raw.push(raw_appender(&path("raw"), &data));
        single.push(anytable_single(
            &format!("duckdb://{}", path("single")),
            &data[..single_n],
        ));
        single_raw.push(raw_single(&path("single-raw"), &data[..single_n]));
    }
    let (ours, raw, single, single_raw) = (
        median(ours),
        median(raw),
        median(single),
        median(single_raw),
    );
    let access_n = 500.min(n);
    let held = autocommit_inserts(
        &format!("duckdb://{}", dir.path().join("held.duckdb").display()),
        &data[..access_n],
    );
    let reopened = autocommit_inserts(
        &format!(
            "duckdb://{}?access=per_transaction",
            dir.path().join("reopened.duckdb").display()
        ),
        &data[..access_n],
    );
    println!("DuckDB bulk insert, {n} rows, median of {reps} alternating runs (rows/s)");
    println!(
        "insert_many (Appender): anytable {:>10.0}  raw Appender {:>10.0}  ratio {:.3}",
        rate(n, ours),
        rate(n, raw),
        raw.as_secs_f64() / ours.as_secs_f64()
    );
    println!(
        "one INSERT per row, one transaction ({single_n} rows): anytable {:>8.0}  raw {:>8.0}  ratio {:.3}  -> insert_many is {:.1}x faster than anytable's single inserts",
        rate(single_n, single),
        rate(single_n, single_raw),
        single_raw.as_secs_f64() / single.as_secs_f64(),
        rate(n, ours) / rate(single_n, single)
    );
    println!(
        "autocommit inserts ({access_n}): file held by the process {:>8.0}/s  access=per_transaction {:>8.0}/s  ({:.1} ms per transaction to open and close the file)",
        rate(access_n, held),
        rate(access_n, reopened),
        (reopened.as_secs_f64() - held.as_secs_f64()) * 1000.0 / access_n as f64
    );
}
