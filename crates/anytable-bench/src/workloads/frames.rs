//! W9 and W10: results as Arrow record batches and tables written from them.
//!
//! - W9 `arrow()` of the bulk rows against `all()` into structs, both through anytable on one
//!   database: what a data frame costs next to records.
//! - W9d (DuckDB) `arrow()` against duckdb-rs's own `query_arrow` on the same database: the
//!   issue's target is 0.9 of it.
//! - W10 `insert_arrow` of those batches against `insert_many` of the records, each on a fresh
//!   database.

use anytable::arrow::record_batch::RecordBatch;

use crate::report::{alternate, Measurement};
use crate::workloads::basic::{raw_client, timed};
use crate::workloads::{row, BenchRow, Engine, Mode, RawClient, Settings};

/// Every batch of the table's rows, in no particular order (as the raw side reads them).
fn batches(table: &anytable::TableHandle<'static, BenchRow>) -> Vec<RecordBatch> {
    table
        .select()
        .arrow()
        .expect("queries")
        .collect::<anytable::Result<Vec<_>>>()
        .expect("reads")
}

fn rows_of(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// W9 (and W9d where the raw driver has an Arrow path of its own).
pub fn arrow_reads<E: Engine>(engine: &E, s: &Settings) -> Vec<Measurement> {
    let target = engine.fresh();
    let db = engine.open(&target, Mode::Threads(1));
    let table = db.table::<BenchRow>().expect("table");
    let data: Vec<BenchRow> = (0..s.bulk_rows).map(row).collect();
    table.insert_many(&data).expect("fills the table");
    drop(data);
    assert_eq!(
        rows_of(&batches(&table)),
        s.bulk_rows,
        "arrow() reads every row"
    );
    let scan = || {
        table
            .select()
            .order_by(BenchRow::id().asc())
            .all()
            .expect("reads")
    };
    let (a, r) = alternate(
        s.reps,
        || timed(|| drop(std::hint::black_box(batches(&table)))),
        || timed(|| drop(std::hint::black_box(scan()))),
    );
    let mut out = vec![Measurement::from_runs(
        "W9 arrow vs all()",
        engine.label(),
        s.bulk_rows,
        a,
        r,
    )];
    let (driver, mut client) = raw_client(engine, &target, Mode::Threads(1));
    if let Some(rows) = client.arrow_scan() {
        assert_eq!(rows, s.bulk_rows, "the driver's Arrow path reads every row");
        let (a, r) = alternate(
            s.reps,
            || timed(|| drop(std::hint::black_box(batches(&table)))),
            || {
                timed(|| {
                    std::hint::black_box(client.arrow_scan());
                })
            },
        );
        out.push(Measurement::from_runs(
            "W9d arrow vs query_arrow",
            engine.label(),
            s.bulk_rows,
            a,
            r,
        ));
    }
    drop((client, driver, table, db));
    engine.remove(&target);
    out
}

/// W10: `insert_arrow` of the bulk rows' batches against `insert_many` of the records.
pub fn arrow_writes<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let source = engine.fresh();
    let db = engine.open(&source, Mode::Threads(1));
    let table = db.table::<BenchRow>().expect("table");
    let data: Vec<BenchRow> = (0..s.bulk_rows).map(row).collect();
    table.insert_many(&data).expect("fills the table");
    // Without the id column, so the database numbers the rows as insert_many's are.
    let frames: Vec<RecordBatch> = batches(&table)
        .into_iter()
        .map(|b| b.project(&[1, 2, 3]).expect("drops the id"))
        .collect();
    drop((table, db));
    engine.remove(&source);
    let fresh_table = || {
        let target = engine.fresh();
        let db = engine.open(&target, Mode::Threads(1));
        let table = db.table::<BenchRow>().expect("table");
        (target, db, table)
    };
    let (a, r) = alternate(
        s.reps,
        || {
            let (target, db, table) = fresh_table();
            let took = timed(|| {
                let n = table.insert_arrow(frames.iter().cloned()).expect("writes");
                assert_eq!(n as usize, s.bulk_rows);
            });
            drop((table, db));
            engine.remove(&target);
            took
        },
        || {
            let (target, db, table) = fresh_table();
            let took = timed(|| {
                table.insert_many(&data).expect("writes");
            });
            drop((table, db));
            engine.remove(&target);
            took
        },
    );
    Measurement::from_runs(
        "W10 insert_arrow vs insert_many",
        engine.label(),
        s.bulk_rows,
        a,
        r,
    )
}
