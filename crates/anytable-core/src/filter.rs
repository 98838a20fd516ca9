//! Typed column handles and the filters, orderings and assignments built from them.
//!
//! `#[derive(Record)]` gives every record an associated function per column, e.g.
//! `SimpleRow::number()`, returning a [`Column`]. Filters built from one record's columns
//! cannot be used on another record's table: that is checked at compile time.

use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use crate::aggregate::{AggregateFn, SelectExpr};
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
    /// `column LIKE pattern`: case-sensitive, `%` any run, `_` one character, `\` escapes.
    Like(&'static str, String),
    /// `column LIKE pattern` ignoring case (Unicode lowercase on both sides).
    ILike(&'static str, String),
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
    /// `aggregate <op> value`, in a grouped query's HAVING only (`Eq`/`Ne` with NULL: IS NULL
    /// and IS NOT NULL).
    Aggregate(SelectExpr, CmpOp, Value),
    /// A filter nested deeper than [`MAX_FILTER_DEPTH`]: every use of it is
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput). It replaces the whole tree as soon as
    /// the limit is passed, so no tree ever grows deep enough to overflow the stack (when it is
    /// built, rendered, cloned or dropped).
    TooDeep,
    /// A filter of more than [`MAX_FILTER_TERMS`] comparisons: every use of it is
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput).
    TooWide,
}

/// The deepest nesting of `&`, `|` and `!` a filter may have; `a | b | c` and `a & b & c` are
/// one level however long, and `!!x` is `x`.
pub const MAX_FILTER_DEPTH: u32 = 64;

/// The most comparisons (`eq`, `is_in`, `like`, `is_null`, ...) one filter may hold; an
/// `is_in` of any length is one. DuckDB's optimizer recurses once per term of an OR whose
/// terms share a factor and overflowed a 2 MiB thread stack (tokio's and std's default) at
/// 5,000 of them, aborting the process; a thousand stays well clear on every backend.
pub const MAX_FILTER_TERMS: u32 = 1000;

/// The escape character of LIKE patterns on every backend: `\%`, `\_` and `\\` match a
/// literal `%`, `_` and `\`.
pub const LIKE_ESCAPE: char = '\\';

/// `<op> value` where `value` was shortened to whole microseconds from a finer time
/// (`finer`), as the exact comparison against values stored in whole microseconds: the value
/// lies strictly between its shortened form `t` and the next microsecond, so `< v` and `<= v`
/// are `<= t`, `> v` and `>= v` are `> t`, `= v` holds for no stored value and `<> v` for every
/// non-NULL one. The value stays in the condition, so it is checked like any other.
pub(crate) fn exact_comparison(
    op: CmpOp,
    value: Value,
    finer: bool,
    compare: impl Fn(CmpOp, Value) -> Condition,
) -> Condition {
    if !finer {
        return compare(op, value);
    }
    match op {
        CmpOp::Lt | CmpOp::Le => compare(CmpOp::Le, value),
        CmpOp::Gt | CmpOp::Ge => compare(CmpOp::Gt, value),
        CmpOp::Eq => Condition::And(vec![
            compare(CmpOp::Gt, value.clone()),
            compare(CmpOp::Le, value),
        ]),
        CmpOp::Ne => Condition::Or(vec![
            compare(CmpOp::Le, value.clone()),
            compare(CmpOp::Gt, value),
        ]),
    }
}

impl Condition {
    /// Whether the condition is true for every row (`Some(true)`) or for none (`Some(false)`)
    /// by construction, whatever the rows hold: `Filter::all()`, an empty `is_in`, and `&`, `|`
    /// and `!` of those. `None` when it depends on the data.
    pub fn constant(&self) -> Option<bool> {
        match self {
            Condition::All => Some(true),
            Condition::In(_, values) if values.is_empty() => Some(false),
            Condition::Not(inner) => inner.constant().map(|b| !b),
            Condition::And(parts) => {
                let folded: Vec<Option<bool>> = parts.iter().map(Condition::constant).collect();
                if folded.contains(&Some(false)) {
                    Some(false)
                } else if folded.iter().all(|c| *c == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            Condition::Or(parts) => {
                let folded: Vec<Option<bool>> = parts.iter().map(Condition::constant).collect();
                if folded.contains(&Some(true)) {
                    Some(true)
                } else if folded.iter().all(|c| *c == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// A condition on rows of record `R`.
pub struct Filter<R> {
    condition: Condition,
    /// Levels of nesting, 1 for a single comparison.
    depth: u32,
    /// Comparisons in the tree.
    terms: u32,
    _marker: PhantomData<fn() -> R>,
}

impl<R> Clone for Filter<R> {
    fn clone(&self) -> Self {
        Filter {
            condition: self.condition.clone(),
            depth: self.depth,
            terms: self.terms,
            _marker: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Filter<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.condition.fmt(f)
    }
}

impl<R> Filter<R> {
    pub(crate) fn new(condition: Condition) -> Self {
        Filter::nested(condition, 1, 1)
    }

    /// `condition` of `depth` and `terms`, or [`Condition::TooDeep`]/[`Condition::TooWide`]
    /// past the limits.
    fn nested(condition: Condition, depth: u32, terms: u32) -> Self {
        let condition = if depth > MAX_FILTER_DEPTH {
            // The tree dropped here is at most MAX_FILTER_DEPTH deep.
            Condition::TooDeep
        } else if terms > MAX_FILTER_TERMS {
            Condition::TooWide
        } else {
            condition
        };
        Filter {
            condition,
            depth,
            terms,
            _marker: PhantomData,
        }
    }

    fn too_complex(&self) -> bool {
        matches!(self.condition, Condition::TooDeep | Condition::TooWide)
    }

    /// A filter that matches every row.
    pub fn all() -> Self {
        Filter::new(Condition::All)
    }

    /// Rows matching both filters.
    pub fn and(self, other: Filter<R>) -> Self {
        self.join(other, true)
    }

    /// Rows matching either filter.
    pub fn or(self, other: Filter<R>) -> Self {
        self.join(other, false)
    }

    /// `self & other` (`all`) or `self | other`, extending a list of the same kind rather than
    /// nesting it, so long chains stay one level deep.
    fn join(self, other: Filter<R>, all: bool) -> Self {
        if self.too_complex() {
            return self;
        }
        if other.too_complex() {
            return other;
        }
        let terms = self.terms.saturating_add(other.terms);
        let other_depth = other.depth + 1;
        match (self.condition, all) {
            (Condition::And(mut v), true) | (Condition::Or(mut v), false) => {
                v.push(other.condition);
                let depth = self.depth.max(other_depth);
                let list = if all {
                    Condition::And(v)
                } else {
                    Condition::Or(v)
                };
                Filter::nested(list, depth, terms)
            }
            (c, _) => {
                let v = vec![c, other.condition];
                let depth = (self.depth + 1).max(other_depth);
                Filter::nested(
                    if all {
                        Condition::And(v)
                    } else {
                        Condition::Or(v)
                    },
                    depth,
                    terms,
                )
            }
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
        if self.too_complex() {
            return self;
        }
        match self.condition {
            // `!!x` is `x`: a chain of nots never nests deeper than one.
            Condition::Not(inner) => {
                Filter::nested(*inner, self.depth.saturating_sub(1).max(1), self.terms)
            }
            c => Filter::nested(Condition::Not(Box::new(c)), self.depth + 1, self.terms),
        }
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

/// A sort key: a column, a direction, and where NULLs go.
///
/// By default NULLs sort after every value in ascending order and before them in descending
/// order (as if NULL were the largest value), on every backend;
/// [`nulls_first`](Self::nulls_first) and [`nulls_last`](Self::nulls_last) choose otherwise.
pub struct Order<R> {
    pub(crate) key: OrderKey,
    _marker: PhantomData<fn() -> R>,
}

/// A sort key as SQL building sees it: column (or an aggregate of it), direction, and whether
/// NULLs come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// The column.
    pub column: &'static str,
    /// The aggregate of the column to sort groups by, if any.
    pub aggregate: Option<AggregateFn>,
    /// Descending instead of ascending.
    pub descending: bool,
    /// NULLs before every value instead of after.
    pub nulls_first: bool,
}

impl OrderKey {
    /// Ascending or descending on `column`, NULLs placed as if they were the largest value.
    pub fn new(column: &'static str, descending: bool) -> Self {
        OrderKey::of(SelectExpr::column(column), descending)
    }

    /// Ascending or descending on a column or an aggregate, NULLs as if the largest value.
    pub fn of(expr: SelectExpr, descending: bool) -> Self {
        OrderKey {
            column: expr.column,
            aggregate: expr.aggregate,
            descending,
            nulls_first: descending,
        }
    }

    /// What is sorted on.
    pub fn expr(&self) -> SelectExpr {
        SelectExpr {
            column: self.column,
            aggregate: self.aggregate,
        }
    }
}

impl<R> Clone for Order<R> {
    fn clone(&self) -> Self {
        Order {
            key: self.key,
            _marker: PhantomData,
        }
    }
}

impl<R> Order<R> {
    pub(crate) fn from_key(key: OrderKey) -> Self {
        Order {
            key,
            _marker: PhantomData,
        }
    }

    /// The key as SQL building sees it.
    pub fn key(&self) -> OrderKey {
        self.key
    }

    /// Puts NULLs before every value, whatever the direction.
    pub fn nulls_first(mut self) -> Self {
        self.key.nulls_first = true;
        self
    }

    /// Puts NULLs after every value, whatever the direction.
    pub fn nulls_last(mut self) -> Self {
        self.key.nulls_first = false;
        self
    }
}

/// `column = value` in an update.
pub struct Assignment<R> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    _marker: PhantomData<fn() -> R>,
}

impl<R> Assignment<R> {
    /// The column and the value it is set to, for SQL building.
    pub fn into_parts(self) -> (&'static str, Value) {
        (self.column, self.value)
    }
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

    fn cmp(self, op: CmpOp, value: impl ValueFor<T>) -> Filter<R> {
        let (value, finer) = value.into_filter_value();
        // `= NULL` is never true in SQL; users who write eq(None) mean IS NULL.
        match (op, value.is_null()) {
            (CmpOp::Eq, true) => Filter::new(Condition::IsNull(self.name)),
            (CmpOp::Ne, true) => Filter::new(Condition::IsNotNull(self.name)),
            _ => Filter::new(exact_comparison(op, value, finer, |op, value| {
                Condition::Cmp(self.name, op, value)
            })),
        }
    }

    /// Rows where the column equals `value` (`eq(None)` means IS NULL).
    ///
    /// Times finer than a microsecond compare exactly with the stored values, which have
    /// whole microseconds: such a value equals none of them, and `lt`/`le`/`gt`/`ge` treat it
    /// as lying between two microseconds (every comparison below does).
    pub fn eq(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Eq, value)
    }

    /// Rows where the column differs from `value` (`ne(None)` means IS NOT NULL).
    pub fn ne(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ne, value)
    }

    /// Rows where the column is less than `value`.
    pub fn lt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Lt, value)
    }

    /// Rows where the column is at most `value`.
    pub fn le(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Le, value)
    }

    /// Rows where the column is greater than `value`.
    pub fn gt(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Gt, value)
    }

    /// Rows where the column is at least `value`.
    pub fn ge(self, value: impl ValueFor<T>) -> Filter<R> {
        self.cmp(CmpOp::Ge, value)
    }

    /// Rows where the column equals one of `values` (none matches an empty list; a time finer
    /// than a microsecond matches no stored value, as in [`eq`](Self::eq)).
    pub fn is_in<V: ValueFor<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<R> {
        let mut finer_values = Vec::new();
        let mut stored = Vec::new();
        for value in values {
            match value.into_filter_value() {
                (value, true) => finer_values.push(value),
                (value, false) => stored.push(value),
            }
        }
        if finer_values.is_empty() {
            return Filter::new(Condition::In(self.name, stored));
        }
        // Kept in a condition that is never true (an empty list matches nothing), so that
        // they are still checked like every value.
        let never = Condition::And(vec![
            Condition::In(self.name, finer_values),
            Condition::In(self.name, Vec::new()),
        ]);
        Filter::new(Condition::Or(vec![Condition::In(self.name, stored), never]))
    }

    /// Rows where the column is NULL.
    pub fn is_null(self) -> Filter<R> {
        Filter::new(Condition::IsNull(self.name))
    }

    /// Rows where the column is not NULL.
    pub fn is_not_null(self) -> Filter<R> {
        Filter::new(Condition::IsNotNull(self.name))
    }

    /// Ascending order on this column (NULLs last).
    pub fn asc(self) -> Order<R> {
        Order::from_key(OrderKey::new(self.name, false))
    }

    /// Descending order on this column (NULLs first).
    pub fn desc(self) -> Order<R> {
        Order::from_key(OrderKey::new(self.name, true))
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
    /// Rows whose text matches the LIKE `pattern`, case-sensitively, the same on every backend:
    /// `%` matches any run of characters, `_` exactly one character (not one byte), and a
    /// backslash makes the next character literal (`\%`, `\_`, `\\`). A pattern that ends
    /// in a lone backslash is [`InvalidInput`](crate::ErrorKind::InvalidInput).
    ///
    /// `like("100\\%%")` matches `"100%.txt"` but not `"100.txt"`; `like("%.txt")` does not match
    /// `"A.TXT"` (see `ilike`).
    pub fn like(self, pattern: impl Into<String>) -> Filter<R> {
        Filter::new(Condition::Like(self.name, pattern.into()))
    }

    /// Like [`like`](Self::like), ignoring case: both sides are lowercased letter by letter
    /// with Unicode's mapping (`"ÄPFEL"` matches `"äpfel%"`, `"ПРИВЕТ"` matches `"привет"`).
    /// The few letters whose lowercase form depends on context or is two letters (Turkish `İ`,
    /// a word-final `Σ`) may compare differently between backends.
    ///
    /// # Errors
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the backend declares
    /// `case_insensitive_like: false` (a PostgreSQL server built without ICU).
    pub fn ilike(self, pattern: impl Into<String>) -> Filter<R> {
        Filter::new(Condition::ILike(self.name, pattern.into()))
    }
}
