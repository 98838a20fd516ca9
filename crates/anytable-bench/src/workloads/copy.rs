//! W8: `copy_from` of `bulk_rows` rows from an SQLite file into a fresh database of the engine,
//! ids and timestamps kept, against the same rows moved by hand through the API (`all()` on
//! the source, `insert_many` on the target, which keeps no ids): the cost of streaming and of
//! keeping ids, next to the plain bulk path. The reference side is anytable too, not a raw
//! driver: no driver copies between engines.

use anytable::Database;

use crate::report::{alternate, Measurement};
use crate::workloads::basic::timed;
use crate::workloads::{row, BenchRow, Engine, Mode, Settings};

/// W8 on `engine`, the source an SQLite file in `dir`.
pub fn copy_from<E: Engine>(engine: &E, s: &Settings, dir: &std::path::Path) -> Measurement {
    let path = dir.join(format!("copy-source-{}.db", engine.name()));
    let source = Database::open(&format!("sqlite://{}", path.display())).expect("source");
    let table = source.table::<BenchRow>().expect("source table");
    let mut start = 0;
    while start < s.bulk_rows {
        let end = (start + 100_000).min(s.bulk_rows);
        let slice: Vec<BenchRow> = (start..end).map(row).collect();
        table.insert_many(&slice).expect("fills the source");
        start = end;
    }
    let (a, r) = alternate(
        s.reps,
        || {
            let target = engine.fresh();
            let db = engine.open(&target, Mode::Threads(1));
            let took = timed(|| {
                let copied = db.copy_from::<BenchRow>(&source).expect("copies");
                assert_eq!(copied as usize, s.bulk_rows);
            });
            drop(db);
            engine.remove(&target);
            took
        },
        || {
            let target = engine.fresh();
            let db = engine.open(&target, Mode::Threads(1));
            let into = db.table::<BenchRow>().expect("table");
            let took = timed(|| {
                let rows = table.select().all().expect("reads");
                into.insert_many(&rows).expect("inserts");
            });
            drop((into, db));
            engine.remove(&target);
            took
        },
    );
    drop((table, source));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Measurement::from_runs(
        "W8 copy_from SQLite (vs all+insert_many)",
        engine.label(),
        s.bulk_rows,
        a,
        r,
    )
}
