//! Runs one operation on one database through the public API, as a user would write it, and
//! renders what came back in one canonical form: rows and values as Rust's `Debug` prints
//! them (so -0.0, NaN and a text's every code point show), errors by kind alone (messages
//! are each engine's own words), and panics as panics (never acceptable).

use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use anytable::{
    count_all, Aggregate, ColumnValue, Database, ErrorKind, Filter, FromRow, OnConflict, Projected,
    Select,
};

use super::model::{FuzzChild, FuzzRow, Lit};
use super::ops::{Agg, CmpCol, Conflict, GroupCol, Op, Pred, ReadAs, Row, SumCol};

/// What one operation gave on one backend.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Success, rendered canonically.
    Ok(String),
    /// An error, by kind.
    Err(ErrorKind),
    /// A panic, with its message.
    Panic(String),
    /// Float sums or averages, one per group: equal when they differ by no more than the
    /// rounding of their additions allows (see [`FloatSum`]).
    Floats(Vec<FloatSum>),
}

/// A float sum or average of one group, with how far rounding may take it from the exact
/// value: `(n - 1) * f64::EPSILON * sum(|x|)` for a sum of `n` values (divided by `n` for an
/// average), on each side, as README's "Same code, same answer" declares.
#[derive(Debug, Clone)]
pub struct FloatSum {
    /// The group's key, as Rust prints it (empty without GROUP BY).
    pub group: String,
    /// What the backend answered.
    pub value: Option<f64>,
    /// How far from the exact value it may be.
    pub bound: f64,
}

impl PartialEq for FloatSum {
    fn eq(&self, other: &FloatSum) -> bool {
        self.group == other.group
            && match (self.value, other.value) {
                (None, None) => true,
                (Some(a), Some(b)) if a.is_nan() || b.is_nan() => a.is_nan() && b.is_nan(),
                (Some(a), Some(b)) if a.is_infinite() || b.is_infinite() => a == b,
                (Some(a), Some(b)) => (a - b).abs() <= self.bound.max(other.bound) * 2.0,
                _ => false,
            }
    }
}

impl Outcome {
    fn of<T: Debug>(result: anytable::Result<T>) -> Outcome {
        match result {
            Ok(v) => Outcome::Ok(format!("{v:?}")),
            Err(e) => Outcome::Err(e.kind()),
        }
    }
}

/// Calls `$body` with `$c` bound to the typed column named by `$value`, one of `$enum`'s
/// variants listed.
macro_rules! with_column {
    ($value:expr, $enum:ident, [$($name:ident),*], |$c:ident| $body:expr) => {
        match $value { $($enum::$name => { let $c = FuzzRow::$name(); $body })* }
    };
}

/// The typed filter `pred` stands for.
pub fn filter(pred: &Pred) -> Filter<FuzzRow> {
    match pred {
        Pred::All => Filter::all(),
        Pred::Cmp(op, value) => value.compare(*op),
        Pred::In(col, values) => Lit::is_in(*col, values),
        Pred::Like(col, pattern, false) => {
            with_column!(col, TextColumnOf, [t, ot], |c| c.like(pattern.clone()))
        }
        Pred::Like(col, pattern, true) => {
            with_column!(col, TextColumnOf, [t, ot], |c| c.ilike(pattern.clone()))
        }
        Pred::IsNull(col) => col.is_null(),
        Pred::IsNotNull(col) => col.is_not_null(),
        Pred::Key(op, k) => op.apply(FuzzRow::k(), *k),
        Pred::And(parts) => parts
            .iter()
            .map(filter)
            .reduce(|a, b| a & b)
            .unwrap_or_else(Filter::all),
        Pred::Or(parts) => parts
            .iter()
            .map(filter)
            .reduce(|a, b| a | b)
            .unwrap_or_else(Filter::all),
        Pred::Not(inner) => !filter(inner),
    }
}

use super::ops::TextCol as TextColumnOf;

fn record(row: &Row) -> FuzzRow {
    FuzzRow::from_lits(row.k, &row.values)
}

fn canonical_rows(rows: anytable::Result<Vec<FuzzRow>>) -> Outcome {
    match rows {
        Ok(rows) => Outcome::Ok(
            rows.iter()
                .map(FuzzRow::canonical)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Err(e) => Outcome::Err(e.kind()),
    }
}

fn aggregate<T: ColumnValue + Debug>(
    select: Select<'_, FuzzRow>,
    agg: Aggregate<FuzzRow, T>,
) -> Outcome {
    Outcome::of(select.aggregate(agg))
}

/// A float column's value as `f64` (f32 is stored widened), for the bound of its sums.
fn as_f64<T: ColumnValue>(value: &T) -> Option<f64> {
    match value.to_value() {
        anytable::Value::F64(x) => Some(x),
        _ => None,
    }
}

/// The bound of a sum (or, with `average`, of an average) of `values`: see [`FloatSum`].
fn float_bound(values: &[f64], average: bool) -> f64 {
    let n = values.len() as f64;
    let bound = (n - 1.0).max(0.0) * f64::EPSILON * values.iter().map(|v| v.abs()).sum::<f64>();
    if average && n > 0.0 {
        bound / n
    } else {
        bound
    }
}

/// A float sum or average, by group when `group` is given, compared within its bound: the
/// values summed are read through the same filter to compute it.
fn float_sums<'t, G, T>(
    select: &dyn Fn() -> Select<'t, FuzzRow>,
    group: Option<anytable::Column<FuzzRow, G>>,
    column: anytable::Column<FuzzRow, T>,
    average: bool,
    shape: GroupShape,
) -> Outcome
where
    G: ColumnValue + Debug,
    T: ColumnValue + anytable::Summable<Sum = f64>,
{
    let aggregate = if average { column.avg() } else { column.sum() };
    let answered: anytable::Result<Vec<(String, Option<f64>)>> = match group {
        None => select()
            .aggregate(aggregate)
            .map(|v| vec![(String::new(), v)]),
        Some(g) => {
            let projected = shape.apply(
                select()
                    .columns((g, aggregate))
                    .group_by(g)
                    .order_by(g.asc()),
            );
            projected.all().map(|rows| {
                rows.into_iter()
                    .map(|(k, v)| (format!("{k:?}"), v))
                    .collect()
            })
        }
    };
    let answered = match answered {
        Ok(rows) => rows,
        Err(e) => return Outcome::Err(e.kind()),
    };
    let inputs: anytable::Result<Vec<(String, Option<f64>)>> = match group {
        None => select().columns((column,)).all().map(|rows| {
            rows.into_iter()
                .map(|(x,)| (String::new(), as_f64(&x)))
                .collect()
        }),
        Some(g) => select().columns((g, column)).all().map(|rows| {
            rows.into_iter()
                .map(|(k, x)| (format!("{k:?}"), as_f64(&x)))
                .collect()
        }),
    };
    let inputs = match inputs {
        Ok(rows) => rows,
        Err(e) => return Outcome::Err(e.kind()),
    };
    Outcome::Floats(
        answered
            .into_iter()
            .map(|(group, value)| {
                let values: Vec<f64> = inputs
                    .iter()
                    .filter(|(k, _)| *k == group)
                    .filter_map(|(_, x)| *x)
                    .collect();
                FloatSum {
                    bound: float_bound(&values, average),
                    group,
                    value,
                }
            })
            .collect(),
    )
}

/// The float sum or average `agg` asks for, if it is one.
fn float_aggregate<'t, G: ColumnValue + Debug>(
    select: &dyn Fn() -> Select<'t, FuzzRow>,
    group: Option<anytable::Column<FuzzRow, G>>,
    agg: &Agg,
    shape: GroupShape,
) -> Option<Outcome> {
    let (col, average) = match agg {
        Agg::Sum(col) => (col, false),
        Agg::Avg(col) => (col, true),
        _ => return None,
    };
    Some(match col {
        SumCol::f => float_sums(select, group, FuzzRow::f(), average, shape),
        SumCol::of => float_sums(select, group, FuzzRow::of(), average, shape),
        SumCol::h => float_sums(select, group, FuzzRow::h(), average, shape),
        _ => return None,
    })
}

fn run_aggregate<'t>(select: &dyn Fn() -> Select<'t, FuzzRow>, agg: &Agg) -> Outcome {
    if let Some(outcome) = float_aggregate::<i64>(select, None, agg, GroupShape::default()) {
        return outcome;
    }
    let select = select();
    match agg {
        Agg::CountAll => aggregate(select, count_all()),
        Agg::Count(col) => aggregate(select, col.count()),
        Agg::CountDistinct(col) => aggregate(select, col.count_distinct()),
        Agg::Sum(col) => with_column!(col, SumCol, [g, i, oi, n, u, f, of, h], |c| aggregate(
            select,
            c.sum()
        )),
        Agg::Avg(col) => with_column!(col, SumCol, [g, i, oi, n, u, f, of, h], |c| aggregate(
            select,
            c.avg()
        )),
        Agg::Min(col) => with_column!(
            col,
            CmpCol,
            [g, i, oi, n, u, w, f, of, h, t, ot, ts, ots, day, dt, tm, dec, odec],
            |c| aggregate(select, c.min())
        ),
        Agg::Max(col) => with_column!(
            col,
            CmpCol,
            [g, i, oi, n, u, w, f, of, h, t, ot, ts, ots, day, dt, tm, dec, odec],
            |c| aggregate(select, c.max())
        ),
    }
}

/// GROUP BY `group` with one aggregate, in group order, optionally keeping groups of more
/// than `having` rows.
fn grouped<G, T>(
    select: Select<'_, FuzzRow>,
    group: anytable::Column<FuzzRow, G>,
    agg: Aggregate<FuzzRow, T>,
    shape: GroupShape,
) -> Outcome
where
    G: ColumnValue + Debug,
    T: ColumnValue + Debug,
{
    let projected = shape.apply(
        select
            .columns((group, agg))
            .group_by(group)
            .order_by(group.asc()),
    );
    Outcome::of(projected.all())
}

/// What a grouped query keeps: groups with more than `having` rows, the first `limit`.
#[derive(Debug, Clone, Copy, Default)]
struct GroupShape {
    having: Option<i64>,
    limit: Option<u64>,
}

impl GroupShape {
    fn apply<T: FromRow>(
        self,
        mut projected: Projected<'_, FuzzRow, T>,
    ) -> Projected<'_, FuzzRow, T> {
        if let Some(n) = self.having {
            projected = projected.having(count_all().gt(n));
        }
        if let Some(n) = self.limit {
            projected = projected.limit(n);
        }
        projected
    }
}

fn run_group<'t>(
    select: &dyn Fn() -> Select<'t, FuzzRow>,
    group: GroupCol,
    agg: &Agg,
    shape: GroupShape,
) -> Outcome {
    with_column!(group, GroupCol, [g, b, t, oi, day], |gc| {
        if let Some(outcome) = float_aggregate(select, Some(gc), agg, shape) {
            return outcome;
        }
        grouped_by(select(), gc, agg, shape)
    })
}

fn grouped_by<G: ColumnValue + Debug>(
    select: Select<'_, FuzzRow>,
    gc: anytable::Column<FuzzRow, G>,
    agg: &Agg,
    shape: GroupShape,
) -> Outcome {
    match agg {
        Agg::CountAll => grouped(select, gc, count_all(), shape),
        Agg::Count(col) => grouped(select, gc, col.count(), shape),
        Agg::CountDistinct(col) => grouped(select, gc, col.count_distinct(), shape),
        Agg::Sum(col) => with_column!(col, SumCol, [g, i, oi, n, u, f, of, h], |c| grouped(
            select,
            gc,
            c.sum(),
            shape
        )),
        Agg::Avg(col) => with_column!(col, SumCol, [g, i, oi, n, u, f, of, h], |c| grouped(
            select,
            gc,
            c.avg(),
            shape
        )),
        Agg::Min(col) => with_column!(
            col,
            CmpCol,
            [g, i, oi, n, u, w, f, of, h, t, ot, ts, ots, day, dt, tm, dec, odec],
            |c| grouped(select, gc, c.min(), shape)
        ),
        Agg::Max(col) => with_column!(
            col,
            CmpCol,
            [g, i, oi, n, u, w, f, of, h, t, ot, ts, ots, day, dt, tm, dec, odec],
            |c| grouped(select, gc, c.max(), shape)
        ),
    }
}

fn distinct<T: ColumnValue + Debug>(
    select: Select<'_, FuzzRow>,
    col: anytable::Column<FuzzRow, T>,
) -> Outcome {
    Outcome::of(select.columns((col,)).distinct().order_by(col.asc()).all())
}

fn raw<T: ColumnValue + Debug>(db: &Database, col: anytable::Column<FuzzRow, T>) -> Outcome {
    let sql = format!("SELECT {} FROM fuzz_rows ORDER BY k", col.name());
    Outcome::of(db.query::<(T,)>(&sql, &[]))
}

fn arrow_round_trip(db: &Database) -> anytable::Result<u64> {
    let table = db.table::<FuzzRow>()?;
    let batches = table
        .select()
        .order_by(FuzzRow::k().asc())
        .arrow()?
        .collect::<anytable::Result<Vec<_>>>()?;
    db.transaction(|tx| {
        let table = table.clone().within(tx)?;
        table.delete_all()?;
        table.insert_arrow(batches)
    })
}

/// Runs `op` on `db` and renders its outcome; a panic is caught and reported.
pub fn run(db: &Database, op: &Op) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| run_unguarded(db, op))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        Outcome::Panic(message)
    })
}

fn run_unguarded(db: &Database, op: &Op) -> Outcome {
    if let Op::Transaction(ops, commit) = op {
        return transaction(db, ops, *commit);
    }
    match db.table::<FuzzRow>() {
        Ok(table) => run_on(db, &table, op),
        Err(e) => Outcome::Err(e.kind()),
    }
}

/// Children of the rows keyed `parents` joined with them ([`Op::Join`]): each child's place
/// and its parent (or none), in order; then the children are deleted again, also after an
/// error, and that deletion is part of the answer.
fn join(db: &Database, parents: &[Option<i64>], pred: &Pred, left: bool) -> Outcome {
    let joined = || -> anytable::Result<String> {
        let rows = db.table::<FuzzRow>()?;
        let children = db.table::<FuzzChild>()?;
        let mut batch = Vec::with_capacity(parents.len());
        for (pos, key) in parents.iter().enumerate() {
            let parent = match key {
                Some(k) => rows.filter(FuzzRow::k().eq(*k)).first()?.map(|r| r.id),
                None => None,
            };
            batch.push(FuzzChild {
                id: 0,
                pos: pos as i64,
                parent,
            });
        }
        children.insert_many(&batch)?;
        let by_pos = FuzzChild::pos().asc();
        let pairs: Vec<(i64, Option<String>)> = if left {
            children
                .select()
                .left_join::<FuzzRow, _>(FuzzChild::parent())
                .filter_joined(filter(pred))
                .order_by(by_pos)
                .all()?
                .into_iter()
                .map(|(c, p)| (c.pos, p.as_ref().map(FuzzRow::canonical)))
                .collect()
        } else {
            children
                .select()
                .join::<FuzzRow, _>(FuzzChild::parent())
                .filter_joined(filter(pred))
                .order_by(by_pos)
                .all()?
                .into_iter()
                .map(|(c, p)| (c.pos, Some(p.canonical())))
                .collect()
        };
        Ok(format!("{pairs:?}"))
    };
    let answer = joined();
    let cleared = db.table::<FuzzChild>().and_then(|c| c.delete_all());
    Outcome::Ok(format!(
        "{:?}, cleared {:?}",
        answer.map_err(|e| e.kind()),
        cleared.map_err(|e| e.kind())
    ))
}

/// `ops` on the table inside one transaction, then its commit or rollback: every answer in
/// order, and the ending's.
fn transaction(db: &Database, ops: &[Op], commit: bool) -> Outcome {
    let tx = match db.begin() {
        Ok(tx) => tx,
        Err(e) => return Outcome::Err(e.kind()),
    };
    let answers: Vec<Outcome> = match tx.table::<FuzzRow>() {
        Ok(table) => ops.iter().map(|op| run_on(db, &table, op)).collect(),
        Err(e) => vec![Outcome::Err(e.kind())],
    };
    let ended = if commit { tx.commit() } else { tx.rollback() };
    Outcome::Ok(format!(
        "{answers:?}, then {}: {:?}",
        if commit { "commit" } else { "rollback" },
        ended.map_err(|e| e.kind())
    ))
}

/// `op` on `table` (the database's own, or a transaction's), `db` for what goes around it.
fn run_on(db: &Database, table: &anytable::TableHandle<'_, FuzzRow>, op: &Op) -> Outcome {
    match op {
        Op::Insert(row) => Outcome::of(table.insert(&mut record(row)).map(drop)),
        Op::InsertMany(rows) => {
            let records: Vec<FuzzRow> = rows.iter().map(record).collect();
            Outcome::of(table.insert_many(&records))
        }
        Op::Upsert(row, conflict) => {
            let on = OnConflict::column(FuzzRow::k());
            let on = match conflict {
                Conflict::Nothing => on.do_nothing(),
                Conflict::UpdateAll => on.update_all(),
                Conflict::Update(cols) => cols.iter().fold(on, |on, c| c.update_on(on)),
            };
            Outcome::of(table.upsert(&mut record(row), on).map(|id| id.is_some()))
        }
        Op::Update(pred, set) => Outcome::of(table.update(
            filter(pred),
            set.iter().map(Lit::assign).collect::<Vec<_>>(),
        )),
        Op::Delete(pred) => Outcome::of(table.delete(filter(pred))),
        Op::Select {
            pred,
            order,
            limit,
            offset,
        } => {
            let mut select = table.select().filter(filter(pred));
            for (col, descending) in order {
                select = select.order_by(col.order(*descending));
            }
            select = select.order_by(FuzzRow::k().asc());
            if let Some(n) = limit {
                select = select.limit(*n);
            }
            if let Some(n) = offset {
                select = select.offset(*n);
            }
            canonical_rows(select.all())
        }
        Op::Count(pred) => Outcome::of(table.count_matching(filter(pred))),
        Op::Aggregate(pred, agg) => run_aggregate(&|| table.select().filter(filter(pred)), agg),
        Op::Group(pred, group, agg, having) => run_group(
            &|| table.select().filter(filter(pred)),
            *group,
            agg,
            GroupShape {
                having: *having,
                limit: None,
            },
        ),
        Op::GroupPage(pred, group, agg, having, limit) => run_group(
            &|| table.select().filter(filter(pred)),
            *group,
            agg,
            GroupShape {
                having: *having,
                limit: Some(*limit),
            },
        ),
        Op::Distinct(pred, col) => col.with_typed(DistinctOf(table.select().filter(filter(pred)))),
        Op::Raw(col) => col.with_typed(RawOf(db)),
        Op::RawAs(col, read_as) => raw_as(db, col.name(), *read_as),
        Op::ArrowRoundTrip => Outcome::of(arrow_round_trip(db)),
        Op::Join(parents, pred, left) => join(db, parents, pred, *left),
        Op::DeleteAll => Outcome::of(table.delete_all()),
        // Never nested: a transaction holds table operations only.
        Op::Transaction(..) => Outcome::Err(ErrorKind::InvalidInput),
    }
}

/// Every row, in key order: the state the backends must agree on after each write.
pub fn state(db: &Database) -> Outcome {
    catch_unwind(AssertUnwindSafe(|| {
        let table = match db.table::<FuzzRow>() {
            Ok(table) => table,
            Err(e) => return Outcome::Err(e.kind()),
        };
        canonical_rows(table.select().order_by(FuzzRow::k().asc()).all())
    }))
    .unwrap_or_else(|_| Outcome::Panic("reading the state panicked".into()))
}

/// Something done with a typed column, whatever its type.
pub trait WithColumn {
    /// Does it with `col`.
    fn with<T: ColumnValue + Debug>(self, col: anytable::Column<FuzzRow, T>) -> Outcome;
}

struct DistinctOf<'a>(Select<'a, FuzzRow>);

impl WithColumn for DistinctOf<'_> {
    fn with<T: ColumnValue + Debug>(self, col: anytable::Column<FuzzRow, T>) -> Outcome {
        distinct(self.0, col)
    }
}

/// `column` read by hand-written SQL as the type `read_as` names.
fn raw_as(db: &Database, column: &str, read_as: ReadAs) -> Outcome {
    fn read<T: ColumnValue + Debug>(db: &Database, column: &str) -> Outcome {
        let sql = format!("SELECT {column} FROM fuzz_rows ORDER BY k");
        Outcome::of(db.query::<(Option<T>,)>(&sql, &[]))
    }
    use anytable::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
    match read_as {
        ReadAs::i16 => read::<i16>(db, column),
        ReadAs::i32 => read::<i32>(db, column),
        ReadAs::i64 => read::<i64>(db, column),
        ReadAs::f64 => read::<f64>(db, column),
        ReadAs::bool => read::<bool>(db, column),
        ReadAs::String => read::<String>(db, column),
        ReadAs::Bytes => read::<Vec<u8>>(db, column),
        ReadAs::DateTimeUtc => read::<DateTime<Utc>>(db, column),
        ReadAs::NaiveDate => read::<NaiveDate>(db, column),
        ReadAs::NaiveDateTime => read::<NaiveDateTime>(db, column),
        ReadAs::NaiveTime => read::<NaiveTime>(db, column),
        ReadAs::Decimal => read::<anytable::rust_decimal::Decimal>(db, column),
        ReadAs::Json => read::<anytable::serde_json::Value>(db, column),
        ReadAs::Uuid => read::<anytable::uuid::Uuid>(db, column),
    }
}

struct RawOf<'a>(&'a Database);

impl WithColumn for RawOf<'_> {
    fn with<T: ColumnValue + Debug>(self, col: anytable::Column<FuzzRow, T>) -> Outcome {
        raw(self.0, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(value: f64, values: &[f64]) -> FloatSum {
        FloatSum {
            group: String::new(),
            value: Some(value),
            bound: float_bound(values, false),
        }
    }

    #[test]
    fn float_sums_are_equal_within_their_bound_only() {
        let cancel = [1e16, 1.0, 1.0, 1.0, 1.0, -1e16];
        assert_eq!(sum(4.0, &cancel), sum(0.0, &cancel));
        let tenths = [0.1; 10];
        assert_eq!(sum(1.0, &tenths), sum(0.9999999999999999, &tenths));
        assert_ne!(sum(1.0, &tenths), sum(1.01, &tenths));
        assert_ne!(sum(f64::INFINITY, &tenths), sum(f64::MAX, &tenths));
        let nan = FloatSum {
            value: Some(f64::NAN),
            ..sum(0.0, &[])
        };
        assert_eq!(nan, nan.clone());
        assert_ne!(nan, sum(0.0, &[]));
    }
}
