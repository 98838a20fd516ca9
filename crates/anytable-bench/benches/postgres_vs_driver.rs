//! anytable on PostgreSQL versus hand-written code on the `postgres` crate, in the same run.
//!
//! ```text
//! scripts/postgres-server.sh   # or any server; then, in that shell:
//! cargo bench -p anytable-bench --no-default-features --features postgres --bench postgres_vs_driver [-- ROWS REPS SINGLE]
//! ```
//!
//! Bulk: ROWS rows (id from the identity, timestamptz, text, bigint, float8) through
//! `insert_many` (binary COPY) and, hand-written, through `BinaryCopyInWriter`, through the binary
//! COPY format written by hand, and as multi-row INSERTs of 1,000 rows. Single: SINGLE inserts
//! in one transaction, then a full read into structs, through anytable and hand-written.
//! Each measurement alternates sides REPS times on a truncated table; medians are reported.

use std::io::Write;
use std::time::{Duration, Instant};

use anytable::chrono::{DateTime, TimeZone, Utc};
use anytable::{Database, Record};
use anytable_bench::{median, rate};
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls};

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

const COLUMNS: &str = r#""at", name, number, score"#;
const TYPES: [Type; 4] = [Type::TIMESTAMPTZ, Type::TEXT, Type::INT8, Type::FLOAT8];

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

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn reset(raw: &mut Client) {
    raw.batch_execute("TRUNCATE bench_rows RESTART IDENTITY")
        .unwrap();
}

fn count(raw: &mut Client) -> usize {
    let n: i64 = raw
        .query_one("SELECT count(*) FROM bench_rows", &[])
        .unwrap()
        .get(0);
    n as usize
}

fn raw_binary_copy_writer(raw: &mut Client, data: &[BenchRow]) {
    let sink = raw
        .copy_in(&format!(
            "COPY bench_rows ({COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .unwrap();
    let mut writer = BinaryCopyInWriter::new(sink, &TYPES);
    for r in data {
        writer
            .write(&[&r.at, &r.name, &r.number, &r.score])
            .unwrap();
    }
    writer.finish().unwrap();
}

/// The binary COPY format by hand: header, per row a field count and length-prefixed fields.
fn raw_binary_by_hand(raw: &mut Client, data: &[BenchRow]) {
    const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;
    let mut sink = raw
        .copy_in(&format!(
            "COPY bench_rows ({COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .unwrap();
    let mut buf = Vec::with_capacity(1 << 16);
    buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    buf.extend_from_slice(&0i32.to_be_bytes());
    buf.extend_from_slice(&0i32.to_be_bytes());
    for r in data {
        buf.extend_from_slice(&4i16.to_be_bytes());
        buf.extend_from_slice(&8i32.to_be_bytes());
        buf.extend_from_slice(&(r.at.timestamp_micros() - PG_EPOCH_MICROS).to_be_bytes());
        buf.extend_from_slice(&(r.name.len() as i32).to_be_bytes());
        buf.extend_from_slice(r.name.as_bytes());
        buf.extend_from_slice(&8i32.to_be_bytes());
        buf.extend_from_slice(&r.number.to_be_bytes());
        buf.extend_from_slice(&8i32.to_be_bytes());
        buf.extend_from_slice(&r.score.to_be_bytes());
        if buf.len() > 1 << 16 {
            sink.write_all(&buf).unwrap();
            buf.clear();
        }
    }
    buf.extend_from_slice(&(-1i16).to_be_bytes());
    sink.write_all(&buf).unwrap();
    sink.finish().unwrap();
}

fn raw_multi_row_insert(raw: &mut Client, data: &[BenchRow]) {
    let mut tx = raw.transaction().unwrap();
    for chunk in data.chunks(1000) {
        let mut sql = format!("INSERT INTO bench_rows ({COLUMNS}) VALUES ");
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(chunk.len() * 4);
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let p = i * 4;
            sql.push_str(&format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4));
            params.extend([&r.at as &(dyn ToSql + Sync), &r.name, &r.number, &r.score]);
        }
        tx.execute(&sql, &params).unwrap();
    }
    tx.commit().unwrap();
}

fn raw_single_inserts(raw: &mut Client, data: &[BenchRow]) {
    let mut tx = raw.transaction().unwrap();
    let insert = tx
        .prepare(&format!(
            "INSERT INTO bench_rows ({COLUMNS}) VALUES ($1, $2, $3, $4) RETURNING id"
        ))
        .unwrap();
    for r in data {
        let id: i64 = tx
            .query_one(&insert, &[&r.at, &r.name, &r.number, &r.score])
            .unwrap()
            .get(0);
        assert!(id > 0);
    }
    tx.commit().unwrap();
}

fn raw_read(raw: &mut Client) -> Vec<BenchRow> {
    raw.query(&format!("SELECT id, {COLUMNS} FROM bench_rows"), &[])
        .unwrap()
        .iter()
        .map(|r| BenchRow {
            id: r.get(0),
            at: r.get(1),
            name: r.get(2),
            number: r.get(3),
            score: r.get(4),
        })
        .collect()
}

fn main() {
    let server = std::env::var("ANYTABLE_POSTGRES_URL")
        .expect("set ANYTABLE_POSTGRES_URL (scripts/postgres-server.sh starts a throwaway server)");
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let single_n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let schema = format!("anytable_bench_{}", std::process::id());
    let separator = if server.contains('?') { '&' } else { '?' };
    let db = Database::open(&format!("{server}{separator}schema={schema}")).unwrap();
    let table = db.table::<BenchRow>().unwrap();
    let mut raw = Client::connect(&server, NoTls).unwrap();
    raw.batch_execute(&format!("SET search_path = {schema}"))
        .unwrap();
    let data = rows(n);

    let mut sides: [Vec<Duration>; 4] = Default::default();
    for _ in 0..reps {
        reset(&mut raw);
        sides[0].push(timed(|| {
            table.insert_many(&data).unwrap();
        }));
        assert_eq!(count(&mut raw), n);
        reset(&mut raw);
        sides[1].push(timed(|| raw_binary_copy_writer(&mut raw, &data)));
        assert_eq!(count(&mut raw), n);
        reset(&mut raw);
        sides[2].push(timed(|| raw_binary_by_hand(&mut raw, &data)));
        assert_eq!(count(&mut raw), n);
        reset(&mut raw);
        sides[3].push(timed(|| raw_multi_row_insert(&mut raw, &data)));
        assert_eq!(count(&mut raw), n);
    }
    let [ours, writer, by_hand, multi] = sides.map(median);
    println!("PostgreSQL bulk insert, {n} rows, median of {reps} alternating runs (rows/s)");
    println!(
        "insert_many (binary COPY) {:>9.0}  raw BinaryCopyInWriter {:>9.0} (ratio {:.3})  raw binary by hand {:>9.0} (ratio {:.3})",
        rate(n, ours),
        rate(n, writer),
        writer.as_secs_f64() / ours.as_secs_f64(),
        rate(n, by_hand),
        by_hand.as_secs_f64() / ours.as_secs_f64()
    );
    println!(
        "raw multi-row INSERT (1,000 rows each) {:>9.0}  -> insert_many is {:.1}x faster",
        rate(n, multi),
        multi.as_secs_f64() / ours.as_secs_f64()
    );

    let single = &data[..single_n.min(n)];
    let (mut ins, mut raw_ins, mut read, mut raw_rd) = (vec![], vec![], vec![], vec![]);
    for rep in 0..reps {
        reset(&mut raw);
        // `insert` fills in the id, so it takes `&mut`: copy the rows before the clock starts.
        let mut batch = single.to_vec();
        ins.push(timed(|| {
            db.transaction(|tx| {
                let t = tx.table::<BenchRow>()?;
                for r in &mut batch {
                    t.insert(r)?;
                }
                Ok(())
            })
            .unwrap()
        }));
        // Both sides read the same rows, in alternating order.
        let mut ours = || {
            read.push(timed(|| {
                assert_eq!(table.select().all().unwrap().len(), single.len())
            }))
        };
        if rep % 2 == 0 {
            ours();
            raw_rd.push(timed(|| assert_eq!(raw_read(&mut raw).len(), single.len())));
        } else {
            raw_rd.push(timed(|| assert_eq!(raw_read(&mut raw).len(), single.len())));
            ours();
        }
        reset(&mut raw);
        raw_ins.push(timed(|| raw_single_inserts(&mut raw, single)));
    }
    let m = single.len();
    let (ins, raw_ins, read, raw_rd) = (median(ins), median(raw_ins), median(read), median(raw_rd));
    println!(
        "{m} single inserts in one transaction: anytable {:>8.0}/s  raw {:>8.0}/s  ratio {:.3}",
        rate(m, ins),
        rate(m, raw_ins),
        raw_ins.as_secs_f64() / ins.as_secs_f64()
    );
    println!(
        "full read of {m} rows into structs: anytable {:>9.0}/s  raw {:>9.0}/s  ratio {:.3}",
        rate(m, read),
        rate(m, raw_rd),
        raw_rd.as_secs_f64() / read.as_secs_f64()
    );
    raw.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}
