//! PostgreSQL: anytable against hand-written `postgres` code, in a schema of its own on the
//! server given by URL (dropped at the end).

use anytable::Database;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;
use postgres::{Client, NoTls};

use crate::report::{alternate, Measurement};
use crate::workloads::{
    anytable_lookups, anytable_scan, anytable_single_inserts, lookup_ids, row, timed, BenchRow,
    Settings,
};

const BACKEND: &str = "postgres";
const INSERT: &str =
    "INSERT INTO bench_rows (name, number, score) VALUES ($1, $2, $3) RETURNING id";
const SELECT: &str = "SELECT id, name, number, score FROM bench_rows";

fn struct_of(r: &postgres::Row) -> BenchRow {
    BenchRow {
        id: r.get(0),
        name: r.get(1),
        number: r.get(2),
        score: r.get(3),
    }
}

/// Runs W1–W4 against the server at `server` and returns one measurement each.
pub fn run(server: &str, s: &Settings) -> Vec<Measurement> {
    let schema = format!("anytable_bench_{}", std::process::id());
    let separator = if server.contains('?') { '&' } else { '?' };
    let db = Database::open(&format!("{server}{separator}schema={schema}")).expect("opens");
    let table = db.table::<BenchRow>().expect("creates the table");
    let mut raw = Client::connect(server, NoTls).expect("connects");
    raw.batch_execute(&format!("SET search_path = {schema}"))
        .expect("search path");
    let raw = std::cell::RefCell::new(raw);
    let reset = || {
        raw.borrow_mut()
            .batch_execute("TRUNCATE bench_rows RESTART IDENTITY")
            .expect("truncates")
    };
    let mut out = Vec::new();

    let (a, r) = alternate(
        s.reps,
        || {
            reset();
            anytable_single_inserts(&db, s.single_rows)
        },
        || {
            reset();
            let mut raw = raw.borrow_mut();
            timed(|| {
                let mut tx = raw.transaction().expect("begins");
                let st = tx.prepare(INSERT).expect("prepares");
                for i in 0..s.single_rows {
                    let mut r = row(i);
                    r.id = tx
                        .query_one(&st, &[&r.name, &r.number, &r.score])
                        .expect("inserts")
                        .get(0);
                    std::hint::black_box(&r);
                }
                tx.commit().expect("commits");
            })
        },
    );
    out.push(Measurement::from_runs(
        "W1 single inserts",
        BACKEND,
        s.single_rows,
        a,
        r,
    ));

    let data: Vec<BenchRow> = (0..s.bulk_rows).map(row).collect();
    let (a, r) = alternate(
        s.reps,
        || {
            reset();
            timed(|| {
                table.insert_many(&data).expect("inserts");
            })
        },
        || {
            reset();
            let mut raw = raw.borrow_mut();
            timed(|| {
                let sink = raw
                    .copy_in("COPY bench_rows (name, number, score) FROM STDIN (FORMAT binary)")
                    .expect("copies");
                let mut writer =
                    BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::INT8, Type::FLOAT8]);
                for r in &data {
                    writer
                        .write(&[&r.name, &r.number, &r.score])
                        .expect("writes");
                }
                writer.finish().expect("finishes");
            })
        },
    );
    out.push(Measurement::from_runs(
        "W2 bulk insert (COPY)",
        BACKEND,
        s.bulk_rows,
        a,
        r,
    ));

    reset();
    table.insert_many(&data).expect("fills");
    let (a, r) = alternate(
        s.reps,
        || anytable_scan(&table, s.bulk_rows),
        || {
            let mut raw = raw.borrow_mut();
            timed(|| {
                let all: Vec<BenchRow> = raw
                    .query(SELECT, &[])
                    .expect("reads")
                    .iter()
                    .map(struct_of)
                    .collect();
                assert_eq!(all.len(), s.bulk_rows);
                std::hint::black_box(all);
            })
        },
    );
    out.push(Measurement::from_runs(
        "W3 full scan",
        BACKEND,
        s.bulk_rows,
        a,
        r,
    ));

    let ids = lookup_ids(s);
    let (a, r) = alternate(
        s.reps,
        || anytable_lookups(&table, &ids),
        || {
            let mut raw = raw.borrow_mut();
            timed(|| {
                let st = raw
                    .prepare(&format!("{SELECT} WHERE id = $1"))
                    .expect("prepares");
                for id in &ids {
                    let found = raw.query_one(&st, &[id]).expect("exists");
                    std::hint::black_box(struct_of(&found));
                }
            })
        },
    );
    out.push(Measurement::from_runs(
        "W4 point lookups",
        BACKEND,
        s.lookups,
        a,
        r,
    ));

    raw.borrow_mut()
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .expect("drops the bench schema");
    out
}
