//! SQLite: anytable against hand-written rusqlite, on fresh WAL files.

use std::path::Path;
use std::time::Duration;

use anytable::Database;
use rusqlite::TransactionBehavior;

use crate::report::{alternate, Measurement};
use crate::workloads::{
    anytable_lookups, anytable_scan, anytable_single_inserts, lookup_ids, row, timed, BenchRow,
    Settings,
};

const BACKEND: &str = "sqlite file";

fn open(path: &Path) -> Database {
    let db = Database::open(&format!("sqlite://{}", path.display())).expect("opens");
    db.table::<BenchRow>().expect("creates the table");
    db
}

/// The raw side opens the same file the way a careful rusqlite user would.
fn raw(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).expect("opens");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn
}

/// A row into a struct, by hand.
fn struct_of(x: &rusqlite::Row<'_>) -> rusqlite::Result<BenchRow> {
    Ok(BenchRow {
        id: x.get(0)?,
        name: x.get(1)?,
        number: x.get(2)?,
        score: x.get(3)?,
    })
}

/// Inserts `rows` in one IMMEDIATE transaction through one prepared statement, as a careful
/// rusqlite user would; `keep_id` hands each id back into its struct.
fn raw_inserts(
    conn: &mut rusqlite::Connection,
    rows: impl Iterator<Item = BenchRow>,
    keep_id: bool,
) {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .expect("begins");
    {
        let mut st = tx
            .prepare_cached(
                r#"INSERT INTO "bench_rows" ("name", "number", "score") VALUES (?1, ?2, ?3)"#,
            )
            .expect("prepares");
        for mut r in rows {
            if keep_id {
                r.id = st.insert((&r.name, r.number, r.score)).expect("inserts");
                std::hint::black_box(&r);
            } else {
                st.execute((&r.name, r.number, r.score)).expect("inserts");
            }
        }
    }
    tx.commit().expect("commits");
}

/// Runs W1–W4 in `dir` and returns one measurement each.
pub fn run(dir: &Path, s: &Settings) -> Vec<Measurement> {
    // A new file for every run, so no run inherits another's pages or WAL.
    let files = std::cell::Cell::new(0);
    let fresh = || {
        files.set(files.get() + 1);
        dir.join(format!("bench-{}.db", files.get()))
    };
    let mut out = Vec::new();

    let (a, r) = alternate(
        s.reps,
        || anytable_single_inserts(&open(&fresh()), s.single_rows),
        || {
            let path = fresh();
            open(&path);
            let mut conn = raw(&path);
            timed(|| raw_inserts(&mut conn, (0..s.single_rows).map(row), true))
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
    let filled = fresh();
    let (a, r) = alternate(
        s.reps,
        || {
            let db = open(&fresh());
            timed(|| {
                db.table::<BenchRow>()
                    .expect("table")
                    .insert_many(&data)
                    .expect("inserts");
            })
        },
        || {
            let path = fresh();
            open(&path);
            let mut conn = raw(&path);
            timed(|| raw_inserts(&mut conn, data.iter().cloned(), false))
        },
    );
    out.push(Measurement::from_runs(
        "W2 bulk insert",
        BACKEND,
        s.bulk_rows,
        a,
        r,
    ));

    let db = open(&filled);
    let table = db.table::<BenchRow>().expect("table");
    table.insert_many(&data).expect("fills");
    let conn = raw(&filled);
    let (a, r) = alternate(
        s.reps,
        || anytable_scan(&table, s.bulk_rows),
        || {
            timed(|| {
                let mut st = conn
                    .prepare_cached(r#"SELECT "id", "name", "number", "score" FROM "bench_rows""#)
                    .expect("prepares");
                let all: Vec<BenchRow> = st
                    .query_map([], struct_of)
                    .expect("queries")
                    .collect::<Result<_, _>>()
                    .expect("reads");
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
            timed(|| {
                let mut st = conn
                    .prepare_cached(
                        r#"SELECT "id", "name", "number", "score" FROM "bench_rows" WHERE "id" = ?1"#,
                    )
                    .expect("prepares");
                for id in &ids {
                    let found = st.query_row([id], struct_of).expect("exists");
                    std::hint::black_box(found);
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
    out
}
