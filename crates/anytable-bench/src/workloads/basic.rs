//! W1–W4: single inserts, bulk insert, full scan and point lookups, each side on a database of
//! its own so neither inherits the other's pages, caches or locks.

use std::time::{Duration, Instant};

use anytable::{Database, TableHandle};

use crate::report::{alternate, Measurement};
use crate::workloads::{row, BenchRow, Engine, Mode, RawClient, RawDriver, Settings};

/// How long `f` takes.
pub(crate) fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// A raw connection to `target`, for setup code that cannot go on without one.
pub(crate) fn raw_client<E: Engine>(
    engine: &E,
    target: &str,
    mode: Mode,
) -> (E::Driver, <E::Driver as RawDriver>::Client) {
    let driver = engine.driver(target, mode);
    let client = driver.connect().expect("the raw driver connects");
    (driver, client)
}

/// W1: `single_rows` inserts one at a time in one transaction, each id handed back.
pub fn single_inserts<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let (a, r) = alternate(
        s.reps,
        || {
            let target = engine.fresh();
            let took =
                anytable_single_inserts(&engine.open(&target, Mode::Threads(1)), s.single_rows);
            engine.remove(&target);
            took
        },
        || {
            let target = engine.fresh();
            let (driver, mut client) = raw_client(engine, &target, Mode::Threads(1));
            let took = timed(|| client.single_inserts(&mut (0..s.single_rows).map(row)));
            drop((client, driver));
            engine.remove(&target);
            took
        },
    );
    Measurement::from_runs("W1 single inserts", engine.label(), s.single_rows, a, r)
}

/// W1 through anytable: `rows` single inserts in one transaction, ids handed back.
pub(crate) fn anytable_single_inserts(db: &Database, rows: usize) -> Duration {
    // Reads the table's schema once, before the clock starts (the raw side knows it by heart).
    db.table::<BenchRow>().expect("table");
    timed(|| {
        db.transaction(|tx| {
            let t = tx.table::<BenchRow>()?;
            for i in 0..rows {
                let mut r = row(i);
                t.insert(&mut r)?;
                std::hint::black_box(&r);
            }
            Ok(())
        })
        .expect("inserts")
    })
}

/// W2: `bulk_rows` rows in one call, against the driver's fastest bulk path.
pub fn bulk_insert<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let data: Vec<BenchRow> = (0..s.bulk_rows).map(row).collect();
    let (a, r) = alternate(
        s.reps,
        || {
            let target = engine.fresh();
            let db = engine.open(&target, Mode::Threads(1));
            let table = db.table::<BenchRow>().expect("table");
            let took = timed(|| {
                table.insert_many(&data).expect("inserts");
            });
            drop((table, db));
            engine.remove(&target);
            took
        },
        || {
            let target = engine.fresh();
            let (driver, mut client) = raw_client(engine, &target, Mode::Threads(1));
            let took = timed(|| client.bulk(&data));
            drop((client, driver));
            engine.remove(&target);
            took
        },
    );
    Measurement::from_runs("W2 bulk insert", engine.label(), s.bulk_rows, a, r)
}

/// A new database holding rows `0..rows`, written by its bulk path.
pub(crate) fn filled<E: Engine>(engine: &E, rows: usize) -> String {
    let target = engine.fresh();
    let db = engine.open(&target, Mode::Threads(1));
    let table = db.table::<BenchRow>().expect("table");
    // In slices, so filling a big table never holds all of it in memory.
    let mut start = 0;
    while start < rows {
        let end = (start + 100_000).min(rows);
        let slice: Vec<BenchRow> = (start..end).map(row).collect();
        table.insert_many(&slice).expect("fills");
        start = end;
    }
    target
}

/// W3 (every row into structs) and W4 (`lookups` gets by id), each side on its own filled
/// database; `scan` and `lookups` choose which of the two run.
pub fn scan_and_lookups<E: Engine>(
    engine: &E,
    s: &Settings,
    scan: bool,
    lookups: bool,
) -> Vec<Measurement> {
    let ours = filled(engine, s.bulk_rows);
    let theirs = filled(engine, s.bulk_rows);
    let db = engine.open(&ours, Mode::Threads(1));
    let table = db.table::<BenchRow>().expect("table");
    let (driver, client) = raw_client(engine, &theirs, Mode::Threads(1));
    let client = std::cell::RefCell::new(client);
    let mut out = Vec::new();
    if scan {
        let (a, r) = alternate(
            s.reps,
            || anytable_scan(&table, s.bulk_rows),
            || {
                timed(|| {
                    let all = client.borrow_mut().scan();
                    assert_eq!(all.len(), s.bulk_rows);
                    std::hint::black_box(all);
                })
            },
        );
        out.push(Measurement::from_runs(
            "W3 full scan",
            engine.label(),
            s.bulk_rows,
            a,
            r,
        ));
    }
    if lookups {
        let ids = lookup_ids(s);
        let (a, r) = alternate(
            s.reps,
            || anytable_lookups(&table, &ids),
            || timed(|| client.borrow_mut().lookups(&ids)),
        );
        out.push(Measurement::from_runs(
            "W4 point lookups",
            engine.label(),
            s.lookups,
            a,
            r,
        ));
    }
    drop((table, db, client, driver));
    engine.remove(&ours);
    engine.remove(&theirs);
    out
}

/// Ids spread over a table of `bulk_rows` rows in a fixed pseudo-random order, the same for
/// both sides.
pub(crate) fn lookup_ids(s: &Settings) -> Vec<i64> {
    (0..s.lookups)
        .map(|i| (i as i64 * 7919) % s.bulk_rows as i64 + 1)
        .collect()
}

/// W3 through anytable: every row into a struct.
fn anytable_scan(table: &TableHandle<'_, BenchRow>, rows: usize) -> Duration {
    timed(|| {
        let all = table.select().all().expect("reads");
        assert_eq!(all.len(), rows);
        std::hint::black_box(all);
    })
}

/// W4 through anytable: one `get` per id.
fn anytable_lookups(table: &TableHandle<'_, BenchRow>, ids: &[i64]) -> Duration {
    timed(|| {
        for id in ids {
            std::hint::black_box(table.get(*id).expect("reads").expect("exists"));
        }
    })
}
