//! Operations as data: what the fuzzer generates, prints when a case fails, and shrinks.

use proptest::prelude::*;

use super::model::{cmp_ops, rows, CmpOp, Col, Lit};
use super::values::Use;

/// A row to write: the fuzzer's key and a value for every data column.
#[derive(Debug, Clone)]
pub struct Row {
    /// The unique key (few values, so upserts and unique violations happen).
    pub k: i64,
    /// One value per data column.
    pub values: Vec<Lit>,
}

/// A filter, as data.
#[derive(Debug, Clone)]
pub enum Pred {
    /// Every row.
    All,
    /// `column <op> value`.
    Cmp(CmpOp, Lit),
    /// `column IN (values)`.
    In(Col, Vec<Lit>),
    /// `like` (false) or `ilike` (true) on a text column.
    Like(TextCol, String, bool),
    /// `column IS NULL`.
    IsNull(Col),
    /// `column IS NOT NULL`.
    IsNotNull(Col),
    /// `k <op> n`: the key, so that filters often match some rows.
    Key(CmpOp, i64),
    /// All of these.
    And(Vec<Pred>),
    /// Any of these.
    Or(Vec<Pred>),
    /// Not this.
    Not(Box<Pred>),
}

/// What an upsert does on a conflicting key.
#[derive(Debug, Clone)]
pub enum Conflict {
    /// Keep the existing row.
    Nothing,
    /// Overwrite these columns.
    Update(Vec<Col>),
    /// Overwrite every data column but the key.
    UpdateAll,
}

/// An aggregate over the rows a filter selects.
#[derive(Debug, Clone)]
pub enum Agg {
    /// `count(*)`.
    CountAll,
    /// `count(column)`.
    Count(Col),
    /// `count(DISTINCT column)`.
    CountDistinct(Col),
    /// `sum(column)`.
    Sum(SumCol),
    /// `avg(column)`.
    Avg(SumCol),
    /// `min(column)`.
    Min(CmpCol),
    /// `max(column)`.
    Max(CmpCol),
}

macro_rules! column_subset {
    ($(#[$doc:meta])* $name:ident: $($col:ident),*) => {
        $(#[$doc])*
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $(
            #[doc = concat!("Column `", stringify!($col), "`.")]
            $col,
        )* }

        impl $name {
            /// Every column of the subset.
            pub const ALL: &'static [$name] = &[$($name::$col),*];

            /// The same column in [`Col`].
            pub fn col(self) -> Col {
                match self { $($name::$col => Col::$col,)* }
            }
        }
    };
}

column_subset!(
    /// Text columns: `like` and `ilike`.
    TextCol: t, ot
);
column_subset!(
    /// Columns `sum` and `avg` take.
    SumCol: g, i, oi, n, u, f, of, h
);
column_subset!(
    /// Columns `min` and `max` take.
    CmpCol: g, i, oi, n, u, w, f, of, h, t, ot, ts, ots, day, dt, tm, dec, odec
);
column_subset!(
    /// Columns rows are grouped by.
    GroupCol: g, b, t, oi, day
);

/// A Rust type hand-written SQL reads a column as.
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAs {
    /// `i16`.
    i16,
    /// `i32`.
    i32,
    /// `i64`.
    i64,
    /// `f64`.
    f64,
    /// `bool`.
    bool,
    /// `String`.
    String,
    /// `Vec<u8>`.
    Bytes,
    /// `DateTime<Utc>`.
    DateTimeUtc,
    /// `NaiveDate`.
    NaiveDate,
    /// `NaiveDateTime`.
    NaiveDateTime,
    /// `NaiveTime`.
    NaiveTime,
    /// `Decimal`.
    Decimal,
    /// `serde_json::Value`.
    Json,
    /// `Uuid`.
    Uuid,
}

impl ReadAs {
    /// Every type.
    pub const ALL: &'static [ReadAs] = &[
        ReadAs::i16,
        ReadAs::i32,
        ReadAs::i64,
        ReadAs::f64,
        ReadAs::bool,
        ReadAs::String,
        ReadAs::Bytes,
        ReadAs::DateTimeUtc,
        ReadAs::NaiveDate,
        ReadAs::NaiveDateTime,
        ReadAs::NaiveTime,
        ReadAs::Decimal,
        ReadAs::Json,
        ReadAs::Uuid,
    ];
}

/// One operation on the table.
#[derive(Debug, Clone)]
pub enum Op {
    /// `insert` of one row.
    Insert(Row),
    /// `insert_many` of several rows (all or nothing).
    InsertMany(Vec<Row>),
    /// `upsert` with `k` as the conflict target.
    Upsert(Row, Conflict),
    /// `update` of the rows a filter selects.
    Update(Pred, Vec<Lit>),
    /// `delete` of the rows a filter selects.
    Delete(Pred),
    /// `select` with a filter, orders (the key breaks ties), limit and offset.
    Select {
        /// The filter.
        pred: Pred,
        /// Order keys before the tie-breaking key.
        order: Vec<(Col, bool)>,
        /// LIMIT.
        limit: Option<u64>,
        /// OFFSET.
        offset: Option<u64>,
    },
    /// `count_matching`.
    Count(Pred),
    /// One aggregate of the selected rows.
    Aggregate(Pred, Agg),
    /// A GROUP BY with one aggregate and an optional HAVING count(*) > n, in group order.
    Group(Pred, GroupCol, Agg, Option<i64>),
    /// [`Op::Group`], the first `limit` groups only.
    GroupPage(Pred, GroupCol, Agg, Option<i64>, u64),
    /// The distinct values of one column, in order.
    Distinct(Pred, Col),
    /// Hand-written `SELECT column FROM fuzz_rows ORDER BY k`, read as the column's type.
    Raw(Col),
    /// Hand-written `SELECT column FROM fuzz_rows ORDER BY k`, read as another Rust type
    /// (wrapped in `Option`): one decoding rule on every backend, a value or `TypeMismatch`.
    RawAs(Col, ReadAs),
    /// Every row out as Arrow batches, deleted, and written back with `insert_arrow`.
    ArrowRoundTrip,
    /// Children referencing the rows of these keys (`None`: no parent; a key no row has:
    /// none either), joined with their parents (left join when `true`, else inner) and the
    /// parents filtered by the predicate, in the children's order; then the children are
    /// deleted again.
    Join(Vec<Option<i64>>, Pred, bool),
    /// These table operations in one transaction (`Database::begin`), then committed (`true`)
    /// or rolled back: each one's answer, then the commit's or the rollback's. After a failed
    /// statement every later call in it is `TransactionAborted` on every backend.
    Transaction(Vec<Op>, bool),
    /// `delete_all` (how history mode empties the table between sequences; never generated).
    DeleteAll,
}

/// Keys: few, so that conflicts happen.
fn keys() -> impl Strategy<Value = i64> {
    0i64..12
}

/// A row to write.
pub fn row() -> impl Strategy<Value = Row> {
    (keys(), rows()).prop_map(|(k, values)| Row { k, values })
}

fn any_col() -> impl Strategy<Value = Col> {
    prop::sample::select(Col::ALL)
}

fn text_col() -> impl Strategy<Value = TextCol> {
    prop::sample::select(TextCol::ALL)
}

/// A comparison with a value of any column.
fn comparison() -> impl Strategy<Value = Pred> {
    (any_col(), cmp_ops()).prop_flat_map(|(c, op)| c.values().prop_map(move |v| Pred::Cmp(op, v)))
}

/// Filters up to three levels deep.
pub fn pred() -> impl Strategy<Value = Pred> {
    let leaf = prop_oneof![
        1 => Just(Pred::All),
        6 => comparison(),
        2 => any_col().prop_flat_map(|c| {
            prop::collection::vec(c.values(), 0..4).prop_map(move |v| Pred::In(c, v))
        }),
        3 => (text_col(), super::values::patterns(), any::<bool>())
            .prop_map(|(c, p, i)| Pred::Like(c, p, i)),
        1 => any_col().prop_map(Pred::IsNull),
        1 => any_col().prop_map(Pred::IsNotNull),
        3 => (cmp_ops(), keys()).prop_map(|(op, k)| Pred::Key(op, k)),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Pred::And),
            prop::collection::vec(inner.clone(), 1..4).prop_map(Pred::Or),
            inner.prop_map(|p| Pred::Not(Box::new(p))),
        ]
    })
}

/// Columns to sum or average: every one (float sums are compared within their bound).
fn sum_col() -> impl Strategy<Value = SumCol> {
    prop::sample::select(SumCol::ALL.to_vec())
}

fn agg() -> impl Strategy<Value = Agg> {
    prop_oneof![
        Just(Agg::CountAll),
        any_col().prop_map(Agg::Count),
        any_col().prop_map(Agg::CountDistinct),
        sum_col().prop_map(Agg::Sum),
        sum_col().prop_map(Agg::Avg),
        prop::sample::select(CmpCol::ALL).prop_map(Agg::Min),
        prop::sample::select(CmpCol::ALL).prop_map(Agg::Max),
    ]
}

fn conflict() -> impl Strategy<Value = Conflict> {
    prop_oneof![
        Just(Conflict::Nothing),
        prop::collection::vec(any_col(), 1..3).prop_map(Conflict::Update),
        Just(Conflict::UpdateAll),
    ]
}

/// One write to the table.
fn write_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => row().prop_map(Op::Insert),
        3 => prop::collection::vec(row(), 0..4).prop_map(Op::InsertMany),
        3 => (row(), conflict()).prop_map(|(r, c)| Op::Upsert(r, c)),
        3 => (pred(), prop::collection::vec(any_col().prop_flat_map(|c| c.values_for(Use::Written)), 1..3))
            .prop_map(|(p, set)| Op::Update(p, set)),
        2 => pred().prop_map(Op::Delete),
    ]
}

/// One operation on the table through its handle: a write, a select or a count.
pub fn table_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        17 => write_op(),
        5 => (
            pred(),
            prop::collection::vec((any_col(), any::<bool>()), 0..3),
            proptest::option::of(0u64..5),
            proptest::option::of(0u64..3),
        )
            .prop_map(|(pred, order, limit, offset)| Op::Select { pred, order, limit, offset }),
        2 => pred().prop_map(Op::Count),
    ]
}

/// One operation, writes and reads about evenly.
pub fn op() -> BoxedStrategy<Op> {
    let op = prop_oneof![
        24 => table_op(),
        3 => (pred(), agg()).prop_map(|(p, a)| Op::Aggregate(p, a)),
        2 => (pred(), prop::sample::select(GroupCol::ALL), agg(), proptest::option::of(0i64..3))
            .prop_map(|(p, group, a, h)| Op::Group(p, group, a, h)),
        1 => (pred(), prop::sample::select(GroupCol::ALL), agg(), proptest::option::of(0i64..3), 0u64..3)
            .prop_map(|(p, group, a, h, n)| Op::GroupPage(p, group, a, h, n)),
        2 => (pred(), any_col()).prop_map(|(p, c)| Op::Distinct(p, c)),
        2 => any_col().prop_map(Op::Raw),
        2 => (any_col(), prop::sample::select(ReadAs::ALL)).prop_map(|(c, t)| Op::RawAs(c, t)),
        1 => Just(Op::ArrowRoundTrip),
        2 => (prop::collection::vec(proptest::option::weighted(0.8, keys()), 0..5), pred(), any::<bool>())
            .prop_map(|(parents, p, left)| Op::Join(parents, p, left)),
    ];
    let transaction = (prop::collection::vec(table_op(), 1..4), any::<bool>())
        .prop_map(|(ops, commit)| Op::Transaction(ops, commit));
    prop_oneof![38 => op, 2 => transaction].boxed()
}

/// A sequence of operations on an empty table.
pub fn sequence(max_len: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..=max_len.max(1))
}

fn list<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
    format!(
        "vec![{}]",
        items.iter().map(each).collect::<Vec<_>>().join(", ")
    )
}

impl Row {
    /// Rust source that builds this row (for a regression case).
    pub fn rust(&self) -> String {
        format!(
            "Row {{ k: {}, values: {} }}",
            self.k,
            list(&self.values, Lit::rust)
        )
    }
}

impl Pred {
    /// Rust source that builds this filter (for a regression case).
    pub fn rust(&self) -> String {
        match self {
            Pred::All => "Pred::All".to_owned(),
            Pred::Cmp(op, v) => format!("Pred::Cmp(CmpOp::{op:?}, {})", v.rust()),
            Pred::In(c, vs) => format!("Pred::In(Col::{c:?}, {})", list(vs, Lit::rust)),
            Pred::Like(c, p, i) => format!("Pred::Like(TextCol::{c:?}, {p:?}.to_owned(), {i})"),
            Pred::IsNull(c) => format!("Pred::IsNull(Col::{c:?})"),
            Pred::IsNotNull(c) => format!("Pred::IsNotNull(Col::{c:?})"),
            Pred::Key(op, k) => format!("Pred::Key(CmpOp::{op:?}, {k})"),
            Pred::And(ps) => format!("Pred::And({})", list(ps, Pred::rust)),
            Pred::Or(ps) => format!("Pred::Or({})", list(ps, Pred::rust)),
            Pred::Not(p) => format!("Pred::Not(Box::new({}))", p.rust()),
        }
    }
}

impl Agg {
    /// Rust source that builds this aggregate (for a regression case).
    pub fn rust(&self) -> String {
        match self {
            Agg::CountAll => "Agg::CountAll".to_owned(),
            Agg::Count(c) => format!("Agg::Count(Col::{c:?})"),
            Agg::CountDistinct(c) => format!("Agg::CountDistinct(Col::{c:?})"),
            Agg::Sum(c) => format!("Agg::Sum(SumCol::{c:?})"),
            Agg::Avg(c) => format!("Agg::Avg(SumCol::{c:?})"),
            Agg::Min(c) => format!("Agg::Min(CmpCol::{c:?})"),
            Agg::Max(c) => format!("Agg::Max(CmpCol::{c:?})"),
        }
    }
}

impl Op {
    /// Rust source that builds this operation, for pasting a minimal failing sequence into a
    /// regression case (`use anytable_conformance::fuzz::prelude::*;` brings every name).
    pub fn rust(&self) -> String {
        match self {
            Op::Insert(r) => format!("Op::Insert({})", r.rust()),
            Op::InsertMany(rs) => format!("Op::InsertMany({})", list(rs, Row::rust)),
            Op::Upsert(r, c) => {
                let c = match c {
                    Conflict::Nothing => "Conflict::Nothing".to_owned(),
                    Conflict::UpdateAll => "Conflict::UpdateAll".to_owned(),
                    Conflict::Update(cols) => {
                        format!(
                            "Conflict::Update({})",
                            list(cols, |c| format!("Col::{c:?}"))
                        )
                    }
                };
                format!("Op::Upsert({}, {c})", r.rust())
            }
            Op::Update(p, set) => format!("Op::Update({}, {})", p.rust(), list(set, Lit::rust)),
            Op::Delete(p) => format!("Op::Delete({})", p.rust()),
            Op::Select {
                pred,
                order,
                limit,
                offset,
            } => format!(
                "Op::Select {{ pred: {}, order: {}, limit: {limit:?}, offset: {offset:?} }}",
                pred.rust(),
                list(order, |(c, d)| format!("(Col::{c:?}, {d})"))
            ),
            Op::Count(p) => format!("Op::Count({})", p.rust()),
            Op::Aggregate(p, a) => format!("Op::Aggregate({}, {})", p.rust(), a.rust()),
            Op::Group(p, g, a, h) => format!(
                "Op::Group({}, GroupCol::{g:?}, {}, {h:?})",
                p.rust(),
                a.rust()
            ),
            Op::GroupPage(p, g, a, h, n) => format!(
                "Op::GroupPage({}, GroupCol::{g:?}, {}, {h:?}, {n})",
                p.rust(),
                a.rust()
            ),
            Op::Distinct(p, c) => format!("Op::Distinct({}, Col::{c:?})", p.rust()),
            Op::Raw(c) => format!("Op::Raw(Col::{c:?})"),
            Op::RawAs(c, t) => format!("Op::RawAs(Col::{c:?}, ReadAs::{t:?})"),
            Op::ArrowRoundTrip => "Op::ArrowRoundTrip".to_owned(),
            Op::Join(parents, p, left) => format!(
                "Op::Join({}, {}, {left})",
                list(parents, |k| format!("{k:?}")),
                p.rust()
            ),
            Op::Transaction(ops, commit) => {
                format!("Op::Transaction({}, {commit})", list(ops, Op::rust))
            }
            Op::DeleteAll => "Op::DeleteAll".to_owned(),
        }
    }
}
