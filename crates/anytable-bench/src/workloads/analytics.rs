//! W7: a GROUP BY with COUNT, SUM and AVG over `bulk_rows` rows in 100 groups (rows/s counts
//! the rows aggregated), anytable's
//! `columns(...).group_by(...)` against the same SQL hand-written on the raw driver, both on
//! one database filled once (the query only reads).

use anytable::{count_all, Record};

use crate::report::{alternate, Measurement};
use crate::workloads::basic::{raw_client, timed};
use crate::workloads::{Engine, Mode, RawClient, Settings};

/// The groups W7 reads: how many rows there are in each.
pub const GROUPS: usize = 100;

/// Queries per timed run: one DuckDB query over a million rows takes about 5 ms, too short to
/// time alone on a busy machine.
const QUERIES_PER_RUN: usize = 10;

/// One row of W7's table.
#[derive(Record, Debug, Clone, PartialEq)]
#[anytable(table = "group_rows")]
pub struct GroupRow {
    /// Filled in by the database.
    #[anytable(id)]
    pub id: i64,
    /// One of [`GROUPS`] keys.
    pub bucket: String,
    /// Summed.
    pub amount: i64,
    /// Averaged.
    pub score: f64,
}

/// One output row: key, rows, sum of `amount`, mean of `score`.
pub type GroupTotal = (String, i64, Option<i64>, Option<f64>);

/// Row `i` of W7's table.
pub fn group_row(i: usize) -> GroupRow {
    GroupRow {
        id: 0,
        bucket: format!("bucket {:03}", i % GROUPS),
        amount: (i % 1000) as i64,
        score: i as f64 * 0.25,
    }
}

/// W7: the group totals of `bulk_rows` rows, by anytable and by the raw driver, alternately on
/// the same database; both answers are compared.
pub fn group_by<E: Engine>(engine: &E, s: &Settings) -> Measurement {
    let target = engine.fresh();
    let db = engine.open(&target, Mode::Threads(1));
    let table = db.table::<GroupRow>().expect("table");
    let data: Vec<GroupRow> = (0..s.bulk_rows).map(group_row).collect();
    table.insert_many(&data).expect("fills the table");
    drop(data);
    let (driver, mut client) = raw_client(engine, &target, Mode::Threads(1));
    let query = || {
        table
            .select()
            .columns((
                GroupRow::bucket(),
                count_all(),
                GroupRow::amount().sum(),
                GroupRow::score().avg(),
            ))
            .group_by(GroupRow::bucket())
            .order_by(GroupRow::bucket().asc())
            .all()
            .expect("groups")
    };
    let ours = query();
    let theirs = client.group_totals();
    assert_eq!(ours.len(), GROUPS.min(s.bulk_rows), "anytable's groups");
    assert!(
        ours.iter()
            .zip(&theirs)
            .all(|(a, b)| a.0 == b.0 && a.1 == b.1 && a.2 == b.2),
        "both sides give the same groups"
    );
    let (a, r) = alternate(
        s.reps,
        || {
            timed(|| {
                for _ in 0..QUERIES_PER_RUN {
                    drop(std::hint::black_box(query()));
                }
            })
        },
        || {
            timed(|| {
                for _ in 0..QUERIES_PER_RUN {
                    drop(std::hint::black_box(client.group_totals()));
                }
            })
        },
    );
    drop((client, driver, table, db));
    engine.remove(&target);
    let rows = s.bulk_rows * QUERIES_PER_RUN;
    Measurement::from_runs("W7 group by sum/avg", engine.label(), rows, a, r)
}
