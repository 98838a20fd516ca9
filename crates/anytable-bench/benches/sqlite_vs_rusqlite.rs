//! anytable on SQLite versus hand-written rusqlite, in the same run.
//!
//! `cargo bench -p anytable-bench --bench sqlite_vs_rusqlite [-- ROWS REPS]`
//!
//! W1: ROWS single-row inserts, one call each, in one transaction (ids and database-filled
//!     timestamps handed back). W3: a full read of the ROWS rows into structs.
//! Each side runs REPS times, alternating, on a fresh file database; medians are reported.

use std::time::{Duration, Instant};

use anytable::chrono::{DateTime, NaiveDateTime, Utc};
use anytable::{Database, Record};
use anytable_bench::{median, rate};
use rusqlite::TransactionBehavior;

#[derive(Record, Debug, Clone)]
#[anytable(table = "bench_rows")]
struct BenchRow {
    #[anytable(id)]
    id: i64,
    #[anytable(added)]
    added: DateTime<Utc>,
    name: String,
    number: i64,
    score: f64,
}

/// The same row without a database-filled timestamp: only the id comes back.
#[derive(Record, Debug, Clone)]
#[anytable(table = "bench_plain")]
struct PlainRow {
    #[anytable(id)]
    id: i64,
    name: String,
    number: i64,
    score: f64,
}

fn anytable_insert_plain(url: &str, n: i64) -> Duration {
    let db = Database::open(url).unwrap();
    db.table::<PlainRow>().unwrap();
    let start = Instant::now();
    db.transaction(|tx| {
        let rows = tx.table::<PlainRow>()?;
        for i in 0..n {
            let mut r = PlainRow {
                id: 0,
                name: format!("row number {i}"),
                number: i,
                score: i as f64 * 0.5,
            };
            rows.insert(&mut r)?;
            std::hint::black_box(&r);
        }
        Ok(())
    })
    .unwrap();
    start.elapsed()
}

fn row(i: i64) -> BenchRow {
    BenchRow {
        id: 0,
        added: DateTime::UNIX_EPOCH,
        name: format!("row number {i}"),
        number: i,
        score: i as f64 * 0.5,
    }
}

fn parse_added(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .expect("timestamp")
        .and_utc()
}

fn anytable_insert(url: &str, n: i64) -> Duration {
    let db = Database::open(url).unwrap();
    db.table::<BenchRow>().unwrap();
    let start = Instant::now();
    db.transaction(|tx| {
        let rows = tx.table::<BenchRow>()?;
        for i in 0..n {
            let mut r = row(i);
            rows.insert(&mut r)?;
            std::hint::black_box(&r);
        }
        Ok(())
    })
    .unwrap();
    start.elapsed()
}

fn anytable_read(url: &str, n: i64) -> Duration {
    let db = Database::open(url).unwrap();
    let rows = db.table::<BenchRow>().unwrap();
    let start = Instant::now();
    let all = rows.select().all().unwrap();
    let elapsed = start.elapsed();
    assert_eq!(all.len() as i64, n);
    std::hint::black_box(all);
    elapsed
}

fn raw_connection(path: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    conn
}

/// Same work as `insert`: the id and the database's timestamp come back into the struct.
fn raw_insert_returning(path: &str, n: i64) -> Duration {
    let mut conn = raw_connection(path);
    let start = Instant::now();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    {
        let mut st = tx
            .prepare_cached(r#"INSERT INTO "bench_rows" ("name", "number", "score") VALUES (?1, ?2, ?3) RETURNING "id", "added""#)
            .unwrap();
        for i in 0..n {
            let mut r = row(i);
            let (id, added): (i64, String) = st
                .query_row((&r.name, r.number, r.score), |x| Ok((x.get(0)?, x.get(1)?)))
                .unwrap();
            r.id = id;
            r.added = parse_added(&added);
            std::hint::black_box(&r);
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

/// The leanest hand-written insert into `table`: no timestamp handed back, id from
/// last_insert_rowid.
fn raw_insert_minimal(path: &str, table: &str, n: i64) -> Duration {
    let mut conn = raw_connection(path);
    let start = Instant::now();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .unwrap();
    {
        let mut st = tx
            .prepare_cached(&format!(
                r#"INSERT INTO "{table}" ("name", "number", "score") VALUES (?1, ?2, ?3)"#
            ))
            .unwrap();
        for i in 0..n {
            let mut r = row(i);
            r.id = st.insert((&r.name, r.number, r.score)).unwrap();
            std::hint::black_box(&r);
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

fn raw_read(path: &str, n: i64) -> Duration {
    let conn = raw_connection(path);
    let start = Instant::now();
    let mut st = conn
        .prepare_cached(r#"SELECT "id", "added", "name", "number", "score" FROM "bench_rows""#)
        .unwrap();
    let all: Vec<BenchRow> = st
        .query_map([], |x| {
            Ok(BenchRow {
                id: x.get(0)?,
                added: parse_added(x.get_ref(1)?.as_str()?),
                name: x.get(2)?,
                number: x.get(3)?,
                score: x.get(4)?,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(all.len() as i64, n);
    std::hint::black_box(all);
    elapsed
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: i64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    if let Ok(only) = std::env::var("ANYTABLE_BENCH_PROFILE") {
        // Runs one side of the id-only insert alone, for a profiler.
        let path = dir.path().join("profile.db").display().to_string();
        Database::open(&format!("sqlite://{path}"))
            .unwrap()
            .table::<PlainRow>()
            .unwrap();
        let d = if only == "raw" {
            raw_insert_minimal(&path, "bench_plain", n)
        } else {
            anytable_insert_plain(&format!("sqlite://{path}"), n)
        };
        println!("{only}: {:.0} rows/s", rate(n as usize, d));
        return;
    }
    let (mut a_ins, mut r_ins, mut m_ins, mut a_read, mut r_read) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut a_plain, mut r_plain) = (vec![], vec![]);
    for rep in 0..reps {
        let path = |side: &str| {
            dir.path()
                .join(format!("{side}-{rep}.db"))
                .display()
                .to_string()
        };
        let (pa, pr, pm) = (path("anytable"), path("raw"), path("minimal"));
        for p in [&pr, &pm] {
            // The raw sides use the table anytable creates, so both read and write the same schema.
            let db = Database::open(&format!("sqlite://{p}")).unwrap();
            db.table::<BenchRow>().unwrap();
            db.table::<PlainRow>().unwrap();
        }
        a_plain.push(anytable_insert_plain(&format!("sqlite://{pa}"), n));
        r_plain.push(raw_insert_minimal(&pr, "bench_plain", n));
        a_ins.push(anytable_insert(&format!("sqlite://{pa}"), n));
        r_ins.push(raw_insert_returning(&pr, n));
        m_ins.push(raw_insert_minimal(&pm, "bench_rows", n));
        a_read.push(anytable_read(&format!("sqlite://{pa}"), n));
        r_read.push(raw_read(&pr, n));
    }
    let (a_ins, r_ins, m_ins) = (median(a_ins), median(r_ins), median(m_ins));
    let (a_read, r_read) = (median(a_read), median(r_read));
    let (a_plain, r_plain) = (median(a_plain), median(r_plain));
    println!(
        "SQLite, {n} rows, median of {reps} alternating runs (rows/s; ratio = anytable / raw)"
    );
    println!(
        "W1 insert one at a time, one transaction: anytable {:>10.0}  raw (RETURNING id, added) {:>10.0}  ratio {:.3}",
        rate(n as usize, a_ins),
        rate(n as usize, r_ins),
        r_ins.as_secs_f64() / a_ins.as_secs_f64()
    );
    println!(
        "   versus raw minimal (execute + last_insert_rowid, no timestamp back): {:>10.0}  ratio {:.3}",
        rate(n as usize, m_ins),
        m_ins.as_secs_f64() / a_ins.as_secs_f64()
    );
    println!(
        "W1' insert one at a time, id-only record:  anytable {:>10.0}  raw (execute + last_insert_rowid) {:>10.0}  ratio {:.3}",
        rate(n as usize, a_plain),
        rate(n as usize, r_plain),
        r_plain.as_secs_f64() / a_plain.as_secs_f64()
    );
    println!(
        "W3 read all rows into structs:            anytable {:>10.0}  raw {:>10.0}  ratio {:.3}",
        rate(n as usize, a_read),
        rate(n as usize, r_read),
        r_read.as_secs_f64() / a_read.as_secs_f64()
    );
}
