//! What a query returns per row when it is not whole records: columns and aggregates of them
//! ([`Selectable`]), combined into tuples ([`Selection`]).
//!
//! Every aggregate has one output type on every backend: `count` is `i64`, `sum` of an integer
//! column is `Option<i64>` (an error when the total leaves `i64`), `sum` of `f64` is
//! `Option<f64>`, `avg` is `Option<f64>`, `min` and `max` are `Option` of the column's type.
//! `None` stands for "no non-NULL value": an empty table, or a group of NULLs.

use std::marker::PhantomData;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::filter::{CmpOp, Column, Condition, Filter, Order, OrderKey};
use crate::row::FromRow;
use crate::value::{ColumnValue, ValueFor};

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AggregateFn {
    /// `COUNT(*)`: rows.
    CountRows,
    /// `COUNT(column)`: non-NULL values.
    Count,
    /// `COUNT(DISTINCT column)`: distinct non-NULL values.
    CountDistinct,
    /// `SUM(column)` of non-NULL values.
    Sum,
    /// `AVG(column)` of non-NULL values, as a float.
    Avg,
    /// `MIN(column)`: text by code point, as everywhere.
    Min,
    /// `MAX(column)`: text by code point.
    Max,
}

impl AggregateFn {
    /// The SQL name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateFn::CountRows | AggregateFn::Count => "count",
            AggregateFn::CountDistinct => "count_distinct",
            AggregateFn::Sum => "sum",
            AggregateFn::Avg => "avg",
            AggregateFn::Min => "min",
            AggregateFn::Max => "max",
        }
    }

    /// Whether the result can be NULL (no non-NULL input); counts never are.
    pub fn nullable(self) -> bool {
        !matches!(
            self,
            AggregateFn::CountRows | AggregateFn::Count | AggregateFn::CountDistinct
        )
    }
}

/// One output column as SQL building sees it: a column, or an aggregate of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SelectExpr {
    /// The column (empty for `COUNT(*)`).
    pub column: &'static str,
    /// The aggregate applied to it, if any.
    pub aggregate: Option<AggregateFn>,
}

impl SelectExpr {
    /// The column itself.
    pub fn column(column: &'static str) -> Self {
        SelectExpr {
            column,
            aggregate: None,
        }
    }

    /// `function(column)`.
    pub fn aggregate(function: AggregateFn, column: &'static str) -> Self {
        SelectExpr {
            column,
            aggregate: Some(function),
        }
    }

    /// How messages name it: `"amount"`, `"sum(amount)"`, `"count(*)"`.
    pub fn describe(&self) -> String {
        match self.aggregate {
            None => self.column.to_owned(),
            Some(AggregateFn::CountRows) => "count(*)".to_owned(),
            Some(f) => format!("{}({})", f.as_str(), self.column),
        }
    }
}

/// An aggregate over rows of record `R`, with Rust output type `T`: put it in a
/// [`Selection`], compare it in a `having` filter, or sort groups by it.
pub struct Aggregate<R, T> {
    expr: SelectExpr,
    _marker: PhantomData<fn() -> (R, T)>,
}

impl<R, T> Clone for Aggregate<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R, T> Copy for Aggregate<R, T> {}

impl<R, T> std::fmt::Debug for Aggregate<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Aggregate({})", self.expr.describe())
    }
}

/// `COUNT(*)`: the number of rows (of each group).
pub fn count_all<R>() -> Aggregate<R, i64> {
    Aggregate::new(AggregateFn::CountRows, "")
}

impl<R, T> Aggregate<R, T> {
    fn new(function: AggregateFn, column: &'static str) -> Self {
        Aggregate {
            expr: SelectExpr::aggregate(function, column),
            _marker: PhantomData,
        }
    }

    /// The aggregate as SQL building sees it.
    pub fn expr(&self) -> SelectExpr {
        self.expr
    }

    fn cmp(self, op: CmpOp, value: impl ValueFor<T>) -> Filter<R> {
        let (value, finer) = value.into_filter_value();
        let expr = self.expr;
        Filter::new(crate::filter::exact_comparison(
            op,
            value,
            finer,
            |op, value| Condition::Aggregate(expr, op, value),
        ))
    }

    /// Groups whose aggregate equals `value` (`eq(None)`: no non-NULL value), in `having`.
    pub fn eq(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Eq, value)
    }

    /// Groups whose aggregate differs from `value`, in `having`.
    pub fn ne(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ne, value)
    }

    /// Groups whose aggregate is less than `value`, in `having`.
    pub fn lt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Lt, value)
    }

    /// Groups whose aggregate is at most `value`, in `having`.
    pub fn le(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Le, value)
    }

    /// Groups whose aggregate is greater than `value`, in `having`.
    pub fn gt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Gt, value)
    }

    /// Groups whose aggregate is at least `value`, in `having`.
    pub fn ge(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ge, value)
    }

    /// Groups in ascending order of the aggregate (NULL last).
    pub fn asc(self) -> Order<R> {
        Order::from_key(OrderKey::of(self.expr, false))
    }

    /// Groups in descending order of the aggregate (NULL first).
    pub fn desc(self) -> Order<R> {
        Order::from_key(OrderKey::of(self.expr, true))
    }
}

/// Column types `sum` and `avg` take, and the type of their sum.
#[diagnostic::on_unimplemented(
    message = "`sum` and `avg` take i8, i16, i32, i64, u8, u16, u32, f32 and f64 columns, not `{Self}`"
)]
pub trait Summable {
    /// The type of the sum: `i64` for integers, `f64` for `f64`.
    type Sum: ColumnValue;
}

/// Column types `min` and `max` take (ordered the same way on every backend), and the type
/// of the result.
#[diagnostic::on_unimplemented(
    message = "`min` and `max` take integer, float, decimal, String, DateTime<Utc>, NaiveDate, NaiveDateTime and NaiveTime columns, not `{Self}`"
)]
pub trait Comparable {
    /// The column's type without `Option`.
    type Value: ColumnValue;
}

macro_rules! summable {
    ($($t:ty => $sum:ty),*) => {$(
        impl Summable for $t { type Sum = $sum; }
    )*};
}
summable!(i16 => i64, i32 => i64, i64 => i64, f64 => f64);
// Kept in a wider stored type (see `widened`): they sum as it does. `u64` is left out, as
// its sums would pass i64::MAX.
summable!(i8 => i64, u8 => i64, u16 => i64, u32 => i64, f32 => f64);

impl<T: Summable> Summable for Option<T> {
    type Sum = T::Sum;
}

macro_rules! comparable {
    ($($t:ty),*) => {$(
        impl Comparable for $t { type Value = $t; }
    )*};
}
comparable!(i16, i32, i64, f64, String, DateTime<Utc>, NaiveDate);
comparable!(
    i8,
    u8,
    u16,
    u32,
    u64,
    f32,
    NaiveDateTime,
    NaiveTime,
    rust_decimal::Decimal
);

impl<T: Comparable> Comparable for Option<T> {
    type Value = T::Value;
}

impl<R, T> Column<R, T> {
    /// `COUNT(column)`: the number of non-NULL values.
    pub fn count(self) -> Aggregate<R, i64> {
        Aggregate::new(AggregateFn::Count, self.name())
    }

    /// `COUNT(DISTINCT column)`: the number of distinct non-NULL values (text compared byte
    /// for byte).
    pub fn count_distinct(self) -> Aggregate<R, i64> {
        Aggregate::new(AggregateFn::CountDistinct, self.name())
    }
}

impl<R, T: Summable> Column<R, T> {
    /// `SUM(column)` of the non-NULL values: `None` when there are none. An integer sum is
    /// exact and a [`TypeMismatch`](crate::ErrorKind::TypeMismatch) when the total does not
    /// fit in `i64`, on every backend.
    pub fn sum(self) -> Aggregate<R, Option<T::Sum>> {
        Aggregate::new(AggregateFn::Sum, self.name())
    }

    /// `AVG(column)` of the non-NULL values, as `f64` on every backend (also for integers).
    pub fn avg(self) -> Aggregate<R, Option<f64>> {
        Aggregate::new(AggregateFn::Avg, self.name())
    }
}

impl<R, T: Comparable> Column<R, T> {
    /// `MIN(column)` of the non-NULL values; text by code point on every backend.
    pub fn min(self) -> Aggregate<R, Option<T::Value>> {
        Aggregate::new(AggregateFn::Min, self.name())
    }

    /// `MAX(column)` of the non-NULL values; text by code point on every backend.
    pub fn max(self) -> Aggregate<R, Option<T::Value>> {
        Aggregate::new(AggregateFn::Max, self.name())
    }
}

/// One output column of a query on record `R`'s table: a [`Column`] or an [`Aggregate`].
pub trait Selectable<R> {
    /// The Rust type of the output column.
    type Output: ColumnValue;
    /// The output column as SQL building sees it.
    fn select_expr(&self) -> SelectExpr;
}

impl<R, T: ColumnValue> Selectable<R> for Column<R, T> {
    type Output = T;
    fn select_expr(&self) -> SelectExpr {
        SelectExpr::column(self.name())
    }
}

impl<R, T: ColumnValue> Selectable<R> for Aggregate<R, T> {
    type Output = T;
    fn select_expr(&self) -> SelectExpr {
        self.expr
    }
}

/// The output columns of a query: a tuple of one to eight [`Selectable`]s, each row read as
/// the tuple of their output types.
pub trait Selection<R> {
    /// One row of the result.
    type Row: FromRow;
    /// The output columns, in order.
    fn exprs(&self) -> Vec<SelectExpr>;
}

macro_rules! tuple_selection {
    ($($name:ident $index:tt),+) => {
        impl<R, $($name: Selectable<R>),+> Selection<R> for ($($name,)+) {
            type Row = ($($name::Output,)+);
            fn exprs(&self) -> Vec<SelectExpr> {
                vec![$(self.$index.select_expr()),+]
            }
        }
    };
}

tuple_selection!(A 0);
tuple_selection!(A 0, B 1);
tuple_selection!(A 0, B 1, C 2);
tuple_selection!(A 0, B 1, C 2, D 3);
tuple_selection!(A 0, B 1, C 2, D 3, E 4);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
