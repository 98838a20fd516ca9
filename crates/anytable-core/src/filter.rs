//! Typed column handles and the filters, orderings and assignments built from them.
//!
//! `#[derive(Record)]` gives every record an associated function per column, e.g.
//! `SimpleRow::number()`, returning a [`Column`]. Filters built from one record's columns
//! cannot be used on another record's table: that is checked at compile time.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::value::{TextColumn, Value, ValueFor};

/// A column of record `R` holding values of Rust type `T`.
pub struct Column<R, T> {
    name: &'static str,
    _marker: PhantomData<fn() -> (R, T)>,
}

impl<R, T> Clone for Column<R, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<R, T> Copy for Column<R, T> {}

impl<R, T> std::fmt::Debug for Column<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({:?})", self.name)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// The backend-neutral condition tree behind a [`Filter`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Condition {
    /// Every row.
    All,
    /// `column <op> value`.
    Cmp(&'static str, CmpOp, Value),
    /// `column IN (values)`.
    In(&'static str, Vec<Value>),
    /// `column LIKE pattern`.
    Like(&'static str, String),
    /// `column IS NULL`.
    IsNull(&'static str),
    /// `column IS NOT NULL`.
    IsNotNull(&'static str),
    /// All of these.
    And(Vec<Condition>),
    /// Any of these.
    Or(Vec<Condition>),
    /// Not this.
    Not(Box<Condition>),
}

/// A condition on rows of record `R`.
pub struct Filter<R> {
    condition: Condition,
    _marker: PhantomData<fn() -> R>,
}

impl<R> Clone for Filter<R> {
    fn clone(&self) -> Self {
        Filter::new(self.condition.clone())
    }
}

impl<R> std::fmt::Debug for Filter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.condition.fmt(f)
    }
}

impl<R> Filter<R> {
    fn new(condition: Condition) -> Self {
        Filter {
            condition,
            _marker: PhantomData,
        }
    }

    /// A filter that matches every row.
    pub fn all() -> Self {
        Filter::new(Condition::All)
    }

    /// Rows matching both filters.
    pub fn and(self, other: Filter<R>) -> Self {
        match self.condition {
            Condition::And(mut v) => {
                v.push(other.condition);
                Filter::new(Condition::And(v))
            }
            c => Filter::new(Condition::And(vec![c, other.condition])),
        }
    }

    /// Rows matching either filter.
    pub fn or(self, other: Filter<R>) -> Self {
        match self.condition {
            Condition::Or(mut v) => {
                v.push(other.condition);
                Filter::new(Condition::Or(v))
            }
            c => Filter::new(Condition::Or(vec![c, other.condition])),
        }
    }

    /// The condition tree, for SQL building.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }
}

impl<R> Not for Filter<R> {
    type Output = Filter<R>;
    fn not(self) -> Filter<R> {
        Filter::new(Condition::Not(Box::new(self.condition)))
    }
}

impl<R> BitAnd for Filter<R> {
    type Output = Filter<R>;
    fn bitand(self, rhs: Filter<R>) -> Filter<R> {
        self.and(rhs)
    }
}

impl<R> BitOr for Filter<R> {
    type Output = Filter<R>;
    fn bitor(self, rhs: Filter<R>) -> Filter<R> {
        self.or(rhs)
    }
}

/// A sort key: a column and a direction.
pub struct Order<R> {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    _marker: PhantomData<fn() -> R>,
}

impl<R> Clone for Order<R> {
    fn clone(&self) -> Self {
        Order {
            column: self.column,
            descending: self.descending,
            _marker: PhantomData,
        }
    }
}

/// `column = value` in an update.
pub struct Assignment<R> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    _marker: PhantomData<fn() -> R>,
}

impl<R> Clone for Assignment<R> {
    fn clone(&self) -> Self {
        Assignment {
            column: self.column,
            value: self.value.clone(),
            _marker: PhantomData,
        }
    }
}

impl<R, T> Column<R, T> {
    /// A handle on the column named `name`; `#[derive(Record)]` creates these.
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            _marker: PhantomData,
        }
    }

    /// The column name in the database.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn cmp(self, op: CmpOp, value: Value) -> Filter<R> {
        // `= NULL` is never true in SQL; users who write eq(None) mean IS NULL.
        match (op, value.is_null()) {
            (CmpOp::Eq, true) => Filter::new(Condition::IsNull(self.name)),
            (CmpOp::Ne, true) => Filter::new(Condition::IsNotNull(self.name)),
            _ => Filter::new(Condition::Cmp(self.name, op, value)),
        }
    }

    /// Rows where the column equals `value` (`eq(None)` means IS NULL).
    pub fn eq(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Eq, value.into_value())
    }

    /// Rows where the column differs from `value` (`ne(None)` means IS NOT NULL).
    pub fn ne(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ne, value.into_value())
    }

    /// Rows where the column is less than `value`.
    pub fn lt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Lt, value.into_value())
    }

    /// Rows where the column is at most `value`.
    pub fn le(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Le, value.into_value())
    }

    /// Rows where the column is greater than `value`.
    pub fn gt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Gt, value.into_value())
    }

    /// Rows where the column is at least `value`.
    pub fn ge(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ge, value.into_value())
    }

    /// Rows where the column equals one of `values` (none matches an empty list).
    pub fn is_in<V: ValueFor<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<R> {
        let values = values.into_iter().map(ValueFor::into_value).collect();
        Filter::new(Condition::In(self.name, values))
    }

    /// Rows where the column is NULL.
    pub fn is_null(self) -> Filter<R> {
        Filter::new(Condition::IsNull(self.name))
    }

    /// Rows where the column is not NULL.
    pub fn is_not_null(self) -> Filter<R> {
        Filter::new(Condition::IsNotNull(self.name))
    }

    /// Ascending order on this column.
    pub fn asc(self) -> Order<R> {
        Order {
            column: self.name,
            descending: false,
            _marker: PhantomData,
        }
    }

    /// Descending order on this column.
    pub fn desc(self) -> Order<R> {
        Order {
            column: self.name,
            descending: true,
            _marker: PhantomData,
        }
    }

    /// Sets the column to `value` in an update.
    pub fn set(self, value: impl ValueFor<T>) -> Assignment<R> {
        Assignment {
            column: self.name,
            value: value.into_value(),
            _marker: PhantomData,
        }
    }
}

impl<R, T: TextColumn> Column<R, T> {
    /// Rows whose text matches the SQL LIKE `pattern` (`%` any run, `_` one character).
    pub fn like(self, pattern: impl Into<String>) -> Filter<R> {
        Filter::new(Condition::Like(self.name, pattern.into()))
    }
}
